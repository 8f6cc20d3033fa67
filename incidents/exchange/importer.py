"""``incidents import``: read JSONL, flat CSV or ACLED CSV, plan and apply in one transaction.

Every incoming incident is one of: **new** (its id, or its content, is not stored),
**unchanged** (same public id and same content hash of the document), **changed** (same
id, other content: updated with history reason "import") or a **conflict** (the id is
deleted, repeated in the file, or a write would contradict stored data, e.g. a source
ref stored with another text). Rows that fail validation are **invalid**.

All or nothing by default: one invalid row or conflict and nothing is written. With
``skip_invalid`` the good rows are written and the rest go to a rejects file. A dry run
performs the whole import inside the transaction and rolls it back, so it reports
exactly what a real run would do, assigned ids included.

Formats:

- ``jsonl``: one full record per line (``write_jsonl``); lossless.
- ``csv``: the flat table of ``incidents list --format csv`` (``FLAT_COLUMNS``), lossy by
  nature, see ``read_flat_csv``.
- ``acled``: ACLED-profile CSV via ``incidents.exchange.profiles.from_acled_row``.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import itertools
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    ValidationError,
    computed_field,
    field_serializer,
)
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from incidents.db import repository as repo
from incidents.db.engine import write_scope
from incidents.db.models import IncidentRow
from incidents.errors import ConflictError, InputError, NotFoundError, ValidationFailed
from incidents.exchange.dictionary import CASUALTY_KINDS
from incidents.exchange.documents import field_path
from incidents.exchange.flat import (
    DOCUMENT_COLUMN,
    FLAT_COLUMNS,
    SEPARATOR,
    flat_row,
    neutralize,
)
from incidents.exchange.formats import ImportFormat
from incidents.exchange.jsonl import RowError, parse_line, validation_error
from incidents.limits import (
    MAX_CSV_CELL_CHARS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    MAX_NESTING_DEPTH,
    csv_cell_limit,
)
from incidents.schema import (
    ActorRole,
    Incident,
    IncidentFilter,
    IncidentRecord,
    Source,
)

T = TypeVar("T")


class Tracker(Protocol):
    """Wraps an iterable to show progress (the CLI passes a Rich progress bar)."""

    def __call__(self, items: Iterable[T], *, label: str, total: int | None) -> Iterable[T]:
        """Yield ``items`` unchanged while reporting progress."""
        ...


def no_progress(items: Iterable[T], *, label: str, total: int | None) -> Iterable[T]:
    """The silent tracker."""
    return items


class Action(StrEnum):
    """What the import does (or would do) with one incoming incident."""

    NEW = "new"
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    CONFLICT = "conflict"
    INVALID = "invalid"


class ImportOutcome(BaseModel):
    """The fate of one line or row."""

    row: int = Field(description="line number (JSONL) or data row number (CSV)")
    where: str = Field(description="'line 4' or 'row 3 (line 4)'")
    action: Action
    id: str | None = None
    changes: list[str] = Field(default_factory=list, description="changed field paths")
    reason: str | None = None


class _Spool:
    """JSON arrays, one per line, in an unnamed temporary file that is read back in order."""

    def __init__(self) -> None:
        # Binary, so that a read position is a byte count (text files cannot tell() while
        # reading lines).
        self._file: IO[bytes] | None = None

    def __bool__(self) -> bool:
        return self._file is not None

    def write(self, rows: Iterable[list[Any]]) -> None:
        """Append rows after those already written."""
        if self._file is None:
            self._file = tempfile.TemporaryFile("w+b")
        self._file.seek(0, 2)
        self._file.writelines((json.dumps(row) + "\n").encode() for row in rows)

    def __iter__(self) -> Iterator[list[Any]]:
        if self._file is None:
            return
        self._file.flush()
        offset = 0
        while True:
            # Seek before each chunk: a write between chunks moves the position to the end.
            self._file.seek(offset)
            lines = self._file.readlines(1 << 20)
            if not lines:
                break
            offset += sum(len(line) for line in lines)
            for line in lines:
                yield json.loads(line)

    def close(self) -> None:
        """Delete the temporary file."""
        if self._file is not None:
            self._file.close()
            self._file = None


class OutcomeLog:
    """Every row's outcome in row order, without holding one object per row.

    The newest outcomes (the current window, which a failed batch may still rewrite) stay
    in memory; ``spill`` moves them to a temporary file, which iteration reads back.
    Counts per action are kept as outcomes arrive.
    """

    def __init__(self) -> None:
        self._recent: list[ImportOutcome] = []
        self._spilled = 0
        self._spool = _Spool()
        self.counts: dict[str, int] = dict.fromkeys((a.value for a in Action), 0)

    def __len__(self) -> int:
        return self._spilled + len(self._recent)

    def append(self, outcome: ImportOutcome) -> None:
        """Add the next row's outcome."""
        self._recent.append(outcome)
        self.counts[outcome.action.value] += 1

    def __setitem__(self, index: int, outcome: ImportOutcome) -> None:
        """Replace an outcome not yet spilled (``index`` counts from the first row)."""
        if index < self._spilled:
            raise IndexError(f"outcome {index} is already spilled")
        old = self._recent[index - self._spilled]
        self.counts[old.action.value] -= 1
        self.counts[outcome.action.value] += 1
        self._recent[index - self._spilled] = outcome

    def spill(self) -> None:
        """Move the outcomes in memory to the temporary file."""
        if not self._recent:
            return
        self._spool.write(
            [o.row, o.where, o.action.value, o.id, o.changes, o.reason] for o in self._recent
        )
        self._spilled += len(self._recent)
        self._recent = []

    def __iter__(self) -> Iterator[ImportOutcome]:
        for row, where, action, public_id, changes, reason in self._spool:
            yield ImportOutcome.model_construct(
                row=row,
                where=where,
                action=Action(action),
                id=public_id,
                changes=changes,
                reason=reason,
            )
        yield from list(self._recent)

    def close(self) -> None:
        """Delete the temporary file."""
        self._spool.close()


class ImportReport(BaseModel):
    """What an import did, or with ``dry_run`` would do.

    ``outcomes`` iterates every row's outcome in row order from a temporary file (see
    ``OutcomeLog``); in JSON it is a list, written as it is read.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    file: str
    format: ImportFormat
    dry_run: bool
    rejects: str | None = Field(None, description="the rejects file written, if any")
    outcomes: OutcomeLog = Field(default_factory=OutcomeLog)

    @field_serializer("outcomes")
    def _outcomes(self, outcomes: OutcomeLog, info: SerializationInfo) -> Any:
        # A generator keeps JSON output from building one object per row first.
        return (o for o in outcomes) if info.mode_is_json() else list(outcomes)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        """How many rows ended in each action."""
        return dict(self.outcomes.counts)


@dataclass
class Incoming:
    """One parsed line or row, with what is needed to report or reject it."""

    row: int
    where: str
    raw: str | dict[str, str]
    parsed: Incident | RowError
    # Lossy formats carry only these fields onto a stored incident (None: the whole document).
    partial: tuple[str, ...] | None = None


# --------------------------------------------------------------------------- content


def content_hash(incident: Incident) -> str:
    """sha256 of the document's canonical JSON, id and derived fields left out."""
    data = incident.model_dump(mode="json", exclude={"id"}, exclude_computed_fields=True)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- reading


def detect_format(path: Path) -> ImportFormat:
    """JSONL by extension or a leading '{'; CSV is ACLED when it has ACLED's event id."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return ImportFormat.JSONL
    with _open(path) as fh, csv_cell_limit():
        try:
            head = fh.readline()
            header = next(csv.reader([head]), []) if suffix == ".csv" or "," in head else None
        except UnicodeDecodeError:
            raise InputError(_undecodable(path)) from None
        except csv.Error as exc:
            raise InputError(f"{path}:1: malformed CSV header: {exc}") from None
    if head.lstrip().startswith("{"):
        return ImportFormat.JSONL
    if header is not None:
        return ImportFormat.ACLED if "event_id_cnty" in header else ImportFormat.CSV
    raise InputError(f"{path}: cannot tell the format; give --format jsonl, csv or acled")


def _open(path: Path) -> IO[str]:
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise InputError(f"{path}: {size} bytes is over the {MAX_IMPORT_BYTES} byte limit")
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _undecodable(path: Path) -> str:
    """Where a file stops being UTF-8 (the text decoder only knows its buffer's offset)."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return f"{path}:{line}: not UTF-8 text (byte {exc.start}: {exc.reason})"
    return f"{path}: not UTF-8 text"


def read_items(path: Path, fmt: ImportFormat) -> Iterator[Incoming]:
    """Parse every line or row of ``path``; errors become invalid items, never exceptions."""
    with _open(path) as fh, csv_cell_limit():
        try:
            if fmt is ImportFormat.JSONL:
                items = _jsonl_items(fh)
            elif fmt is ImportFormat.CSV:
                items = _csv_items(fh, path, _flat_incident)
            elif fmt is ImportFormat.ACLED:
                items = _csv_items(fh, path, _acled_parser())
            else:
                raise InputError(f"{path}: resolve the format before reading")
            for count, item in enumerate(items, start=1):
                if count > MAX_IMPORT_ROWS:
                    raise InputError(
                        f"{path}: {item.where}: more than {MAX_IMPORT_ROWS} rows in one "
                        "import; split the file"
                    )
                yield item
        except UnicodeDecodeError:
            raise InputError(_undecodable(path)) from None
        except csv.Error as exc:
            raise InputError(f"{path}: malformed CSV: {exc}") from None


def _jsonl_items(fh: IO[str]) -> Iterator[Incoming]:
    # Python splits lines on \n only here; JSON escapes every newline inside strings.
    for number, line in enumerate(fh, start=1):
        if line.strip():
            text = line.rstrip("\r\n")
            yield Incoming(number, f"line {number}", text, _jsonl_line(text))


def _jsonl_line(text: str) -> Incident | RowError:
    try:
        parsed = parse_line(text)
    except RecursionError:
        # json.loads recurses per level; the YAML reader stops at the same depth.
        return RowError("json", f"nested deeper than {MAX_NESTING_DEPTH} levels")
    except ValueError as exc:
        # Not a JSONDecodeError: e.g. an integer over Python's 4,300-digit conversion limit.
        return RowError("json", f"malformed JSON: {str(exc).split(';')[0]}")
    if isinstance(parsed, RowError) and not parsed.field.isprintable():
        # An unknown key from the file ("a\nb") would break the one-line error.
        return RowError(field_path(parsed.field.split(".")), parsed.reason)
    return parsed


def _csv_items(
    fh: IO[str], path: Path, parse: Callable[[dict[str, str]], Incident]
) -> Iterator[Incoming]:
    """Rows of a flat or ACLED CSV; ACLED rows never change a stored incident."""
    reader = csv.DictReader(fh)
    header = [c for c in reader.fieldnames or [] if not c.startswith(REJECT_PREFIX)]
    partial: tuple[str, ...] | None = ()
    if parse is _flat_incident:
        _check_flat_header(header, path)
        # A row with its whole document is a whole incident; without, only its columns count.
        partial = None if DOCUMENT_COLUMN in header else flat_overlay_fields(header)
    last_line = reader.line_num
    for number, row in enumerate(reader, start=1):
        where = f"row {number} (line {last_line + 1})"
        last_line = reader.line_num
        clean = {k: v for k, v in row.items() if k is not None and not k.startswith(REJECT_PREFIX)}
        yield Incoming(number, where, clean, _checked_row(row, parse), partial)


def _checked_row(
    row: dict[str | None, Any], parse: Callable[[dict[str, str]], Incident]
) -> Incident | RowError:
    for column, value in row.items():
        if isinstance(value, str) and len(value) > MAX_CSV_CELL_CHARS:
            reason = f"{len(value)} characters; the limit is {MAX_CSV_CELL_CHARS}"
            return RowError(str(column), reason)
    return _parse_row(row, parse)


def _parse_row(
    row: dict[str | None, Any], parse: Callable[[dict[str, str]], Incident]
) -> Incident | RowError:
    if None in row:
        return RowError("row", f"{len(row[None])} more cell(s) than the header has columns")
    if any(v is None for v in row.values()):
        return RowError("row", "fewer cells than the header has columns")
    try:
        return parse({str(k): v for k, v in row.items()})
    except _CellError as exc:
        return RowError(exc.column, exc.reason)
    except ValidationError as exc:
        return validation_error(exc)
    except (ValueError, KeyError, InputError) as exc:
        return RowError("row", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def _acled_parser() -> Callable[[dict[str, str]], Incident]:
    try:
        module = importlib.import_module("incidents.exchange.profiles")
    except ModuleNotFoundError:
        raise InputError(
            "--format acled: the ACLED profile (incidents.exchange.profiles) is not "
            "available in this version"
        ) from None
    parse = getattr(module, "from_acled_row", None)
    if parse is None:
        raise InputError("--format acled: incidents.exchange.profiles has no from_acled_row")
    return parse  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- flat CSV

REJECT_PREFIX = "reject_"
# Flat columns that are derived or summarise other data; never read.
FLAT_IGNORED = ("same_side", "source_count", "claimed_causes")
_REQUIRED = ("title", "date_start", "sources")
# Document fields a flat row may change on a stored incident, by the column carrying each.
_OVERLAY: dict[str, str] = {
    "title": "title",
    "intent": "intent",
    "mechanism": "mechanism",
    "context": "context",
    "verification": "verification",
    "review_status": "review_status",
    "weapons": "weapons",
    "assessed_causes": "assessed_causes",
    "tags": "tags",
    "notes": "notes",
    "date_start": "date",
    "place_as_written": "location.name_as_written",
    "place": "location.name",
    "gazetteer_id": "location.gazetteer_id",
    "country": "location.country",
    "admin1": "location.admin1",
    "latitude": "location.latitude",
    "longitude": "location.longitude",
    "location_precision": "location.precision",
}
# Where a validation error's location points in the flat table.
_COLUMN_OF: dict[tuple[str, ...], str] = {
    ("date", "end"): "date_end",
    ("date", "precision"): "date_precision",
    ("date",): "date_start",
    ("location", "name_as_written"): "place_as_written",
    ("location", "name"): "place",
    ("location", "precision"): "location_precision",
    ("location",): "country",
    ("actors",): "firing",
    ("claims",): "claimants",
    ("sources",): "sources",
}


class _CellError(Exception):
    """A cell that cannot be read, by column."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column, self.reason = column, reason


def _check_flat_header(header: Sequence[str], path: Path) -> None:
    unknown = [c for c in header if c not in FLAT_COLUMNS and c != DOCUMENT_COLUMN]
    if unknown:
        raise InputError(
            f"{path}:1: unknown column {unknown[0]!r}; flat CSV columns are "
            + ", ".join(FLAT_COLUMNS)
        )
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise InputError(f"{path}:1: missing column {missing[0]!r}")


def flat_overlay_fields(header: Sequence[str]) -> tuple[str, ...]:
    """The document fields a flat file with these columns carries."""
    return tuple(_OVERLAY[c] for c in header if c in _OVERLAY)


def _cell(row: dict[str, str], column: str) -> str | None:
    """A cell with the export's formula guard undone; empty is None."""
    value = row.get(column) or ""
    if value.startswith("'") and neutralize(value[1:]) == value:
        value = value[1:]
    return value if value != "" else None


def _cells(row: dict[str, str], column: str) -> list[str]:
    value = _cell(row, column)
    return [] if value is None else [v for v in value.split(SEPARATOR) if v.strip()]


def _number(row: dict[str, str], column: str, kind: Callable[[str], T]) -> T | None:
    value = _cell(row, column)
    if value is None:
        return None
    try:
        return kind(value.strip())
    except ValueError:
        raise _CellError(column, f"not a number: {value!r}") from None


def _flat_sources(row: dict[str, str]) -> list[Source]:
    sources = []
    for value in (v.strip() for v in _cells(row, "sources")):
        is_url = value.startswith(("http://", "https://"))
        fields = {"url": value, "outlet": value.split("/")[2]} if is_url else {"outlet": value}
        try:
            sources.append(Source.model_validate(fields))
        except ValidationError as exc:
            raise _CellError("sources", validation_error(exc).reason) from None
    if not sources:
        raise _CellError("sources", "at least one source (URL or outlet) is needed")
    return sources


def _flat_actors(row: dict[str, str]) -> list[dict[str, Any]]:
    """Units by role; a side is filled in only when the row gives exactly one per role."""
    firing, hit = _cells(row, "firing"), _cells(row, "hit")
    roles = dict.fromkeys(firing, ActorRole.FIRING)
    for name in hit:
        roles[name] = ActorRole.BOTH if name in roles else ActorRole.HIT
    sides = {
        ActorRole.FIRING: _cells(row, "firing_sides"),
        ActorRole.HIT: _cells(row, "hit_sides"),
    }
    actors = []
    for name, role in roles.items():
        side = sides.get(role, [])
        actors.append(
            {"name_as_written": name, "role": role, "side": side[0] if len(side) == 1 else None}
        )
    return actors


def _flat_figures(row: dict[str, str]) -> list[dict[str, Any]]:
    figures = []
    for kind in CASUALTY_KINDS:
        low, best, high = (_number(row, col, int) for col in (f"{kind}_low", kind, f"{kind}_high"))
        if (low, best, high) != (None, None, None):
            figures.append({"kind": kind, "low": low, "best": best, "high": high})
    return figures


def _flat_claims(row: dict[str, str], refs: list[str | None]) -> list[dict[str, Any]]:
    claimants: list[str | None] = list(_cells(row, "claimants")) or [None]
    first = {"casualties": _flat_figures(row), "claimed_causes": _cells(row, "claimed_causes")}
    claims = [
        {"source": refs[0], "claimant": who, **(first if i == 0 else {})}
        for i, who in enumerate(claimants)
    ]
    # Every source must be cited by a claim; the flat row cannot say which claim each
    # further source made, so each gets a bare one (it reports the incident).
    return claims + [{"source": ref} for ref in refs[1:]]


def _flat_incident(row: dict[str, str]) -> Incident:
    """One flat row as an incident: its document column if it has one, else the columns."""
    document = row.get(DOCUMENT_COLUMN) or ""
    if not document.strip():
        return _flat_columns_incident(row)
    try:
        base = Incident.model_validate_json(document)
    except ValidationError as exc:
        raise _CellError(DOCUMENT_COLUMN, validation_error(exc).reason) from None
    # Columns edited in the spreadsheet differ from what the document exports as; they win.
    record = IncidentRecord.model_validate({**base.model_dump(), "id": base.id or _NO_ID})
    rendered = flat_row(record)
    edited = [
        c for c in _OVERLAY if c in row and (_cell(row, c) or "") != _as_cell(rendered.get(c))
    ]
    if not edited:
        return base
    return overlay(base, _flat_columns_incident(row), [_OVERLAY[c] for c in edited])


_NO_ID = "FF-0000-0000"


def _as_cell(value: Any) -> str:
    return "" if value is None else str(value)


def _flat_columns_incident(row: dict[str, str]) -> Incident:
    """One flat row as an incident (lossy; README "incidents import" lists what is read).

    All figures and claimed causes go to the first claim (one claim per claimant, all
    citing the first source; each further source gets a bare claim of its own). Not in the flat table, so never restored: date phrases,
    admin2, actor types and per-unit sides, claim stances, hedges, quotes and
    attribution, figure populations, archived texts, summary and evidence.
    """
    sources = _flat_sources(row)
    start = _cell(row, "date_start")
    data = {
        "id": _cell(row, "id"),
        "title": _cell(row, "title"),
        "date": {
            "start": start,
            "end": _cell(row, "date_end") or start,
            "precision": _cell(row, "date_precision") or "day",
        },
        "location": {
            "name_as_written": _cell(row, "place_as_written"),
            "name": _cell(row, "place"),
            "gazetteer_id": _cell(row, "gazetteer_id"),
            "country": _cell(row, "country"),
            "admin1": _cell(row, "admin1"),
            "latitude": _number(row, "latitude", float),
            "longitude": _number(row, "longitude", float),
            "precision": _cell(row, "location_precision") or "unknown",
        },
        **{
            key: value
            for key in ("intent", "mechanism", "context", "verification", "review_status", "notes")
            if (value := _cell(row, key))
        },
        "assessed_causes": _cells(row, "assessed_causes"),
        "weapons": _cells(row, "weapons"),
        "tags": _cells(row, "tags"),
        "actors": _flat_actors(row),
        "sources": sources,
        "claims": _flat_claims(row, [s.ref for s in sources]),
    }
    try:
        return Incident.model_validate(data)
    except ValidationError as exc:
        raise _CellError(_flat_column(exc), validation_error(exc).reason) from None


def _flat_column(exc: ValidationError) -> str:
    loc = tuple(str(p) for p in exc.errors()[0]["loc"])
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in _COLUMN_OF:
            return _COLUMN_OF[loc[:cut]]
    return loc[0] if loc else "row"


def overlay(stored: Incident, incoming: Incident, fields: Sequence[str]) -> Incident:
    """``stored`` with only ``fields`` (``title``, ``location.name``, ...) taken from ``incoming``."""
    data = stored.model_dump(exclude_computed_fields=True)
    new = incoming.model_dump(exclude_computed_fields=True)
    for path in fields:
        head, _, sub = path.partition(".")
        if sub:
            data[head][sub] = new[head][sub]
        elif head != "date" or any(
            data[head][k] != new[head][k] for k in ("start", "end", "precision")
        ):
            # An unchanged span keeps its phrase, which the flat table does not carry.
            data[head] = new[head]
    return Incident.model_validate(data)


# --------------------------------------------------------------------------- applying


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _stored_row(session: Session, public_id: str) -> IncidentRow | None:
    try:
        # Locked until commit, so an edit saved meanwhile is not overwritten unseen.
        return repo.get_incident_row(session, public_id, for_update=True)
    except NotFoundError:
        return None


def normalise(session: Session, incident: Incident) -> Incident:
    """The incident as storing it would read back: place filled in, actors by lexicon name."""
    from incidents.services import resolve_location

    location, _place = resolve_location(session, incident.location)
    actors = []
    for inv in incident.actors:
        known = repo.find_actor(session, inv.actor or inv.name_as_written)
        name = known.name if known is not None else inv.actor
        actors.append(inv if name == inv.actor else inv.model_copy(update={"actor": name}))
    refs = list(dict.fromkeys(c.source for c in incident.claims))
    # Stored sources come back in the order the claims first cite them.
    sources = sorted(
        incident.sources, key=lambda s: refs.index(s.ref) if s.ref in refs else len(refs)
    )
    return incident.model_copy(update={"location": location, "actors": actors, "sources": sources})


def _twin(session: Session, incident: Incident) -> str | None:
    """The stored incident with this content (same title, date and hash), for id-less rows."""
    digest = content_hash(incident)
    window = IncidentFilter(
        since=incident.date.start, until=incident.date.end, include_deleted=True, sort="id"
    )
    for record in repo.query_incidents(session, window):
        if record.title == incident.title and content_hash(record.document()) == digest:
            return record.id
    return None


def _write(session: Session, item: Incoming, incident: Incident, user: str) -> ImportOutcome:
    from incidents.services import replace_incident, store_new

    def outcome(action: Action, public_id: str, changes: list[str] | None = None) -> ImportOutcome:
        return ImportOutcome(
            row=item.row, where=item.where, action=action, id=public_id, changes=changes or []
        )

    if incident.id is None:
        twin = _twin(session, normalise(session, incident))
        if twin is not None:
            return outcome(Action.UNCHANGED, twin)
        return outcome(Action.NEW, store_new(session, incident, user))
    row = _stored_row(session, incident.id)
    if row is None:
        return outcome(Action.NEW, store_new(session, incident, user))
    if row.deleted_at is not None:
        raise ConflictError(f"id: {row.public_id} is deleted; restore it before importing over it")
    stored = repo.incident_to_schema(row).document()
    if item.partial is not None:
        incident = overlay(stored, incident, item.partial)
    if content_hash(normalise(session, incident)) == content_hash(stored):
        return outcome(Action.UNCHANGED, row.public_id)
    changes = sorted(replace_incident(session, row, incident, user=user, reason="import"))
    return outcome(Action.CHANGED if changes else Action.UNCHANGED, row.public_id, changes)


def _apply_one(
    session: Session, item: Incoming, incident: Incident, user: str, seen: dict[str, str]
) -> ImportOutcome:
    """Apply one incident inside a savepoint, so a conflict undoes only its own writes."""
    if incident.id is not None and incident.id in seen:
        reason = f"id: {incident.id} is already imported from {seen[incident.id]}"
        return ImportOutcome(
            row=item.row, where=item.where, action=Action.CONFLICT, id=incident.id, reason=reason
        )
    try:
        with session.begin_nested():
            result = _write(session, item, incident, user)
    except (ConflictError, InputError) as exc:
        reason = str(exc)
    except IntegrityError as exc:
        reason = f"cannot store: {str(exc.orig).splitlines()[0]}"
    except ValidationError as exc:
        reason = str(validation_error(exc))
    else:
        if incident.id is not None:
            seen[incident.id] = item.where
        return result
    return ImportOutcome(
        row=item.row, where=item.where, action=Action.CONFLICT, id=incident.id, reason=reason
    )


# Rows read ahead per window: the bulk writer looks up their ids and sources in a few
# queries and writes the new incidents among them in one batch.
WINDOW = 2000


def _windows(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while window := list(itertools.islice(iterator, size)):
        yield window


class _Rejects:
    """Rejected rows with their reasons, in row order, waiting in a temporary file.

    Rows of one window may be rejected out of order (a failed batch reports its rows after
    the invalid rows read with them), so each window is sorted before it is spilled.
    """

    def __init__(self) -> None:
        self._window: list[tuple[Incoming, str]] = []
        self._spool = _Spool()
        self.columns: list[str] | None = None

    def add(self, item: Incoming, reason: str) -> None:
        """Reject one row."""
        self._window.append((item, reason))

    def spill(self) -> None:
        """Write the window's rejects, in row order, to the temporary file."""
        if not self._window:
            return
        if self.columns is None and isinstance(self._window[0][0].raw, dict):
            self.columns = list(self._window[0][0].raw)
        self._spool.write(
            [item.row, item.where, item.raw, reason]
            for item, reason in sorted(self._window, key=lambda r: r[0].row)
        )
        self._window = []

    def __bool__(self) -> bool:
        return bool(self._window) or bool(self._spool)

    def __iter__(self) -> Iterator[tuple[int, str, str | dict[str, str], str]]:
        self.spill()
        for line in self._spool:
            yield line[0], line[1], line[2], line[3]

    def close(self) -> None:
        """Delete the temporary file."""
        self._spool.close()


@dataclass
class Applied:
    """What ``apply_items`` did: every row's outcome, and the rejected rows with reasons.

    Memory does not grow with the file: outcomes and rejects wait in temporary files;
    of the invalid rows only the first is kept (for the error) and their number.
    """

    outcomes: OutcomeLog = field(default_factory=OutcomeLog)
    # Kept only with ``skip_invalid``: otherwise a reject aborts the import.
    rejects: _Rejects | None = None
    invalid: int = 0
    first_invalid: Incoming | None = None
    conflict: str | None = None

    def record(
        self, item: Incoming, outcome: ImportOutcome, name: str, *, index: int | None = None
    ) -> None:
        """Keep an outcome (replacing the one at ``index``); a conflict is also a reject."""
        if index is None:
            self.outcomes.append(outcome)
        else:
            self.outcomes[index] = outcome
        if outcome.action is Action.CONFLICT:
            if self.rejects is not None:
                self.rejects.add(item, outcome.reason or "")
            if self.conflict is None:
                self.conflict = f"{name}: {item.where}: {outcome.reason}"

    def record_invalid(self, item: Incoming) -> None:
        """Count an invalid row, report it and reject it."""
        self.invalid += 1
        if self.first_invalid is None:
            self.first_invalid = item
        self.outcomes.append(_invalid_outcome(item))
        if self.rejects is not None:
            self.rejects.add(item, str(item.parsed))

    def end_window(self) -> None:
        """The window's rows are final: move their outcomes and rejects out of memory."""
        self.outcomes.spill()
        if self.rejects is not None:
            self.rejects.spill()


class _Batch:
    """New incidents queued in the bulk writer, with the rows and outcomes they came from."""

    def __init__(self, session: Session, user: str) -> None:
        from incidents.db.bulk import BulkWriter

        self.session, self.user = session, user
        # The importer decides when to write: at the end of each window.
        self.writer = BulkWriter(session, user=user, batch_size=sys.maxsize)
        self.items: list[tuple[Incoming, int]] = []

    def offer(self, item: Incoming, incident: Incident, applied: Applied) -> bool:
        """Queue a new incident with an unused id for the bulk write; False: not eligible."""
        if incident.id is None or self.writer.is_stored(incident.id):
            return False
        prepared = self.writer.prepare(incident)
        if prepared is None:
            return False
        self.writer.add(prepared)
        self.items.append((item, len(applied.outcomes)))
        applied.outcomes.append(
            # Validated by construction; every field given (a default factory is slow here).
            ImportOutcome.model_construct(
                row=item.row,
                where=item.where,
                action=Action.NEW,
                id=prepared.public_id,
                changes=[],
                reason=None,
            )
        )
        return True

    def flush(self, seen: dict[str, str], applied: Applied, name: str) -> None:
        """Write the queue; if the batch fails, store its rows one by one the ORM way."""
        items, self.items = self.items, []
        try:
            self.writer.flush()
        except Exception:
            # The savepoint is gone; each row now meets the checks that report its problem.
            self.writer.take_pending()
            for item, _ in items:
                seen.pop(getattr(item.parsed, "id", None) or "", None)
            for item, index in items:
                assert not isinstance(item.parsed, RowError)
                result = _apply_one(self.session, item, item.parsed, self.user, seen)
                applied.record(item, result, name, index=index)
            self.writer.invalidate()


def apply_items(
    engine: Engine,
    items: Iterable[Incoming],
    *,
    name: str,
    user: str,
    skip_invalid: bool = False,
    dry_run: bool = False,
    track: Tracker = no_progress,
    fast: bool = True,
) -> Applied:
    """Store valid items in one transaction; a conflict aborts it unless ``skip_invalid``.

    Items stream through in windows. New incidents with an unused id go to the bulk writer
    (``fast``); every other row (updates, id-less rows matched by content, sources that
    need merging) takes the ORM path, after the queue is written, so rows apply in file
    order. Without ``skip_invalid`` the first invalid row or conflict stops the writing
    and the rest is only read, to report invalid rows before conflicts, as a full read
    first would.
    """
    applied = Applied(rejects=_Rejects() if skip_invalid else None)
    # Ids imported so far, for the duplicate-id conflict: the one structure that grows
    # with the file (about 150 bytes per row; MAX_IMPORT_ROWS bounds it).
    seen: dict[str, str] = {}
    try:
        with write_scope(engine) as session:
            batch = _Batch(session, user) if fast else None
            for window in _windows(track(items, label="importing", total=None), WINDOW):
                stopped = bool(applied.invalid or applied.conflict) and not skip_invalid
                if batch is not None and not stopped:
                    batch.writer.forget_ids()
                    batch.writer.prefetch(
                        [i.parsed for i in window if not isinstance(i.parsed, RowError)]
                    )
                for item in window:
                    if isinstance(item.parsed, RowError):
                        applied.record_invalid(item)
                        continue
                    if not skip_invalid and (applied.invalid or applied.conflict is not None):
                        continue  # nothing will be written; read on to report invalid rows
                    incident = item.parsed
                    if (
                        batch is not None
                        and (incident.id is None or incident.id not in seen)
                        and batch.offer(item, incident, applied)
                    ):
                        seen[incident.id or ""] = item.where
                        continue
                    if batch is not None:
                        batch.flush(seen, applied, name)
                    applied.record(item, _apply_one(session, item, incident, user, seen), name)
                    if batch is not None:
                        batch.writer.invalidate()
                if batch is not None:
                    batch.flush(seen, applied, name)
                applied.end_window()
            if applied.first_invalid is not None and not skip_invalid:
                first, more = applied.first_invalid, applied.invalid - 1
                extra = f" (and {more} more invalid)" if more else ""
                raise ValidationFailed(
                    f"{name}: {first.where}: {first.parsed}{extra}; nothing imported"
                )
            if applied.conflict is not None and not skip_invalid:
                raise ConflictError(f"{applied.conflict}; nothing imported")
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except BaseException:
        applied.outcomes.close()
        if applied.rejects is not None:
            applied.rejects.close()
        raise
    return applied


# --------------------------------------------------------------------------- rejects


def default_rejects_path(path: Path, fmt: ImportFormat) -> Path:
    """``FILE.rejects.jsonl`` for JSONL input, ``FILE.rejects.csv`` for CSV."""
    return path.with_name(
        path.name + (".rejects.jsonl" if fmt is ImportFormat.JSONL else ".rejects.csv")
    )


def write_rejects(
    path: Path,
    rejected: Iterable[tuple[int, str, str | dict[str, str], str]],
    columns: Sequence[str] | None = None,
) -> None:
    """The rejected lines or rows (``(row, where, raw, reason)``) in the input's own format.

    ``columns``: the CSV header of a CSV input (None for JSONL).
    """
    with path.open("w", encoding="utf-8", newline="") as fh:
        if columns is not None:
            writer = csv.DictWriter(
                fh,
                fieldnames=[*columns, f"{REJECT_PREFIX}where", f"{REJECT_PREFIX}reason"],
                lineterminator="\r\n",
                extrasaction="ignore",
            )
            writer.writeheader()
            for _row, where, raw, reason in rejected:
                cells = raw if isinstance(raw, dict) else {}
                writer.writerow(
                    {**cells, f"{REJECT_PREFIX}where": where, f"{REJECT_PREFIX}reason": reason}
                )
            return
        for row, _where, raw, reason in rejected:
            entry = {"line": row, "reason": reason, "input": raw}
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- entry point


def _invalid_outcome(item: Incoming) -> ImportOutcome:
    return ImportOutcome(
        row=item.row, where=item.where, action=Action.INVALID, reason=str(item.parsed)
    )


def import_file(
    engine: Engine,
    path: Path,
    *,
    user: str,
    fmt: ImportFormat = ImportFormat.AUTO,
    skip_invalid: bool = False,
    rejects: Path | None = None,
    dry_run: bool = False,
    track: Tracker = no_progress,
    fast: bool = True,
) -> ImportReport:
    """Import a file all-or-nothing (or, with ``skip_invalid``, every good row).

    The file streams through (memory holds a window of rows, not the file); ``fast=False``
    stores every row through the ORM, the reference the bulk path is tested against.
    """
    if fmt is ImportFormat.AUTO:
        fmt = detect_format(path)
    applied = apply_items(
        engine,
        read_items(path, fmt),
        name=str(path),
        user=user,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        track=track,
        fast=fast,
    )
    report = ImportReport(file=str(path), format=fmt, dry_run=dry_run, outcomes=applied.outcomes)
    if applied.rejects is not None:
        if applied.rejects and not dry_run:
            target = rejects or default_rejects_path(path, fmt)
            write_rejects(target, applied.rejects, applied.rejects.columns)
            report.rejects = str(target)
        applied.rejects.close()
    return report
