"""The codebook: every coded dimension as an enum with a meaning per value.

Pydantic-free on purpose: the CLI types its filter options with these enums, and building
``--help`` must not load the schema. ``incidents.schema`` re-exports them; the Markdown
(``incidents codebook``) is generated from them, so the docs cannot drift from the code.
"""

from __future__ import annotations

from enum import StrEnum


class DatePrecision(StrEnum):
    """How precisely the incident date is known (after ACLED's time_precision)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    RANGE = "range"


class LocationPrecision(StrEnum):
    """How precisely the location is known (after UCDP GED's where_prec)."""

    EXACT_SITE = "exact_site"
    TOWN = "town"
    ADMIN2 = "admin2"
    ADMIN1 = "admin1"
    COUNTRY = "country"
    UNKNOWN = "unknown"


class Intent(StrEnum):
    """Whether the fire on own forces was meant."""

    UNINTENTIONAL = "unintentional"
    DELIBERATE = "deliberate"
    UNKNOWN = "unknown"


class Mechanism(StrEnum):
    """How the harm was delivered."""

    DIRECT_FIRE = "direct_fire"
    INDIRECT_FIRE = "indirect_fire"
    AIR_TO_GROUND = "air_to_ground"
    AIR_DEFENCE = "air_defence"
    DRONE = "drone"
    MINE_UXO = "mine_uxo"
    ACCIDENTAL_RELEASE = "accidental_release"
    UNKNOWN = "unknown"


class Context(StrEnum):
    """What the affected forces were doing."""

    COMBAT = "combat"
    TRAINING = "training"
    REAR_AREA = "rear_area"
    TRANSIT = "transit"
    UNKNOWN = "unknown"


class Cause(StrEnum):
    """Why it happened, after the fratricide literature's categories."""

    MISIDENTIFICATION = "misidentification"
    COORDINATION_FAILURE = "coordination_failure"
    NAVIGATION_ERROR = "navigation_error"
    WEAPONS_ERROR = "weapons_error"
    TECHNICAL_MALFUNCTION = "technical_malfunction"
    OWN_MINEFIELD = "own_minefield"
    EW_SPOOFING = "ew_spoofing"
    PANIC_LOW_MORALE = "panic_low_morale"
    UNIT_DISPUTE = "unit_dispute"
    UNKNOWN = "unknown"


class Verification(StrEnum):
    """Grade of the evidence, strongest first (after Airwars' grading)."""

    ADMITTED = "admitted"
    CORROBORATED = "corroborated"
    SEVERAL_ADVERSARY_SOURCES = "several_adversary_sources"
    SINGLE_ADVERSARY_CLAIM = "single_adversary_claim"
    CONTESTED = "contested"
    DISCOUNTED = "discounted"
    UNASSESSED = "unassessed"


class ReviewStatus(StrEnum):
    """Whether a human has checked the record against its sources."""

    DRAFT = "draft"
    REVIEWED = "reviewed"


class ActorType(StrEnum):
    """Branch or kind of the unit involved."""

    INFANTRY = "infantry"
    AIRBORNE = "airborne"
    ARMOUR = "armour"
    ARTILLERY = "artillery"
    AIR_DEFENCE = "air_defence"
    AVIATION = "aviation"
    DRONE_UNIT = "drone_unit"
    SPECIAL_FORCES = "special_forces"
    SABOTAGE_RECONNAISSANCE = "sabotage_reconnaissance"
    PMC = "pmc"
    NAVAL = "naval"
    SECURITY_FORCES = "security_forces"
    MILITIA = "militia"
    ARMED_FORCES = "armed_forces"
    OTHER = "other"
    UNKNOWN = "unknown"


class ActorRole(StrEnum):
    """The unit's part in the incident."""

    FIRING = "firing"
    HIT = "hit"
    BOTH = "both"
    OTHER = "other"


class Stance(StrEnum):
    """What the source does with the claim."""

    ASSERTS = "asserts"
    DENIES = "denies"
    UNCONFIRMED = "unconfirmed"


class CasualtyKind(StrEnum):
    """Kind of loss counted."""

    KILLED = "killed"
    WOUNDED = "wounded"
    MISSING = "missing"


class Population(StrEnum):
    """Whose losses are counted."""

    MILITARY = "military"
    CIVILIAN = "civilian"
    UNKNOWN = "unknown"


class EvidenceStatus(StrEnum):
    """What a human did with a suggested value."""

    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    EDITED = "edited"
    ADDED = "added"


# Not a coded field: the keys `incidents stats --by` groups by. It lives here, with the
# other pydantic-free enums, because the CLI builds its options from it at start-up.
class StatsKey(StrEnum):
    """What ``incidents stats --by`` groups incidents by."""

    MONTH = "month"
    YEAR = "year"
    COUNTRY = "country"
    REGION = "region"
    INTENT = "intent"
    MECHANISM = "mechanism"
    CAUSE = "cause"
    SIDE = "side"
    CLAIMANT = "claimant"
    VERIFICATION = "verification"


ENUM_DOCS: dict[type[StrEnum], dict[str, str]] = {
    DatePrecision: {
        "day": "the day is known",
        "week": "within one week (start..end spans at most 7 days)",
        "month": "the month is known (start = first day, end = last day)",
        "year": "only the year is known",
        "range": "somewhere between start and end",
    },
    LocationPrecision: {
        "exact_site": "a site within a town or a point (coordinates of the site itself)",
        "town": "a town or village; coordinates are its centre",
        "admin2": "a district (raion) is the smallest unit known",
        "admin1": "a first-level region (oblast, krai) is the smallest unit known",
        "country": "only the country is known",
        "unknown": "no usable location",
    },
    Intent: {
        "unintentional": "classic fratricide: own forces hit by mistake",
        "deliberate": "intra-force clash, fire on retreating own troops, blocking units",
        "unknown": "the sources do not say",
    },
    Mechanism: {
        "direct_fire": "small arms, tank or cannon fire at visible targets",
        "indirect_fire": "artillery, mortar or rocket fire",
        "air_to_ground": "an aircraft strikes ground forces or places",
        "air_defence": "air defence engages own aircraft, drones or troops",
        "drone": "an FPV, loitering or bomb-dropping drone",
        "mine_uxo": "own mines or unexploded ordnance",
        "accidental_release": "a munition released or fired by accident",
        "unknown": "the sources do not say",
    },
    Context: {
        "combat": "during combat operations",
        "training": "during a training exercise",
        "rear_area": "in a rear area, away from fighting",
        "transit": "while moving, e.g. convoy, retreat, redeployment",
        "unknown": "the sources do not say",
    },
    Cause: {
        "misidentification": "own forces taken for the enemy (combat identification), "
        "incl. air defence engaging an own aircraft or drone",
        "coordination_failure": "coordination, command or communication failure",
        "navigation_error": "a unit lost or in the wrong place",
        "weapons_error": "fire control or weapons error: wrong coordinates, short rounds",
        "technical_malfunction": "a technical malfunction or accidental release",
        "own_minefield": "own mines",
        "ew_spoofing": "electronic-warfare jamming or spoofing",
        "panic_low_morale": "panic, fear or low morale",
        "unit_dispute": "a dispute between units or men",
        "unknown": "no cause given",
    },
    Verification: {
        "admitted": "admitted by the affected side",
        "corroborated": "independently corroborated (footage, third party)",
        "several_adversary_sources": "several independent sources from the other side",
        "single_adversary_claim": "a single claim from the other side",
        "contested": "sources disagree whether it happened or was fratricide",
        "discounted": "shown to be false or not fratricide",
        "unassessed": "not yet graded by a researcher",
    },
    ReviewStatus: {
        "draft": "proposed or entered, not yet checked",
        "reviewed": "checked by a researcher against the sources",
    },
    ActorType: {t.value: t.value.replace("_", " ") for t in ActorType},
    ActorRole: {
        "firing": "fired the shots or dropped the munition",
        "hit": "was hit",
        "both": "fired and was hit (e.g. two groups shooting at each other)",
        "other": "involved otherwise (commanded, reported, witnessed)",
    },
    Stance: {
        "asserts": "the claimant says it happened",
        "denies": "the claimant says it did not happen",
        "unconfirmed": "reported with explicit doubt, neither asserted nor denied",
    },
    CasualtyKind: {"killed": "dead", "wounded": "injured", "missing": "missing or captured"},
    EvidenceStatus: {
        "suggested": "proposed by the extractor, not yet reviewed",
        "accepted": "a researcher accepted the suggestion unchanged",
        "edited": "a researcher changed the suggested value",
        "added": "a researcher added the value and its evidence by hand",
    },
    Population: {
        "military": "soldiers, mercenaries, security forces",
        "civilian": "civilians",
        "unknown": "not said",
    },
}

CODEBOOK: dict[str, type[StrEnum]] = {
    "date_precision": DatePrecision,
    "location_precision": LocationPrecision,
    "intent": Intent,
    "mechanism": Mechanism,
    "context": Context,
    "cause": Cause,
    "verification": Verification,
    "review_status": ReviewStatus,
    "actor_type": ActorType,
    "actor_role": ActorRole,
    "stance": Stance,
    "casualty_kind": CasualtyKind,
    "population": Population,
    "evidence_status": EvidenceStatus,
}


def describe(enum: type[StrEnum]) -> dict[str, str]:
    """Return ``{value: description}`` for a codebook enum."""
    return ENUM_DOCS[enum]


_INTRO = """# Codebook

Generated from `incidents/codebook.py` by `incidents codebook > docs/codebook.md`; a test
fails when this file and the code disagree. Values are what the CLI, YAML/JSON files and
the database use.

Verification is a ladder, strongest first ({ladder}). Whether the event happened and
whether it was fratricide are separate questions: `contested` covers disagreement on
either, `discounted` means shown false or not fratricide.

Derived, never typed in: an incident's `same_side` (every firing and every hit unit on one
side), a claim's `claimant_is_adversary` (claimant's side differs from the affected side),
and `claimed_causes` (every cause any claim gives; the researcher's `assessed_causes` are
kept apart).
"""


def codebook_markdown() -> str:
    """Every codebook dimension with its values and their meaning, as Markdown."""
    ladder = " > ".join(v.value for v in Verification)
    parts = [_INTRO.format(ladder=ladder)]
    for name, enum in CODEBOOK.items():
        parts.append(
            f"\n## {name}\n\n{(enum.__doc__ or '').strip()}\n\n| value | meaning |\n|---|---|\n"
        )
        parts.extend(f"| `{value}` | {meaning} |\n" for value, meaning in describe(enum).items())
    return "".join(parts)
