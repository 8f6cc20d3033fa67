"""Flat rows for tables and CSV: one per incident (``flat_row``) or per claim (``claim_rows``).

Columns come from ``incidents.exchange.dictionary``; multi-valued cells are joined by
``SEPARATOR``. Casualty figures follow ``dictionary.CASUALTY_RULE``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TextIO

from incidents.exchange.dictionary import (
    CASUALTY_KINDS,
    CLAIM_COLUMNS,
    FLAT_COLUMNS,
    SEPARATOR,
)
from incidents.schema import (
    ActorRole,
    CasualtyFigure,
    CasualtyKind,
    Claim,
    IncidentRecord,
    Stance,
)

__all__ = [
    "CLAIM_COLUMNS",
    "FLAT_COLUMNS",
    "SEPARATOR",
    "claim_rows",
    "flat_row",
    "neutralize",
    "write_csv",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Bounds = tuple[int, int, int]  # low, best, high


def _join(values: Iterable[str | None], *, unique: bool = False) -> str:
    present = [v for v in values if v]
    return SEPARATOR.join(dict.fromkeys(present) if unique else present)


def _figure_bounds(fig: CasualtyFigure) -> Bounds:
    """low/best/high of one figure; a missing bound is its best (see CASUALTY_RULE)."""
    best = fig.value
    low = fig.low if fig.low is not None else best
    high = fig.high if fig.high is not None else best
    return low, best, high


def claim_bounds(claim: Claim, kind: CasualtyKind) -> Bounds | None:
    """The claim's low/best/high for one kind, populations added up; None if it gives none."""
    bounds = [_figure_bounds(f) for f in claim.casualties if f.kind is kind]
    if not bounds:
        return None
    low, best, high = (sum(b[i] for b in bounds) for i in range(3))
    return low, best, high


def incident_bounds(claims: Iterable[Claim], kind: CasualtyKind) -> Bounds | None:
    """Across non-denying claims: lowest low, highest best, highest high; None if unknown."""
    found = [
        b
        for c in claims
        if c.stance is not Stance.DENIES and (b := claim_bounds(c, kind)) is not None
    ]
    if not found:
        return None
    return min(b[0] for b in found), max(b[1] for b in found), max(b[2] for b in found)


def _casualty_cells(bounds_of: Mapping[str, Bounds | None]) -> dict[str, int | None]:
    cells: dict[str, int | None] = {}
    for kind in CASUALTY_KINDS:
        bounds = bounds_of[kind]
        low, best, high = bounds if bounds else (None, None, None)
        cells.update({kind: best, f"{kind}_low": low, f"{kind}_high": high})
    return cells


def _roles(record: IncidentRecord, role: ActorRole) -> list[tuple[str, str | None]]:
    """(normalised name, side) of the units with ``role`` or ``both``."""
    return [
        (a.actor or a.name_as_written, a.side)
        for a in record.actors
        if a.role in (role, ActorRole.BOTH)
    ]


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def flat_row(record: IncidentRecord) -> dict[str, Any]:
    """The flat columns of one incident (``FLAT_COLUMNS``, in order)."""
    loc = record.location
    firing, hit = _roles(record, ActorRole.FIRING), _roles(record, ActorRole.HIT)
    bounds = {k: incident_bounds(record.claims, CasualtyKind(k)) for k in CASUALTY_KINDS}
    return {
        "id": record.id,
        "title": record.title,
        "date_start": record.date.start.isoformat(),
        "date_end": record.date.end.isoformat(),
        "date_precision": record.date.precision.value,
        "place_as_written": loc.name_as_written,
        "place": loc.name,
        "gazetteer_id": loc.gazetteer_id,
        "country": loc.country,
        "admin1": loc.admin1,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "location_precision": loc.precision.value,
        "intent": record.intent.value,
        "mechanism": record.mechanism.value,
        "context": record.context.value,
        "assessed_causes": _join(c.value for c in record.assessed_causes),
        "claimed_causes": _join(c.value for c in record.claimed_causes),
        "weapons": _join(record.weapons),
        "firing": _join(name for name, _ in firing),
        "firing_sides": _join((side for _, side in firing), unique=True),
        "hit": _join(name for name, _ in hit),
        "hit_sides": _join((side for _, side in hit), unique=True),
        "same_side": _bool(record.same_side),
        **_casualty_cells(bounds),
        "verification": record.verification.value,
        "review_status": record.review_status.value,
        "source_count": len(record.sources),
        "sources": _join(s.url or s.outlet for s in record.sources),
        "claimants": _join((c.claimant for c in record.claims), unique=True),
        "tags": _join(record.tags),
        "notes": record.notes,
    }


def claim_rows(record: IncidentRecord) -> Iterator[dict[str, Any]]:
    """One row per claim of the incident (``CLAIM_COLUMNS``, in order)."""
    sources = {s.ref: s for s in record.sources}
    for n, claim in enumerate(record.claims, start=1):
        source = sources[claim.source or ""]
        bounds = {k: claim_bounds(claim, CasualtyKind(k)) for k in CASUALTY_KINDS}
        yield {
            "claim_id": f"{record.id}/c{n}",
            "incident_id": record.id,
            "date_start": record.date.start.isoformat(),
            "country": record.location.country,
            "admin1": record.location.admin1,
            "source_ref": source.ref,
            "outlet": source.outlet,
            "source_url": source.url,
            "published": source.published.isoformat() if source.published else None,
            "claimant": claim.claimant,
            "claimant_side": claim.claimant_side,
            "affected_side": claim.affected_side,
            "claimant_is_adversary": _bool(claim.claimant_is_adversary),
            "stance": claim.stance.value,
            "claimed_causes": _join(c.value for c in claim.claimed_causes),
            "hedges": _join(claim.hedges),
            "attribution": _join(claim.attribution),
            **_casualty_cells(bounds),
        }


def neutralize(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class RowWriter:
    """A CSV writer for one table that optionally neutralises formulas."""

    def __init__(self, out: TextIO, columns: Sequence[str], *, raw: bool = False) -> None:
        # RFC 4180 line ends: with "\n" alone, a cell holding a bare "\r" would go unquoted
        # and split its row when read back.
        self._writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
        self._raw = raw

    def header(self) -> None:
        """Write the header line."""
        self._writer.writeheader()

    def row(self, row: Mapping[str, Any]) -> None:
        """Write one row (text neutralised unless ``raw``)."""
        self._writer.writerow(row if self._raw else {k: neutralize(v) for k, v in row.items()})


# With --lossless, a last column carries the whole document as JSON, so a spreadsheet round
# trip restores what the flat columns cannot hold; edits to the flat columns still win.
DOCUMENT_COLUMN = "document"


def document_cell(record: IncidentRecord) -> str:
    """The incident's editable document as compact JSON."""
    return record.document().model_dump_json(exclude_none=True, exclude_computed_fields=True)


def write_csv(
    records: Iterable[IncidentRecord],
    out: TextIO,
    *,
    per_claim: bool = False,
    excel: bool = False,
    raw: bool = False,
    lossless: bool = False,
) -> int:
    """Stream a flat CSV (one row per incident, or per claim) to ``out``; return incidents."""
    if excel:
        out.write("\ufeff")
    columns = CLAIM_COLUMNS if per_claim else FLAT_COLUMNS
    if lossless:
        columns = (*columns, DOCUMENT_COLUMN)
    writer = RowWriter(out, columns, raw=raw)
    writer.header()
    count = 0
    for record in records:
        for row in claim_rows(record) if per_claim else (flat_row(record),):
            if lossless:
                row = {**row, DOCUMENT_COLUMN: document_cell(record)}
            writer.row(row)
        count += 1
    return count


def write_flat_rows(
    rows: Iterable[Sequence[Any]], out: TextIO, *, excel: bool = False, raw: bool = False
) -> int:
    """The flat CSV from rows already in ``FLAT_COLUMNS`` order; return how many were written.

    Writes what ``write_csv`` writes for the same incidents (header, formula guard, RFC 4180
    line ends), from tuples instead of records.
    """
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FLAT_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(row if raw else [neutralize(v) for v in row])
        count += 1
    return count
