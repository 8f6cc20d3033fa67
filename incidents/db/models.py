"""SQLAlchemy 2.x typed ORM tables. No pydantic, no typer: ``repository`` maps to the schema.

Enum columns are plain strings checked by the schema on the way in; constraints are
named through the MetaData naming convention so Alembic batch mode can alter them on
SQLite. Column names are meant to be read by people opening the file in Datasette.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Tables Alembic must not compare (created by raw DDL in the migration, per dialect).
UNMANAGED_TABLES = frozenset({"incidents_fts"})
UNMANAGED_PREFIXES = ("incidents_fts_",)
UNMANAGED_INDEXES = frozenset({"ix_incidents_search_tsv"})


class Base(DeclarativeBase):
    """Declarative base with named constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class PlaceRow(Base):
    """A resolved place: a gazetteer entry that an incident uses, or a user-added site."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    gazetteer_id: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    country: Mapped[str | None] = mapped_column(String(2))
    admin1: Mapped[str | None] = mapped_column(String(10))
    admin2: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    feature: Mapped[str] = mapped_column(String(40), default="populated_place")
    origin: Mapped[str] = mapped_column(String(20), default="geonames")

    names: Mapped[list[PlaceNameRow]] = relationship(
        back_populates="place", cascade="all, delete-orphan"
    )


class PlaceNameRow(Base):
    """One spelling of a place, with its normalised matching key."""

    __tablename__ = "place_names"
    __table_args__ = (UniqueConstraint("place_id", "name_key", name="place_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))
    name_key: Mapped[str] = mapped_column(String(500), index=True)

    place: Mapped[PlaceRow] = relationship(back_populates="names")


class ActorRow(Base):
    """A normalised actor (force or unit) with its aliases."""

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(500), unique=True)
    side: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(40), default="unknown")

    aliases: Mapped[list[ActorAliasRow]] = relationship(
        back_populates="actor", cascade="all, delete-orphan"
    )


class ActorAliasRow(Base):
    """One name an actor goes by; ``alias_key`` is unique so a name means one actor."""

    __tablename__ = "actor_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(500))
    alias_key: Mapped[str] = mapped_column(String(500), unique=True)

    actor: Mapped[ActorRow] = relationship(back_populates="aliases")


class SourceRow(Base):
    """A report with its archived text; shared by every incident it describes."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    outlet: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2000), index=True)
    headline: Mapped[str | None] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(500))
    published: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(8))
    attribution: Mapped[list[Any]] = mapped_column(default=list)
    text: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)


class IncidentRow(Base):
    """One incident. Location columns are denormalised for region/date/near filters."""

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("date_end >= date_start", name="date_order"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        Index("ix_incidents_admin1_date", "admin1", "date_start", "date_end"),
        Index("ix_incidents_country_date", "country", "date_start", "date_end"),
        Index("ix_incidents_date", "date_start", "date_end"),
        # The default listing order, so listings stream without a full sort (0004).
        Index("ix_incidents_date_public_id", "date_start", "public_id"),
        Index("ix_incidents_lat_lon", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    date_start: Mapped[date] = mapped_column(Date)
    date_end: Mapped[date] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(10))
    date_phrase: Mapped[str | None] = mapped_column(String(500))
    date_resolved_against: Mapped[date | None] = mapped_column(Date)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"), index=True)
    place_as_written: Mapped[str | None] = mapped_column(String(500))
    place_name: Mapped[str | None] = mapped_column(String(500))
    gazetteer_id: Mapped[str | None] = mapped_column(String(80))
    country: Mapped[str | None] = mapped_column(String(2))
    admin1: Mapped[str | None] = mapped_column(String(10))
    admin2: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_precision: Mapped[str] = mapped_column(String(20))
    geolocation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    intent: Mapped[str] = mapped_column(String(20), index=True)
    mechanism: Mapped[str] = mapped_column(String(30), index=True)
    context: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    review_status: Mapped[str] = mapped_column(String(10))
    verification: Mapped[str] = mapped_column(String(30), index=True)
    killed_max: Mapped[int | None] = mapped_column(Integer, index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_reason: Mapped[str | None] = mapped_column(Text)

    place: Mapped[PlaceRow | None] = relationship()
    causes: Mapped[list[IncidentCauseRow]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentCauseRow.position"
    )
    weapons: Mapped[list[IncidentWeaponRow]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentWeaponRow.position"
    )
    tags: Mapped[list[IncidentTagRow]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentTagRow.position"
    )
    actors: Mapped[list[IncidentActorRow]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentActorRow.position"
    )
    claims: Mapped[list[ClaimRow]] = relationship(
        cascade="all, delete-orphan", order_by="ClaimRow.position"
    )
    evidence: Mapped[list[EvidenceRow]] = relationship(
        cascade="all, delete-orphan", order_by="EvidenceRow.position"
    )
    history: Mapped[list[HistoryRow]] = relationship(
        back_populates="incident", order_by="HistoryRow.id", cascade="all, delete-orphan"
    )


class IncidentCauseRow(Base):
    """A cause the researcher assessed (claimed causes live on claims)."""

    __tablename__ = "incident_causes"
    __table_args__ = (UniqueConstraint("incident_id", "cause", name="incident_cause"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    cause: Mapped[str] = mapped_column(String(30), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class IncidentWeaponRow(Base):
    """A weapon or system named for the incident."""

    __tablename__ = "incident_weapons"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    weapon: Mapped[str] = mapped_column(String(500), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class IncidentTagRow(Base):
    """A free tag."""

    __tablename__ = "incident_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    tag: Mapped[str] = mapped_column(String(40), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class IncidentActorRow(Base):
    """A unit's involvement in an incident, linked to its normalised actor."""

    __tablename__ = "incident_actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"), index=True)
    name_as_written: Mapped[str] = mapped_column(String(500))
    side: Mapped[str | None] = mapped_column(String(40), index=True)
    type: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(10))
    quote: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    actor: Mapped[ActorRow | None] = relationship()


class ClaimRow(Base):
    """What one source says about one incident."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    claimant: Mapped[str | None] = mapped_column(String(500), index=True)
    claimant_side: Mapped[str | None] = mapped_column(String(40))
    affected_side: Mapped[str | None] = mapped_column(String(40))
    stance: Mapped[str] = mapped_column(String(20))
    hedges: Mapped[list[Any]] = mapped_column(default=list)
    attribution: Mapped[list[Any]] = mapped_column(default=list)
    quote: Mapped[str | None] = mapped_column(Text)

    source: Mapped[SourceRow] = relationship()
    causes: Mapped[list[ClaimCauseRow]] = relationship(
        cascade="all, delete-orphan", order_by="ClaimCauseRow.position"
    )
    casualties: Mapped[list[CasualtyRow]] = relationship(
        cascade="all, delete-orphan", order_by="CasualtyRow.position"
    )


class ClaimCauseRow(Base):
    """A cause a claim gives."""

    __tablename__ = "claim_causes"
    __table_args__ = (UniqueConstraint("claim_id", "cause", name="claim_cause"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    cause: Mapped[str] = mapped_column(String(30), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CasualtyRow(Base):
    """One casualty figure of a claim; a missing row means unknown, never zero."""

    __tablename__ = "casualties"
    __table_args__ = (
        UniqueConstraint("claim_id", "kind", "population", name="claim_kind_population"),
        CheckConstraint("low IS NULL OR low >= 0", name="low_nonneg"),
        CheckConstraint("best IS NULL OR best >= 0", name="best_nonneg"),
        CheckConstraint("high IS NULL OR high >= 0", name="high_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    population: Mapped[str] = mapped_column(String(10))
    low: Mapped[int | None] = mapped_column(Integer)
    best: Mapped[int | None] = mapped_column(Integer)
    high: Mapped[int | None] = mapped_column(Integer)
    quote: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)


class EvidenceRow(Base):
    """Provenance of one value: field path, source, offsets, quote, and what a human did."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    field: Mapped[str] = mapped_column(String(200))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    stage: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)

    source: Mapped[SourceRow] = relationship()


class HistoryRow(Base):
    """One change to an incident: who, when, what changed (field -> [old, new]) and why."""

    __tablename__ = "incident_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)

    incident: Mapped[IncidentRow] = relationship(back_populates="history")
