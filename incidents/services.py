"""Use-cases spanning layers, each in one transaction. They take and return schema objects.

Every write runs through ``run_write``: one write transaction, re-run from the start when
another writer got in the way (busy SQLite file, PostgreSQL serialization failure,
deadlock or id race), so the work functions below must not keep state between attempts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from incidents.db import repository as repo
from incidents.db.engine import is_transient, run_write, session_scope
from incidents.db.models import ActorRow, IncidentRow, PlaceRow
from incidents.errors import ConflictError, InputError
from incidents.schema import (
    Actor,
    HistoryEntry,
    Incident,
    IncidentFilter,
    IncidentRecord,
    Location,
    LocationPrecision,
)

if TYPE_CHECKING:
    from incidents.dedupe import Duplicate
    from incidents.extract.places import UserPlace


@dataclass
class AddResult:
    """What ``add_incidents`` did."""

    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def builtin_actors() -> list[Actor]:
    """The shipped actor lexicon (forces, units and their aliases)."""
    import yaml  # here, not at module level: only seeding reads the lexicon

    raw = yaml.safe_load(files("incidents").joinpath("data/actors.yaml").read_text("utf-8"))
    return [Actor.model_validate(item) for item in raw["actors"]]


def seed_actors(engine: Engine) -> int:
    """Load the shipped actor lexicon; idempotent. Returns the number of actors stored."""
    actors = builtin_actors()

    def work(session: Session) -> int:
        for actor in actors:
            repo.upsert_actor(session, actor)
        return session.scalar(select(func.count()).select_from(ActorRow)) or 0

    return run_write(engine, work)


# --------------------------------------------------------------------------- places


def resolve_location(session: Session, location: Location) -> tuple[Location, PlaceRow | None]:
    """Fill a location from its gazetteer entry (never overriding what the user gave)."""
    gid = location.gazetteer_id
    if gid is None:
        return location, None
    place = repo.get_place(session, gid)
    if place is None:
        entry, spellings = repo.gazetteer_entry(gid)
        place = repo.upsert_place(
            session,
            gazetteer_id=gid,
            name=entry.name,
            country=entry.country,
            admin1=entry.admin1,
            latitude=entry.latitude,
            longitude=entry.longitude,
            names=spellings,
            feature=entry.feature,
        )
    return repo.fill_location(location, place), place


# --------------------------------------------------------------------------- incidents


def diff_documents(old: Any, new: Any, path: str = "") -> dict[str, Any]:
    """Flattened changes ``{dotted.path: [old, new]}`` between two dumps."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: dict[str, Any] = {}
        for key in dict.fromkeys([*old, *new]):
            out.update(
                diff_documents(old.get(key), new.get(key), f"{path}.{key}" if path else str(key))
            )
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = {}
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out.update(diff_documents(a, b, f"{path}.{i}"))
        return out
    return {} if old == new else {path: [old, new]}


def history_dump(incident: Incident) -> dict[str, Any]:
    """The document as history compares it."""
    # Archived texts are tracked by their sha256; repeating them in history helps nobody.
    return incident.model_dump(
        mode="json",
        exclude={"id": True, "sources": {"__all__": {"text"}}},
        exclude_computed_fields=True,
    )


def store_new(session: Session, incident: Incident, user: str) -> str:
    """Store a new incident in the caller's transaction; returns its public id."""
    location, place = resolve_location(session, incident.location)
    incident = incident.model_copy(update={"location": location})
    public_id = incident.id or repo.next_public_id(session, incident.date.start.year)
    stamp = repo.now()
    row = IncidentRow(public_id=public_id, created_at=stamp, updated_at=stamp, version=1)
    session.add(row)
    repo.write_incident(session, row, incident, place)
    repo.add_history(
        session, row, user=user, action="create", changes=diff_documents({}, history_dump(incident))
    )
    session.flush()
    return public_id


def add_incidents(
    engine: Engine, incidents: Sequence[Incident], *, user: str, skip_existing: bool = False
) -> AddResult:
    """Store incidents all-or-nothing; an existing public id is a conflict unless skipped."""

    def work(session: Session) -> AddResult:
        result = AddResult()
        for incident in incidents:
            if incident.id and session.scalar(
                select(IncidentRow.id).where(IncidentRow.public_id == incident.id)
            ):
                if skip_existing:
                    result.skipped.append(incident.id)
                    continue
                raise ConflictError(f"incident {incident.id} already exists; use `incidents edit`")
            try:
                result.added.append(store_new(session, incident, user))
            except IntegrityError as exc:
                if is_transient(exc):
                    raise  # another writer took the id; the re-run picks the next one
                raise ConflictError(f"cannot store {incident.title!r}: {exc.orig}") from None
        return result

    return run_write(engine, work)


def get_incident(engine: Engine, public_id: str) -> IncidentRecord:
    """One incident, deleted or not."""
    with session_scope(engine) as session:
        return repo.incident_to_schema(repo.get_incident_row(session, public_id))


def update_incident(
    engine: Engine,
    public_id: str,
    incident: Incident,
    *,
    user: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> IncidentRecord:
    """Replace an incident's document, recording what changed; no-op if nothing did.

    With ``expected_version``, refuse (ConflictError) unless the stored version is still
    that one; the check and the write happen under one row lock.
    """
    if incident.id and incident.id != public_id.upper():
        raise InputError(f"id: the document is {incident.id}, not {public_id}; ids cannot change")

    def work(session: Session) -> IncidentRecord:
        row = repo.get_incident_row(session, public_id, for_update=True)
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(
                f"{row.public_id} was changed by someone else (now version {row.version}, "
                f"you edited version {expected_version}); nothing saved"
            )
        replace_incident(session, row, incident, user=user, reason=reason)
        return repo.incident_to_schema(row)

    return run_write(engine, work)


def replace_incident(
    session: Session, row: IncidentRow, incident: Incident, *, user: str, reason: str | None
) -> dict[str, Any]:
    """Write a new version of a stored incident in the caller's transaction.

    Returns the changes recorded in the history (empty, and nothing written, if none).
    """
    before = repo.incident_to_schema(row).document()
    location, place = resolve_location(session, incident.location)
    incident = incident.model_copy(update={"location": location, "id": row.public_id})
    changes = diff_documents(history_dump(before), history_dump(incident))
    if not changes:
        return changes
    repo.write_incident(session, row, incident, place)
    row.version += 1
    row.updated_at = repo.now()
    repo.add_history(session, row, user=user, action="update", changes=changes, reason=reason)
    session.flush()
    return changes


def delete_incident(engine: Engine, public_id: str, *, user: str, reason: str) -> None:
    """Soft-delete: hidden from queries, kept with its reason, restorable."""
    if not reason.strip():
        raise InputError("--reason: say why the incident is deleted")

    def work(session: Session) -> None:
        row = repo.get_incident_row(session, public_id, for_update=True)
        if row.deleted_at is not None:
            raise ConflictError(f"{row.public_id} is already deleted")
        row.deleted_at = repo.now()
        row.deleted_reason = reason
        row.version += 1
        repo.add_history(session, row, user=user, action="delete", reason=reason)

    run_write(engine, work)


def restore_incident(
    engine: Engine, public_id: str, *, user: str, reason: str | None = None
) -> None:
    """Undo a soft delete."""

    def work(session: Session) -> None:
        row = repo.get_incident_row(session, public_id, for_update=True)
        if row.deleted_at is None:
            raise ConflictError(f"{row.public_id} is not deleted")
        row.deleted_at = None
        row.deleted_reason = None
        row.version += 1
        repo.add_history(session, row, user=user, action="restore", reason=reason)

    run_write(engine, work)


def history(engine: Engine, public_id: str) -> list[HistoryEntry]:
    """Every recorded change of an incident."""
    with session_scope(engine) as session:
        return repo.history_of(session, public_id)


def _region_code(flt: IncidentFilter) -> str | None:
    if not flt.region:
        return None
    from incidents.regions import resolve_region

    return resolve_region(flt.region, country=flt.country).code


def list_incidents(engine: Engine, flt: IncidentFilter) -> Iterator[IncidentRecord]:
    """Incidents matching the filter, streamed; an unknown region or place is an error."""
    region_code = _region_code(flt)
    with session_scope(engine) as session:
        yield from repo.query_incidents(session, flt, region_code=region_code)


def list_flat(
    engine: Engine, flt: IncidentFilter, columns: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """The flat CSV columns of the incidents matching the filter, computed in SQL, streamed.

    The same rows as ``flat_row`` over ``list_incidents`` (tests/test_bulk.py compares them),
    without building a record per incident. Not for ``include_deleted`` filters.
    """
    region_code = _region_code(flt)
    with session_scope(engine) as session:
        yield from repo.flat_rows(session, flt, columns, region_code=region_code)


def add_user_place(
    engine: Engine,
    *,
    name: str,
    latitude: float,
    longitude: float,
    country: str,
    admin1: str | None = None,
    aliases: Sequence[str] = (),
) -> str:
    """Add a place no gazetteer knows (a training range, a base); returns its gazetteer id."""
    import re

    from incidents.names import normalize_name

    location = Location(
        name=name, country=country, admin1=admin1, latitude=latitude, longitude=longitude
    )
    slug = re.sub(r"[^a-z0-9]+", "-", normalize_name(name)).strip("-")[:60]
    if not slug:
        raise InputError(f"name: {name!r} has no letters or digits to make an id from")
    gid = f"user:{slug}"

    def work(session: Session) -> None:
        if repo.get_place(session, gid) is not None:
            raise ConflictError(f"place {gid} already exists")
        repo.upsert_place(
            session,
            gazetteer_id=gid,
            name=name,
            country=location.country,
            admin1=location.admin1,
            latitude=latitude,
            longitude=longitude,
            names=list(aliases),
            feature="site",
            origin="user",
        )

    run_write(engine, work)
    return gid


def user_places(engine: Engine) -> list[tuple[str, Location, list[str]]]:
    """Places users added: (gazetteer id, location, every name it goes by)."""
    with session_scope(engine) as session:
        return [
            (
                p.gazetteer_id,
                Location(
                    name=p.name,
                    gazetteer_id=p.gazetteer_id,
                    country=p.country,
                    admin1=p.admin1,
                    latitude=p.latitude,
                    longitude=p.longitude,
                    precision=LocationPrecision.EXACT_SITE,
                ),
                [n.name for n in p.names],
            )
            for p in repo.list_places(session, origin="user")
        ]


def extraction_places(engine: Engine) -> list[UserPlace]:
    """User-added places in the form the extractor matches against."""
    from incidents.extract.document import PlaceMention
    from incidents.extract.places import UserPlace

    return [
        UserPlace(names=tuple(names), mention=PlaceMention.from_location(loc))
        for _gid, loc, names in user_places(engine)
    ]


def find_duplicates(engine: Engine, incident: Incident, *, limit: int = 5) -> list[Duplicate]:
    """Stored incidents that are likely the same event as ``incident``, best first."""
    from incidents.dedupe import rank_duplicates, search_window

    since, until = search_window(incident)
    candidates = list_incidents(engine, IncidentFilter(since=since, until=until))
    return rank_duplicates(incident, candidates)[:limit]


def source_owner(engine: Engine, sha256: str) -> tuple[str, list[str]] | None:
    """The stored source with this text hash and the incidents citing it, if any."""
    with session_scope(engine) as session:
        return repo.source_usage(session, sha256)


def attach_report(engine: Engine, public_id: str, draft: Incident, *, user: str) -> IncidentRecord:
    """Add a draft's sources, claims and claim evidence to an existing incident."""
    refs = ", ".join(s.ref or "" for s in draft.sources)

    # Read and write under one row lock: a concurrent edit is merged into, never lost.
    def work(session: Session) -> IncidentRecord:
        row = repo.get_incident_row(session, public_id, for_update=True)
        doc = repo.incident_to_schema(row).document()
        offset = len(doc.claims)
        known = {s.ref for s in doc.sources}
        sources = [*doc.sources, *(s for s in draft.sources if s.ref not in known)]
        evidence = list(doc.evidence)
        for ev in draft.evidence:
            if ev.field.startswith("claims."):
                parts = ev.field.split(".")
                parts[1] = str(int(parts[1]) + offset)
                evidence.append(ev.model_copy(update={"field": ".".join(parts)}))
        updated = doc.model_copy(
            update={
                "sources": sources,
                "claims": [*doc.claims, *draft.claims],
                "evidence": evidence,
            }
        )
        incident = Incident.model_validate(updated.model_dump())
        replace_incident(session, row, incident, user=user, reason=f"attached report {refs}")
        return repo.incident_to_schema(row)

    return run_write(engine, work)
