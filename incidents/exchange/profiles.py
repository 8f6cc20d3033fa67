"""ACLED and UCDP GED profiles: our incidents in the columns and codes those datasets use.

``profile_rows("acled" | "ucdp", records)`` maps each stored incident to one row of the
chosen profile (``PROFILES[name]`` is its column order); ``from_acled_row`` reads an
ACLED-profile row back into an :class:`Incident` for ``incidents import``. Every column and
mapping rule is documented in ``docs/profiles.md``. No SQL, no files: the CLI writes rows.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pycountry
from pydantic import ValidationError

from incidents.errors import InputError, UnknownRegionError
from incidents.schema import (
    PUBLIC_ID_RE,
    ActorInvolvement,
    ActorRole,
    ActorType,
    CasualtyFigure,
    CasualtyKind,
    Claim,
    DatePrecision,
    Incident,
    IncidentDate,
    IncidentRecord,
    Location,
    LocationPrecision,
    Mechanism,
    Population,
    Source,
    Stance,
    Verification,
)

Row = dict[str, object]

ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]

UCDP_COLUMNS = [
    "id",
    "year",
    "type_of_violence",
    "dyad_name",
    "side_a",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "country",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
]

PROFILES: dict[str, list[str]] = {"acled": ACLED_COLUMNS, "ucdp": UCDP_COLUMNS}

FRIENDLY_FIRE_TAG = "friendly_fire"
LIST_SEP = "; "  # ACLED's separator inside a cell (assoc actors, sources, tags)

# mechanism -> (ACLED event_type, sub_event_type); accidental release depends on the shooter.
_EXPLOSIONS = "Explosions/Remote violence"
_AIR_STRIKE = "Air/drone strike"
_SHELLING = "Shelling/artillery/missile attack"
ACLED_EVENT_TYPES: dict[Mechanism, tuple[str, str]] = {
    Mechanism.DIRECT_FIRE: ("Battles", "Armed clash"),
    Mechanism.INDIRECT_FIRE: (_EXPLOSIONS, _SHELLING),
    Mechanism.AIR_TO_GROUND: (_EXPLOSIONS, _AIR_STRIKE),
    Mechanism.DRONE: (_EXPLOSIONS, _AIR_STRIKE),
    Mechanism.AIR_DEFENCE: (_EXPLOSIONS, _SHELLING),
    Mechanism.MINE_UXO: (_EXPLOSIONS, "Remote explosive/landmine/IED"),
    Mechanism.ACCIDENTAL_RELEASE: (_EXPLOSIONS, _SHELLING),
    Mechanism.UNKNOWN: ("Battles", "Armed clash"),
}
# Reverse map for import: the most specific mechanism each ACLED sub-event type implies.
_SUB_EVENT_MECHANISM: dict[str, Mechanism] = {
    "armed clash": Mechanism.DIRECT_FIRE,
    "shelling/artillery/missile attack": Mechanism.INDIRECT_FIRE,
    "air/drone strike": Mechanism.AIR_TO_GROUND,
    "remote explosive/landmine/ied": Mechanism.MINE_UXO,
}

ACLED_TIME_PRECISION: dict[DatePrecision, int] = {
    DatePrecision.DAY: 1,
    DatePrecision.WEEK: 2,
    DatePrecision.MONTH: 3,
    DatePrecision.YEAR: 3,
    DatePrecision.RANGE: 3,
}
ACLED_GEO_PRECISION: dict[LocationPrecision, int] = {
    LocationPrecision.EXACT_SITE: 1,
    LocationPrecision.TOWN: 1,
    LocationPrecision.ADMIN2: 2,
    LocationPrecision.ADMIN1: 3,
    LocationPrecision.COUNTRY: 3,
    LocationPrecision.UNKNOWN: 3,
}
_GEO_PRECISION_IMPORT = {
    1: LocationPrecision.TOWN,
    2: LocationPrecision.ADMIN2,
    3: LocationPrecision.ADMIN1,
}
UCDP_WHERE_PREC: dict[LocationPrecision, int] = {
    LocationPrecision.EXACT_SITE: 1,
    LocationPrecision.TOWN: 1,
    LocationPrecision.ADMIN2: 3,
    LocationPrecision.ADMIN1: 4,
    LocationPrecision.COUNTRY: 6,
    LocationPrecision.UNKNOWN: 6,
}
_STATE_FORCES, _REBELS, _MILITIA = 1, 2, 3
# Names ACLED and UCDP print where ISO's official short name differs.
_COMMON_NAMES = {
    "RU": "Russia",
    "SY": "Syria",
    "IR": "Iran",
    "KR": "South Korea",
    "KP": "North Korea",
    "MD": "Moldova",
    "VE": "Venezuela",
    "BO": "Bolivia",
    "TZ": "Tanzania",
    "LA": "Laos",
    "VN": "Vietnam",
    "TW": "Taiwan",
}


# --------------------------------------------------------------------------- shared helpers


def country_name(code: str | None) -> str:
    """The common English name of an ISO 3166-1 alpha-2 code ('' for None)."""
    if code is None:
        return ""
    if code in _COMMON_NAMES:
        return _COMMON_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


def _is_state(side: str | None) -> bool:
    return side is not None and len(side) == 2 and side.isupper()


def side_name(side: str | None) -> str:
    """A side as ACLED/UCDP name it: 'Military Forces of Russia' style for states."""
    if side is None:
        return ""
    return f"Military Forces of {country_name(side)}" if _is_state(side) else side


def _in_role(record: IncidentRecord, role: ActorRole) -> list[ActorInvolvement]:
    return [a for a in record.actors if a.role in (role, ActorRole.BOTH)]


def _main_side(actors: list[ActorInvolvement]) -> str | None:
    """The first known side among the actors (the side ACLED's actor1/actor2 name)."""
    return next((a.side for a in actors if a.side is not None), None)


def _names(actors: list[ActorInvolvement]) -> str:
    return LIST_SEP.join(dict.fromkeys(a.actor or a.name_as_written for a in actors))


def _asserting(record: IncidentRecord) -> list[Claim]:
    return [c for c in record.claims if c.stance is not Stance.DENIES]


def _cell(value: object) -> object:
    """None is written as an empty cell (unknown), never as 0."""
    return "" if value is None else value


def _region_name(code: str | None) -> str:
    from incidents.regions import get_region

    if code is None:
        return ""
    region = get_region(code)
    return region.english_name if region else code


# --------------------------------------------------------------------------- ACLED


def acled_event_type(record: IncidentRecord) -> tuple[str, str]:
    """(event_type, sub_event_type) by mechanism; an accidental release from aircraft is an air strike."""
    if record.mechanism is Mechanism.ACCIDENTAL_RELEASE and any(
        a.type is ActorType.AVIATION for a in _in_role(record, ActorRole.FIRING)
    ):
        return _EXPLOSIONS, _AIR_STRIKE
    return ACLED_EVENT_TYPES[record.mechanism]


def acled_inter(actors: list[ActorInvolvement]) -> int | None:
    """ACLED's numeric actor category: 1 state forces, 3 militia, 2 other non-state."""
    side = _main_side(actors)
    if side is None:
        return None
    if _is_state(side):
        return _STATE_FORCES
    return _MILITIA if any(a.type is ActorType.MILITIA for a in actors) else _REBELS


def _interaction(inter1: int | None, inter2: int | None) -> object:
    if inter1 is None or inter2 is None:
        return ""
    low, high = sorted((inter1, inter2))
    return low * 10 + high


def _acled_actor_cells(record: IncidentRecord, role: ActorRole) -> tuple[str, str, int | None]:
    actors = _in_role(record, role)
    return side_name(_main_side(actors)), _names(actors), acled_inter(actors)


def _timestamp(record: IncidentRecord) -> object:
    stamp = record.updated_at or record.created_at
    if stamp is None:
        return ""
    return int((stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp())


def acled_row(record: IncidentRecord) -> Row:
    """One incident as an ACLED event row (see docs/profiles.md for each rule)."""
    loc = record.location
    event_type, sub_event_type = acled_event_type(record)
    actor1, assoc1, inter1 = _acled_actor_cells(record, ActorRole.FIRING)
    actor2, assoc2, inter2 = _acled_actor_cells(record, ActorRole.HIT)
    country = pycountry.countries.get(alpha_2=loc.country) if loc.country else None
    return {
        "event_id_cnty": record.id,
        "event_date": record.date.start.isoformat(),
        "year": record.date.start.year,
        "time_precision": ACLED_TIME_PRECISION[record.date.precision],
        "disorder_type": "Political violence",
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        "actor1": actor1,
        "assoc_actor_1": assoc1,
        "inter1": _cell(inter1),
        "actor2": actor2,
        "assoc_actor_2": assoc2,
        "inter2": _cell(inter2),
        "interaction": _interaction(inter1, inter2),
        "civilian_targeting": "",
        "iso": int(country.numeric) if country else "",
        "country": country_name(loc.country),
        "admin1": _region_name(loc.admin1),
        "admin2": loc.admin2 or "",
        "location": loc.name or loc.name_as_written or "",
        "latitude": _cell(loc.latitude),
        "longitude": _cell(loc.longitude),
        "geo_precision": ACLED_GEO_PRECISION[loc.precision],
        "source": LIST_SEP.join(dict.fromkeys(s.outlet for s in record.sources)),
        "source_scale": "",
        "notes": record.summary or record.title,
        "fatalities": _cell(record.killed()),
        "tags": LIST_SEP.join([FRIENDLY_FIRE_TAG, *record.tags]),
        "timestamp": _timestamp(record),
    }


# --------------------------------------------------------------------------- UCDP GED


def ucdp_date_prec(d: IncidentDate) -> int:
    """UCDP date_prec: 1 day, 2 two to six days, 3 a week, 4 up to a month, 5 up to a year."""
    span = (d.end - d.start).days + 1
    if d.precision is DatePrecision.DAY or span == 1:
        return 1
    if d.precision is DatePrecision.WEEK:
        return 3
    if span <= 6:
        return 2
    if span <= 31:
        return 4
    return 5


def _claim_totals(claim: Claim) -> tuple[int, int, int] | None:
    """(low, best, high) killed totals of one claim; missing bounds fall back to the figure."""
    figures = [f for f in claim.casualties if f.kind is CasualtyKind.KILLED]
    if not figures:
        return None
    low = sum(f.value if f.low is None else f.low for f in figures)
    high = sum(f.value if f.high is None else f.high for f in figures)
    return low, sum(f.value for f in figures), high


def ucdp_deaths(record: IncidentRecord) -> dict[str, object]:
    """best/low/high and the deaths split of the claim with the highest killed total."""
    totals = [(t, c) for c in _asserting(record) if (t := _claim_totals(c)) is not None]
    if not totals:
        return dict.fromkeys(
            ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "low", "high"),
            "",
        )
    best, claim = max(totals, key=lambda tc: tc[0][1])

    def killed(population: Population) -> int:
        return sum(
            f.value
            for f in claim.casualties
            if f.kind is CasualtyKind.KILLED and f.population is population
        )

    return {
        "deaths_a": 0,
        "deaths_b": killed(Population.MILITARY),
        "deaths_civilians": killed(Population.CIVILIAN),
        "deaths_unknown": killed(Population.UNKNOWN),
        "best": best[1],
        "low": min(t[0] for t, _ in totals),
        "high": max(t[2] for t, _ in totals),
    }


def ucdp_type_of_violence(record: IncidentRecord) -> int:
    """1 state-based when the firing side is a state, else 2 non-state."""
    return 1 if _is_state(_main_side(_in_role(record, ActorRole.FIRING))) else 2


def _ucdp_side(side: str | None) -> str:
    if side is None:
        return ""
    return f"Government of {country_name(side)}" if _is_state(side) else side


def ucdp_row(record: IncidentRecord) -> Row:
    """One incident as a UCDP GED event row (see docs/profiles.md for each rule)."""
    loc = record.location
    side_a = _ucdp_side(_main_side(_in_role(record, ActorRole.FIRING)))
    side_b = _ucdp_side(_main_side(_in_role(record, ActorRole.HIT)))
    first = record.sources[0]
    has_point = loc.latitude is not None and loc.longitude is not None
    return {
        "id": record.id,
        "year": record.date.start.year,
        "type_of_violence": ucdp_type_of_violence(record),
        "dyad_name": f"{side_a} - {side_b}" if side_a and side_b else "",
        "side_a": side_a,
        "side_b": side_b,
        "number_of_sources": len(record.sources),
        "source_article": LIST_SEP.join(
            f"{s.outlet}, {s.published.isoformat() if s.published else 'n.d.'}"
            + (f", {s.url}" if s.url else "")
            for s in record.sources
        ),
        "source_office": LIST_SEP.join(dict.fromkeys(s.outlet for s in record.sources)),
        "source_date": first.published.isoformat() if first.published else "",
        "source_headline": LIST_SEP.join(s.headline for s in record.sources if s.headline),
        "source_original": LIST_SEP.join(
            dict.fromkeys(c.claimant for c in record.claims if c.claimant)
        ),
        "where_prec": UCDP_WHERE_PREC[loc.precision],
        "where_coordinates": loc.name or loc.name_as_written or "",
        "where_description": loc.name_as_written or "",
        "adm_1": _region_name(loc.admin1),
        "adm_2": loc.admin2 or "",
        "latitude": _cell(loc.latitude),
        "longitude": _cell(loc.longitude),
        "geom_wkt": f"POINT ({loc.longitude} {loc.latitude})" if has_point else "",
        "country": country_name(loc.country),
        "event_clarity": 1
        if record.verification in (Verification.ADMITTED, Verification.CORROBORATED)
        else 2,
        "date_prec": ucdp_date_prec(record.date),
        "date_start": record.date.start.isoformat(),
        "date_end": record.date.end.isoformat(),
        **ucdp_deaths(record),
    }


_ROW_MAKERS: dict[str, Callable[[IncidentRecord], Row]] = {"acled": acled_row, "ucdp": ucdp_row}


def profile_rows(name: str, records: Iterable[IncidentRecord]) -> Iterator[Row]:
    """Rows of profile ``name`` ('acled' or 'ucdp'), one per incident, in PROFILES order."""
    try:
        make = _ROW_MAKERS[name]
    except KeyError:
        raise InputError(f"--profile: unknown profile {name!r}; use acled or ucdp") from None
    columns = PROFILES[name]
    for record in records:
        row = make(record)
        yield {column: row[column] for column in columns}


# --------------------------------------------------------------------------- ACLED import

_ACLED_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%m/%d/%Y")
_STATE_ACTOR_RE = re.compile(r"^Military Forces of (.+?)(?: \(\d{4}-\d{0,4}\))?$")


def _get(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def _parse_acled_date(text: str) -> date:
    for fmt in _ACLED_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InputError(f"event_date: {text!r} is not a date (use YYYY-MM-DD or '20 April 2023')")


def acled_date(row: dict[str, str]) -> IncidentDate:
    """event_date + time_precision: 1 the day, 2 the week from that day, 3 its month."""
    day = _parse_acled_date(_get(row, "event_date"))
    match _get(row, "time_precision") or "1":
        case "1":
            return IncidentDate(start=day, end=day, precision=DatePrecision.DAY)
        case "2":
            return IncidentDate(
                start=day, end=day + timedelta(days=6), precision=DatePrecision.WEEK
            )
        case "3":
            last = calendar.monthrange(day.year, day.month)[1]
            return IncidentDate(
                start=day.replace(day=1), end=day.replace(day=last), precision=DatePrecision.MONTH
            )
        case other:
            raise InputError(f"time_precision: {other!r} is not 1, 2 or 3")


def _acled_country(row: dict[str, str]) -> str | None:
    iso = _get(row, "iso")
    if iso:
        found = pycountry.countries.get(numeric=iso.zfill(3))
        if found is None:
            raise InputError(f"iso: {iso!r} is not an ISO 3166-1 numeric code")
        return str(found.alpha_2)
    return _country_by_name(_get(row, "country"))


def _country_by_name(name: str) -> str | None:
    if not name:
        return None
    for code, common in _COMMON_NAMES.items():
        if common.casefold() == name.casefold():
            return code
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        raise InputError(f"country: unknown country {name!r}") from None


def _float(row: dict[str, str], column: str) -> float | None:
    text = _get(row, column)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{column}: {text!r} is not a number") from None


def acled_location(row: dict[str, str]) -> Location:
    """Country, admin1 (any spelling; unknown names are dropped), place and precision."""
    from incidents.regions import resolve_region

    country = _acled_country(row)
    admin1 = None
    if _get(row, "admin1"):
        try:
            admin1 = resolve_region(_get(row, "admin1"), country=country).code
        except UnknownRegionError:
            admin1 = None
    geo = _get(row, "geo_precision")
    precision = _GEO_PRECISION_IMPORT.get(int(geo)) if geo.isdigit() else None
    return Location(
        name_as_written=_get(row, "location") or None,
        country=country,
        admin1=admin1,
        admin2=_get(row, "admin2") or None,
        latitude=_float(row, "latitude"),
        longitude=_float(row, "longitude"),
        precision=precision or LocationPrecision.UNKNOWN,
    )


def _actor_side(name: str) -> str | None:
    match = _STATE_ACTOR_RE.match(name)
    if match is None:
        return None
    try:
        return _country_by_name(match.group(1))
    except InputError:
        return None


def acled_actors(row: dict[str, str]) -> list[ActorInvolvement]:
    """actor1 and its associates fire, actor2 and its associates are hit."""
    actors: list[ActorInvolvement] = []
    for role, main, assoc in (
        (ActorRole.FIRING, "actor1", "assoc_actor_1"),
        (ActorRole.HIT, "actor2", "assoc_actor_2"),
    ):
        side = _actor_side(_get(row, main))
        names = [n.strip() for n in _get(row, assoc).split(";") if n.strip()]
        if not names and _get(row, main):
            names = [_get(row, main)]
        state_type = ActorType.ARMED_FORCES if side else ActorType.UNKNOWN
        actors += [
            ActorInvolvement(name_as_written=n, side=side, role=role, type=state_type)
            for n in names
        ]
    return actors


def _acled_mechanism(row: dict[str, str]) -> Mechanism:
    return _SUB_EVENT_MECHANISM.get(_get(row, "sub_event_type").casefold(), Mechanism.UNKNOWN)


def _acled_claim(row: dict[str, str], *, ours: bool) -> Claim:
    fatalities = _get(row, "fatalities")
    casualties = []
    if fatalities:
        if not fatalities.isdigit():
            raise InputError(f"fatalities: {fatalities!r} is not a whole number")
        # ACLED writes 0 for "none reported"; only our own exports mean a real zero by it.
        if int(fatalities) > 0 or ours:
            n = int(fatalities)
            casualties.append(CasualtyFigure(kind=CasualtyKind.KILLED, low=n, best=n, high=n))
    return Claim(claimant=_get(row, "source") or None, casualties=casualties)


def _acled_tags(row: dict[str, str]) -> list[str]:
    tags = [t.strip() for t in _get(row, "tags").split(";")]
    return [t for t in tags if re.fullmatch(r"[\w.-]{1,40}", t) and t != FRIENDLY_FIRE_TAG]


def from_acled_row(row: dict[str, str]) -> Incident:
    """An incident from one ACLED-profile row (ours or ACLED's own export)."""
    event_id = _get(row, "event_id_cnty")
    ours = PUBLIC_ID_RE.match(event_id) is not None
    location = acled_location(row)
    title = _get(row, "notes").split(". ")[0][:500] or (
        f"{_get(row, 'sub_event_type') or 'Event'} at {location.name_as_written or 'unknown place'}"
    )
    data: dict[str, Any] = {
        "id": event_id if ours else None,
        "title": title,
        "date": acled_date(row),
        "location": location,
        "mechanism": _acled_mechanism(row),
        "actors": acled_actors(row),
        "sources": [Source(outlet=_get(row, "source") or "ACLED", ref=_source_ref(event_id))],
        "claims": [_acled_claim(row, ours=ours)],
        "summary": _get(row, "notes") or None,
        "tags": _acled_tags(row) if ours else [],
    }
    try:
        return Incident.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{where}: {first['msg'].removeprefix('Value error, ')}") from None


def _source_ref(event_id: str) -> str | None:
    """A stable source ref from the event id (None lets the schema derive one)."""
    return re.sub(r"[^A-Za-z0-9._:-]", "-", f"acled:{event_id}")[:80] if event_id else None
