"""From spans to draft incidents: find the events, group their sentences, fill the fields.

An incident starts at a *trigger* sentence: one that says own forces were hit, fought each
other, or were struck by an accidental release, and that names something concrete (a date,
place, casualty figure, weapon or unit). Talk about friendly fire in general is not an
incident. Trigger sentences join the open incident unless they bring a conflicting date,
place or weapon, or say "another incident"; a later sentence naming the same place or
weapon rejoins its incident; sentences that refer back ("the incident", "the shootout")
add their figures, claimants and hedges to the latest incident.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, cached_property
from importlib.resources import files
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from incidents.extract.casualties import NAMED
from incidents.extract.document import ActorMention, ClaimantMention, Doc, PlaceMention, Span
from incidents.extract.places import (
    after_locative,
    country_name,
    country_prior,
    named_regions,
    one_sense,
)
from incidents.geo import haversine_km
from incidents.schema import (
    ActorInvolvement,
    ActorRole,
    CasualtyFigure,
    Claim,
    Evidence,
    Incident,
    IncidentDate,
    Location,
    Population,
    Source,
    Stance,
    Verification,
)

_SPECIFIC = {"own_forces", "mutual", "accidental"}
_NEW_EVENT = re.compile(
    r"\b(?:another|a similar|a separate|a second|other|a previous|an earlier|a prior|"
    r"an unrelated)\b[^.]{0,40}\b(?:incident|case|episode)"
    # "Meanwhile about 35 Taliban militants and three police were killed after ...": the
    # news moves on.
    r"|^\W*(?:meanwhile|elsewhere|in other news|in a separate (?:incident|attack|development))\b"
    r"(?![^.]*\b(?:the|this|that)\s+(?:[\w-]+\s+){0,2}(?:incident|strike|attack|shooting|clash))"
    # "Это уже не первый случай ...", "ще один випадок": Russian and Ukrainian.
    r"|\b(?:не первый|ещ[её] один|другой|аналогичный|не перший|ще один|інший|аналогічний)\s+"
    r"(?:случай|инцидент|раз|випадок|інцидент)",
    re.I,
)
_SUCH = re.compile(
    r"\b(?:another|a similar|one more|a second) (?:such |similar )?(?:friendly[- ]fire )?"
    r"(?:incident|case|episode|tragedy)\b",
    re.I,
)
_ORDINAL_EVENT = re.compile(
    r"^\W*the\s+(?:second|third|fourth|fifth|next|latest|last|later)\s+(?:such\s+)?"
    r"(?:friendly[- ]fire\s+)?(?:incident|case|episode)\s+(?:happened|occurred|took place|came|"
    r"was)\b",
    re.I,
)
# "the unfortunate incident", "this tragic friendly-fire incident": the same event, judged.
_JUDGED = (
    r"(?:(?:unfortunate|tragic|deadly|fatal|shocking|alleged|reported|bloody|regrettable|"
    r"friendly[- ]fire)\s+)?"
)
_BESIDES = re.compile(
    r"^\W*(?:in addition|besides|separately|крім того|окрім того|кроме того|"
    r"помимо этого|помимо того)\b",
    re.I,
)
# Nouns that name the event itself, and those that name more (a report of it, an attack).
_EVENT_WORDS = (
    r"incident|shootout|clash|firefight|fracas|misencounter|episode|tragedy|accident|downing|"
    r"shootdown|shooting"
)
_ANAPHOR = re.compile(
    rf"\b(?:the|this|that)\s+{_JUDGED}(?:{_EVENT_WORDS}|blast|attack|strike|fight|melee|"
    r"confrontation|misidentification|report|claim|update|briefing|bombing|explosion|shelling|"
    r"deaths|killings?)\b",
    re.I,
)
# "It is understood the soldiers died when US fighter planes ... dropped a bomb": the
# victims named again by a definite noun, with the fire that hit them.
_VICTIMS_AGAIN = re.compile(
    r"\b(?:the|those|these)\s+(?:soldiers|troops|servicemen|marines|men|victims|crew|"
    r"sailors|airmen|paratroopers|policemen|officers)\b",
    re.I,
)
# The event itself named again (no report, claim or briefing).
_EVENT_ANAPHOR = re.compile(rf"\b(?:the|this|that)\s+{_JUDGED}(?:{_EVENT_WORDS})\b", re.I)
# "Tillman's April 22 death": a date that qualifies an event noun dates the event, even
# after a reporting verb.
_EVENT_NOUN = re.compile(
    r"^[^\S\n]*(?:death|deaths|killing|killings|shooting|shootdown|downing|crash|attack|"
    r"strike|airstrike|bombing|raid|incident|ambush)\b",
    re.I,
)
# A dateline's date: "Metro Manila (CNN Philippines, June 1) — ..." is when it was filed.
_DATELINE_OPEN = re.compile(r"^[^\n.]{0,60}\([^()\n]{0,40}$")
_DATELINE_CLOSE = re.compile(r"\)[^\S\n]*(?:[—–:]|--?\s)")
# "a report released Monday": when a document came out, not a day an event is dated by.
# Looser than _DOCUMENT_ISSUED (no document noun needed): it only screens the nearby
# days a "that same day" may point back to.
_ISSUED = re.compile(r"\b(?:released|issued|published|made public)\b[^.;]*$", re.I)
# "shot down their own jet overnight, the Navy said Friday": a night's events are reported
# the next day, so the reporting day dates them (an exception to _REPORTING).
_OVERNIGHT = re.compile(
    r"\b(?:overnight|last night|(?:минувшей |этой |прошлой )?ночью|(?:цієї |минулої )?(?:вночі|уночі))\b",
    re.I,
)
# "shot down a Tornado that day", "the same day": the day the text last named.
_SAME_DAY = re.compile(r"\b(?:that(?: same)? (?:day|night)|the same (?:day|night))\b", re.I)
# A sentence that opens with a quotation: a date after the closing quote dates the saying.
_QUOTE_THEN_ATTRIBUTION = re.compile(r"^\s*[\"“][^\"”]{10,}[\"”][^\"“”]*$")
_TOLD = re.compile(r"\btold\b[^.;,]{0,40}$", re.I)
# "In December, officials said": only a date that opens its clause belongs to the saying.
_CLAUSE_OPENING = re.compile(r"^\W*(?:\w+\W+){0,2}$")
_REPORTING = re.compile(
    r"\b(?:said|says|say|reported|reports|announced|wrote|claimed|claims|told|confirmed|"
    r"stated|admission|admitted|admits|published|posted|tweeted|discussing|discussed|talking|"
    r"talked|speaking|spoke|describing|described|recalling|recalled|interview)\b[^.;]{0,20}$",
    re.I,
)
# "according to data released by the IDF on Tuesday": when a document came out.
_DOCUMENT_ISSUED = re.compile(
    r"\b(?:data|figures|report|statement|findings|statistics|numbers|footage|video|list|"
    r"results|study|review|tally|document)\b[^.;]{0,30}\b(?:released|issued|published|"
    r"made public|presented|unveiled|dated)\b[^.;]{0,25}$",
    re.I,
)
_REPORT_NOUN = re.compile(r"^\W{0,3}(?:report|briefing|statement|update|post|video)\b", re.I)
# "In December, Ukrainian intelligence said ...": the date is when it was said.
_SAID_AFTER = re.compile(
    r"^,?\s+(?:[\w'’.-]+\s+){0,4}(?:said|says|reported|announced|claimed|told|confirmed|"
    r"wrote|stated|admitted|acknowledged|revealed)\b",
    re.I,
)
# "The Armed Forces of the Philippines on Tuesday promised investigations into a clash":
# a date right before the verb of a statement or a response dates that, not the event.
_STATEMENT_AFTER = re.compile(
    r"^,?\s+(?:said|says|announced|confirmed|denied|admitted|acknowledged|promised|vowed|"
    r"pledged|apologi[sz]ed|expressed|demanded|called for|urged|"
    r"condemned|rejected)\b",
    re.I,
)
_MECHANISM_ORDER = (
    "accidental_release",
    "air_defence",
    "drone",
    "air_to_ground",
    "indirect_fire",
    "mine_uxo",
    "direct_fire",
)
_PRECISION_RANK = {"exact_site": 0, "town": 1, "admin2": 2, "admin1": 3, "country": 4}
UNDATED_WINDOW = timedelta(days=30)
_LEDE = 2  # the headline and the first two sentences after it
_DETAIL_REACH = 3  # sentences after a trigger where an unanchored fratricide sentence joins it


@dataclass
class _Group:
    """The sentences of one candidate incident."""

    triggers: list[int] = field(default_factory=list)
    context: list[int] = field(default_factory=list)
    # Sentences that joined only for the toll kinds the incident lacked: sentence -> kinds.
    only: dict[int, set[Any]] = field(default_factory=dict)

    @property
    def sentences(self) -> list[int]:
        return sorted({*self.triggers, *self.context})


# "Read more: 130 killed in Saudi-led coalition air raid at Yemen wedding": a link to
# another article that came along with the paste; it tells nothing of this one.
_LINK_LINE = re.compile(
    r"^[^\S\n]*(?:read (?:more|also|next)|also read|see also|related(?: (?:stories|story|"
    r"articles?|news|coverage))?|more on this|recommended|читайте (?:также|також|еще|ще)|"
    r"дивіться також|смотрите также|по теме)[^\S\n]*[:|»>-][^\n]*",
    re.I | re.M,
)


class _Index:
    """Spans by sentence, for quick lookups while grouping."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.triggers: dict[tuple[int, bool], bool] = {}  # see _is_trigger
        self.sentences = doc.sentences()
        self.by_sentence: list[list[Span]] = [[] for _ in self.sentences]
        starts = [s.start for s in self.sentences]
        import bisect

        # A name the actors stage read as a unit or weapon ("Black Hawk") is not a place.
        things = [s for s in doc.spans if s.label in ("weapon", "actor")]
        links = [(m.start(), m.end()) for m in _LINK_LINE.finditer(doc.text)]
        for span in doc.spans:
            if span.label in ("sentence", "paragraph"):
                continue
            if any(a <= span.start < b for a, b in links):
                continue  # another article's headline, pasted with this one
            if span.label == "place" and any(span.overlaps(t) for t in things):
                continue
            i = bisect.bisect_right(starts, span.start) - 1
            if i >= 0 and span.start < self.sentences[i].end:
                self.by_sentence[i].append(span)
        self.paragraph_of = []
        paragraphs = doc.of("paragraph")
        for s in self.sentences:
            self.paragraph_of.append(
                next((j for j, p in enumerate(paragraphs) if p.start <= s.start < p.end), -1)
            )

    @cached_property
    def latest_year(self) -> int | None:
        """Without a publication date, the latest year the article writes out is its time."""
        written = [s.value.end.year for s in self.doc.spans if s.label == "date"]
        return max(written) if written else None

    @cached_property
    def prior(self) -> dict[str, int]:
        """The countries the article is about (see ``places.country_prior``)."""
        return country_prior(self.doc.text)

    def same_paragraph(self, i: int) -> list[int]:
        return [j for j, p in enumerate(self.paragraph_of) if p == self.paragraph_of[i]]

    def spans(self, i: int, label: str) -> list[Span]:
        return [s for s in self.by_sentence[i] if s.label == label]

    def cues(self, i: int, dimension: str) -> list[Span]:
        return [s for s in self.spans(i, "cue") if s.value.dimension == dimension]

    def text(self, i: int) -> str:
        return self.doc.quote(self.sentences[i])


def _event_dates(index: _Index, i: int) -> list[Span]:
    """Dates in a sentence that date the event, not the report ("said on Sunday")."""
    out = []
    published = index.doc.published
    text = index.doc.text
    for span in index.spans(i, "date"):
        if published is not None and span.value.start > published:
            continue  # an article cannot report what happens after it appears
        line_start = text.rfind("\n", 0, span.start) + 1
        if _DATELINE_OPEN.search(text, line_start, span.start) and _DATELINE_CLOSE.match(
            text, span.end
        ):
            continue  # "Metro Manila (CNN Philippines, June 1) —": when it was filed
        opening = index.doc.text[index.sentences[i].start : span.start]
        before = opening[-40:]
        after = index.doc.text[span.end : span.end + 60]
        if _EVENT_NOUN.match(after):
            out.append(span)
            continue
        # ", British officials said" after "downed early on Sunday" reports the downing.
        said = (
            _SAID_AFTER.search(after) and _CLAUSE_OPENING.match(opening)
        ) or _STATEMENT_AFTER.match(after)
        # '"It was our mistake," the chief told the ANI news agency on Friday.'
        attributed = _QUOTE_THEN_ATTRIBUTION.match(opening) or _TOLD.search(before)
        if (
            not _REPORTING.search(before)
            and not _DOCUMENT_ISSUED.search(opening[-90:])
            and not _REPORT_NOUN.search(after)
            and not said
            and not attributed
        ):
            out.append(span)
    return out


def _towns(index: _Index, i: int) -> set[str]:
    return {p.gazetteer_id for p in _town_mentions(index, i) if p.gazetteer_id}


def _town_mentions(index: _Index, i: int) -> list[PlaceMention]:
    places = [s.value for s in index.spans(i, "place")]
    # "governor of Kunduz province in north Afghanistan, ... near Chardara district": a
    # town the gazetteer found only abroad (Shardara, Kazakhstan), beside a region or
    # country of one other country, is that country's place the gazetteer lacks.
    regions = {p.country for p in places if p.precision in ("admin1", "country") and p.country}
    return [
        p
        for p in places
        if p.gazetteer_id
        and p.precision in ("town", "exact_site")
        and not (len(regions) == 1 and p.country not in regions)
    ]


def _far_apart(a: list[PlaceMention], b: list[PlaceMention], km: float = 50) -> bool:
    """True when no place of ``a`` lies within ``km`` of a place of ``b``."""

    def dist(p: PlaceMention, q: PlaceMention) -> float:
        if p.latitude is None or p.longitude is None or q.latitude is None or q.longitude is None:
            return 0.0 if p.gazetteer_id == q.gazetteer_id else float("inf")
        return haversine_km(p.latitude, p.longitude, q.latitude, q.longitude)

    return all(dist(p, q) > km for p in a for q in b)


def _weapons(index: _Index, i: int) -> set[str]:
    # Only named systems identify an event ("Su-34", "Tornado"); "artillery" is in every
    # other report. The lexicon writes named systems capitalised, classes in lower case.
    return {s.value for s in index.spans(i, "weapon") if s.value[:1].isupper()}


def _clashing(index: _Index, i: int) -> set[str]:
    """Forces a sentence says fought each other: the pair identifies the clash."""
    return {
        s.value.actor for s in index.spans(i, "actor") if s.value.actor and s.value.role == "both"
    }


class _Era(BaseModel):
    """A host-nation partnership and the years (inclusive) it held."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    members: frozenset[str]
    years: tuple[int, int]


class _AllianceFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    alliances: dict[str, frozenset[str]]
    eras: dict[str, _Era] = {}


@cache
def _alliance_file() -> _AllianceFile:
    raw = files("incidents.extract").joinpath("lexicons/alliances.yaml").read_text("utf-8")
    return _AllianceFile.model_validate(yaml.safe_load(raw))


def _alliances() -> list[frozenset[str]]:
    return list(_alliance_file().alliances.values())


def friendly(a: str, b: str, year: int | None = None) -> bool:
    """The same side, or allies in a listed alliance or coalition; with a ``year``, also
    a host nation and the coalition beside it in the years that partnership held."""
    if a == b or any(a in group and b in group for group in _alliances()):
        return True
    return year is not None and any(
        a in era.members and b in era.members and era.years[0] <= year <= era.years[1]
        for era in _alliance_file().eras.values()
    )


def _year(index: _Index, i: int) -> int | None:
    """The year fire in sentence ``i`` is judged in: the year of the dates the sentence
    gives itself ("In March 2003, American jets bombed Iraqi army positions" in a 2016
    article is judged in 2003), else the publication year."""
    years: set[int] = {d.value.start.year for d in _event_dates(index, i)}
    if len(years) == 1:
        return years.pop()
    if index.doc.published:
        return index.doc.published.year
    return index.latest_year


def _is_trigger(index: _Index, i: int, *, concrete: bool = True) -> bool:
    """A sentence telling a fratricide event; ``concrete=False`` waives the need for a
    date, place, figure or sided unit in its paragraph (a detail of an event told nearby).
    Asked again for the same sentence by grouping and place statements: kept per index."""
    key = (i, concrete)
    if key not in index.triggers:
        index.triggers[key] = _tells_fratricide(index, i, concrete=concrete)
    return index.triggers[key]


def _tells_fratricide(index: _Index, i: int, *, concrete: bool) -> bool:
    fratricide = {c.value.code for c in index.cues(i, "fratricide")}
    actors = [a.value for a in index.spans(i, "actor")]
    roles = Counter(a.role for a in actors)
    firing_sides = {a.side for a in actors if a.role in ("firing",) and a.side}
    hit_sides = {a.side for a in actors if a.role in ("hit",) and a.side}
    if not firing_sides and hit_sides:
        firing_sides = _possessor_country(index, i)
    mutual_actors = roles["both"] >= 1 and "mutual" in fratricide
    # One side firing on itself, read from the fire verbs ("British platoons fired on British
    # troops"), is fratricide even when the text never says so.
    # The fire verbs alone say it ("the bombing of Canadian soldiers by an American pilot").
    same_side = bool(firing_sides & hit_sides)
    # "a Russian soldier said 20 men died after a Russian tank fired on them": fire on a
    # pronoun whose only sided antecedent in the sentence is of the firer's side.
    if not hit_sides and _fire_on_own_pronoun(index, i):
        same_side = True
    # Fire between allies is friendly fire too ("a US airstrike hit Canadian troops").
    year = _year(index, i)
    # "coalition airstrikes killed 15 Iraqi insurgents": an unnamed irregular group of an
    # ally's nation is as likely the enemy as the ally.
    allied_hit = {
        a.side for a in actors if a.role == "hit" and a.side and (a.actor or a.type != "militia")
    }
    allied = any(friendly(f, h, year) for f in firing_sides for h in allied_hit)
    # An air strike or a shelling has a firer even when the sentence does not name it ("the
    # airstrike was caused by a coordination failure and resulted in the targeting of an
    # army outpost").
    attack = roles["firing"] >= 1 or any(
        c.value.code in _ATTACKS for c in index.cues(i, "mechanism")
    )
    # A fratricide cause told of one hit ("the jet was hit by a Patriot battery due to
    # poor coordination between units"): the firer and the hit are named, not as foes.
    # Weak cues ("confusion", bare "coordination") are too common in combat news to count.
    caused = (
        attack
        and roles["hit"] >= 1
        and not (firing_sides and hit_sides)
        and any(
            c.value.code in _FRATRICIDE_CAUSES and c.confidence >= 1 for c in index.cues(i, "cause")
        )
    )
    specific = (
        bool(fratricide & _SPECIFIC)
        or mutual_actors
        or same_side
        or allied
        or caused
        or _own_clash(actors, year)
        or _services_of_one_state(index, i, actors)
        or _mistaken_force(index, i, firing_sides, year)
    )
    # "Azerbaijani troops mistakenly shot down a Russian helicopter": a mistake, but on a
    # force that is neither the firer's own nor an ally's.
    foes = bool(firing_sides and hit_sides) and not (same_side or allied)
    if foes and not fratricide & {"explicit", "own_forces", "mutual"}:
        return False
    # "A clash between Indian troops and the Pakistani army": a fight between two nations'
    # forces, however worded, is no fight within one side.
    both_sides = {a.side for a in actors if a.role == "both" and a.side}
    if (
        len(both_sides) >= 2
        and not all(friendly(a, b, year) for a in both_sides for b in both_sides if a != b)
        and not fratricide & {"explicit", "own_forces"}
    ):
        return False
    # "The USS Vincennes mistakenly shot down the airplane ..., killing all 290 people
    # aboard", "a stray missile ... accidentally hit his country": a mistake whose victims
    # are civilians or foreign ground, with no force hit, is no fratricide.
    if (
        (
            fratricide <= {"accidental"}
            or (fratricide <= {"accidental", "explicit"} and not _military_toll(index, i))
        )
        and not (same_side or allied)
        and not _forces_hit(index, i)
        and _non_force_victims(index, i, firing_sides)
    ):
        return False
    # "killed five civilians ... who soldiers mistook in the dark for FARC guerrillas": a
    # mistake whose every counted victim is a civilian is no fratricide.
    tolls = [c.value for c in index.spans(i, "casualty") if c.value.best or c.value.low]
    if (
        tolls
        and all(t.population == Population.CIVILIAN for t in tolls)
        and not fratricide & {"explicit", "own_forces", "mutual"}
        and not (same_side or allied)
    ):
        return False
    # A count over a period or a supposed case is never one event, dated or not.
    if any(c.value.code in _NO_EVENT for c in index.cues(i, "generic")):
        return False
    if not specific and not ("explicit" in fratricide and not index.cues(i, "generic")):
        return False
    # Talk of friendly fire in general (totals, habits, definitions) is no event, unless the
    # sentence itself dates or places one.
    if index.cues(i, "generic") and not (_event_dates(index, i) or _towns(index, i)):
        return False
    return not concrete or any(_concrete(index, j) for j in index.same_paragraph(i))


# Kinds of unit that are no state's force unless a side is written: an unsided militia in a
# clash is as likely the enemy as an ally.
_IRREGULAR = frozenset({"militia", "pmc", "unknown"})
# Kinds of unit a state fields. Rebels and militiamen of the same nation as the army are the
# two sides of a civil war, so a clash counts as own forces only between these.
_STATE_FORCES = frozenset(
    {
        "armed_forces",
        "infantry",
        "armour",
        "artillery",
        "aviation",
        "air_defence",
        "airborne",
        "naval",
        "special_forces",
        "security_forces",
        "drone_unit",
        "sabotage_reconnaissance",
    }
)


# A state's services by name (army, police, special forces), as opposed to its weapons.
_SERVICES = frozenset({"armed_forces", "infantry", "security_forces", "special_forces", "airborne"})


_ITS_UNIT = re.compile(r"\b(?:one of |two of |some of )?(?:its|their)\s+(?:own\s+)?\w+", re.I)


def _possessor_country(index: _Index, i: int) -> set[str]:
    """The country whose unit fired, when the sentence says "X said one of its tanks had
    hit ...": the country named before "its" / "their" and the firing unit."""
    firing = [a for a in index.spans(i, "actor") if a.value.role == "firing"]
    if not firing:
        return set()
    first = min(a.start for a in firing)
    text = index.doc.text
    if not _ITS_UNIT.search(text, max(0, first - 12), first + 20):
        return set()
    countries = [
        p for p in index.spans(i, "place") if p.value.precision == "country" and p.end <= first
    ]
    return {countries[-1].value.country} if countries else set()


def _own_clash(actors: list[ActorMention], year: int | None) -> bool:
    """Two forces fighting each other ("clashes between Somali soldiers and police") where
    every side written is one side or allied and every party is a state's force: "Syrian
    troops clashed with Syrian rebels" is a civil war, not fratricide."""
    parties = [a for a in actors if a.role == "both"]
    sides = {a.side for a in parties if a.side}
    if len(parties) < 2 or not sides:
        return False
    if any(a.type not in _STATE_FORCES for a in parties):
        return False
    return all(friendly(a, b, year) for a in sides for b in sides)


def _services_of_one_state(index: _Index, i: int, actors: list[ActorMention]) -> bool:
    """One state's service firing on another ("Philippine policemen fatally shot four army
    soldiers", "police commandos ... shot dead an Indian Army major") in an article about
    that one country: a service written without a nation is that state's. So is
    a mistake between two of its services ("A mistaken identity incident left two Kenyan
    Defense Forces soldiers and a police officer badly injured")."""
    countries = set(index.prior)
    if len(countries) != 1:
        return False
    mistaken = any(c.value.code == "misidentification" for c in index.cues(i, "cause"))
    if mistaken:
        # "Police said soldiers shot dead two vigilantes they mistook for bandits": the
        # police only speak.
        text = index.doc.text
        state = [
            a.value
            for a in index.spans(i, "actor")
            if a.value.type in _STATE_FORCES and not _SPEAKER_AFTER.match(text, a.end)
        ]
        if len({a.type for a in state}) >= 2 and {a.side for a in state if a.side} <= countries:
            return True
    firing = [a for a in actors if a.role == "firing"]
    hit = [a for a in actors if a.role == "hit"]
    if not firing or not hit or not {a.side for a in hit if a.side} <= countries:
        return False
    # Services, not weapons: "hit by an anti-aircraft missile" names no firer's service.
    if any(a.type not in _SERVICES for a in (*firing, *hit)):
        return False
    if {a.type for a in firing} & {a.type for a in hit}:
        return False  # "troops fired on soldiers": as likely the enemy's
    return {a.side for a in firing if a.side} <= countries


def _mistaken_force(index: _Index, i: int, firing: set[str], year: int | None) -> bool:
    """A force mistaken for someone else ("they mistook the national army for militias"): a
    unit hit inside a misidentification cue, of no side that is the firer's foe."""
    mistakes = [c for c in index.cues(i, "cause") if c.value.code == "misidentification"]
    for actor in index.spans(i, "actor"):
        mention = actor.value
        if mention.role != "hit" or not any(actor.overlaps(c) for c in mistakes):
            continue
        if mention.type in _IRREGULAR and not mention.side:
            continue
        if not mention.side or all(friendly(f, mention.side, year) for f in firing):
            return True
    return False


# Fire verbs on a pronoun: "fired on them", "opened fire at us".
_PRONOUN_TARGET = re.compile(
    r"\b(?:fired|fires|firing|opened fire|shot|shooting|shelled|shelling|struck|hit|attacked|"
    r"bombed|targeted)\s+(?:(?:on|at|upon)\s+)?(?P<pronoun>them|us)\b",
    re.I,
)
# Fighters no lexicon gives a side ("Palestinian gunmen approached ... troops fired on
# them"): a possible antecedent of "them" that is not the firer's own.
_UNSIDED_FIGHTERS = re.compile(
    r"\b(?:gunmen|militants|fighters|insurgents|rebels|militiamen|guerrillas|protesters|"
    r"demonstrators|attackers|assailants|infiltrators|terrorists|the enemy)\b",
    re.I,
)
# ", the Israeli army said,", ", according to ...": a speaker set aside in a clause of its
# own is no antecedent; "X said [that] ... fired on them" is the speaker of "them".
_ACCORDING = re.compile(r"\baccording\s+to\s+$", re.I)
_CLAUSE_START = re.compile(r"[,;]\s*$")
_ATTRIBUTION_VERB = re.compile(
    r"\s+(?:said|says|told|reported|claimed|stated|announced|added|confirmed)\s*[,;.]", re.I
)


def _fire_on_own_pronoun(index: _Index, i: int) -> bool:
    """Fire on "them"/"us" whose antecedent can only be of the firer's side: a unit of that
    side named before the fire verb outside an attribution clause, and no force of another
    side (nor unsided fighters) named before the pronoun ("Palestinian gunmen approached
    ... Israeli troops fired on them" is fire on the gunmen)."""
    text = index.doc.text
    start = index.sentences[i].start
    actors = index.spans(i, "actor")
    for m in _PRONOUN_TARGET.finditer(index.text(i)):
        verb, pronoun = start + m.start(), start + m.start("pronoun")
        firers = [a for a in actors if a.end <= verb and a.value.role == "firing" and a.value.side]
        if not firers:
            continue
        firer = firers[-1]  # the nearest firer before the verb is the one firing
        side = firer.value.side
        if _UNSIDED_FIGHTERS.search(text, start, pronoun) or any(
            a.start < pronoun and a.value.side and a.value.side != side for a in actors
        ):
            continue
        if any(
            a is not firer
            and a.end <= verb
            and a.value.side == side
            and not (
                _ACCORDING.search(text, start, a.start)
                or (
                    _CLAUSE_START.search(text, start, a.start)
                    and _ATTRIBUTION_VERB.match(text, a.end)
                )
            )
            for a in actors
        ):
            return True
    return False


# Mechanisms that say an attack was made, so that it had a firer.
_ATTACKS = frozenset({"air_to_ground", "indirect_fire", "drone"})
# Causes that only fire on one's own or allied side has.
_FRATRICIDE_CAUSES = frozenset({"misidentification", "coordination_failure"})

# Generic codes that no date or place in the sentence turns into an event.
_NO_EVENT = frozenset({"total", "conditional", "handling"})


@cache
def _side_words() -> list[tuple[str, re.Pattern[str]]]:
    """(side, regex) for the nationality words of the actors lexicon ("Swiss", "Chinese")."""
    from incidents.extract.actors import load_lexicon

    sides = load_lexicon().units.sides
    return [(side, re.compile(rf"(?:{'|'.join(words)})\b")) for side, words in sides.items()]


def _forces_hit(index: _Index, i: int) -> bool:
    """A phrase of the sentence that was hit names a force ("the passenger jet" does not)."""
    victims = index.cues(i, "victim")
    return any(
        a.value.role in ("hit", "both") and not any(a.overlaps(v) for v in victims)
        for a in index.spans(i, "actor")
    )


def _military_toll(index: _Index, i: int) -> bool:
    """The sentence counts soldiers among the dead or hurt ("A British soldier died ...")."""
    return any(c.value.population == "military" for c in index.spans(i, "casualty")) or any(
        a.value.type in _SERVICES and a.value.role in (None, "hit")
        for a in index.spans(i, "actor")
        if re.match(r"\W*(?:an?|one|two|three|\d+)\b", index.doc.quote(a), re.I)
    )


def _non_force_victims(index: _Index, i: int, firing: set[str]) -> bool:
    """The sentence names civilians or foreign ground as what was hit ('victim' cues); ground
    named by a nationality ("Chinese villages") counts only when that is not the firer's."""
    for cue in index.cues(i, "victim"):
        if cue.value.code != "territory":
            return True
        quote = index.doc.quote(cue)
        named = {side for side, regex in _side_words() if regex.match(quote)}
        if named and not any(friendly(n, f, _year(index, i)) for n in named for f in firing):
            return True
    return False


def _concrete(index: _Index, i: int) -> bool:
    """Something that pins an event down: a date, place, figure, designation or sided unit."""
    return bool(
        _event_dates(index, i)
        or index.spans(i, "casualty")
        or _weapons(index, i)
        or [p for p in index.spans(i, "place") if p.value.precision != "country"]
        or [
            a
            for a in index.spans(i, "actor")
            if a.value.role in ("firing", "hit", "both") and a.value.side
        ]
    )


def _conflicts(index: _Index, group: _Group, i: int) -> bool:
    mine_dates = {(s.value.start, s.value.end) for s in _event_dates(index, i)}
    mine_towns, mine_weapons = _town_mentions(index, i), _weapons(index, i)
    for j in group.triggers:
        dates = {(s.value.start, s.value.end) for s in _event_dates(index, j)}
        # "20-22 February" and "the night of 21-22nd February" tell one event.
        if mine_dates and dates and not any(_nested(a, b) for a in mine_dates for b in dates):
            return True
        towns = _town_mentions(index, j)
        # A village near the city a headline names is the same place, told closer.
        if mine_towns and towns and _far_apart(mine_towns, towns):
            return True
        weapons = _weapons(index, j)
        if mine_weapons and weapons and not (mine_weapons & weapons):
            # Systems the incident's own sentences name together ("two F-15s misidentified
            # two Black Hawks") are one event's: the shooter and the shot.
            told = set().union(*(_weapons(index, k) for k in group.sentences))
            if not (mine_weapons & told and weapons & told):
                return True
    if mine_dates and group.triggers and not any(_event_dates(index, j) for j in group.triggers):
        # The group is dated by its scene ("Tillman was killed on 22 April 2004. ... friendly
        # fire"): a sentence giving another date is another event.
        scene = _paragraph_date(index, group)
        if scene is not None and not any(
            _nested(a, (scene.value.start, scene.value.end)) for a in mine_dates
        ):
            return True
    return False


def _written_dates(index: _Index, j: int) -> list[Span]:
    """Event dates that write their year out ("May 2, 1863", "August 1944"): the dates a
    history or a list sets each of its scenes by, unlike "on Tuesday"."""
    if index.cues(j, "generic"):
        return []
    return [s for s in _event_dates(index, j) if s.value.resolved_against is None]


def _scene_moved(index: _Index, group: _Group, i: int) -> bool:
    """An undated trigger whose scene is set at another time than the group's: a year-dated
    sentence between the group and it ("(Op Instruction No. 14, August 1944). ... aircraft
    mistakenly bombed short"), or, when it opens a new paragraph, after it in that paragraph
    ("In the Civil War, ... died from friendly fire. ... on May 2, 1863, ..."). Surveys and
    histories move from one event to the next this way without saying "another incident"."""
    if _event_dates(index, i):
        return False  # its own date is weighed by _conflicts
    own = [(s.value.start, s.value.end) for j in group.triggers for s in _event_dates(index, j)]
    if not own:
        scene = _paragraph_date(index, group)
        own = [(scene.value.start, scene.value.end)] if scene is not None else []
    if not own:
        return False
    between = range(i - 1, group.sentences[-1], -1)  # nearest first
    later: list[int] = []
    if index.paragraph_of[i] != index.paragraph_of[group.sentences[-1]]:
        later = [j for j in index.same_paragraph(i) if j > i]
    for sentences in (between, later):
        for j in sentences:
            dates = _written_dates(index, j)
            if dates:
                when = (dates[0].value.start, dates[0].value.end)
                return not any(_nested(when, d) for d in own)
    return False


def _adds_nothing(index: _Index, group: _Group, i: int) -> bool:
    """The sentence's anchors are the group's own: its dates lie within the group's dates
    ("today" ... "at 5:30 this morning") and it names no other town or system."""
    mine = [(s.value.start, s.value.end) for s in _event_dates(index, i)]
    theirs = [(s.value.start, s.value.end) for j in group.triggers for s in _event_dates(index, j)]
    if mine and not all(any(_nested(a, b) for b in theirs) for a in mine):
        return False
    towns = set().union(*(_towns(index, j) for j in group.sentences))
    weapons = set().union(*(_weapons(index, j) for j in group.sentences))
    return _towns(index, i) <= towns and _weapons(index, i) <= weapons


def _before_window(index: _Index, group: _Group, i: int) -> bool:
    """An undated incident is dated to the window before publication; a sentence naming
    the same town but dated wholly before that window ("In February a NATO airstrike ...
    in Kunduz", in an April article) tells an earlier event there, not this one."""
    published = index.doc.published
    if published is None or any(_event_dates(index, j) for j in group.triggers):
        return False
    dates = _event_dates(index, i)
    return bool(dates) and all(d.value.end < published - UNDATED_WINDOW for d in dates)


def _within(inner: tuple[date, date], outer: tuple[date, date]) -> bool:
    """``inner`` lies within ``outer`` (equal spans included)."""
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _nested(a: tuple[date, date], b: tuple[date, date]) -> bool:
    """One span lies within the other (equal spans included)."""
    return _within(a, b) or _within(b, a)


def _has_anchor(index: _Index, sentences: list[int]) -> bool:
    return any(_event_dates(index, j) or _towns(index, j) or _weapons(index, j) for j in sentences)


def _shares_anchor(index: _Index, group: _Group, i: int) -> bool:
    towns = set().union(*(_towns(index, j) for j in group.sentences))
    weapons = set().union(*(_weapons(index, j) for j in group.sentences))
    clashing = set().union(*(_clashing(index, j) for j in group.sentences))
    days = {_day(s) for j in group.triggers for s in _event_dates(index, j)} - {None}
    return (
        bool({_day(s) for s in _event_dates(index, i)} & days)
        or bool(_towns(index, i) & towns)
        or bool(_weapons(index, i) & weapons)
        or len(_clashing(index, i) & clashing) >= 2
    )


def _day(span: Span) -> date | None:
    """The day a date names exactly ("21 June 1917"), else None."""
    value: IncidentDate = span.value
    return value.start if value.precision == "day" and value.resolved_against is None else None


def _is_headline(index: _Index, i: int) -> bool:
    """The first line, when it is a title (no closing punctuation)."""
    return i == 0 and not index.text(0).rstrip().endswith((".", "!", "?"))


def _paragraph_date(index: _Index, group: _Group) -> Span | None:
    """The group's own date, else the last one earlier in its first sentence's paragraph
    ("Tillman was killed on 22 April 2004. ... his death was due to friendly fire")."""
    for i in group.sentences:
        dates = _event_dates(index, i)
        if dates:
            return dates[0]
    first = group.sentences[0]
    for j in range(first - 1, -1, -1):
        if index.paragraph_of[j] != index.paragraph_of[first]:
            break
        dates = _event_dates(index, j)
        if dates and not index.cues(j, "generic"):
            return dates[-1]
    return None


def _dated_apart(index: _Index, a: _Group, b: _Group) -> bool:
    """The two groups' scenes give dates neither of which lies within the other."""
    da, db = _paragraph_date(index, a), _paragraph_date(index, b)
    if da is None or db is None:
        return False
    return not _nested((da.value.start, da.value.end), (db.value.start, db.value.end))


def _merge_headline(index: _Index, groups: list[_Group]) -> list[_Group]:
    """A headline tells the article's first event: a headline that is an incident of its
    own joins the first group after it, unless their dates, towns or systems conflict."""
    if len(groups) < 2 or groups[0].triggers != [0] or not _is_headline(index, 0):
        return groups
    headline, first = groups[0], groups[1]
    if any(_conflicts(index, first, i) for i in headline.triggers):
        return groups
    first.context.append(0)
    return groups[1:]


def _merge_loose(index: _Index, groups: list[_Group]) -> list[_Group]:
    """A headline or a caption that says what the article's one event says is that event.

    When exactly one group pins its event down (a date, town or named system), a group
    that does not, or a headline line, joins it unless their anchors conflict."""
    anchored = [g for g in groups if _has_anchor(index, g.triggers)]
    if len(anchored) != 1 or len(groups) < 2:
        return groups  # several dated events (a list, a roundup) stay apart
    kept: list[_Group] = []
    for g in groups:
        headline = g.triggers == [0] and _is_headline(index, 0)
        if g in anchored and not headline:
            kept.append(g)
            continue
        others = [h for h in anchored if h is not g]
        if not others:
            kept.append(g)
            continue
        first = g.triggers[0]
        home = min(others, key=lambda h: abs(h.triggers[0] - first))
        if (
            any(_conflicts(index, home, i) for i in g.triggers)
            or _dated_apart(index, g, home)
            or (not headline and _set_back(index, home) and home.triggers[0] > first)
            # "It is not the first case: in Bint Jbeil a drone opened fire on ...": told
            # as another event.
            or (not headline and bool(_NEW_EVENT.search(index.text(first))))
            # "In November last year, four troopers were killed after ...": a later event
            # told on a time of its own, even one the text leaves unresolved.
            or (
                not headline
                and first > home.triggers[-1]
                and index.paragraph_of[first] != index.paragraph_of[home.triggers[-1]]
                and bool(_TIME_OPENER.search(index.text(first)))
            )
        ):
            kept.append(g)
            continue
        home.context.extend(i for i in g.sentences if i not in home.triggers)
    return kept


# A sentence opening on a time of its own: "In June previous year, ...", "Last March, ...".
# Month names only capitalised, and no "fall": "may", "march" and "fall" are verbs too.
_TIME_OPENER = re.compile(
    r"^\W*(?i:(?:back )?in|on|last|earlier|previously)\s+(?:[^\s,.]+\s+){0,3}?"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|(?i:spring|summer|autumn|winter|year|month)|\d{4})\b"
)


def _set_back(index: _Index, group: _Group) -> bool:
    """A later group whose first sentence sets its scene at a time of its own ("In June
    previous year, five US soldiers were killed by a B-1 bomber's misdirected payload")
    is a past event told for background, not the event an earlier quote is about. A time
    inside the publication window ("In March" in a March article) is no earlier time."""
    first = group.triggers[0]
    if not _TIME_OPENER.search(index.text(first)):
        return False
    published = index.doc.published
    dates = _event_dates(index, first)
    if published is None or not dates:
        return True
    return all(d.value.end < published - UNDATED_WINDOW for d in dates)


# What follows a list entry's date label: "3 April: ...", "August 2007 - ...".
_LIST_LABEL = re.compile(r"[^\S\n]*(?:[:—–]|-[^\S\n])")


def _list_entries(index: _Index) -> set[int]:
    """Sentences that open a paragraph with a date label ("28 March: UK vehicles attacked by
    US jet, 1 killed"), when the text has two or more: the entries of a dated list."""
    text, found = index.doc.text, set()
    for i, sentence in enumerate(index.sentences):
        if i > 0 and index.paragraph_of[i - 1] == index.paragraph_of[i]:
            continue
        for d in index.spans(i, "date"):
            # "• 5 December 2006: Royal Marine ...": a bullet may open the entry.
            if not text[sentence.start : d.start].strip(_BULLET_CHARS) and _LIST_LABEL.match(
                text, d.end
            ):
                found.add(i)
    return found if len(found) >= 2 else set()


_BULLET = re.compile(r"[^\S\n]*(?:[•·▪◦*–-]|\d{1,2}[.)])[^\S\n]+")
_BULLET_CHARS = "•·▪◦*–- \t"  # what may stand before a list entry's first word


def _tally(index: _Index) -> set[int]:
    """The lines of a breakdown ("• 5 American soldiers died from enemy fire; • 9 Americans
    died as a result of friendly fire; ..."): three or more bulleted lines in a row that
    each give a toll and no date are counts by cause, not events."""
    text = index.doc.text
    runs: list[list[int]] = []
    for i, sentence in enumerate(index.sentences):
        line_start = text.rfind("\n", 0, sentence.start) + 1
        if not _BULLET.match(text, line_start) or text[line_start : sentence.start].strip(
            _BULLET_CHARS + "0123456789.)"
        ):
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    out: set[int] = set()
    for run in runs:
        counted = [i for i in run if index.spans(i, "casualty")]
        # A breakdown counts by cause; entries that date or place their event are events.
        if len(counted) >= 3 and not any(index.spans(i, "date") or _towns(index, i) for i in run):
            out.update(run)
    return out


def _listed_events(index: _Index, triggers: set[int]) -> set[int]:
    """The entries of a list of friendly-fire incidents: each entry that tells of fire or a
    toll is an incident of its own, with or without a cue of its own. A list is about
    friendly fire when most of its entries are triggers, or the headline or the two lines
    before its first entry say friendly fire ("Earlier deaths by friendly fire ... Among
    others:"); a timeline of a war with one friendly-fire entry is not."""
    entries = _list_entries(index)
    if not entries:
        return set()
    first = min(entries)
    intro = [0, *range(max(0, first - 2), first)]
    topical = 2 * len(entries & triggers) > len(entries) or any(
        index.cues(j, "fratricide") and not index.cues(j, "generic") for j in intro
    )
    if not topical:
        return set()
    return {
        i
        for i in entries
        if index.spans(i, "casualty")
        or any(a.value.role in ("firing", "hit", "both") for a in index.spans(i, "actor"))
    }


def group_sentences(index: _Index) -> list[_Group]:
    """Trigger sentences grouped into incidents, with the sentences that refer back."""
    groups: list[_Group] = []
    last_trigger = last_member = -10
    last_group: _Group | None = None
    tally = _tally(index)
    triggers = {i for i in range(len(index.sentences)) if _is_trigger(index, i)} - tally
    listed = _listed_events(index, triggers)
    # A sentence that tells fratricide but pins nothing down ("scouts opened fire on a
    # group, taking them for the enemy") is the detail of the event told just before.
    details = {
        i
        for i in range(len(index.sentences))
        if i not in triggers and _is_trigger(index, i, concrete=False)
    }
    for i in range(len(index.sentences)):
        # "Another such incident occurred on August 20, near X": one more of the kind just told.
        such = bool(groups) and (
            (bool(_SUCH.search(index.text(i))) and _has_anchor(index, [i]))
            # "We were shelled by our own artillery twice. The first incident ... The
            # second incident happened at our base near ...": the next of those told.
            or bool(_ORDINAL_EVENT.match(index.text(i)))
        )
        if such or i in triggers or i in listed:
            # Each entry of a dated list is an event of its own.
            fresh = (
                such
                or i in listed
                or bool(_NEW_EVENT.search(index.text(i)))
                # "Крім того, ... обстріляно власний опорний пункт, загинув один": "besides",
                # a fire with a toll of its own after an event with its own toll.
                or (
                    bool(_BESIDES.match(index.text(i)))
                    and bool(index.spans(i, "casualty"))
                    and last_group is not None
                    and any(index.spans(j, "casualty") for j in last_group.triggers)
                )
            )
            home = (
                None
                if fresh
                else next(
                    (
                        g
                        for g in groups
                        if _shares_anchor(index, g, i)
                        and not _conflicts(index, g, i)
                        and not _before_window(index, g, i)
                    ),
                    None,
                )
            )
            near = last_group is not None and (
                i - last_trigger <= 4
                or index.paragraph_of[i] - index.paragraph_of[last_trigger] <= 1
            )
            if home is None and near and not fresh and last_group is not None:
                # A nearby sentence continues the incident unless it brings anchors of its
                # own (date, town, designation) to an incident that already has some.
                continuing = (
                    (
                        i - last_trigger <= 2
                        and index.paragraph_of[i] == index.paragraph_of[last_trigger]
                    )
                    or not _has_anchor(index, [i])
                    or not _has_anchor(index, last_group.triggers)
                    or _adds_nothing(index, last_group, i)
                    # "images related to the incident ... an alleged Russian Su-25": what it
                    # adds is of the incident just told
                    or bool(_EVENT_ANAPHOR.search(index.text(i)))
                )
                if (
                    continuing
                    and not _conflicts(index, last_group, i)
                    and not _scene_moved(index, last_group, i)
                    # "In March last year, ...": a trigger opening on an earlier time of
                    # its own after an undated incident is an older event.
                    and not (
                        _TIME_OPENER.search(index.text(i)) and _before_window(index, last_group, i)
                    )
                    # "In June 2007, Afghan police mistook US troops ...", a paragraph of its
                    # own after an incident the text leaves undated: another event.
                    and not (
                        _TIME_OPENER.search(index.text(i))
                        and index.paragraph_of[i] != index.paragraph_of[last_trigger]
                        and not any(_event_dates(index, j) for j in last_group.triggers)
                    )
                ):
                    home = last_group
            if home is None:
                home = _Group()
                groups.append(home)
            home.triggers.append(i)
            last_trigger, last_group = i, home
        elif (
            i in details
            and last_group is not None
            and i - last_trigger <= _DETAIL_REACH
            and index.paragraph_of[i] - index.paragraph_of[last_trigger] <= 1
            and not _NEW_EVENT.search(index.text(i))
            and not _conflicts(index, last_group, i)
        ):
            last_group.triggers.append(i)
            last_trigger = i
        elif last_group is not None and i - last_trigger <= 6 and _ANAPHOR.search(index.text(i)):
            last_group.context.append(i)
        elif (
            # The story goes on in the same paragraph: "The first incident occurred at ...
            # A volley of shells hit inside our camp. Fortunately, there were no casualties."
            last_group is not None
            and (
                i == last_trigger + 1
                or (
                    i == last_member + 1
                    # past the next sentence, only what brings no anchor of its own
                    and (not _has_anchor(index, [i]) or _adds_nothing(index, last_group, i))
                    and not _NEW_EVENT.search(index.text(i))
                    and not _conflicts(index, last_group, i)
                )
            )
            and index.paragraph_of[i] == index.paragraph_of[last_trigger]
        ):
            last_group.context.append(i)
        elif (
            last_group is not None
            and i - last_trigger <= 2
            and _VICTIMS_AGAIN.search(index.text(i))
            and index.cues(i, "mechanism")
            and not _NEW_EVENT.search(index.text(i))
            and not index.cues(i, "generic")
            and not _conflicts(index, last_group, i)
        ):
            last_group.context.append(i)
        elif (
            # The figures often follow in the next sentence: "The strikes killed seven soldiers",
            # also after a headline line.
            last_group is not None
            and i - last_trigger <= 2
            and (index.spans(i, "casualty") or _has_anchor(index, [i]) and i == last_trigger + 1)
            and not _NEW_EVENT.search(index.text(i))
            and not index.cues(i, "generic")
            and not _conflicts(index, last_group, i)
            # "In January, Afghan soldiers accidentally fired mortars ...", a paragraph of
            # its own: another time's event, not this one's figures.
            and not (
                index.paragraph_of[i] != index.paragraph_of[last_trigger]
                and _TIME_OPENER.search(index.text(i))
            )
        ):
            last_group.context.append(i)
        if last_group is not None and i in last_group.sentences:
            last_member = i
        elif _NEW_EVENT.search(index.text(i)):
            # "Meanwhile about 35 Taliban were killed ...": what follows refers to that.
            last_group = None
    _lede(index, groups)
    groups = _merge_headline(index, groups)
    groups = _merge_loose(index, groups)
    _fill_gaps(index, groups)
    _backfill(index, groups)
    return groups


_GAP = 3  # sentences between two of an incident's own that are of its story


def _fill_gaps(index: _Index, groups: list[_Group]) -> None:
    """A few sentences between two sentences of one incident tell that incident ("The plane
    was dropping bombs when it was hit ... and crashed in the Donetsk region" between the
    lede and "images related to the incident"), unless another incident claims them or
    they talk in general."""
    taken = {i for g in groups for i in g.sentences}
    for group in groups:
        members = group.sentences
        for a, b in zip(members, members[1:], strict=False):
            if 1 < b - a <= _GAP + 1:
                gap = [j for j in range(a + 1, b) if j not in taken]
                if len(gap) == b - a - 1 and not any(index.cues(j, "generic") for j in gap):
                    group.context.extend(gap)
                    taken.update(gap)


def _lede(index: _Index, groups: list[_Group]) -> None:
    """A headline saying "friendly fire" makes the first concrete sentence after it the event."""
    if groups or not index.sentences or not index.cues(0, "fratricide") or index.cues(0, "generic"):
        return
    for i in range(1, min(len(index.sentences), 6)):
        actors = [a for a in index.spans(i, "actor") if a.value.role in ("firing", "hit", "both")]
        if index.cues(i, "generic"):
            continue  # "This database records estimates of the number of ...": no event
        if _non_force_victims(index, i, set()) and not _forces_hit(index, i):
            continue  # "the killing of 85 civilians ... by an army airstrike": no fratricide
        if index.spans(i, "casualty") or (actors and _concrete(index, i)):
            # The lines between the headline and the event sentence lead into it.
            groups.append(_Group(triggers=[i], context=list(range(i))))
            return


_EARLIER = re.compile(r"^\W*(?:earlier|previously|before that)\b", re.I)


def _backfill(index: _Index, groups: list[_Group]) -> None:
    """Sentences elsewhere that name the same system or town and give figures join their incident."""
    taken = {i for g in groups for i in g.sentences}
    for i in range(len(index.sentences)):
        if i in taken or not index.spans(i, "casualty") or index.cues(i, "generic"):
            continue
        if _EARLIER.search(index.text(i)):
            continue  # "Earlier on Friday three German soldiers were killed": another event
        homes = [g for g in groups if _shares_anchor(index, g, i) and not _conflicts(index, g, i)]
        # Past events told for background ("In June previous year, ...") leave the article
        # about one event.
        current = [g for g in groups if not _set_back(index, g)]
        if not homes and len(current) == 1 and not _NEW_EVENT.search(index.text(i)):
            # An article about one event: a later sentence giving the toll it lacks is its toll.
            group = current[0]
            kinds = {c.value.kind for j in group.sentences for c in index.spans(j, "casualty")}
            fresh = {c.value.kind for c in index.spans(i, "casualty")} - kinds
            # ... or a lede sentence before it ("That no one was killed ... comes as a relief").
            # ... or any sentence before it when nothing earlier tells another event (wire
            # copy that gives the toll before the cause: "Five other troops were injured").
            told = i > group.triggers[0] or i <= _LEDE or all(g.triggers[0] > i for g in groups)
            if fresh and told and not _conflicts(index, group, i):
                homes = [group]
                group.only[i] = fresh
        if len(homes) == 1:
            homes[0].context.append(i)
            taken.add(i)


# --------------------------------------------------------------------------- fields


@dataclass
class _Builder:
    """Collects one draft's values and their evidence."""

    doc: Doc
    ref: str
    evidence: list[Evidence] = field(default_factory=list)

    def cite(self, path: str, span: Span) -> None:
        self.evidence.append(
            Evidence(
                field=path,
                source=self.ref,
                start=span.start,
                end=span.end,
                quote=self.doc.quote(span),
                confidence=round(span.confidence, 2),
                stage=span.stage,
            )
        )


def _finer_day(index: _Index, sentences: list[int], chosen: Span) -> Span:
    """A day the incident's own sentences give within a coarser date ("at the end of last
    month ... on May 28"): the same event told more closely."""
    if chosen.value.precision == "day":
        return chosen
    for i in sentences:
        for d in _event_dates(index, i):
            if d.value.precision == "day" and _within(
                (d.value.start, d.value.end), (chosen.value.start, chosen.value.end)
            ):
                return d
    return chosen


def _pick_date(index: _Index, group: _Group, alone: bool = False) -> Span | None:
    """The event's date; ``alone`` when the article tells no other incident."""
    # A title sums up ("Operation Wikinger (20-22 February 1940)"); the body is precise.
    body = [i for i in group.sentences if not _is_headline(index, i)]
    titles = [i for i in group.sentences if _is_headline(index, i)]
    for sentences in ([i for i in group.triggers if i in body], body, titles):
        for i in sentences:
            dates = _event_dates(index, i)
            if dates:
                return _finer_day(index, body, dates[0])
    # "shot down a Tornado that day": the day last named before it.
    if any(_SAME_DAY.search(index.text(i)) for i in group.triggers):
        for j in range(group.sentences[0] - 1, -1, -1):
            days = [
                d
                for d in _event_dates(index, j)
                if d.value.precision == "day"
                and not _ISSUED.search(index.doc.text, max(0, d.start - 25), d.start)
            ]
            if days:
                found = days[-1]
                return Span(found.start, found.end, "date", found.value, found.stage, 0.5)
    # "shot down their own jet overnight, the Navy said Friday": what happened overnight
    # happened by the day it is reported.
    for i in group.triggers:
        if _OVERNIGHT.search(index.text(i)):
            days = [d for d in index.spans(i, "date") if d.value.precision == "day"]
            if days:
                found = days[0]
                return Span(found.start, found.end, "date", found.value, found.stage, 0.5)
    # The scene's date is often given once, before ("On 21 June 1917 ..."), or the sentence
    # after says when ("The deaths happened on Monday night").
    for j in _scene(index, group):
        dates = _event_dates(index, j)
        if dates and not index.cues(j, "generic"):
            found = dates[-1] if j < group.sentences[0] else dates[0]
            return Span(found.start, found.end, "date", found.value, found.stage, 0.4)
    if alone:
        # "... were killed in the incident in Sta. Rita, Samar on Monday morning": in an
        # article about one incident, a sentence anywhere that dates "the incident" dates it.
        first = group.sentences[0]
        for j in sorted(range(len(index.sentences)), key=lambda j: abs(j - first)):
            if j in group.sentences or index.cues(j, "generic"):
                continue
            if not _EVENT_ANAPHOR.search(index.text(j)):
                continue
            dates = _event_dates(index, j)
            if dates:
                found = dates[0]
                return Span(found.start, found.end, "date", found.value, found.stage, 0.4)
        # "May 26, 1944 — A deadly mistake by US pilots ...": a title dated to the day, with
        # its year written out, dates the article's one incident.
        if index.sentences and _is_headline(index, 0):
            days = [d for d in _written_dates(index, 0) if d.value.precision == "day"]
            if days:
                found = days[0]
                return Span(found.start, found.end, "date", found.value, found.stage, 0.3)
    return None


def _scene(index: _Index, group: _Group) -> list[int]:
    """Sentences that set the group's scene, nearest first: earlier ones of its paragraph
    (or the three before it), then the two after it in the paragraph."""
    first, last = group.sentences[0], group.sentences[-1]
    paragraph = index.paragraph_of[first]
    before = [
        j for j in range(first - 1, -1, -1) if index.paragraph_of[j] == paragraph or j >= first - 3
    ]
    after = [
        j
        for j in range(last + 1, min(last + 3, len(index.sentences)))
        if index.paragraph_of[j] == index.paragraph_of[last]
    ]
    return before + after


# Matched at the name's end with ``match(text, pos)``, so no "^" (it would only match at 0).
_DATELINE = re.compile(r"[^\S\n]*[,(][^\n:—–]{0,40}(?:[:—–]|\)|\s-\s)")
# "JERUSALEM - Four Israeli soldiers ...": a capitalised place and a dash open the story.
_CAPS_DATELINE = re.compile(r"[^\S\n]*(?:[—–]|--?)[^\S\n]")
# "near the Lebanon border", "the Iraq-Kuwait border": a country that bounds the scene.
_BORDER_AFTER = re.compile(
    r"(?:[-–][A-Z][\w]*)?[^\S\n]+(?:border|frontier|boundary)\b(?![^\S\n]+(?:town|city|village)\b)"
)
# "the war against Iraq": the adversary, not where the incident was.
_WAR_ON = re.compile(r"\b(?:war|wars|campaign|crusade)\s+(?:against|on|with)\s+(?:the\s+)?$", re.I)
# "Fort McNair ... is named in his honor": a memorial, not the scene.
_NAMED_FOR = re.compile(
    r"\b(?:is|was|are|were|been) (?:re)?named (?:in (?:his|her|their) hono(?:u)?rs?\b|after (?:him|her|them)\b)",
    re.I,
)
_ORIGIN = re.compile(
    r"\b(?:(?:flew|flying|departing|departed|took off|launched|returning|returned) from|"
    r"based (?:in|at)|stationed (?:in|at)|home(?:town)? (?:in|of)|"
    # "flew back to Kuwait from a mission over Iraq": where a flight was going or had been.
    r"(?:flew|flying|headed|heading) (?:back )?to|"
    r"from (?:an?|its|their|his|her) (?:\w+ )?(?:mission|sortie|raid|patrol)s? (?:over|in|to))"
    r"\s+(?:[\w'’-]+,?\s+){0,4}$",
    re.I,
)


# "Pfc. William Hamm, 34, of Ocala", "Pte. Mark Graham of Hamilton": a casualty's home town.
_HOMETOWN = re.compile(
    r"(?:,[^\S\n]*\d{1,2},[^\S\n]*|\b(?:Pte|Pvt|Pfc|Cpl|L/Cpl|Sgt|Spc|Lt|Capt|Maj|Col|"
    r"Private|Corporal|Sergeant|Lieutenant|Captain|Major|Trooper|Gunner|Rifleman|Seaman|"
    r"Airman|Bombardier|Sapper)\.?[^\S\n]+(?:[A-Z][\w'’.-]*[^\S\n]+){1,4})of[^\S\n]+"
    r"(?:[A-Z][\w'’.-]*(?:[^\S\n]+[A-Z][\w'’.-]*)?,[^\S\n]+)?$"
)
# "personnel from the United States, United Kingdom, France": countries after "from" say
# where people came from (the whole list of them), not where it happened.
_FROM_COUNTRIES = re.compile(
    r"\bfrom\s+(?:the\s+)?(?:[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*,?\s+(?:and\s+)?(?:the\s+)?)*$"
)
# "The wounded were brought to X", "born in X", "buried at X", "headquarters in X": where
# people were taken, came from or sit, not where it happened.
_ELSEWHERE = re.compile(
    r"\b(?:(?:brought|taken|rushed|evacuated|airlifted|flown|transferred|transported|moved|"
    r"sent|returned) (?:back )?(?:to|from)|(?:treated|hospitali[sz]ed|recovering|buried|"
    r"laid to rest|born|raised|grew up|headquartered|headquarters) (?:in|at)|hospital (?:in|at)|"
    r"native of|hails from|funeral (?:in|at)|memorial (?:in|at))\s+(?:the\s+)?"
    r"(?:[\w'’-]+,?\s+){0,3}$",
    re.I,
)
# "claims London", "Moscow said", "according to Kyiv": a capital speaking for its government.
_SPEAKER_BEFORE = re.compile(
    r"\b(?:said|says|claims|claimed|announced|insists|insisted|according to|told)[^\S\n]+$"
)
_SPEAKER_AFTER = re.compile(
    r"(?:[^\S\n]+(?:said|says|say|told|reported|stated|claims|claimed|announced|insists|"
    r"insisted|denied|denies|accused|admitted|confirmed)\b|-based\b)"
)
# "A statement from the RAF base at Marham", "officials said in Kabul": where the speaker sits.
_SPEAKER_AT = re.compile(
    r"\b(?:(?:statement|spokesm[ae]n|spokeswoman|spokesperson|press release|communiqu[eé])\s+"
    r"(?:from|at|of)\s+(?:[\w'’-]+,?\s+){0,5}"
    r"|(?:said|says|told (?:reporters|journalists|a news conference)|announced|reported|"
    r"briefing|news conference|press conference|speaking)\s+(?:\w+\s+){0,2}in\s+(?:the\s+)?"
    # "said Wing Commander Mike Oldham of the Marham base": whose base he speaks for.
    r"|(?:commander|chief|head|spokesm[ae]n|spokeswoman|spokesperson|officer)"
    r"(?:[^\S\n]+(?-i:[A-Z])[\w'’-]+){1,3},?[^\S\n]+of[^\S\n]+the[^\S\n]+)$",
    re.I,
)
# "shot down over the Red Sea": open water lies in no town, region or country.
_OPEN_WATER = re.compile(
    r"\b(?:over|in|on|across|off|into|at)\s+the\s+(?:[A-Z][\w-]*\s+){1,3}"
    r"(?:Sea|Ocean|Gulf|Strait|Straits|Channel)\b|\bat sea\b"
)
# A Wikipedia infobox row: "Location Erbil, Arbil Governorate, Iraq".
_INFOBOX_LOCATION = re.compile(r"^Location\b:?[^\S\n]+", re.M)


def _incidental(index: _Index, span: Span) -> bool:
    """A dateline ("KABUL, Afghanistan:", "JERUSALEM -"), an origin ("flew from X", "troops
    from Canada"), where the wounded were taken ("brought to X"), where a speaker sits ("a
    statement from the base at X"), a capital speaking ("claims London"), a border ("near the
    Iraq-Kuwait border") or what is named after someone ("Fort McNair, in Washington, is
    named in his honor"): not where it happened."""
    text = index.doc.text
    line_start = text.rfind("\n", 0, span.start) + 1
    if not text[line_start : span.start].strip() and (
        _DATELINE.match(text, span.end)
        or (text[span.start : span.end].isupper() and _CAPS_DATELINE.match(text, span.end))
    ):
        return True
    if span.value.precision == "country" and (
        _FROM_COUNTRIES.search(text, max(line_start, span.start - 120), span.start)
        or _BORDER_AFTER.match(text, span.end)
        or _WAR_ON.search(text, max(0, span.start - 30), span.start)
    ):
        return True
    i = index.doc.sentence_index(span.start)
    if i >= 0 and _NAMED_FOR.search(index.text(i)):
        return True
    if span.value.precision == "town" and (
        _SPEAKER_BEFORE.search(text, max(0, span.start - 20), span.start)
        or _SPEAKER_AFTER.match(text, span.end)
    ):
        return True
    return bool(
        _ORIGIN.search(text, max(0, span.start - 60), span.start)
        or _ELSEWHERE.search(text, max(0, span.start - 60), span.start)
        or _HOMETOWN.search(text, max(0, span.start - 60), span.start)
        or _SPEAKER_AT.search(text, max(0, span.start - 60), span.start)
    )


def _infobox_place(index: _Index) -> Span | None:
    """The first place of an encyclopedia infobox's "Location" row, if the text has one."""
    for row in _INFOBOX_LOCATION.finditer(index.doc.text):
        line_end = index.doc.text.find("\n", row.end())
        line_end = len(index.doc.text) if line_end < 0 else line_end
        found = [
            p
            for spans in index.by_sentence
            for p in spans
            if p.label == "place" and row.end() <= p.start < line_end
        ]
        if found:
            return min(found, key=lambda p: _PRECISION_RANK.get(p.value.precision, 5))
    return None


_NEAR = re.compile(
    r"[^\S\n]+(?:just\s+|close\s+)?(?:near|outside|by)\s+(?:the\s+(?:city|town)\s+of\s+)?"
)


def _refined(index: _Index, chosen: Span) -> Span:
    """A town the article places "near" the chosen one ("at Budgam near Srinagar"): the site
    told more closely."""
    if chosen.value.precision != "town":
        return chosen
    places = sorted(
        (p for spans in index.by_sentence for p in spans if p.label == "place"),
        key=lambda p: p.start,
    )
    for a, b in zip(places, places[1:], strict=False):
        if (
            a.value.precision == "town"
            and b.value.gazetteer_id == chosen.value.gazetteer_id
            and a.value.gazetteer_id != chosen.value.gazetteer_id
            and (m := _NEAR.match(index.doc.text, a.end)) is not None
            and m.end() == b.start
            and not _far_apart([a.value], [b.value])
        ):
            return a
    return chosen


def _pick_place(index: _Index, group: _Group, taken: frozenset[int] = frozenset()) -> Span | None:
    """The event's place; ``taken`` are the sentences of the text's other incidents."""
    chosen = _pick_event_place(index, group, taken)
    if chosen is not None:
        chosen = _refined(index, chosen)
    infobox = _infobox_place(index)
    if infobox is None:
        return chosen
    # The infobox names the article's event more precisely than a country in its prose.
    if chosen is None or (
        chosen.value.precision in ("country", "admin1")
        and chosen.value.country == infobox.value.country
        and _PRECISION_RANK.get(infobox.value.precision, 5)
        < _PRECISION_RANK.get(chosen.value.precision, 5)
    ):
        return infobox
    return chosen


# "The firing incident took place at X", "Both incidents occurred in X": the text says
# outright where the incident it has told was.
_INCIDENT_AT = re.compile(
    r"\b(?:incidents?|shooting|attack|strike|accident|clash|exchange of fire|firing|ambush|"
    r"friendly[- ]fire)\s+(?:(?:took place|occurred|happened)\b|(?:was|were) (?:in|at|near)\b)"
    # "the helicopter was downed in the Rostov region": the hit one, where it was hit.
    r"|\b(?:the|its|their)\s+(?:[\w-]+\s+)?(?:helicopter|aircraft|jet|plane|drone|ship|vessel|"
    r"convoy|unit|soldiers|troops|patrol|crew|pilot)\s+(?:was|were)\s+(?:downed|shot down|hit|"
    r"struck|destroyed|killed|bombed|shelled|attacked)\s+(?:in|at|near|over|outside)\b",
    re.I,
)
_PLACE_STATEMENT_REACH = 6  # sentences after the incident's last one


def _place_statements(index: _Index, group: _Group, taken: frozenset[int]) -> list[int]:
    """Sentences among or after the group's that say where "the incident" happened, up to
    the next event the text tells (a trigger sentence of its own); a sentence of another
    group (``taken``) speaks of that group's incident."""
    members = set(group.sentences)
    last = group.sentences[-1]
    found: list[int] = []
    for j in range(
        group.sentences[0], min(last + 1 + _PLACE_STATEMENT_REACH, len(index.sentences))
    ):
        if j in members:
            continue
        if _is_trigger(index, j):
            break
        if j in taken:
            continue
        if _TIME_OPENER.search(index.text(j)) or _NEW_EVENT.search(index.text(j)):
            continue  # "Last month, the unit was attacked near Sangin": another time
        if _INCIDENT_AT.search(index.text(j)):
            found.append(j)
    return found


def _later_town(index: _Index, group: _Group, taken: frozenset[int]) -> Span | None:
    """For an incident whose own sentences name no place: the first town the story's next
    sentences put it in ("the militiamen were responding to an attack near the city of
    Tikrit"), before another event, another time or another incident's sentences."""
    text = index.doc.text
    regions = named_regions(text, index.doc.spans)
    last = group.sentences[-1]
    for j in range(last + 1, min(last + 1 + _PLACE_STATEMENT_REACH, len(index.sentences))):
        said = index.text(j)
        if (
            j in taken
            or _is_trigger(index, j)
            or _written_dates(index, j)
            or _TIME_OPENER.search(said)
            or _NEW_EVENT.search(said)
        ):
            return None
        for p in index.spans(j, "place"):
            p = one_sense(text, p, regions, index.doc.spans)
            if (
                p.value.precision == "town"
                and not _incidental(index, p)
                and not _whose(index, p)
                and after_locative(text, p.start)
            ):
                return p
    return None


def _pick_event_place(index: _Index, group: _Group, taken: frozenset[int]) -> Span | None:
    regions = named_regions(index.doc.text, index.doc.spans)
    statements = _place_statements(index, group, taken)
    places = [
        one_sense(index.doc.text, p, regions, index.doc.spans)
        for i in [*group.sentences, *statements]
        for p in index.spans(i, "place")
        if not _incidental(index, p) and not _whose(index, p)
    ]
    first_trigger = group.triggers[0]
    if _OPEN_WATER.search(index.text(first_trigger)) and not any(
        index.doc.sentence_index(p.start) == first_trigger for p in places
    ):
        return None  # at sea: a town named in a later sentence is somewhere else
    if not places:
        # The place is often set once for the scene ("off Norway", "In Sicily"), or the
        # article's one locative country ("in Afghanistan") is all it says. A scene
        # sentence names its setting first ("the landings in Normandy ... dropped near
        # Caen"): later names in it tell of other moves, not where the event was.
        first = group.sentences[0]
        for j in range(first - 1, -1, -1):
            if index.paragraph_of[j] != index.paragraph_of[first]:
                break
            near = [
                one_sense(index.doc.text, p, regions, index.doc.spans)
                for p in index.spans(j, "place")
                if not _incidental(index, p)
            ]
            if near:
                return min(near, key=lambda p: p.start)
        if _told_apart(index, group):
            return None  # "in a 2002 incident": not set where the article's story is
        later = _later_town(index, group, taken)
        if later is not None:
            return later
        return _the_country(index, group) or _country_of_text(index)
    if not places:
        return None
    trigger_set = {*group.triggers, *statements}

    def rank(span: Span) -> tuple[int, int, int, int, int]:
        # Where the event sentences say it happened beats a town named in passing nearby.
        value: PlaceMention = span.value
        in_trigger = 0 if index.doc.sentence_index(span.start) in trigger_set else 1
        specific = 0 if value.precision in ("exact_site", "town", "admin2", "admin1") else 1
        # "in Afghanistan" places the event; "U.S. forces" only names whose forces, and
        # "in Israel's security zone in south Lebanon" whose zone.
        modifier = int(
            value.precision == "country"
            and (
                not _IN_COUNTRY.search(index.doc.text, max(0, span.start - 30), span.start)
                or bool(_POSSESSIVE_AFTER.match(index.doc.text, span.end))
            )
        )
        precision = _PRECISION_RANK.get(value.precision, 5)
        return (specific, modifier, in_trigger, precision, span.start)

    best = min(places, key=rank)
    if best.value.precision == "admin1":
        # "a clash ... in Yobe state" and "the fracas in the state capital of Damaturu": a
        # town of that region told of the same event places it more closely.
        inside = [
            p
            for p in places
            if p.value.precision == "town"
            # "The incident recalled the shooting ... in Nad Ali on 3 November 2009": a
            # sentence with a time of its own names that time's place
            and (
                index.doc.sentence_index(p.start) in trigger_set
                or not _event_dates(index, index.doc.sentence_index(p.start))
            )
            and p.value.country == best.value.country
            # the gazetteer leaves some towns' region blank (Damaturu): not another region
            and p.value.admin1 in (best.value.admin1, None)
        ]
        if inside:
            return min(inside, key=lambda p: p.start)
    return best


_POSSESSIVE_AFTER = re.compile(r"['’]s?\b")
# "the U.S. Department of Defense", "U.S. forces": a country that says whose, not where.
_WHOSE_AFTER = re.compile(
    r"[^\S\n]+(?:Department|Ministry|Army|Navy|Air Force|Marines?|Forces?|Command|Embassy|"
    r"Government|military|forces|troops|soldiers|officials|government|army|navy|pilots?|"
    r"jets?|aircraft|warplanes|drones?|artillery|commanders?|spokesm[ae]n|officers?)\b"
)


def _whose(index: _Index, span: Span) -> bool:
    text = index.doc.text
    return (
        span.value.precision == "country"
        and not _IN_COUNTRY.search(text, max(0, span.start - 30), span.start)
        and bool(_WHOSE_AFTER.match(text, span.end))
    )


# "in Afghanistan", "in southern Lebanon", "in south Lebanon", "in the north of Iraq".
_IN_COUNTRY = re.compile(
    r"\b(?:(?:in|across|over|off|inside|throughout)\s+(?:the\s+)?"
    r"(?:(?:\w+ern|(?:north|south)(?:[- ]?(?:east|west))?|east|west|central)\s+)?"
    r"|in\s+the\s+(?:far\s+)?(?:(?:north|south)(?:[- ]?(?:east|west))?|east|west|centre|center)"
    r"(?:ern)?\s+(?:part\s+)?of\s+)$",
    re.I,
)


def _told_apart(index: _Index, group: _Group) -> bool:
    """The incident's own dates all end over a year before the article's time (its
    publication date, else the latest date it gives): an earlier event recalled ("killed in
    a 2002 incident"), which the article's setting does not place."""
    own = [d.value for i in group.sentences for d in index.spans(i, "date")]
    if not own:
        return False
    now = index.doc.published or max(
        (d.value.end for d in index.doc.spans if d.label == "date"), default=None
    )
    return now is not None and all((now - d.end).days > 366 for d in own)


# "in the northwest of the country", "across the country": the country the article is about.
_THE_COUNTRY = re.compile(
    r"\b(?:in|across|throughout|of)\s+(?:the\s+(?:(?:far\s+)?(?:\w+ern|north|south|east|west|"
    r"north-?east|north-?west|south-?east|south-?west|centre|center|rest|parts?)\s+(?:part\s+)?"
    r"of\s+)?)?(?P<phrase>the\s+country)\b(?!['’]s)",
    re.I,
)


def _the_country(index: _Index, group: _Group) -> Span | None:
    """The words "the country" said of the incident's scene: the one country the whole text is about
    (named or by its people more often than all others together, and at least 3 times)."""
    for i in group.sentences:
        m = _THE_COUNTRY.search(index.text(i))
        if m is None:
            continue
        prior = country_prior(index.doc.text)
        top = max(prior, key=lambda c: prior[c], default=None)
        if top is None or prior[top] <= sum(prior.values()) - prior[top] or prior[top] < 3:
            return None
        start = index.sentences[i].start + m.start("phrase")
        mention = PlaceMention(country_name(top), None, top, None, None, None, "country")
        return Span(start, start + len(m.group("phrase")), "place", mention, "places", 0.5)
    return None


def _country_of_text(index: _Index) -> Span | None:
    """The one country an article names, when it puts things in it ("in Afghanistan")."""
    text = index.doc.text
    found = [
        p
        for spans in index.by_sentence
        for p in spans
        if p.label == "place"
        and p.value.precision == "country"
        and _IN_COUNTRY.search(text, max(0, p.start - 30), p.start)
    ]
    # Datelines, borders and origins do not say where the article's events are.
    named = {
        p.value.country
        for s in index.by_sentence
        for p in s
        if p.label == "place" and not _incidental(index, p)
    }
    return found[0] if len(named) == 1 and found else None


def _codes(index: _Index, group: _Group, dimension: str) -> list[Span]:
    return [c for i in group.sentences for c in index.cues(i, dimension)]


def _unique(spans: Iterable[Span], key: Any) -> list[Span]:
    seen: dict[Any, Span] = {}
    for span in spans:
        seen.setdefault(key(span), span)
    return list(seen.values())


def _title(index: _Index, group: _Group) -> str:
    text = " ".join(index.text(group.triggers[0]).split())
    text = re.sub(r"^(?:In|On|Today|Yesterday)[^,]{0,25},\s*", "", text)
    if len(text) > 140:
        text = text[:140].rsplit(" ", 1)[0] + "..."
    return text[:1].upper() + text[1:]


# A count that names nobody in particular: "the death toll", "11 men", "20 people".
_RECOUNT = re.compile(r"\b(?:toll|people|persons|men|victims|individuals)\b", re.I)
# "20 others", "five more": a figure that counts people besides those already counted.
_ADDITIVE = re.compile(r"\b(?:others?|more|another|additional|further|besides)\b", re.I)


def _same_people(fig: CasualtyFigure, figures: list[CasualtyFigure], quote: str) -> bool:
    """A toll that does not say whose ("the death toll at 11", "11 men were killed") told
    next to one that does ("killed 10 soldiers") is the same dead counted again, often an
    earlier or later count, not more of them; "20 others" adds. A smaller figure for
    soldiers after a toll that did not say whose is a part of that toll."""
    if _ADDITIVE.search(quote):
        return False
    if fig.population is not Population.UNKNOWN:
        # "killed six Iraqis ... killing two Iraqi soldiers, two police officers and ...":
        # a part of a toll already counted whose people were not said is its breakdown.
        return any(
            f.kind == fig.kind
            and f.population is Population.UNKNOWN
            and f.best is not None
            and fig.best is not None
            and fig.best < f.best
            for f in figures
        )
    if not _RECOUNT.search(quote):
        return False  # "The 504th suffered 81 dead": a unit's own losses add up
    return any(f.kind == fig.kind for f in figures)


def build_draft(
    index: _Index,
    group: _Group,
    source: Source,
    published: date | None,
    taken: frozenset[int] = frozenset(),
) -> Incident:
    """One draft incident from a sentence group, every value cited.

    ``published`` anchors an undated incident's window; without it the window ends on the
    day of extraction, and the draft's notes say the date must be set by hand. ``taken``
    are the sentences of the text's other incidents, which say nothing of this one's place.
    """
    doc = index.doc
    b = _Builder(doc, source.ref or "")
    for i in group.sentences:
        b.cite("incident", index.sentences[i])

    notes: list[str] = []
    date_span = _pick_date(index, group, alone=not taken)
    if date_span is not None:
        when: IncidentDate = date_span.value
        b.cite("date", date_span)
    else:
        # No date in the text: the report's own window, as the codebook's "recently" rule.
        anchor = published or date.today()
        when = IncidentDate(
            start=anchor - UNDATED_WINDOW,
            end=anchor,
            precision="range",
            resolved_against=anchor,
        )
        if published is None:
            notes.append(
                "date: neither the text nor a publication date dates this incident; the "
                f"window ends on the day of extraction ({anchor.isoformat()}): set it by hand"
            )

    location = Location()
    place_span = _pick_place(index, group, taken)
    if place_span is not None:
        p: PlaceMention = place_span.value
        location = p.location(doc.quote(place_span))
        b.cite("location", place_span)
        if p.alternatives:
            notes.append(
                f"place {doc.quote(place_span)!r} is ambiguous: chose {p.gazetteer_id}; "
                f"also {', '.join(p.alternatives)}"
            )

    actor_spans = _unique(
        (a for i in group.triggers for a in index.spans(i, "actor")),
        key=lambda s: (s.start, s.end),
    )
    actors: list[ActorInvolvement] = []
    for span in actor_spans:
        m: ActorMention = span.value
        b.cite(f"actors.{len(actors)}", span)
        actors.append(
            ActorInvolvement(
                name_as_written=doc.quote(span)[:500],
                actor=m.actor,
                side=m.side,
                type=m.type,
                role=m.role or ActorRole.OTHER,
            )
        )

    weapon_spans = _unique(
        (w for i in group.sentences for w in index.spans(i, "weapon")), key=lambda s: s.value
    )
    for k, span in enumerate(weapon_spans):
        b.cite(f"weapons.{k}", span)

    figures: list[CasualtyFigure] = []
    # A headline rounds ("kills five US soldiers"); the body's count comes first, and a
    # sentence before the event that only adds a missing toll comes after the event's own.
    first = group.triggers[0]
    found = [
        c
        for i in sorted(group.sentences, key=lambda i: (_is_headline(index, i), i < first, i))
        for c in index.spans(i, "casualty")
        if i not in group.only or c.value.kind in group.only[i]
    ]
    counted = {c.value.kind for c in found if c.confidence > NAMED}
    for span in found:
        fig: CasualtyFigure = span.value
        if any(f.kind == fig.kind and f.population == fig.population for f in figures):
            continue
        if span.confidence <= NAMED and fig.kind in counted:
            continue  # "Voigt was killed" is already in "killing Voigt along with two Rangers"
        if _same_people(fig, figures, doc.quote(span)):
            continue
        b.cite(f"claims.0.casualties.{len(figures)}", span)
        figures.append(fig.model_copy(update={"quote": doc.quote(span)}))

    claimant_spans = [c for i in group.sentences for c in index.spans(i, "claimant")]
    if not claimant_spans:
        first = group.triggers[0]
        claimant_spans = [
            c
            for j in range(first - 1, max(first - 3, -1), -1)
            if index.paragraph_of[j] == index.paragraph_of[first]
            for c in index.spans(j, "claimant")
        ]
    claimant: ClaimantMention | None = claimant_spans[0].value if claimant_spans else None
    if claimant_spans:
        b.cite("claims.0.claimant", claimant_spans[0])
    attribution = [s.value.name for s in claimant_spans[1:]] if len(claimant_spans) > 1 else []

    hedges = _unique(_codes(index, group, "hedge"), key=lambda s: s.value.code)
    for k, span in enumerate(hedges):
        b.cite(f"claims.0.hedges.{k}", span)
    causes = _unique(_codes(index, group, "cause"), key=lambda s: s.value.code)
    for k, span in enumerate(causes):
        b.cite(f"claims.0.claimed_causes.{k}", span)

    def choose(dimension: str, order: tuple[str, ...] | None = None) -> str | None:
        spans = _codes(index, group, dimension)
        if not spans:
            return None
        counts = Counter(s.value.code for s in spans)
        code = (
            next((c for c in order if c in counts), None) if order else counts.most_common(1)[0][0]
        )
        code = code or counts.most_common(1)[0][0]
        b.cite(dimension, next(s for s in spans if s.value.code == code))
        return code

    intent = choose("intent")
    mechanism = choose("mechanism", _MECHANISM_ORDER)
    context = choose("context")
    stance_code = choose("stance")
    verification_code = choose("verification")

    hit_sides = Counter(a.side for a in actors if a.role in ("hit", "both") and a.side)
    firing_sides = Counter(a.side for a in actors if a.role in ("firing",) and a.side)
    affected = (
        (hit_sides or firing_sides).most_common(1)[0][0] if (hit_sides or firing_sides) else None
    )
    claimant_side = claimant.side if claimant else None
    if verification_code in ("admitted", "corroborated"):
        verification = Verification(verification_code)
    elif claimant_side and affected and claimant_side != affected:
        verification = Verification.SINGLE_ADVERSARY_CLAIM
    else:
        verification = Verification.UNASSESSED

    claim = Claim(
        source=source.ref,
        claimant=claimant.name if claimant else None,
        claimant_side=claimant_side,
        affected_side=affected,
        stance=Stance(stance_code) if stance_code else Stance.ASSERTS,
        casualties=figures,
        claimed_causes=[s.value.code for s in causes],
        hedges=[doc.quote(s) for s in hedges],
        attribution=attribution,
        quote=" ".join(index.text(i) for i in group.triggers)[:2000],
    )
    return Incident(
        title=_title(index, group),
        date=when,
        location=location,
        intent=intent or "unknown",
        mechanism=mechanism or "unknown",
        context=context or "unknown",
        weapons=[s.value for s in weapon_spans],
        actors=actors,
        sources=[source],
        claims=[claim],
        verification=verification,
        evidence=b.evidence,
        notes="\n".join(notes) or None,
    )


def assemble(doc: Doc, source: Source) -> list[Incident]:
    """Every draft incident in an analysed Doc, in text order."""
    index = _Index(doc)
    published = source.published or doc.published
    groups = group_sentences(index)
    return [
        build_draft(
            index,
            g,
            source,
            published,
            frozenset(i for h in groups if h is not g for i in h.sentences),
        )
        for g in groups
    ]
