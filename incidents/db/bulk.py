"""Bulk writes of new incidents: exactly the rows ``services.store_new`` writes, in batches.

``BulkWriter.prepare`` turns a validated incident into plain rows for every table (derived
columns, history entry and links to places, actors and sources included), resolving places
and actors through the same repository functions as the ORM path, cached. ``flush`` inserts
a batch in one savepoint: ``executemany`` on SQLite (the FTS triggers keep the index in
sync), ``COPY`` on PostgreSQL (the ``tsvector`` index is an expression index).

An incident whose sources would need the ORM path's merge rules (a stored source to fill
in, or a contradiction to report) is refused by ``prepare`` (it returns None): the caller
stores it through the ORM instead, after flushing, and calls ``invalidate``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.orm import Session

from incidents.db import repository as repo
from incidents.db.models import (
    Base,
    CasualtyRow,
    ClaimCauseRow,
    ClaimRow,
    EvidenceRow,
    HistoryRow,
    IncidentActorRow,
    IncidentCauseRow,
    IncidentRow,
    IncidentTagRow,
    IncidentWeaponRow,
    PlaceRow,
    SourceRow,
)
from incidents.schema import PUBLIC_ID_RE, ActorInvolvement, Incident, Location, Source

# Parents before children, so foreign keys hold at every statement.
_TABLES: tuple[Table, ...] = tuple(
    Base.metadata.tables[m.__tablename__]
    for m in (
        SourceRow,
        IncidentRow,
        IncidentCauseRow,
        IncidentWeaponRow,
        IncidentTagRow,
        IncidentActorRow,
        ClaimRow,
        ClaimCauseRow,
        CasualtyRow,
        EvidenceRow,
        HistoryRow,
    )
)
_SOURCE_FIELDS = (
    "outlet",
    "url",
    "headline",
    "author",
    "published",
    "language",
    "attribution",
    "text",
    "sha256",
)
# SQLite caps bound parameters per statement (32766 since 3.32; older builds 999).
_IN_CHUNK = 500
DEFAULT_BATCH = 2000
_MAX_CACHED_SOURCES = 50_000


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class _KnownSource:
    id: int
    ref: str
    values: tuple[Any, ...]


def _source_values(source: Source | SourceRow) -> tuple[Any, ...]:
    return tuple(
        list(v or []) if name == "attribution" else v
        for name in _SOURCE_FIELDS
        for v in (getattr(source, name),)
    )


@dataclass
class Prepared:
    """The rows of one new incident, keyed by table name; ids filled in by ``flush``."""

    public_id: str
    incident: dict[str, Any]
    sources: list[dict[str, Any]]
    children: dict[str, list[dict[str, Any]]]
    claims: list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]


@dataclass
class BulkWriter:
    """Batches new incidents into multi-row inserts inside the caller's transaction."""

    session: Session
    user: str
    batch_size: int = DEFAULT_BATCH
    # The "create" history entry store_new writes; only synthetic data may go without.
    history: bool = True
    pending: list[Prepared] = field(default_factory=list)
    _locations: dict[str, tuple[Location, PlaceRow | None, int | None]] = field(
        default_factory=dict
    )
    _actors: dict[tuple[str, str | None], int | None] = field(default_factory=dict)
    _sources: dict[str, _KnownSource] = field(default_factory=dict)
    _source_keys: dict[str, set[str]] = field(default_factory=dict)
    _fetched: set[str] = field(default_factory=set)
    _stored_ids: set[str] = field(default_factory=set)
    _checked_ids: set[str] = field(default_factory=set)
    _next_number: dict[int, int] = field(default_factory=dict)
    _next_id: dict[str, int] = field(default_factory=dict)

    # ----------------------------------------------------------------- look-ahead

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.session.get_bind().dialect.name

    def prefetch(self, incidents: Sequence[Incident]) -> None:
        """Look up, in a few queries, the stored ids and sources a window of rows refers to."""
        conn = self.session.connection()
        ids = [i.id for i in incidents if i.id and i.id not in self._checked_ids]
        self._checked_ids.update(ids)
        for chunk in _chunks(ids):
            found = conn.execute(
                select(IncidentRow.public_id).where(IncidentRow.public_id.in_(chunk))
            )
            self._stored_ids.update(found.scalars())
        keys = {k for i in incidents for s in i.sources for k in self._keys(s)}
        self._fetch_sources(sorted(keys - self._fetched))

    def is_stored(self, public_id: str) -> bool:
        """Whether an incident with this public id exists (after ``prefetch``)."""
        if public_id not in self._checked_ids:
            self.prefetch_ids([public_id])
        return public_id in self._stored_ids

    def prefetch_ids(self, ids: Sequence[str]) -> None:
        """Check which of these public ids are stored."""
        conn = self.session.connection()
        self._checked_ids.update(ids)
        for chunk in _chunks(list(ids)):
            found = conn.execute(
                select(IncidentRow.public_id).where(IncidentRow.public_id.in_(chunk))
            )
            self._stored_ids.update(found.scalars())

    @staticmethod
    def _keys(source: Source) -> list[str]:
        keys = [f"ref:{source.ref}"]
        if source.sha256:
            keys.append(f"sha:{source.sha256}")
        elif source.url:
            keys.append(f"url:{source.url}")
        return keys

    def _fetch_sources(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        self._fetched.update(keys)
        by_kind: dict[str, list[str]] = {"ref": [], "sha": [], "url": []}
        for key in keys:
            kind, _, value = key.partition(":")
            by_kind[kind].append(value)
        conn = self.session.connection()
        cols = [SourceRow.__table__.c[name] for name in ("id", "ref", *_SOURCE_FIELDS)]
        for kind, column in (("ref", "ref"), ("sha", "sha256"), ("url", "url")):
            for chunk in _chunks(by_kind[kind]):
                rows = conn.execute(
                    select(*cols).where(SourceRow.__table__.c[column].in_(chunk))
                ).mappings()
                for row in rows:
                    values = tuple(row[name] for name in _SOURCE_FIELDS)
                    values = tuple(
                        list(v or []) if n == "attribution" else v
                        for n, v in zip(_SOURCE_FIELDS, values, strict=True)
                    )
                    self._remember(_KnownSource(row["id"], row["ref"], values))

    def _remember(self, known: _KnownSource) -> None:
        self._sources[known.ref] = known
        sha, url = known.values[_SOURCE_FIELDS.index("sha256")], known.values[1]
        for key in (f"ref:{known.ref}", f"sha:{sha}" if sha else "", f"url:{url}" if url else ""):
            if key:
                self._source_keys.setdefault(key, set()).add(known.ref)
                self._fetched.add(key)

    def invalidate(self) -> None:
        """Forget cached state after writes made outside the writer (the ORM path)."""
        self._actors.clear()
        self._sources.clear()
        self._source_keys.clear()
        self._fetched.clear()
        self._stored_ids.clear()
        self._checked_ids.clear()
        self._next_number.clear()
        self._next_id.clear()

    # ----------------------------------------------------------------- resolution

    def _location(self, location: Location) -> tuple[Location, PlaceRow | None, int | None]:
        key = location.model_dump_json()
        hit = self._locations.get(key)
        if hit is None:
            from incidents.services import resolve_location

            resolved, place = resolve_location(self.session, location)
            # A detached stand-in: the search text needs only the place's name.
            stand_in = PlaceRow(name=place.name) if place is not None else None
            hit = (resolved, stand_in, place.id if place is not None else None)
            self._locations[key] = hit
        return hit

    @staticmethod
    def _actor_key(inv: ActorInvolvement) -> tuple[str, str | None]:
        return (inv.actor, None) if inv.actor else ("", inv.name_as_written)

    def _actor_id(self, inv: ActorInvolvement) -> int | None:
        key = self._actor_key(inv)
        if key not in self._actors:
            row = repo.actor_for(self.session, inv)
            self._actors[key] = row.id if row is not None else None
        return self._actors[key]

    def _match_sources(self, sources: Sequence[Source]) -> dict[str, int | None] | None:
        """Stored source id per ref (None: new); None when a source needs the merge rules."""
        out: dict[str, int | None] = {}
        own: set[str] = set()
        for source in sources:
            keys = self._keys(source)
            if own.intersection(keys):
                return None  # two sources of one incident the ORM path would merge
            own.update(keys)
            refs: set[str] = set()
            for key in keys:
                if key not in self._fetched:
                    self._fetch_sources([key])
                refs |= self._source_keys.get(key, set())
            if not refs:
                out[source.ref or ""] = None
                continue
            if len(refs) > 1:
                return None
            known = self._sources[refs.pop()]
            if known.values != _source_values(source) or known.ref != source.ref:
                return None
            out[source.ref or ""] = known.id
        return out

    def _public_id(self, incident: Incident) -> str:
        if incident.id:
            match = PUBLIC_ID_RE.match(incident.id)
            if match and int(match.group(1)) in self._next_number:
                year = int(match.group(1))
                self._next_number[year] = max(self._next_number[year], int(match.group(2)))
            return incident.id
        year = incident.date.start.year
        if year not in self._next_number:
            prefix = f"FF-{year:04d}-"
            taken = self.session.connection().execute(
                select(IncidentRow.public_id).where(IncidentRow.public_id.like(prefix + "%"))
            )
            self._next_number[year] = max(
                (int(pid.rsplit("-", 1)[1]) for pid in taken.scalars()), default=0
            )
            # Ids given in this batch but not yet written count as taken too.
            for p in self.pending:
                match = PUBLIC_ID_RE.match(p.public_id)
                if match and int(match.group(1)) == year:
                    self._next_number[year] = max(self._next_number[year], int(match.group(2)))
        self._next_number[year] += 1
        return f"FF-{year:04d}-{self._next_number[year]:04d}"

    # ----------------------------------------------------------------- rows

    def prepare(self, incident: Incident) -> Prepared | None:
        """Rows for a new incident, or None if it must take the ORM path."""
        from incidents.services import diff_documents, history_dump

        source_ids = self._match_sources(incident.sources)
        if source_ids is None:
            return None
        cached = incident.location.model_dump_json() in self._locations and all(
            self._actor_key(a) in self._actors for a in incident.actors
        )
        try:
            # Resolving may store a place or an actor: undone with the rest if it fails.
            with nullcontext() if cached else self.session.begin_nested():
                location, place, place_id = self._location(incident.location)
                actor_ids = [self._actor_id(a) for a in incident.actors]
        except Exception:
            # The ORM path raises the same error inside its own savepoint and reports it.
            self._locations.clear()
            self._actors.clear()
            return None
        incident = incident.model_copy(update={"location": location})
        public_id = self._public_id(incident)
        stamp = repo.now()
        loc = incident.location
        row: dict[str, Any] = {
            "public_id": public_id,
            "title": incident.title,
            "date_start": incident.date.start,
            "date_end": incident.date.end,
            "date_precision": incident.date.precision.value,
            "date_phrase": incident.date.phrase,
            "date_resolved_against": incident.date.resolved_against,
            "place_id": place_id,
            "place_as_written": loc.name_as_written,
            "place_name": loc.name,
            "gazetteer_id": loc.gazetteer_id,
            "country": loc.country,
            "admin1": loc.admin1,
            "admin2": loc.admin2,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "location_precision": loc.precision.value,
            "geolocation": incident.geolocation.model_dump(mode="json")
            if incident.geolocation
            else None,
            "intent": incident.intent.value,
            "mechanism": incident.mechanism.value,
            "context": incident.context.value,
            "summary": incident.summary,
            "notes": incident.notes,
            "review_status": incident.review_status.value,
            "verification": incident.verification.value,
            "killed_max": incident.killed(),
            "search_text": repo.search_text_of(incident, place),
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
            "deleted_at": None,
            "deleted_reason": None,
        }
        new_sources = []
        for source in incident.sources:
            if source_ids[source.ref or ""] is None:
                values = dict(zip(_SOURCE_FIELDS, _source_values(source), strict=True))
                new_sources.append({"ref": source.ref, **values})
                self._remember(_KnownSource(-1, source.ref or "", _source_values(source)))
        children: dict[str, list[dict[str, Any]]] = {
            "incident_causes": [
                {"cause": c.value, "position": i} for i, c in enumerate(incident.assessed_causes)
            ],
            "incident_weapons": [
                {"weapon": w, "position": i} for i, w in enumerate(incident.weapons)
            ],
            "incident_tags": [{"tag": t, "position": i} for i, t in enumerate(incident.tags)],
            "incident_actors": [
                {
                    "actor_id": actor_id,
                    "name_as_written": a.name_as_written,
                    "side": a.side,
                    "type": a.type.value,
                    "role": a.role.value,
                    "quote": a.quote,
                    "position": i,
                }
                for i, (a, actor_id) in enumerate(zip(incident.actors, actor_ids, strict=True))
            ],
            "evidence": [
                {
                    "source_ref": e.source,
                    "field": e.field,
                    "start": e.start,
                    "end": e.end,
                    "quote": e.quote,
                    "confidence": e.confidence,
                    "stage": e.stage,
                    "status": e.status.value,
                    "position": i,
                }
                for i, e in enumerate(incident.evidence)
            ],
            "incident_history": [
                {
                    "at": repo.now(),
                    "user": self.user,
                    "action": "create",
                    "reason": None,
                    "changes": diff_documents({}, history_dump(incident)),
                }
            ]
            if self.history
            else [],
        }
        claims = [
            (
                {
                    "source_ref": c.source,
                    "position": i,
                    "claimant": c.claimant,
                    "claimant_side": c.claimant_side,
                    "affected_side": c.affected_side,
                    "stance": c.stance.value,
                    "hedges": list(c.hedges),
                    "attribution": list(c.attribution),
                    "quote": c.quote,
                },
                [{"cause": cc.value, "position": j} for j, cc in enumerate(c.claimed_causes)],
                [
                    {
                        "kind": f.kind.value,
                        "population": f.population.value,
                        "low": f.low,
                        "best": f.best,
                        "high": f.high,
                        "quote": f.quote,
                        "position": j,
                    }
                    for j, f in enumerate(c.casualties)
                ],
            )
            for i, c in enumerate(incident.claims)
        ]
        prepared = Prepared(public_id, row, new_sources, children, claims)
        self._stored_ids.add(public_id)
        self._checked_ids.add(public_id)
        return prepared

    def add(self, prepared: Prepared) -> None:
        """Queue rows; writes the batch once it is full."""
        self.pending.append(prepared)
        if len(self.pending) >= self.batch_size:
            self.flush()

    # ----------------------------------------------------------------- writing

    def _allocate(self, conn: Connection, table: str, count: int) -> list[int]:
        """``count`` fresh primary keys for ``table``."""
        if count == 0:
            return []
        if self.dialect == "postgresql":
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table})
            name = seq.scalar_one()
            found = conn.execute(
                text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": name, "n": count}
            )
            return list(found.scalars())
        if table not in self._next_id:
            # Inside this transaction SQLite holds the write lock once we have written.
            top = conn.execute(select(func.max(text("id"))).select_from(text(table))).scalar()
            self._next_id[table] = (top or 0) + 1
        first = self._next_id[table]
        self._next_id[table] = first + count
        return list(range(first, first + count))

    def flush(self) -> None:
        """Write the queued incidents in one savepoint; on error nothing of the batch stays."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        try:
            with self.session.begin_nested():
                self._write(self.session.connection(), batch)
        except BaseException:
            self.pending = batch
            self.invalidate()
            raise
        if len(self._sources) > _MAX_CACHED_SOURCES:
            # Bounded memory: forgotten sources are looked up again (by key, per window).
            self._sources.clear()
            self._source_keys.clear()
            self._fetched.clear()

    def take_pending(self) -> list[Prepared]:
        """Drop the queued batch (after a failed ``flush``) and return it."""
        batch, self.pending = self.pending, []
        return batch

    def _write(self, conn: Connection, batch: list[Prepared]) -> None:
        rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in _TABLES}
        source_rows = [s for p in batch for s in p.sources]
        source_ids = dict(
            zip(
                (s["ref"] for s in source_rows),
                self._allocate(conn, "sources", len(source_rows)),
                strict=True,
            )
        )
        rows["sources"] = [{"id": source_ids[s["ref"]], **s} for s in source_rows]
        refs = (
            {s["ref"] for s in source_rows}
            | {c[0]["source_ref"] for p in batch for c in p.claims}
            | {e["source_ref"] for p in batch for e in p.children["evidence"]}
        )
        missing = sorted(refs - set(source_ids))
        for chunk in _chunks(missing):
            found = conn.execute(
                select(SourceRow.ref, SourceRow.id).where(SourceRow.ref.in_(chunk))
            )
            source_ids.update({row[0]: row[1] for row in found})
        incident_ids = self._allocate(conn, "incidents", len(batch))
        claim_ids = iter(self._allocate(conn, "claims", sum(len(p.claims) for p in batch)))
        for prepared, incident_id in zip(batch, incident_ids, strict=True):
            rows["incidents"].append({"id": incident_id, **prepared.incident})
            for name, children in prepared.children.items():
                for child in children:
                    row = {"incident_id": incident_id, **child}
                    if "source_ref" in row:
                        row["source_id"] = source_ids[row.pop("source_ref")]
                    rows[name].append(row)
            for claim, causes, casualties in prepared.claims:
                claim_id = next(claim_ids)
                claim_row = {"id": claim_id, "incident_id": incident_id, **claim}
                claim_row["source_id"] = source_ids[claim_row.pop("source_ref")]
                rows["claims"].append(claim_row)
                rows["claim_causes"] += [{"claim_id": claim_id, **c} for c in causes]
                rows["casualties"] += [{"claim_id": claim_id, **f} for f in casualties]
        for table in _TABLES:
            if rows[table.name]:
                self._insert(conn, table, rows[table.name])

    def _insert(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = [c.name for c in table.columns if c.name in rows[0]]
        if self.dialect != "postgresql":
            # The column types' own bind processors (dates, JSON) as Core would apply them,
            # then one driver-level executemany: Core's per-row bookkeeping costs more.
            processors = [table.c[c].type.bind_processor(conn.dialect) for c in columns]
            marks = ", ".join("?" for _ in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            values = [
                tuple(
                    row[c] if p is None or row[c] is None else p(row[c])
                    for c, p in zip(columns, processors, strict=True)
                )
                for row in rows
            ]
            conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", values)
            return
        # COPY takes every column in a fixed order; JSON goes as text, None as NULL.
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        raw = conn.connection.driver_connection
        assert raw is not None
        quoted = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        _json(row[c]) if c in json_columns and row[c] is not None else row[c]
                        for c in columns
                    ]
                )


def _json(value: Any) -> str:
    # The ORM's JSON type serialises with json.dumps defaults; a byte-identical column helps
    # anyone comparing the two write paths.
    return json.dumps(value)
