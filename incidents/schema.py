"""The pydantic v2 models that are the project's one contract.

The CLI, the extractor, imports and exports all speak these models; the ORM in
``incidents.db.models`` maps them. Nothing here touches a database or a file.
Codebook enums carry a description per member (``describe(enum)``) that the docs
and ``incidents codes`` print, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

from incidents import iso
from incidents.codebook import (
    CODEBOOK as CODEBOOK,
)
from incidents.codebook import (
    ENUM_DOCS as ENUM_DOCS,
)
from incidents.codebook import (
    ActorRole as ActorRole,
)
from incidents.codebook import (
    ActorType as ActorType,
)
from incidents.codebook import (
    CasualtyKind as CasualtyKind,
)
from incidents.codebook import (
    Cause as Cause,
)
from incidents.codebook import (
    Context as Context,
)
from incidents.codebook import (
    DatePrecision as DatePrecision,
)
from incidents.codebook import (
    EvidenceStatus as EvidenceStatus,
)
from incidents.codebook import (
    Intent as Intent,
)
from incidents.codebook import (
    LocationPrecision as LocationPrecision,
)
from incidents.codebook import (
    Mechanism as Mechanism,
)
from incidents.codebook import (
    Population as Population,
)
from incidents.codebook import (
    ReviewStatus as ReviewStatus,
)
from incidents.codebook import (
    Stance as Stance,
)
from incidents.codebook import (
    Verification as Verification,
)
from incidents.codebook import (
    describe as describe,
)
from incidents.limits import (
    EVIDENCE_FIELD_CHARS,
    GAZETTEER_ID_CHARS,
    LONG_TEXT_CHARS,
    MAX_LIST_ITEMS,
    MAX_QUOTE_CHARS,
    PUBLIC_ID_CHARS,
    SHORT_TEXT_CHARS,
)

# --------------------------------------------------------------------------- value types

PUBLIC_ID_RE = re.compile(r"^FF-(\d{4})-(\d{4,})$")
_NONSTATE_RE = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
_MAX_TEXT = LONG_TEXT_CHARS  # archived article text; larger is not an article


def _country_code(value: str) -> str:
    alpha2 = iso.country_alpha2(value.strip().upper())
    if alpha2 is None:
        raise ValueError(f"unknown ISO 3166-1 country code {value!r} (use e.g. 'UA', 'RU')")
    return alpha2


def _side(value: str) -> str:
    """A side is a state (ISO country code) or a lowercase id of a non-state force."""
    stripped = value.strip()
    try:
        return _country_code(stripped)
    except ValueError:
        if _NONSTATE_RE.match(stripped):
            return stripped
        raise ValueError(
            f"unknown side {value!r}: use an ISO 3166-1 country code ('RU', 'UA') "
            "or a lowercase id for a non-state force ('isis')"
        ) from None


def _language(value: str) -> str:
    code = value.strip().lower()
    if not iso.is_language(code):
        raise ValueError(f"unknown ISO 639-1 language code {value!r} (use e.g. 'en', 'uk')")
    return code


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _clean_text(value: str) -> str:
    # NUL bytes break PostgreSQL text columns and are never meaningful in an article.
    if "\x00" in value:
        raise ValueError("text contains a NUL character")
    return value


CountryCode = Annotated[str, AfterValidator(_country_code)]
Side = Annotated[str, AfterValidator(_side)]
LanguageCode = Annotated[str, AfterValidator(_language)]
Text = Annotated[str, BeforeValidator(_strip), AfterValidator(_clean_text)]
ShortText = Annotated[Text, Field(min_length=1, max_length=SHORT_TEXT_CHARS)]
# Long text is kept verbatim: evidence offsets point into it, so not even edges are trimmed.
LongText = Annotated[str, AfterValidator(_clean_text), Field(max_length=_MAX_TEXT)]
Count = Annotated[int, Field(ge=0, le=10_000_000, strict=False)]


@functools.cache
def _derived_fields(cls: type[BaseModel]) -> frozenset[str]:
    """Names of a model's computed fields, asked once per class (every validation needs them;
    pydantic's ``model_computed_fields`` is a descriptor call per access)."""
    return frozenset(cls.model_computed_fields)


class Model(BaseModel):
    """Base: strict about unknown keys, so a typo in a YAML file is an error, not a loss."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        use_enum_values=False,
        str_max_length=_MAX_TEXT,
        defer_build=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        # Derived fields appear in every dump; accepting them back keeps dumps loadable.
        if isinstance(data, dict):
            derived = _derived_fields(cls)
            if derived and not derived.isdisjoint(data):
                return {k: v for k, v in data.items() if k not in derived}
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _list_items(cls, value: Any) -> Any:
        # Checked before the items are validated, so a huge list costs nothing.
        if isinstance(value, list | tuple) and len(value) > MAX_LIST_ITEMS:
            raise ValueError(f"{len(value)} items; the limit is {MAX_LIST_ITEMS}")
        return value

    @field_validator("quote", mode="after", check_fields=False)
    @classmethod
    def _quote(cls, value: str | None) -> str | None:
        if value is not None and len(value) > MAX_QUOTE_CHARS:
            raise ValueError(f"{len(value)} characters; the limit is {MAX_QUOTE_CHARS}")
        return value


# --------------------------------------------------------------------------- dates


def _parse_date_shorthand(text: str) -> dict[str, Any]:
    """``2023-04-21`` day, ``2023-09`` month, ``2023`` year, ``A/B`` range."""
    text = text.strip()
    if "/" in text:
        start_s, end_s = (part.strip() for part in text.split("/", 1))
        return {"start": start_s, "end": end_s, "precision": DatePrecision.RANGE}
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return {"start": date(year, 1, 1), "end": date(year, 12, 31), "precision": "year"}
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if month:
        year, mon = int(month.group(1)), int(month.group(2))
        if not 1 <= mon <= 12:
            raise ValueError(f"invalid month in {text!r}")
        last = calendar.monthrange(year, mon)[1]
        return {"start": date(year, mon, 1), "end": date(year, mon, last), "precision": "month"}
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"invalid date {text!r}: use YYYY-MM-DD, YYYY-MM, YYYY or START/END"
        ) from None
    return {"start": day, "end": day, "precision": "day"}


class IncidentDate(Model):
    """When it happened: an earliest/latest span, its precision and the phrase it came from."""

    start: date
    end: date
    precision: DatePrecision
    phrase: ShortText | None = Field(None, description="the words the date came from")
    resolved_against: date | None = Field(
        None, description="the date a relative phrase was resolved against (publication date)"
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return _parse_date_shorthand(data)
        if isinstance(data, date):
            return {"start": data, "end": data, "precision": "day"}
        if isinstance(data, dict) and "end" not in data and "start" in data:
            start = data["start"]
            if isinstance(start, str):
                parsed = _parse_date_shorthand(start)
                return {**parsed, **{k: v for k, v in data.items() if k != "start"}}
            return {"precision": DatePrecision.DAY, **data, "end": start}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        span = (self.end - self.start).days
        match self.precision:
            case DatePrecision.DAY if span != 0:
                raise ValueError("precision 'day' needs start == end; use 'range' or 'week'")
            case DatePrecision.WEEK if span > 6:
                raise ValueError("precision 'week' spans at most 7 days")
            case DatePrecision.MONTH if self.start.day != 1 or self.end != self.start.replace(
                day=calendar.monthrange(self.start.year, self.start.month)[1]
            ):
                raise ValueError("precision 'month' needs the first and last day of one month")
            case DatePrecision.YEAR if self.start != date(
                self.start.year, 1, 1
            ) or self.end != date(self.start.year, 12, 31):
                raise ValueError("precision 'year' needs 1 January to 31 December of one year")
        return self

    def __str__(self) -> str:
        match self.precision:
            case DatePrecision.DAY:
                return self.start.isoformat()
            case DatePrecision.MONTH:
                return self.start.strftime("%Y-%m")
            case DatePrecision.YEAR:
                return str(self.start.year)
            case _:
                return f"{self.start.isoformat()}/{self.end.isoformat()}"


# --------------------------------------------------------------------------- places


class Location(Model):
    """Where: the place as written, the place it resolves to, and how precise that is."""

    name_as_written: ShortText | None = None
    name: ShortText | None = Field(None, description="resolved place name")
    gazetteer_id: ShortText | None = Field(
        None, description="'geonames:<id>' or 'user:<slug>' for a place a user added"
    )
    country: CountryCode | None = None
    admin1: ShortText | None = Field(
        None, description="ISO 3166-2 code; any common spelling of the region is accepted"
    )
    admin2: ShortText | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    precision: LocationPrecision = LocationPrecision.UNKNOWN

    @field_validator("admin1")
    @classmethod
    def _admin1(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from incidents.errors import UnknownRegionError
        from incidents.regions import resolve_region

        try:
            return resolve_region(value).code
        except UnknownRegionError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("gazetteer_id")
    @classmethod
    def _gazetteer_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"(geonames:\d+|user:[a-z0-9][a-z0-9-]*)", value):
            raise ValueError("gazetteer_id must look like 'geonames:703656' or 'user:some-slug'")
        if value is not None and (len(value) > GAZETTEER_ID_CHARS or not value.isascii()):
            # \d also matches non-ASCII digits; the column holds GAZETTEER_ID_CHARS.
            raise ValueError(f"ASCII, at most {GAZETTEER_ID_CHARS} characters")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude go together: give both or neither")
        if self.admin1 and self.country and not self.admin1.startswith(self.country + "-"):
            raise ValueError(f"admin1 {self.admin1} is not in country {self.country}")
        if self.admin1 and not self.country:
            self.__dict__["country"] = self.admin1.split("-", 1)[0]
        return self


class Geolocation(Location):
    """A later geolocation (e.g. from footage), kept apart from the claimed location."""

    by: ShortText | None = Field(None, description="who geolocated it")
    notes: LongText | None = None


# --------------------------------------------------------------------------- actors


class Actor(Model):
    """A normalised actor with its aliases (the lexicon entry, not an involvement)."""

    name: ShortText
    side: Side | None = None
    type: ActorType = ActorType.UNKNOWN
    aliases: list[ShortText] = Field(default_factory=list)


class ActorInvolvement(Model):
    """A unit as involved in one incident: as written, normalised, side, type and role."""

    name_as_written: ShortText
    actor: ShortText | None = Field(
        None, description="normalised actor name; filled from the alias lexicon if omitted"
    )
    side: Side | None = None
    type: ActorType = ActorType.UNKNOWN
    role: ActorRole
    quote: LongText | None = None


# --------------------------------------------------------------------------- sources, claims


class Source(Model):
    """A report: outlet, metadata, archived text and the chain of attribution."""

    ref: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")] | None = Field(
        None, description="stable source id; derived from the text or URL if omitted"
    )
    outlet: ShortText
    url: ShortText | None = None
    headline: ShortText | None = None
    author: ShortText | None = None
    published: date | None = None
    language: LanguageCode | None = None
    attribution: list[ShortText] = Field(
        default_factory=list,
        description="chain from origin to outlet, e.g. ['Russian security forces', 'TASS']",
    )
    text: LongText | None = Field(None, description="the archived article text")
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value

    @model_validator(mode="after")
    def _fill(self) -> Self:
        if self.text is not None:
            digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
            if self.sha256 is not None and self.sha256 != digest:
                raise ValueError("sha256 does not match the archived text")
            self.__dict__["sha256"] = digest
        if self.ref is None:
            basis = self.sha256 or self.url or f"{self.outlet}|{self.headline}|{self.published}"
            digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:12]
            self.__dict__["ref"] = f"src-{digest}"
        return self


class CasualtyFigure(Model):
    """One casualty count of a claim; ``count`` is shorthand for an exact figure."""

    kind: CasualtyKind
    population: Population = Population.UNKNOWN
    low: Count | None = None
    best: Count | None = None
    high: Count | None = None
    quote: LongText | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and "count" in data:
            data = dict(data)
            count = data.pop("count")
            if isinstance(count, str) and re.fullmatch(r"\s*\d+\s*-\s*\d+\s*", count):
                low, high = (int(x) for x in count.split("-"))
                data.update(low=low, high=high)
            else:
                data.update(low=count, best=count, high=count)
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        given = [v for v in (self.low, self.best, self.high) if v is not None]
        if not given:
            # Unknown is the absence of a figure, never a stored zero.
            raise ValueError("give at least one of low, best, high (or count); omit unknowns")
        if given != sorted(given):
            raise ValueError(f"need low <= best <= high, got {self.low}/{self.best}/{self.high}")
        return self

    @property
    def value(self) -> int:
        """The single figure to use: best, else low, else high."""
        for v in (self.best, self.low, self.high):
            if v is not None:
                return v
        raise AssertionError("validated figure has a value")


class Claim(Model):
    """What one source says about one incident, and who says it."""

    source: str | None = Field(
        None, description="ref of one of the incident's sources (optional if there is one)"
    )
    claimant: ShortText | None = Field(None, description="who says it, e.g. 'General Staff'")
    claimant_side: Side | None = None
    affected_side: Side | None = Field(None, description="whose forces fired on themselves")
    stance: Stance = Stance.ASSERTS
    casualties: list[CasualtyFigure] = Field(default_factory=list)
    claimed_causes: list[Cause] = Field(default_factory=list)
    hedges: list[ShortText] = Field(default_factory=list)
    attribution: list[ShortText] = Field(
        default_factory=list,
        description="how the claim reached the source, origin first: "
        "['Russian MoD', 'Christo Grozev on X']",
    )
    quote: LongText | None = None

    @field_validator("casualties")
    @classmethod
    def _unique_figures(cls, value: list[CasualtyFigure]) -> list[CasualtyFigure]:
        seen: set[tuple[str, str]] = set()
        for fig in value:
            key = (fig.kind.value, fig.population.value)
            if key in seen:
                raise ValueError(f"two figures for {key[1]} {key[0]} in one claim")
            seen.add(key)
        return value

    @field_validator("claimed_causes")
    @classmethod
    def _unique_causes(cls, value: list[Cause]) -> list[Cause]:
        return list(dict.fromkeys(value))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def claimant_is_adversary(self) -> bool | None:
        """True when the claimant accuses the other side; None when a side is unknown."""
        if self.claimant_side is None or self.affected_side is None:
            return None
        return self.claimant_side != self.affected_side

    def total(self, kind: CasualtyKind) -> int | None:
        """Sum of this claim's figures of one kind, or None if it gives none."""
        values = [f.value for f in self.casualties if f.kind is kind]
        return sum(values) if values else None


class Evidence(Model):
    """Where a value came from: the exact words of a source, by character offsets."""

    field: Annotated[str, Field(pattern=r"^[a-z_]+(\.[a-z_0-9]+)*$")] = Field(
        description="dotted path of the value in the incident, e.g. 'date', 'claims.0.casualties.1'"
    )
    source: str | None = Field(None, description="ref of the source the quote is from")
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]
    quote: LongText
    confidence: Annotated[float, Field(ge=0, le=1)] = 1.0
    stage: ShortText | None = Field(None, description="extractor stage that proposed it")
    status: EvidenceStatus = EvidenceStatus.SUGGESTED

    @model_validator(mode="after")
    def _span(self) -> Self:
        # The database columns hold EVIDENCE_FIELD_CHARS characters and 32-bit offsets.
        if len(self.field) > EVIDENCE_FIELD_CHARS:
            raise ValueError(f"field is longer than {EVIDENCE_FIELD_CHARS} characters")
        if self.end > LONG_TEXT_CHARS:
            raise ValueError(f"end {self.end} is past the longest text ({LONG_TEXT_CHARS})")
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if len(self.quote) != self.end - self.start:
            raise ValueError("quote length does not match start..end")
        return self


# --------------------------------------------------------------------------- incidents


class Incident(Model):
    """One friendly-fire incident: the editable document of ``incidents add`` and ``edit``."""

    id: Annotated[str, Field(pattern=PUBLIC_ID_RE.pattern)] | None = Field(
        None, description="public id FF-YYYY-NNNN; assigned on first save"
    )
    title: ShortText
    date: IncidentDate
    location: Location = Field(default_factory=Location)
    geolocation: Geolocation | None = None
    intent: Intent = Intent.UNKNOWN
    mechanism: Mechanism = Mechanism.UNKNOWN
    context: Context = Context.UNKNOWN
    assessed_causes: list[Cause] = Field(
        default_factory=list, description="the researcher's assessment, apart from claimed causes"
    )
    weapons: list[ShortText] = Field(default_factory=list)
    actors: list[ActorInvolvement] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    claims: list[Claim] = Field(min_length=1)
    summary: LongText | None = None
    notes: LongText | None = None
    tags: list[Annotated[str, Field(pattern=r"^[\w.-]{1,40}$")]] = Field(default_factory=list)
    review_status: ReviewStatus = ReviewStatus.DRAFT
    verification: Verification = Verification.UNASSESSED
    evidence: list[Evidence] = Field(
        default_factory=list, description="provenance of values: quotes with offsets"
    )

    @field_validator("assessed_causes", "weapons", "tags")
    @classmethod
    def _dedupe(cls, value: list[Any]) -> list[Any]:
        return list(dict.fromkeys(value))

    @field_validator("id")
    @classmethod
    def _public_id(cls, value: str | None) -> str | None:
        # The pattern's \d also matches non-ASCII digits; the column holds PUBLIC_ID_CHARS.
        if value is not None and not value.isascii():
            raise ValueError(f"{value!r}: use ASCII digits, e.g. FF-2023-0001")
        if value is not None and len(value) > PUBLIC_ID_CHARS:
            raise ValueError(f"{value} is longer than {PUBLIC_ID_CHARS} characters")
        return value

    @model_validator(mode="after")
    def _links(self) -> Self:
        refs = [s.ref for s in self.sources]
        if len(set(refs)) != len(refs):
            raise ValueError("two sources share one ref")
        for i, claim in enumerate(self.claims):
            if claim.source is None:
                if len(self.sources) != 1:
                    raise ValueError(f"claims.{i}.source: name one of the sources {refs}")
                claim.__dict__["source"] = refs[0]
            elif claim.source not in refs:
                raise ValueError(f"claims.{i}.source: {claim.source!r} is not one of {refs}")
        cited = {c.source for c in self.claims}
        for i, ref in enumerate(refs):
            # Sources are stored through the claims that cite them; an uncited one would vanish.
            if ref not in cited:
                raise ValueError(f"sources.{i}: {ref!r} is cited by no claim; add a claim for it")
        texts = {s.ref: s.text for s in self.sources}
        for i, ev in enumerate(self.evidence):
            ref = ev.source if ev.source is not None else (refs[0] if len(refs) == 1 else None)
            if ref not in texts:
                raise ValueError(f"evidence.{i}.source: name one of the sources {refs}")
            ev.__dict__["source"] = ref
            text = texts[ref]
            if text is not None and text[ev.start : ev.end] != ev.quote:
                raise ValueError(
                    f"evidence.{i}: the quote is not the text of source {ref!r} at {ev.start}..{ev.end}"
                )
        published = [s.published for s in self.sources if s.published is not None]
        if published and self.date.start > min(published):
            raise ValueError(
                f"date.start {self.date.start} is after the earliest source's "
                f"publication date {min(published)}"
            )
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def same_side(self) -> bool | None:
        """Derived: firing and hit units on one side. None when a side or role is unknown."""
        firing = {a.side for a in self.actors if a.role in (ActorRole.FIRING, ActorRole.BOTH)}
        hit = {a.side for a in self.actors if a.role in (ActorRole.HIT, ActorRole.BOTH)}
        if not firing or not hit or None in firing or None in hit:
            return None
        return firing == hit and len(firing) == 1

    @computed_field  # type: ignore[prop-decorator]
    @property
    def claimed_causes(self) -> list[Cause]:
        """Derived: every cause any claim gives, in first-seen order."""
        return list(dict.fromkeys(c for claim in self.claims for c in claim.claimed_causes))

    def killed(self) -> int | None:
        """Highest killed total among asserting claims (the rule list/export use)."""
        totals = [
            t
            for c in self.claims
            if c.stance is not Stance.DENIES and (t := c.total(CasualtyKind.KILLED)) is not None
        ]
        return max(totals) if totals else None


class HistoryEntry(Model):
    """One change to an incident: who, when, what and why."""

    at: datetime
    user: str
    action: Literal["create", "update", "delete", "restore"]
    reason: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict)


class IncidentRecord(Incident):
    """An incident as stored: public id and bookkeeping fields are always present."""

    id: Annotated[str, Field(pattern=PUBLIC_ID_RE.pattern)]
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    deleted_reason: str | None = None

    def document(self) -> Incident:
        """The editable part, as ``incidents add`` accepts it."""
        keep = set(Incident.model_fields)
        return Incident.model_validate(self.model_dump(include=keep))


class IncidentFilter(Model):
    """The query of ``incidents list``: every given condition must hold."""

    country: CountryCode | None = None
    region: str | None = None
    place: str | None = None
    near: tuple[float, float] | None = None
    radius_km: float = Field(25.0, gt=0, le=20_000)
    since: date | None = None
    until: date | None = None
    intent: Intent | None = None
    mechanism: Mechanism | None = None
    cause: Cause | None = None
    actor: str | None = None
    side: Side | None = None
    claimant: str | None = None
    verification: Verification | None = None
    review_status: ReviewStatus | None = None
    min_killed: Count | None = None
    text: str | None = None
    include_deleted: bool = False
    sort: Literal["date", "-date", "id", "-id", "killed", "-killed"] = "date"
    limit: int | None = Field(None, ge=1)

    @field_validator("near")
    @classmethod
    def _near(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None:
            lat, lon = value
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"near: {lat},{lon} is not a latitude,longitude pair")
        return value

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.since and self.until and self.until < self.since:
            raise ValueError(f"until {self.until} is before since {self.since}")
        return self


def incident_json_schema() -> dict[str, Any]:
    """The published JSON Schema of an incident document (input form: derived fields optional)."""
    schema = Incident.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://incidents.invalid/schema/incident.json"
    return schema
