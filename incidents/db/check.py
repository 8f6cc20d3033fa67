"""Integrity check: find what raw SQL, crashes or outside tools left inconsistent.

``check_database`` only reads (one snapshot, rolled back) and returns typed problems;
rendering and the exit code belong to the CLI.
"""

from __future__ import annotations

import hashlib
import os
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Table, and_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload

from incidents.db import migrate
from incidents.db import repository as repo
from incidents.db.models import Base, ClaimRow, IncidentRow, SourceRow


class Check(StrEnum):
    """The checks, in the order they run."""

    REVISION = "revision"
    INTEGRITY = "integrity"
    FOREIGN_KEYS = "foreign_keys"
    HISTORY = "history"
    ARCHIVE = "archive"
    SEARCH_TEXT = "search_text"
    RECORD = "record"
    FTS = "fts"


@dataclass(frozen=True)
class Problem:
    """One inconsistency: which check found it, in which row, and what is wrong."""

    check: Check
    table: str
    message: str
    row_id: int | None = None
    incidents: tuple[str, ...] = field(default=())

    @property
    def where(self) -> str:
        """The public ids the row belongs to, else ``table#pk``, else the table."""
        if self.incidents:
            return ", ".join(self.incidents)
        return self.table if self.row_id is None else f"{self.table}#{self.row_id}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``where`` included)."""
        return {**asdict(self), "incidents": list(self.incidents), "where": self.where}


def summary(problems: Sequence[Problem]) -> str:
    """'3 problems: 2 archive, 1 history' (checks in run order)."""
    counts = Counter(p.check for p in problems)
    kinds = ", ".join(f"{counts[c]} {c.value}" for c in Check if counts[c])
    noun = "problem" if len(problems) == 1 else "problems"
    return f"{len(problems)} {noun}: {kinds}"


FTS_TABLE = "incidents_fts"
FTS_TRIGGERS = ("incidents_fts_ai", "incidents_fts_ad", "incidents_fts_au")
_BATCH = 200


def check_database(engine: Engine, *, quick: bool = False) -> list[Problem]:
    """Run every check; an empty list means the database is consistent.

    A database that is not at the head revision gets only the revision and storage
    checks: the others query tables and columns an older schema may not have.
    ``quick`` uses SQLite's ``quick_check`` instead of the slower ``integrity_check``.
    """
    problems = _revision(engine)
    sqlite = engine.dialect.name == "sqlite"
    # One snapshot for every check, so a concurrent edit cannot look like a mismatch
    # between, say, the version column and the history read a moment later.
    options = {} if sqlite else {"isolation_level": "REPEATABLE READ"}
    with engine.connect().execution_options(**options) as conn:
        try:
            if sqlite:
                problems += _sqlite_storage(conn, quick=quick)
            if problems:
                return problems
            problems += _foreign_keys(conn, sqlite=sqlite)
            problems += _history(conn)
            problems += _archive(conn)
            # Rows with a broken reference or hash cannot load; they are reported already.
            broken = {
                pid
                for p in problems
                if p.check in (Check.FOREIGN_KEYS, Check.ARCHIVE)
                for pid in p.incidents
            }
            with Session(bind=conn) as session:
                problems += _search_text(session, skip=broken)
            if sqlite:
                problems += _fts(conn, engine)
        finally:
            conn.rollback()
    return problems


# --------------------------------------------------------------------------- structure


def _revision(engine: Engine) -> list[Problem]:
    current = migrate.current_revision(engine)
    head = migrate.head_revision()
    if current == head:
        return []
    return [
        Problem(
            Check.REVISION,
            "alembic_version",
            f"database is at revision {current or 'none (empty database)'}, not {head}; "
            "run `incidents db upgrade` (other checks skipped)",
        )
    ]


def _sqlite_storage(conn: Connection, *, quick: bool) -> list[Problem]:
    pragma = "quick_check" if quick else "integrity_check"
    lines = [str(r[0]) for r in conn.exec_driver_sql(f"PRAGMA {pragma}")]
    return [
        Problem(Check.INTEGRITY, "sqlite", f"PRAGMA {pragma}: {line}")
        for line in lines
        # SQLite 3.44+ also checks FTS5 here; the fts check says which incidents.
        if line != "ok" and FTS_TABLE not in line
    ]


def _owners(conn: Connection, table: Table, ids: Iterable[int]) -> dict[int, str]:
    """Public ids of the incidents that rows of ``table`` belong to (if they still exist)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    incidents = IncidentRow.__table__
    pk = next(iter(table.primary_key.columns))
    if table.name == "incidents":
        query = select(incidents.c.id, incidents.c.public_id)
    elif "incident_id" in table.c:
        query = select(pk, incidents.c.public_id).join(
            incidents, incidents.c.id == table.c.incident_id
        )
    elif "claim_id" in table.c:
        claims = ClaimRow.__table__
        query = (
            select(pk, incidents.c.public_id)
            .join(claims, claims.c.id == table.c.claim_id)
            .join(incidents, incidents.c.id == claims.c.incident_id)
        )
    else:
        return {}
    found: dict[int, str] = {}
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        for row_id, public_id in conn.execute(query.where(pk.in_(chunk))):
            found[row_id] = public_id
    return found


def _foreign_keys(conn: Connection, *, sqlite: bool) -> list[Problem]:
    """Orphans of every foreign key the ORM declares, plus any SQLite itself reports."""
    orphans: dict[tuple[str, int, str], str] = {}
    for table in Base.metadata.sorted_tables:
        pk = next(iter(table.primary_key.columns))
        for fk in table.foreign_key_constraints:
            parent = fk.referred_table.alias("parent")
            pairs = [
                (col, parent.c[el.column.name])
                for col, el in zip(fk.columns, fk.elements, strict=True)
            ]
            query = (
                select(pk, *(col for col, _ in pairs))
                .select_from(table.outerjoin(parent, and_(*(c == p for c, p in pairs))))
                .where(and_(*(c.is_not(None) for c, _ in pairs)))
                .where(next(iter(pairs))[1].is_(None))
            )
            for row in conn.execute(query):
                refs = ", ".join(
                    f"{c.name} = {v}" for (c, _), v in zip(pairs, row[1:], strict=True)
                )
                orphans[(table.name, row[0], fk.referred_table.name)] = (
                    f"{table.name}.{refs}: no such {fk.referred_table.name} row"
                )
    if sqlite:
        # Catches foreign keys a later migration declares but the ORM does not (yet).
        for table_name, rowid, parent_name, _fkid in conn.exec_driver_sql(
            "PRAGMA foreign_key_check"
        ):
            orphans.setdefault(
                (table_name, rowid, parent_name),
                f"{table_name} row {rowid}: no such {parent_name} row",
            )
    by_table: dict[str, list[int]] = defaultdict(list)
    for table_name, row_id, _parent in orphans:
        by_table[table_name].append(row_id)
    owners = {
        name: _owners(conn, Base.metadata.tables[name], ids)
        for name, ids in by_table.items()
        if name in Base.metadata.tables
    }
    return [
        Problem(
            Check.FOREIGN_KEYS,
            table_name,
            message,
            row_id,
            tuple(filter(None, [owners.get(table_name, {}).get(row_id)])),
        )
        for (table_name, row_id, _parent), message in sorted(orphans.items())
    ]


# --------------------------------------------------------------------------- history


def _utc(at: datetime) -> datetime:
    # SQLite hands back naive UTC; PostgreSQL aware values. Compare like with like.
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _history(conn: Connection) -> list[Problem]:
    """Each incident: one 'create' first, time order, version = entries, deleted_at agrees."""
    incidents = IncidentRow.__table__
    history = Base.metadata.tables["incident_history"]
    entries: dict[int, list[tuple[int, str, datetime]]] = defaultdict(list)
    for incident_id, entry_id, action, at in conn.execute(
        select(history.c.incident_id, history.c.id, history.c.action, history.c.at).order_by(
            history.c.incident_id, history.c.id
        )
    ):
        entries[incident_id].append((entry_id, action, _utc(at)))
    problems: list[Problem] = []
    for row_id, public_id, version, deleted_at in conn.execute(
        select(
            incidents.c.id, incidents.c.public_id, incidents.c.version, incidents.c.deleted_at
        ).order_by(incidents.c.id)
    ):

        def problem(message: str, rid: int = row_id, pid: str = public_id) -> Problem:
            return Problem(Check.HISTORY, "incidents", message, rid, (pid,))

        mine = entries.get(row_id, [])
        if len(mine) != version:
            problems.append(
                problem(
                    f"version is {version} but the history has {len(mine)} "
                    + ("entry" if len(mine) == 1 else "entries")
                )
            )
        creates = [e for e in mine if e[1] == "create"]
        if not mine or mine[0][1] != "create":
            first = f"'{mine[0][1]}' (entry {mine[0][0]})" if mine else "missing"
            problems.append(problem(f"the first history entry is {first}, not 'create'"))
        if len(creates) > 1:
            ids = ", ".join(str(e[0]) for e in creates)
            problems.append(problem(f"{len(creates)} 'create' entries ({ids})"))
        for before, after in pairwise(mine):
            if after[2] < before[2]:
                problems.append(
                    problem(
                        f"history entry {after[0]} ({after[2]:%Y-%m-%d %H:%M:%S}) is earlier "
                        f"than entry {before[0]} ({before[2]:%Y-%m-%d %H:%M:%S})"
                    )
                )
        toggles = [e[1] for e in mine if e[1] in ("delete", "restore")]
        deleted_by_history = bool(toggles) and toggles[-1] == "delete"
        if deleted_by_history != (deleted_at is not None):
            state = "set" if deleted_at is not None else "empty"
            last = f"'{toggles[-1]}'" if toggles else "no delete entry"
            problems.append(problem(f"deleted_at is {state} but the history ends with {last}"))
    return problems


# --------------------------------------------------------------------------- archived texts


def _archive(conn: Connection) -> list[Problem]:
    """Every archived text hashes (UTF-8, unchanged, as schema.Source does) to its sha256."""
    sources = SourceRow.__table__
    bad: list[tuple[int, str, str]] = []
    for row_id, ref, body, stored in conn.execute(
        select(sources.c.id, sources.c.ref, sources.c.text, sources.c.sha256)
        .where(sources.c.text.is_not(None))
        .order_by(sources.c.id)
    ):
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        if stored is None:
            bad.append((row_id, ref, f"source {ref!r} has archived text but no sha256"))
        elif digest != stored:
            bad.append(
                (
                    row_id,
                    ref,
                    f"source {ref!r}: archived text hashes to {digest[:12]}..., "
                    f"stored sha256 is {stored[:12]}...",
                )
            )
    if not bad:
        return []
    claims = ClaimRow.__table__
    incidents = IncidentRow.__table__
    citing: dict[int, list[str]] = defaultdict(list)
    for source_id, public_id in conn.execute(
        select(claims.c.source_id, incidents.c.public_id)
        .join(incidents, incidents.c.id == claims.c.incident_id)
        .where(claims.c.source_id.in_([b[0] for b in bad]))
        .distinct()
        .order_by(incidents.c.public_id)
    ):
        citing[source_id].append(public_id)
    return [
        Problem(Check.ARCHIVE, "sources", message, row_id, tuple(citing[row_id]))
        for row_id, _ref, message in bad
    ]


# --------------------------------------------------------------------------- search text


def _lines(text_: str) -> Counter[str]:
    return Counter(text_.split("\n"))


def _sample(lines: Iterable[str], other: Iterable[str]) -> str:
    """The first line, cut to 40 characters around where it departs from the other side."""
    line = min(lines)
    nearest = max(other, key=lambda o: len(os.path.commonprefix([line, o])), default="")
    start = max(0, len(os.path.commonprefix([line, nearest])) - 10)
    cut = line[start : start + 40]
    return repr(("..." if start else "") + cut + ("..." if start + 40 < len(line) else ""))


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "incident"
        return f"{loc}: {first['msg']}"
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def _incident_rows(session: Session) -> Iterator[IncidentRow]:
    ids = list(session.scalars(select(IncidentRow.id).order_by(IncidentRow.id)))
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        # Private on purpose: the same eager loads the repository uses to build records.
        query = (
            repo.with_children(select(IncidentRow))
            # The search text names the place's spellings: one query per chunk, not per row.
            .options(selectinload(IncidentRow.place))
            .where(IncidentRow.id.in_(chunk))
        )
        yield from session.scalars(query.order_by(IncidentRow.id))
        session.expunge_all()


def _search_text(session: Session, *, skip: set[str]) -> list[Problem]:
    """incidents.search_text holds what the repository would compute from the record now.

    The comparison is by lines in any order: the stored text follows the source order of
    the document as written, which the database does not keep. Normalised actor names may
    be missing, because ``write_incident`` builds the text before it links aliases to
    actors. Incidents in ``skip`` (public ids) are not loaded.
    """
    problems: list[Problem] = []
    for row in _incident_rows(session):
        if row.public_id in skip:
            continue
        try:
            record = repo.incident_to_schema(row)
        except (ValueError, LookupError, AttributeError, TypeError) as exc:
            # A checker must survive the corruption it looks for: report it and go on.
            problems.append(
                Problem(
                    Check.RECORD,
                    "incidents",
                    f"does not load as an incident: {_first_error(exc)}",
                    row.id,
                    (row.public_id,),
                )
            )
            continue
        expected = _lines(repo.search_text_of(record, row.place))
        stored = _lines(row.search_text)
        missing = expected - stored
        extra = stored - expected
        linked = {a.actor for a in record.actors if a.actor}
        missing = Counter({k: n for k, n in missing.items() if k not in linked})
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"{missing.total()} line(s) missing, e.g. {_sample(missing, extra)}")
            if extra:
                parts.append(
                    f"{extra.total()} line(s) not in the record, e.g. {_sample(extra, missing)}"
                )
            problems.append(
                Problem(
                    Check.SEARCH_TEXT,
                    "incidents",
                    "search_text is out of date: " + "; ".join(parts),
                    row.id,
                    (row.public_id,),
                )
            )
    return problems


# --------------------------------------------------------------------------- SQLite FTS5


def _fts(conn: Connection, engine: Engine) -> list[Problem]:
    """The FTS5 index holds exactly the tokens of every incident's search_text.

    FTS5's own integrity-check (against the content table) is fast and decides; only when
    it fails is the index compared row by row to say which incidents are out of sync.
    """
    found = conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE name = ? OR name IN (?, ?, ?)",
        (FTS_TABLE, *FTS_TRIGGERS),
    ).all()
    names = {name: sql for _type, name, sql in found}
    if FTS_TABLE not in names:
        return [Problem(Check.FTS, FTS_TABLE, "the full-text table is missing")]
    problems = [
        Problem(Check.FTS, FTS_TABLE, f"trigger {t} is missing: writes no longer update the index")
        for t in FTS_TRIGGERS
        if t not in names
    ]
    # The command is an INSERT, so it needs the write lock: on its own connection, since
    # upgrading the snapshot's read transaction fails once another writer has committed.
    with engine.connect() as own:
        try:
            own.exec_driver_sql(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"
            )
            return problems
        except DBAPIError as exc:  # SQLITE_CORRUPT_VTAB: "database disk image is malformed"
            reason = str(exc.orig).splitlines()[0]
        finally:
            own.rollback()
    stale = _fts_rows(conn, names[FTS_TABLE] or "")
    incidents = IncidentRow.__table__
    query = select(incidents.c.id, incidents.c.public_id).where(incidents.c.id.in_(stale))
    public: dict[int, str] = {row.id: row.public_id for row in conn.execute(query)}
    for doc in stale:
        if doc in public:
            message = "index entries differ from the incident's search_text"
            problems.append(Problem(Check.FTS, FTS_TABLE, message, doc, (public[doc],)))
        else:
            message = f"index entries for rowid {doc}, no such incident"
            problems.append(Problem(Check.FTS, FTS_TABLE, message, doc))
    if not stale:
        problems.append(Problem(Check.FTS, FTS_TABLE, f"FTS5 integrity-check: {reason}"))
    return problems


def _fingerprint(term: str, col: int, offset: int) -> int:
    return zlib.crc32(f"{term}\x00{col}\x00{offset}".encode())


def _fts_rows(conn: Connection, create_sql: str) -> list[int]:
    """Rowids whose index entries differ from a fresh index of the current search_text.

    External content means ``SELECT`` from the FTS table reads the incidents table, so
    the index itself is read through fts5vocab 'instance' tables; each row's tokens are
    summed into a checksum (EXCEPT over every token is several times slower).
    """
    match = re.search(r"tokenize\s*=\s*'([^']*)'", create_sql)
    tokenize = (match.group(1) if match else "unicode61").replace("'", "''")
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.create_function("incidents_check_fp", 3, _fingerprint, deterministic=True)
    statements = [
        f"CREATE VIRTUAL TABLE temp.check_fts USING fts5(search_text, tokenize='{tokenize}')",
        "INSERT INTO temp.check_fts(rowid, search_text) SELECT id, search_text FROM main.incidents",
        f"CREATE VIRTUAL TABLE temp.check_vocab_main USING fts5vocab(main, {FTS_TABLE}, instance)",
        "CREATE VIRTUAL TABLE temp.check_vocab_fresh USING fts5vocab(temp, check_fts, instance)",
    ]
    try:
        for statement in statements:
            conn.exec_driver_sql(statement)
        sums = []
        for vocab in ("check_vocab_main", "check_vocab_fresh"):
            rows = conn.exec_driver_sql(
                f"SELECT doc, count(*), sum(incidents_check_fp(term, col, offset)) "
                f"FROM temp.{vocab} GROUP BY doc"
            )
            sums.append({int(doc): (n, total) for doc, n, total in rows})
        index, fresh = sums
        return sorted(
            doc for doc in index.keys() | fresh.keys() if index.get(doc) != fresh.get(doc)
        )
    finally:
        for name in ("check_vocab_fresh", "check_vocab_main", "check_fts"):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
