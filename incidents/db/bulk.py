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
import operator
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.orm import Session

from incidents.db import repository as repo
from incidents.db.models import (
    ActorAliasRow,
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
    PlaceNameRow,
    PlaceRow,
    SourceRow,
)
from incidents.names import normalize_name
from incidents.schema import (
    PUBLIC_ID_RE,
    ActorInvolvement,
    Incident,
    Location,
    Source,
)

# Parents before children, so foreign keys hold at every statement.
_TABLES: tuple[Table, ...] = tuple(
    Base.metadata.tables[m.__tablename__]
    for m in (
        PlaceRow,
        PlaceNameRow,
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
# Resolved locations and actors kept per import; beyond this the cache starts over.
_MAX_CACHED_LOOKUPS = 100_000


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


@dataclass(frozen=True)
class KnownPlace:
    """What resolving a location reads of a stored (or queued) place."""

    id: int
    name: str
    country: str | None
    admin1: str | None
    admin2: str | None
    latitude: float | None
    longitude: float | None
    feature: str


_PLACE_COLUMNS = ("id", "name", "country", "admin1", "admin2", "latitude", "longitude", "feature")


@dataclass
class Prepared:
    """The rows of one new incident, keyed by table name; ids filled in by ``flush``."""

    public_id: str
    incident: dict[str, Any]
    sources: list[dict[str, Any]]
    children: dict[str, list[dict[str, Any]]]
    claims: list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]
    # Gazetteer places this incident is the first to use: (place row, its spellings).
    places: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)


@dataclass
class BulkWriter:
    """Batches new incidents into multi-row inserts inside the caller's transaction."""

    session: Session
    user: str
    batch_size: int = DEFAULT_BATCH
    # The "create" history entry store_new writes; only synthetic data may go without.
    history: bool = True
    pending: list[Prepared] = field(default_factory=list)
    _locations: dict[tuple[Any, ...], tuple[Location, PlaceRow | None, int | None]] = field(
        default_factory=dict
    )
    _actors: dict[tuple[str, str | None], int | None] = field(default_factory=dict)
    # Places by gazetteer id: stored, or queued with a pending incident.
    _places: dict[str, KnownPlace] = field(default_factory=dict)
    _unstored_places: set[str] = field(default_factory=set)
    _queued_places: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)
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
        self._fetch_actors([a for i in incidents for a in i.actors])
        self._fetch_places({i.location.gazetteer_id for i in incidents} - {None})

    def _fetch_places(self, gids: Iterable[str | None]) -> None:
        """Read the stored places with these gazetteer ids, in a few queries."""
        wanted = sorted(
            g
            for g in gids
            if g is not None and g not in self._places and g not in self._unstored_places
        )
        conn = self.session.connection()
        columns = [PlaceRow.__table__.c[name] for name in ("gazetteer_id", *_PLACE_COLUMNS)]
        for chunk in _chunks(wanted):
            for gid, *values in conn.execute(
                select(*columns).where(PlaceRow.gazetteer_id.in_(chunk))
            ):
                self._places[gid] = KnownPlace(*values)
        self._unstored_places.update(g for g in wanted if g not in self._places)

    def _place(self, gid: str) -> KnownPlace:
        """The place ``resolve_location`` would use; a new gazetteer place is queued.

        Raises what ``resolve_location`` raises for an unknown id.
        """
        self._fetch_places([gid])
        if gid in self._places:
            return self._places[gid]
        entry, spellings = repo.gazetteer_entry(gid)
        # The rows repo.upsert_place writes for a new place, written with the batch.
        [place_id] = self._allocate(self.session.connection(), "places", 1)
        row = {
            "id": place_id,
            "gazetteer_id": gid,
            "name": entry.name,
            "country": entry.country,
            "admin1": entry.admin1,
            "admin2": None,
            "latitude": entry.latitude,
            "longitude": entry.longitude,
            "feature": entry.feature,
            "origin": "geonames",
        }
        names = repo.place_name_rows(place_id, (entry.name, *spellings))
        self._queued_places.append((row, names))
        place = KnownPlace(
            place_id,
            entry.name,
            entry.country,
            entry.admin1,
            None,
            entry.latitude,
            entry.longitude,
            entry.feature,
        )
        self._places[gid] = place
        return place

    def forget_ids(self) -> None:
        """Drop the cache of stored public ids (between windows, with nothing pending).

        ``is_stored`` looks ids up again, so memory stays bounded on a long import; the
        ids written so far are in the database by then.
        """
        if not self.pending:
            self._stored_ids.clear()
            self._checked_ids.clear()
        if len(self._locations) > _MAX_CACHED_LOOKUPS:
            self._locations.clear()
        if len(self._actors) > _MAX_CACHED_LOOKUPS:
            self._actors.clear()

    def _fetch_actors(self, involvements: Sequence[ActorInvolvement]) -> None:
        """Resolve, in a few queries, the actors ``repo.actor_for`` would find.

        A named actor that is not stored stays unresolved: ``prepare`` lets ``actor_for``
        add it, inside a savepoint.
        """
        wanted: dict[tuple[str, str | None], str] = {}
        for inv in involvements:
            key = self._actor_key(inv)
            if key not in self._actors and key not in wanted:
                wanted[key] = normalize_name(inv.actor or inv.name_as_written)
        if not wanted:
            return
        found: dict[str, int] = {}
        conn = self.session.connection()
        for chunk in _chunks(sorted(set(wanted.values()))):
            rows = conn.execute(
                select(ActorAliasRow.alias_key, ActorAliasRow.actor_id).where(
                    ActorAliasRow.alias_key.in_(chunk)
                )
            )
            found.update((row[0], row[1]) for row in rows)
        for key, alias_key in wanted.items():
            if alias_key in found:
                self._actors[key] = found[alias_key]
            elif not key[0]:
                self._actors[key] = None  # words as written that name no known actor

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

    def _unqueue_places(self) -> None:
        """Forget places queued for an incident that will not be written by this writer."""
        for row, _names in self._queued_places:
            self._places.pop(row["gazetteer_id"], None)
        self._queued_places = []

    def _forget_places(self) -> None:
        # After a failed batch: its queued places were never written.
        self._places.clear()
        self._unstored_places.clear()
        self._locations.clear()
        self._queued_places = []

    def invalidate(self) -> None:
        """Forget cached state after writes made outside the writer (the ORM path)."""
        self._unstored_places.clear()  # the ORM path may have stored one
        self._actors.clear()
        self._sources.clear()
        self._source_keys.clear()
        self._fetched.clear()
        self._stored_ids.clear()
        self._checked_ids.clear()
        self._next_number.clear()
        self._next_id.clear()

    # ----------------------------------------------------------------- resolution

    @staticmethod
    def _location_key(location: Location) -> tuple[Any, ...]:
        # Resolving never reads or changes the name as written: variants that differ only
        # there share one lookup.
        return (
            location.gazetteer_id,
            location.name,
            location.country,
            location.admin1,
            location.admin2,
            location.latitude,
            location.longitude,
            location.precision,
        )

    def _location(self, location: Location) -> tuple[Location, PlaceRow | None, int | None]:
        if location.gazetteer_id is None:
            return location, None, None  # what resolve_location returns, without a call
        key = self._location_key(location)
        hit = self._locations.get(key)
        if hit is None:
            place = self._place(location.gazetteer_id)
            # A detached stand-in: the search text needs only the place's name.
            hit = (repo.fill_location(location, place), PlaceRow(name=place.name), place.id)
            self._locations[key] = hit
        resolved = hit[0]
        if resolved.name_as_written != location.name_as_written:
            resolved = resolved.model_copy(update={"name_as_written": location.name_as_written})
        return resolved, hit[1], hit[2]

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
        from incidents.services import history_dump

        source_ids = self._match_sources(incident.sources)
        if source_ids is None:
            return None
        # Places are queued, not stored, while resolving; an actor may be stored.
        cached = all(self._actor_key(a) in self._actors for a in incident.actors)
        try:
            # Resolving may store an actor: undone with the rest if it fails.
            with nullcontext() if cached else self.session.begin_nested():
                location, place, place_id = self._location(incident.location)
                actor_ids = [self._actor_id(a) for a in incident.actors]
        except Exception:
            # The ORM path raises the same error inside its own savepoint and reports it.
            self._locations.clear()
            self._actors.clear()
            self._unqueue_places()
            return None
        queued, self._queued_places = self._queued_places, []
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
                    "changes": created_changes(history_dump(incident)),
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
        prepared = Prepared(public_id, row, new_sources, children, claims, queued)
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
            self._forget_places()
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
        for prepared in batch:
            for place, names in prepared.places:
                rows["places"].append(place)
                rows["place_names"] += names
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
            processors = [
                (i, p)
                for i, c in enumerate(columns)
                if (p := table.c[c].type.bind_processor(conn.dialect)) is not None
            ]
            marks = ", ".join("?" for _ in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            take = operator.itemgetter(*columns)
            values: list[tuple[Any, ...]] = []
            for row in rows:
                value = take(row) if len(columns) > 1 else (row[columns[0]],)
                if processors:
                    cells = list(value)
                    for i, process in processors:
                        if cells[i] is not None:
                            cells[i] = process(cells[i])
                    value = tuple(cells)
                values.append(value)
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


def created_changes(dump: dict[str, Any]) -> dict[str, Any]:
    """``services.diff_documents({}, dump)``: each field set, as ``[None, value]``.

    Compared with nothing, every field that is not None differs as a whole, so the
    recursive diff is not needed (``tests/test_bulk.py`` checks the two agree).
    """
    return {key: [None, value] for key, value in dump.items() if value is not None}


def _json(value: Any) -> str:
    # The ORM's JSON type serialises with json.dumps defaults; a byte-identical column helps
    # anyone comparing the two write paths.
    return json.dumps(value)
