"""Every query: plain functions with a keyword-only ``session``. No printing, no commits.

Rows are mapped to and from the pydantic schema here and nowhere else.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    column,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session, selectinload

from incidents.db.models import (
    ActorAliasRow,
    ActorRow,
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
from incidents.errors import ConflictError, InputError, NotFoundError, UnknownPlaceError
from incidents.geo import EARTH_RADIUS_KM
from incidents.names import normalize_name
from incidents.schema import (
    Actor,
    ActorInvolvement,
    Claim,
    HistoryEntry,
    Incident,
    IncidentFilter,
    IncidentRecord,
    Location,
    LocationPrecision,
    Source,
)

if TYPE_CHECKING:
    from incidents.gazetteer import GazetteerPlace


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------- places


def upsert_place(
    session: Session,
    *,
    gazetteer_id: str,
    name: str,
    country: str | None,
    admin1: str | None,
    latitude: float | None,
    longitude: float | None,
    names: Sequence[str] = (),
    admin2: str | None = None,
    feature: str = "populated_place",
    origin: str = "geonames",
) -> PlaceRow:
    """Store a place and its spellings once; later calls return the stored row."""
    row = session.scalar(select(PlaceRow).where(PlaceRow.gazetteer_id == gazetteer_id))
    if row is None:
        row = PlaceRow(
            gazetteer_id=gazetteer_id,
            name=name,
            country=country,
            admin1=admin1,
            admin2=admin2,
            latitude=latitude,
            longitude=longitude,
            feature=feature,
            origin=origin,
        )
        session.add(row)
    session.flush()
    keys = set(
        session.scalars(select(PlaceNameRow.name_key).where(PlaceNameRow.place_id == row.id))
    )
    spellings = place_name_rows(row.id, (name, *names), known=keys)
    if spellings:
        # One executemany: a city has hundreds of spellings, too many for the unit of work.
        session.execute(insert(PlaceNameRow), spellings)
        session.expire(row, ["names"])
    return row


def place_name_rows(
    place_id: int, spellings: Iterable[str], *, known: set[str] | None = None
) -> list[dict[str, Any]]:
    """``place_names`` rows for the spellings whose matching key is new (``known`` grows)."""
    keys = set() if known is None else known
    rows = []
    for spelling in spellings:
        key = normalize_name(spelling)
        if key and key not in keys:
            keys.add(key)
            rows.append({"place_id": place_id, "name": spelling[:500], "name_key": key[:500]})
    return rows


def gazetteer_entry(gazetteer_id: str) -> tuple[GazetteerPlace, list[str]]:
    """A place not stored yet: its offline gazetteer entry and spellings.

    InputError (naming the field) for an id the gazetteer lacks or a non-GeoNames id.
    """
    if not gazetteer_id.startswith("geonames:"):
        raise InputError(
            f"location.gazetteer_id: unknown place {gazetteer_id}; "
            "add it with `incidents places add`"
        )
    from incidents.gazetteer import default_gazetteer

    gaz = default_gazetteer()
    entry = gaz.get(gazetteer_id)
    if entry is None:
        raise InputError(f"location.gazetteer_id: {gazetteer_id} is not in the gazetteer")
    return entry, gaz.alternate_names(gazetteer_id)


def get_place(session: Session, gazetteer_id: str) -> PlaceRow | None:
    """The stored place with this gazetteer id, if any."""
    return session.scalar(select(PlaceRow).where(PlaceRow.gazetteer_id == gazetteer_id))


def place_ids_named(session: Session, name: str) -> list[int]:
    """Ids of stored places that go by ``name`` in any known spelling."""
    key = normalize_name(name)
    return list(session.scalars(select(PlaceNameRow.place_id).where(PlaceNameRow.name_key == key)))


def list_places(session: Session, *, origin: str | None = None) -> list[PlaceRow]:
    """Stored places, optionally only those of one origin ('user', 'geonames')."""
    query = select(PlaceRow).order_by(PlaceRow.name)
    if origin:
        query = query.where(PlaceRow.origin == origin)
    return list(session.scalars(query))


class PlaceLike(Protocol):
    """What filling a location reads of a place: a stored row or one the bulk writer queued."""

    # Read-only properties: a frozen dataclass satisfies them as well as an ORM row.
    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str | None: ...
    @property
    def admin1(self) -> str | None: ...
    @property
    def admin2(self) -> str | None: ...
    @property
    def latitude(self) -> float | None: ...
    @property
    def longitude(self) -> float | None: ...
    @property
    def feature(self) -> str: ...


def fill_location(location: Location, place: PlaceLike) -> Location:
    """``location`` completed from its gazetteer place, never overriding what the user gave.

    A country that disagrees with the place's region is an InputError.
    """
    filled = location.model_dump()
    for key, value in (
        ("name", place.name),
        ("country", place.country),
        ("admin1", place.admin1),
        ("admin2", place.admin2),
        ("latitude", place.latitude),
        ("longitude", place.longitude),
    ):
        if filled[key] is None and value is not None:
            filled[key] = value
    if (filled["latitude"] is None) != (filled["longitude"] is None):
        filled["latitude"] = filled["longitude"] = None
    if location.precision is LocationPrecision.UNKNOWN:
        filled["precision"] = (
            LocationPrecision.TOWN
            if place.feature == "populated_place"
            else LocationPrecision.EXACT_SITE
        )
    if (
        filled["country"]
        and filled["admin1"]
        and not filled["admin1"].startswith(filled["country"])
    ):
        raise InputError(
            f"location: country {filled['country']} disagrees with "
            f"{location.gazetteer_id} in {place.country}"
        )
    return Location.model_validate(filled)


# --------------------------------------------------------------------------- actors


def upsert_actor(session: Session, actor: Actor) -> ActorRow:
    """Store a lexicon actor and its aliases; a known alias must not mean another actor."""
    row = session.scalar(select(ActorRow).where(ActorRow.name == actor.name))
    if row is None:
        row = ActorRow(name=actor.name, side=actor.side, type=actor.type.value)
        session.add(row)
        session.flush()
    for alias in (actor.name, *actor.aliases):
        key = normalize_name(alias)
        owner = session.scalar(select(ActorAliasRow).where(ActorAliasRow.alias_key == key))
        if owner is None:
            row.aliases.append(ActorAliasRow(alias=alias, alias_key=key))
            session.flush()
        elif owner.actor_id != row.id:
            raise ConflictError(
                f"actor alias {alias!r} already belongs to {owner.actor.name!r}, not {actor.name!r}"
            )
    return row


def find_actor(session: Session, name: str) -> ActorRow | None:
    """The actor that goes by ``name`` (any alias, any case or spelling), if known."""
    key = normalize_name(name)
    return session.scalar(
        select(ActorRow).join(ActorAliasRow).where(ActorAliasRow.alias_key == key)
    )


def actor_for(session: Session, inv: ActorInvolvement) -> ActorRow | None:
    """The actor row an involvement links to: its named actor (added if new), else the
    lexicon entry its words as written match, if any."""
    if inv.actor:
        row = find_actor(session, inv.actor)
        if row is None:
            row = upsert_actor(
                session, Actor(name=inv.actor, side=inv.side, type=inv.type, aliases=[])
            )
        return row
    return find_actor(session, inv.name_as_written)


# --------------------------------------------------------------------------- sources


def find_source(session: Session, source: Source) -> SourceRow | None:
    """The stored source that is this source: same ref, same text, or same URL."""
    conditions: list[ColumnElement[bool]] = []
    if source.sha256:
        conditions.append(SourceRow.sha256 == source.sha256)
    if source.ref:
        conditions.append(SourceRow.ref == source.ref)
    if source.url and not source.sha256:
        conditions.append(SourceRow.url == source.url)
    if not conditions:
        return None
    return session.scalars(select(SourceRow).where(or_(*conditions))).first()


def source_usage(session: Session, sha256: str) -> tuple[str, list[str]] | None:
    """The ref of the stored source with this text hash and the incidents citing it."""
    row = session.scalar(select(SourceRow).where(SourceRow.sha256 == sha256))
    if row is None:
        return None
    ids = session.scalars(
        select(IncidentRow.public_id)
        .join(ClaimRow, ClaimRow.incident_id == IncidentRow.id)
        .where(ClaimRow.source_id == row.id)
        .distinct()
        .order_by(IncidentRow.public_id)
    )
    return row.ref, list(ids)


def _source_row(session: Session, source: Source) -> SourceRow:
    row = find_source(session, source)
    if row is None:
        row = SourceRow(ref=source.ref)
        _fill_source(row, source)
        session.add(row)
        session.flush()
        return row
    if row.sha256 and source.sha256 and row.sha256 != source.sha256:
        raise ConflictError(
            f"source {source.ref!r} is already stored with another text "
            f"(sha256 {row.sha256[:12]}...)"
        )
    # A later, fuller copy of a known source fills its gaps; it must not contradict it.
    for field in ("outlet", "url", "headline", "author", "published", "language", "text"):
        stored, given = getattr(row, field), getattr(source, field)
        if stored is None and given is not None:
            setattr(row, field, given)
        elif given is not None and stored != given:
            raise ConflictError(
                f"source {row.ref!r} is stored with {field} {str(stored)[:60]!r}, "
                f"not {str(given)[:60]!r}; use the stored value or another ref"
            )
    if row.sha256 is None and source.sha256 is not None:
        row.sha256 = source.sha256
    if source.attribution and list(row.attribution or []) != list(source.attribution):
        if row.attribution:
            raise ConflictError(
                f"source {row.ref!r} is stored with attribution {row.attribution}; "
                "put a claim's own chain in claims[].attribution"
            )
        row.attribution = list(source.attribution)
    return row


def _fill_source(row: SourceRow, source: Source) -> None:
    row.outlet = source.outlet
    row.url = source.url
    row.headline = source.headline
    row.author = source.author
    row.published = source.published
    row.language = source.language
    row.attribution = list(source.attribution)
    row.text = source.text
    row.sha256 = source.sha256


def source_to_schema(row: SourceRow) -> Source:
    """Map a source row to the schema."""
    return Source(
        ref=row.ref,
        outlet=row.outlet,
        url=row.url,
        headline=row.headline,
        author=row.author,
        published=row.published,
        language=row.language,
        attribution=list(row.attribution or []),
        text=row.text,
        sha256=row.sha256,
    )


# --------------------------------------------------------------------------- incidents


def next_public_id(session: Session, year: int) -> str:
    """The next free FF-YYYY-NNNN for ``year``."""
    prefix = f"FF-{year:04d}-"
    if session.get_bind().dialect.name == "postgresql":
        # Writers adding in one year take turns until commit instead of colliding on
        # max + 1 and re-running (SQLite's BEGIN IMMEDIATE already serialises writers).
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(prefix))))
    # A range, not LIKE, so the unique index is used; longer numbers are larger
    # (FF-2023-10000 follows FF-2023-9999).
    last = session.scalar(
        select(IncidentRow.public_id)
        .where(IncidentRow.public_id >= prefix, IncidentRow.public_id < f"FF-{year:04d}.")
        .order_by(func.length(IncidentRow.public_id).desc(), IncidentRow.public_id.desc())
        .limit(1)
    )
    highest = int(last.rsplit("-", 1)[1]) if last else 0
    return f"{prefix}{highest + 1:04d}"


def get_incident_row(
    session: Session, public_id: str, *, include_deleted: bool = True, for_update: bool = False
) -> IncidentRow:
    """The incident row for a public id, or NotFoundError.

    ``for_update`` locks the row until the transaction ends (PostgreSQL; SQLite writers
    already hold the database lock), so a version check and the write that follows it
    cannot interleave with another writer's.
    """
    query = with_children(select(IncidentRow)).where(
        IncidentRow.public_id == public_id.strip().upper()
    )
    if for_update:
        # populate_existing: a row this session read earlier must not hide the locked one.
        query = query.with_for_update(of=IncidentRow).execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None or (row.deleted_at is not None and not include_deleted):
        raise NotFoundError(f"no incident {public_id!r}")
    return row


def write_incident(
    session: Session, row: IncidentRow, incident: Incident, place: PlaceRow | None
) -> None:
    """Copy an incident document onto a row, replacing its children."""
    if row.id is not None:
        # Old children go first: new rows reuse unique keys (incident, cause) the old hold,
        # and the unit of work would insert before it deletes.
        for children in (row.causes, row.weapons, row.tags, row.actors, row.claims, row.evidence):
            children.clear()
        session.flush()
    row.title = incident.title
    row.date_start = incident.date.start
    row.date_end = incident.date.end
    row.date_precision = incident.date.precision.value
    row.date_phrase = incident.date.phrase
    row.date_resolved_against = incident.date.resolved_against
    loc = incident.location
    row.place = place
    row.place_as_written = loc.name_as_written
    row.place_name = loc.name
    row.gazetteer_id = loc.gazetteer_id
    row.country = loc.country
    row.admin1 = loc.admin1
    row.admin2 = loc.admin2
    row.latitude = loc.latitude
    row.longitude = loc.longitude
    row.location_precision = loc.precision.value
    row.geolocation = incident.geolocation.model_dump(mode="json") if incident.geolocation else None
    row.intent = incident.intent.value
    row.mechanism = incident.mechanism.value
    row.context = incident.context.value
    row.summary = incident.summary
    row.notes = incident.notes
    row.review_status = incident.review_status.value
    row.verification = incident.verification.value
    row.killed_max = incident.killed()
    row.causes = [
        IncidentCauseRow(cause=c.value, position=i) for i, c in enumerate(incident.assessed_causes)
    ]
    row.weapons = [IncidentWeaponRow(weapon=w, position=i) for i, w in enumerate(incident.weapons)]
    row.tags = [IncidentTagRow(tag=t, position=i) for i, t in enumerate(incident.tags)]
    row.actors = [
        IncidentActorRow(
            actor=actor_for(session, a),
            name_as_written=a.name_as_written,
            side=a.side,
            type=a.type.value,
            role=a.role.value,
            quote=a.quote,
            position=i,
        )
        for i, a in enumerate(incident.actors)
    ]
    sources = {s.ref: _source_row(session, s) for s in incident.sources}
    row.claims = [_claim_row(c, sources[c.source or ""], i) for i, c in enumerate(incident.claims)]
    row.evidence = [
        EvidenceRow(
            source=sources[e.source or ""],
            field=e.field,
            start=e.start,
            end=e.end,
            quote=e.quote,
            confidence=e.confidence,
            stage=e.stage,
            status=e.status.value,
            position=i,
        )
        for i, e in enumerate(incident.evidence)
    ]
    row.search_text = search_text_of(incident, place)


def _claim_row(claim: Claim, source: SourceRow, position: int) -> ClaimRow:
    return ClaimRow(
        source=source,
        position=position,
        claimant=claim.claimant,
        claimant_side=claim.claimant_side,
        affected_side=claim.affected_side,
        stance=claim.stance.value,
        hedges=list(claim.hedges),
        attribution=list(claim.attribution),
        quote=claim.quote,
        causes=[
            ClaimCauseRow(cause=c.value, position=i) for i, c in enumerate(claim.claimed_causes)
        ],
        casualties=[
            CasualtyRow(
                kind=f.kind.value,
                population=f.population.value,
                low=f.low,
                best=f.best,
                high=f.high,
                quote=f.quote,
                position=i,
            )
            for i, f in enumerate(claim.casualties)
        ],
    )


def search_text_of(incident: Incident, place: PlaceRow | None) -> str:
    """The text full-text search indexes for an incident (also rebuilt by `db check`)."""
    parts: list[str | None] = [
        incident.title,
        incident.summary,
        incident.notes,
        incident.location.name_as_written,
        incident.location.name,
        place.name if place else None,
        *incident.weapons,
        *incident.tags,
    ]
    for actor in incident.actors:
        parts += [actor.name_as_written, actor.actor, actor.quote]
    for claim in incident.claims:
        parts += [claim.claimant, claim.quote, *claim.hedges, *(f.quote for f in claim.casualties)]
    for source in incident.sources:
        parts += [source.outlet, source.headline, source.text]
    return "\n".join(p for p in parts if p)


def incident_to_schema(row: IncidentRow) -> IncidentRecord:
    """Map an incident row with its children to the schema (validated on the way out)."""
    sources: dict[str, Source] = {}
    for claim in row.claims:
        sources.setdefault(claim.source.ref, source_to_schema(claim.source))
    data: dict[str, Any] = {
        "id": row.public_id,
        "title": row.title,
        "date": {
            "start": row.date_start,
            "end": row.date_end,
            "precision": row.date_precision,
            "phrase": row.date_phrase,
            "resolved_against": row.date_resolved_against,
        },
        "location": {
            "name_as_written": row.place_as_written,
            "name": row.place_name,
            "gazetteer_id": row.gazetteer_id,
            "country": row.country,
            "admin1": row.admin1,
            "admin2": row.admin2,
            "latitude": row.latitude,
            "longitude": row.longitude,
            "precision": row.location_precision,
        },
        "geolocation": row.geolocation,
        "intent": row.intent,
        "mechanism": row.mechanism,
        "context": row.context,
        "assessed_causes": [c.cause for c in row.causes],
        "weapons": [w.weapon for w in row.weapons],
        "actors": [
            {
                "name_as_written": a.name_as_written,
                "actor": a.actor.name if a.actor else None,
                "side": a.side,
                "type": a.type,
                "role": a.role,
                "quote": a.quote,
            }
            for a in row.actors
        ],
        "sources": list(sources.values()),
        "claims": [
            {
                "source": c.source.ref,
                "claimant": c.claimant,
                "claimant_side": c.claimant_side,
                "affected_side": c.affected_side,
                "stance": c.stance,
                "casualties": [
                    {
                        "kind": f.kind,
                        "population": f.population,
                        "low": f.low,
                        "best": f.best,
                        "high": f.high,
                        "quote": f.quote,
                    }
                    for f in c.casualties
                ],
                "claimed_causes": [cc.cause for cc in c.causes],
                "hedges": list(c.hedges or []),
                "attribution": list(c.attribution or []),
                "quote": c.quote,
            }
            for c in row.claims
        ],
        "summary": row.summary,
        "notes": row.notes,
        "tags": [t.tag for t in row.tags],
        "review_status": row.review_status,
        "verification": row.verification,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "deleted_at": row.deleted_at,
        "deleted_reason": row.deleted_reason,
        "evidence": [
            {
                "field": e.field,
                "source": e.source.ref,
                "start": e.start,
                "end": e.end,
                "quote": e.quote,
                "confidence": e.confidence,
                "stage": e.stage,
                "status": e.status,
            }
            for e in row.evidence
        ],
    }
    return IncidentRecord.model_validate(data)


def add_history(
    session: Session,
    row: IncidentRow,
    *,
    user: str,
    action: str,
    changes: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Record one change to an incident."""
    row.history.append(
        HistoryRow(at=now(), user=user, action=action, reason=reason, changes=changes or {})
    )


def history_of(session: Session, public_id: str) -> list[HistoryEntry]:
    """Every recorded change of an incident, oldest first."""
    row = get_incident_row(session, public_id)
    return [
        HistoryEntry(
            at=h.at if h.at.tzinfo else h.at.replace(tzinfo=UTC),
            user=h.user,
            action=h.action,
            reason=h.reason,
            changes=h.changes,
        )
        for h in row.history
    ]


def history_since(session: Session, since: datetime) -> list[tuple[HistoryRow, IncidentRow]]:
    """History entries after ``since`` (aware UTC) with their incidents, oldest first."""
    if session.get_bind().dialect.name == "sqlite":
        since = since.replace(tzinfo=None)  # SQLite keeps naive UTC text; compare like with like
    query = (
        select(HistoryRow, IncidentRow)
        .join(IncidentRow, HistoryRow.incident_id == IncidentRow.id)
        .where(HistoryRow.at > since)
        .order_by(HistoryRow.at, HistoryRow.id)
    )
    return [(history, incident) for history, incident in session.execute(query)]


# --------------------------------------------------------------------------- queries


def with_children(query: Select[IncidentRow]) -> Select[IncidentRow]:
    """``query`` with every child collection an incident record needs loaded eagerly."""
    return query.options(
        selectinload(IncidentRow.causes),
        selectinload(IncidentRow.weapons),
        selectinload(IncidentRow.tags),
        selectinload(IncidentRow.actors).selectinload(IncidentActorRow.actor),
        selectinload(IncidentRow.claims).selectinload(ClaimRow.source),
        selectinload(IncidentRow.claims).selectinload(ClaimRow.casualties),
        selectinload(IncidentRow.claims).selectinload(ClaimRow.causes),
        selectinload(IncidentRow.evidence).selectinload(EvidenceRow.source),
    )


def _fts_query(text_query: str) -> str:
    # Quote every word so user input can never be FTS5 syntax (NEAR, *, quotes, columns).
    words = re.findall(r"\w+", text_query)
    return " ".join(f'"{w}"' for w in words)


def _distance_km(lat: float, lon: float) -> ColumnElement[float]:
    lat1, lon1 = func.radians(IncidentRow.latitude), func.radians(IncidentRow.longitude)
    lat2, lon2 = math.radians(lat), math.radians(lon)
    hav = func.sin((lat1 - lat2) / 2) * func.sin((lat1 - lat2) / 2) + func.cos(lat1) * math.cos(
        lat2
    ) * func.sin((lon1 - lon2) / 2) * func.sin((lon1 - lon2) / 2)
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(hav))


def filter_conditions(
    session: Session, flt: IncidentFilter, *, region_code: str | None
) -> list[ColumnElement[bool]]:
    """SQL conditions for a filter; the region is resolved by the caller."""
    cond: list[ColumnElement[bool]] = []
    if not flt.include_deleted:
        cond.append(IncidentRow.deleted_at.is_(None))
    if flt.country:
        cond.append(IncidentRow.country == flt.country)
    if region_code:
        cond.append(IncidentRow.admin1 == region_code)
    if flt.place:
        ids = place_ids_named(session, flt.place)
        key = normalize_name(flt.place)
        if not ids and not _gazetteer_knows(flt.place):
            raise UnknownPlaceError(
                f"unknown place {flt.place!r}: not in the gazetteer or the database"
            )
        cond.append(
            or_(IncidentRow.place_id.in_(ids), func.lower(IncidentRow.place_as_written) == key)
        )
    if flt.near:
        lat, lon = flt.near
        dlat = flt.radius_km / 111.0
        dlon = flt.radius_km / max(111.0 * math.cos(math.radians(lat)), 1e-6)
        # The box lets an index narrow the rows; the haversine distance decides.
        cond += [
            IncidentRow.latitude.between(lat - dlat, lat + dlat),
            IncidentRow.longitude.between(lon - dlon, lon + dlon)
            if dlon < 180
            else IncidentRow.longitude.is_not(None),
            _distance_km(lat, lon) <= flt.radius_km,
        ]
    if flt.since:
        cond.append(IncidentRow.date_end >= flt.since)
    if flt.until:
        cond.append(IncidentRow.date_start <= flt.until)
    for col, value in (
        (IncidentRow.intent, flt.intent),
        (IncidentRow.mechanism, flt.mechanism),
        (IncidentRow.verification, flt.verification),
        (IncidentRow.review_status, flt.review_status),
    ):
        if value is not None:
            cond.append(col == value.value)
    if flt.cause:
        cond.append(
            or_(
                exists().where(
                    IncidentCauseRow.incident_id == IncidentRow.id,
                    IncidentCauseRow.cause == flt.cause.value,
                ),
                exists().where(
                    ClaimRow.incident_id == IncidentRow.id,
                    ClaimCauseRow.claim_id == ClaimRow.id,
                    ClaimCauseRow.cause == flt.cause.value,
                ),
            )
        )
    if flt.actor:
        actor = find_actor(session, flt.actor)
        by_name = func.lower(IncidentActorRow.name_as_written).contains(
            flt.actor.strip().lower(), autoescape=True
        )
        match = or_(by_name, IncidentActorRow.actor_id == actor.id) if actor else by_name
        cond.append(exists().where(IncidentActorRow.incident_id == IncidentRow.id, match))
    if flt.side:
        cond.append(
            exists().where(
                IncidentActorRow.incident_id == IncidentRow.id, IncidentActorRow.side == flt.side
            )
        )
    if flt.claimant:
        cond.append(
            exists().where(
                ClaimRow.incident_id == IncidentRow.id,
                func.lower(ClaimRow.claimant).contains(
                    flt.claimant.strip().lower(), autoescape=True
                ),
            )
        )
    if flt.min_killed is not None:
        cond.append(IncidentRow.killed_max >= flt.min_killed)
    if flt.text:
        cond.append(_text_condition(session, flt.text))
    return cond


def _text_condition(session: Session, query: str) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "sqlite":
        fts = _fts_query(query)
        if not fts:
            return false()
        matching = text("SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH :q").bindparams(
            q=fts
        )
        return IncidentRow.id.in_(matching.columns(column("rowid", Integer)))
    return func.to_tsvector("simple", IncidentRow.search_text).op("@@")(
        func.plainto_tsquery("simple", query)
    )


def _gazetteer_knows(name: str) -> bool:
    from incidents.gazetteer import default_gazetteer

    return bool(default_gazetteer().lookup(name, limit=1))


_SORTS: dict[str, Any] = {
    "date": (IncidentRow.date_start, IncidentRow.public_id),
    "-date": (IncidentRow.date_start.desc(), IncidentRow.public_id.desc()),
    "id": (IncidentRow.public_id,),
    "-id": (IncidentRow.public_id.desc(),),
    "killed": (IncidentRow.killed_max.asc().nulls_first(), IncidentRow.public_id),
    "-killed": (IncidentRow.killed_max.desc().nulls_last(), IncidentRow.public_id),
}


def query_incidents(
    session: Session, flt: IncidentFilter, *, region_code: str | None = None
) -> Iterator[IncidentRecord]:
    """Incidents matching a filter, sorted and limited, as schema records."""
    query = with_children(select(IncidentRow)).where(
        *filter_conditions(session, flt, region_code=region_code)
    )
    query = query.order_by(*_SORTS[flt.sort])
    if flt.limit:
        query = query.limit(flt.limit)
    # Streamed in chunks (a server-side cursor on PostgreSQL): memory holds one chunk.
    for row in session.scalars(query.execution_options(yield_per=STREAM_CHUNK)):
        yield incident_to_schema(row)


STREAM_CHUNK = 500
FLAT_VIEW = "incidents_flat"


def flat_rows(
    session: Session, flt: IncidentFilter, columns: Sequence[str], *, region_code: str | None
) -> Iterator[tuple[Any, ...]]:
    """``columns`` of the ``incidents_flat`` view for the incidents a filter selects, streamed.

    The view (migration 0003) computes the flat CSV columns in SQL, so no row becomes an
    ORM object or a schema record. It leaves deleted incidents out: the caller takes the
    record path when the filter includes them.
    """
    query = flat_query(session, flt, columns, region_code=region_code)
    result = session.execute(query.execution_options(yield_per=STREAM_CHUNK * 4))
    for row in result:
        yield tuple(row)


def flat_query(
    session: Session, flt: IncidentFilter, columns: Sequence[str], *, region_code: str | None
) -> Select[Any]:
    """The query behind ``flat_rows`` (tests EXPLAIN it)."""
    if flt.include_deleted:
        raise ValueError("incidents_flat leaves deleted incidents out")
    view = table(FLAT_VIEW, *(column(c) for c in columns))
    query = (
        select(*view.c)
        .select_from(view.join(IncidentRow, IncidentRow.public_id == view.c.id))
        .where(*filter_conditions(session, flt, region_code=region_code))
        .order_by(*_SORTS[flt.sort])
    )
    return query.limit(flt.limit) if flt.limit else query
