"""The casualties stage: killed / wounded / missing figures, each with the words it came from.

``find_casualties(doc)`` returns one ``Span`` (label ``casualty``, stage ``casualties``)
per figure, its value a ``CasualtyFigure`` with UCDP-style low / best / high. Three
constructions are read, always within one line and one clause:

* passive or intransitive: "27 Russian soldiers were killed", "34 more were wounded",
  "five Ukrainian fatalities", "an F-16 pilot was killed", "no one was hurt";
* active: "killing two soldiers", "injured two women";
* toll: "the death toll rose to 12";
* with an aside between count and verb ("15 people, five of them soldiers, were injured"),
  two counted groups sharing a verb, added up ("five US soldiers and one Afghan soldier were
  killed"), "killing X along with two Rangers" (3), a named person ("Tillman, the football
  player, was killed", "Tillman's death": 1) and survivors ("ejected safely": 0 killed).

A figure needs a number *and* a casualty word, so troop strengths ("3,000-5,000 troops
were massing"), weapon designations (Su-25, FAB-250), dates and times never become one.
Rules chosen (the word lists live in ``lexicons/casualties.yaml``):

* exact "27" -> low = best = high = 27; "eight to ten" / "8-10" -> low 8, high 10;
  "at least 5" -> low 5; "more than 20" -> low 20; "up to 10" -> high 10;
  "about 30" / "almost 30,000" -> best only (a rounded figure is an estimate);
* vague words give only a floor: "several" -> low 3, "dozens" -> low 24,
  "hundreds" -> low 200; "a dozen" is exactly 12; "a"/"an" + singular noun is 1;
* "casualties" / "losses" mean killed and wounded together and cannot be split, so only
  an explicit zero is used, as a zero of both ("no civilian casualties");
* unknown is never 0: "soldiers were killed" gives no figure at all;
* population: the noun decides (soldiers -> military, women -> civilian, people ->
  civilian only when the sentence speaks of a city, homes or civilians); with no noun a
  force adjective ("five Ukrainian fatalities") means military; an elliptical figure
  ("... killed and three wounded") takes the population of the figure before it.

Confidence is by pattern strength only: 0.9 when number and casualty word are adjacent
(modulo auxiliaries and adverbs), 0.7 for looser constructions (words between noun and
verb, death tolls).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from incidents.extract.dates import load_lexicon as load_date_lexicon
from incidents.extract.document import Doc, Span
from incidents.extract.segment import unwrap
from incidents.schema import CasualtyFigure, CasualtyKind, Population

STAGE = "casualties"
LABEL = "casualty"
STRONG, LOOSE = 0.9, 0.7
NAMED = 0.6  # a person named as killed: counted only where no figure of that kind is read

_WS = r"[^\S\n]+"  # spaces, never a line break: a figure stays on one line
Bounds = tuple[int | None, int | None, int | None]
_OUT_OF = re.compile(r"\bout[^\S\n]+of[^\S\n]+$", re.I)
# One whitespace run per star: "\s*,?\s*" would try every split of a long run.
_JOINED = re.compile(r"[^\S\n]*(?:,|(?:,[^\S\n]*)?(?:and|while|but|with))[^\S\n]*")


# --------------------------------------------------------------------------- lexicon


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Numbers(_Strict):
    """Number words: units and tens add up, scales multiply."""

    units: dict[str, int]
    tens: dict[str, int]
    scales: dict[str, int]


class Modifiers(_Strict):
    """Words before a number, grouped by how they bound it."""

    low: list[str]
    exact: list[str]
    above: list[str]
    high: list[str]
    below: list[str]
    about: list[str]


class KindWords(_Strict):
    """Casualty words after the people counted ("were killed") and before ("killing")."""

    after: list[str]
    before: list[str]


class Nouns(_Strict):
    """Nouns for one population; singular ones count 1 after "a"/"an"."""

    singular: list[str]
    plural: list[str]


class Slavic(_Strict):
    """Russian / Ukrainian words by stem: number words -> value, death and wound verbs."""

    numbers: dict[str, int]
    killed: list[str]
    wounded: list[str]
    # Explicit zeros ("никто не погиб", "постраждалих немає"): "both" is killed and wounded.
    zeros: dict[Literal["killed", "wounded", "both"], list[str]]


class CasualtyLexicon(_Strict):
    """The contents of ``lexicons/casualties.yaml``."""

    numbers: Numbers
    vague: dict[str, int]
    modifiers: Modifiers
    zero: list[str]
    kinds: dict[CasualtyKind, KindWords]
    combined: list[str]
    auxiliaries: list[str]
    adverbs: list[str]
    relatives: list[str]
    gap_stops: list[str]
    populations: dict[Population, Nouns]
    adjectives: dict[str, Population | None]
    forces: list[str]
    civilian_context: list[str]
    follow: list[str]
    survived: list[str]
    tolls: list[str]
    toll_verbs: list[str]
    slavic: Slavic


@cache
def load_lexicon() -> CasualtyLexicon:
    """The shipped casualty lexicon, validated strictly (read once, on first use)."""
    path = resources.files("incidents.extract").joinpath("lexicons/casualties.yaml")
    return CasualtyLexicon.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _key(words: str) -> str:
    return " ".join(words.lower().split())


def _alt(phrases: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first, any spacing between words."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    return "(?:" + "|".join(_WS.join(map(re.escape, p.split())) for p in ordered) + ")"


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class _Rules:
    lex: CasualtyLexicon
    after: re.Pattern[str]
    before: re.Pattern[str]
    toll: re.Pattern[str]
    conjunct: re.Pattern[str]
    along: re.Pattern[str]
    survived: re.Pattern[str]
    months_end: re.Pattern[str]
    # English month names, the dates stage's own: "November 3" is a day, not a count.
    months: frozenset[str]
    context: re.Pattern[str]
    kind_of: dict[str, CasualtyKind]
    modifier_of: dict[str, str]
    population_of: dict[str, Population]
    singular: frozenset[str]


@cache
def _rules() -> _Rules:
    lex = load_lexicon()
    n = lex.numbers
    small = rf"(?:{_alt(n.tens)}(?:[-\s]{_alt(n.units)})?|{_alt(n.units)})"
    words = rf"(?:(?:a|{small}){_WS}{_alt(n.scales)}(?:{_WS}(?:and{_WS})?{small})?|{small})\b"
    num = rf"(?:\d{{1,3}}(?:,\d{{3}})+(?!\d)|\d+|{words})"
    mods = [*lex.modifiers.low, *lex.modifiers.exact, *lex.modifiers.above, *lex.modifiers.high]
    mods += [*lex.modifiers.below, *lex.modifiers.about]
    # Lookarounds keep designations (Su-25, ZU-23-2), decimals and times out of numbers.
    qty = (
        rf"(?<![\w.,/:\-–])(?P<qty>(?:(?P<mod>{_alt(mods)}){_WS})?(?P<btw>between{_WS})?"
        rf"(?P<lo>{num})(?:\s*(?P<join>-|–|to\b|or\b|and\b)\s*(?P<hi>{num}))?"
        rf"|(?P<vague>{_alt(lex.vague)})|(?P<zero>{_alt(lex.zero)})|(?P<art>an?))"
        rf"(?![\w/:]|[.,]\d|-\w)(?:{_WS}of)?"
    )
    nouns = [w for g in lex.populations.values() for w in (*g.singular, *g.plural)]
    kinds_after = [w for k in lex.kinds.values() for w in k.after]
    noun = rf"(?P<noun>{_alt(nouns)})\b"
    not_adj = rf"(?!(?:{_alt(nouns)}|{_alt(kinds_after)}|{_alt(lex.combined)})\b)"
    # "four counter-ISIL personnel", "nine pro-government fighters": a side by its stance.
    adj = rf"{not_adj}(?:(?-i:[A-Z][\w.’'-]*|(?:pro|anti|counter)-\w[\w’'-]*)|{_alt(lex.adjectives)}\b)"
    adjs = rf"(?P<adjs>(?:{_WS}{adj}){{0,3}})"
    gap_word = rf"(?!{_alt(lex.gap_stops)}\b|[\d,]+\b)[\w’'-]+"
    # "15 people, five of them soldiers, were injured"; "the three deceased—all young men—were".
    paren = r"(?P<paren>,[^,\n.;]{1,80},|[^\S\n]*[—–][^—–\n]{1,160}[—–])"
    after = (
        rf"{qty}{adjs}(?:{_WS}{noun}{paren}?(?P<gap>(?:{_WS}{gap_word}){{1,4}}?)??)?"
        rf"(?:{_WS}{_alt(lex.relatives)})?(?:(?:{_WS}|(?<=[—–])){_alt(lex.auxiliaries)})?"
        rf"(?:{_WS}{_alt(lex.adverbs)}){{0,2}}{_WS}"
        rf"(?P<kind>{_alt([*kinds_after, *lex.combined])})\b"
    )
    # A bare number after an active verb must end its phrase: "killed 2 days ago" is no figure.
    end = rf"(?=[^\S\n]*(?:[^\w\s]|\n|$)|{_WS}{_alt(lex.follow)}\b)"
    # "the killing, by an American pilot, of four Canadian soldiers and the wounding of eight".
    nominal = rf"(?:(?<=ing)(?:,[^,\n.;]{{1,80}},)?{_WS}of)?"
    before = (
        rf"\b(?P<kind>{_alt([*(w for k in lex.kinds.values() for w in k.before), *lex.combined])})"
        rf"{nominal}{_WS}"
        rf"{qty}{adjs}(?:{_WS}{noun}|{end})"
    )
    toll = rf"\b{_alt(lex.tolls)}{_WS}{_alt(lex.toll_verbs)}(?:{_WS}to)?{_WS}{qty}"
    # The first of two counted groups sharing one verb: "Five US service members and at
    # least one Afghan soldier were killed" (the stage reads the second as usual).
    conjunct = rf"{qty}{adjs}{_WS}{noun}{_WS}and{_WS}$"
    # "killing Arno Voigt along with two Rangers": the named person and the others.
    name = r"(?-i:[A-Z][\w'’-]+)(?:[^\S\n]+(?-i:[A-Z][\w'’.-]*)){0,3}"
    kills = _alt(lex.kinds[CasualtyKind.KILLED].before)
    along = (
        rf"\b(?P<kind>{kills}){_WS}{name}{_WS}(?:along{_WS}with|together{_WS}with){_WS}"
        rf"{qty}{adjs}(?:{_WS}{noun}|{end})"
    )
    flags = re.IGNORECASE
    population_of = {_key(w): pop for pop, g in lex.populations.items() for w in g.plural}
    population_of |= {_key(w): pop for pop, g in lex.populations.items() for w in g.singular}
    kind_of = {_key(w): kind for kind, g in lex.kinds.items() for w in (*g.after, *g.before)}
    modifier_of = {_key(w): name for name, ws in lex.modifiers.model_dump().items() for w in ws}
    months = [n for m in load_date_lexicon().months.values() for n in m.en]
    return _Rules(
        lex=lex,
        after=re.compile(after, flags),
        before=re.compile(before, flags),
        toll=re.compile(toll, flags),
        conjunct=re.compile(conjunct, flags),
        along=re.compile(along, flags),
        survived=re.compile(rf"\b{_alt(lex.survived)}\b", flags),
        months_end=re.compile(rf"\b{_alt(months)}\.?{_WS}$"),
        months=frozenset(months),
        context=re.compile(rf"\b{_alt(lex.civilian_context)}\b", flags),
        kind_of=kind_of,
        modifier_of=modifier_of,
        population_of=population_of,
        singular=frozenset(_key(w) for g in lex.populations.values() for w in g.singular),
    )


# --------------------------------------------------------------------------- reading


def parse_number(text: str) -> int:
    """Digits ("30,000") or number words ("twenty-seven", "a dozen", "two hundred and five")."""
    if text[0].isdigit():
        return int(text.replace(",", ""))
    n = load_lexicon().numbers
    total = current = 0
    for word in re.split(r"[\s-]+", text.lower()):
        if word in n.scales:
            current = max(current, 1) * n.scales[word]
            if n.scales[word] >= 1000:
                total, current = total + current, 0
        elif word != "and":
            current += n.units.get(word, 0) + n.tens.get(word, 0)
    return total + current


Groups = dict[str, str | None]


_BEYOND = re.compile(r"\b(?:further|more|additional|other|new)\b", re.I)


def _bounds(m: Groups, rules: _Rules) -> Bounds | None:
    """low / best / high from the quantity groups, or None when it is no count."""
    noun, lo_text, hi_text = m.get("noun"), m.get("lo"), m.get("hi")
    if m.get("zero"):
        # "without any further casualties": no more than those already counted, not a zero.
        if _BEYOND.search(m.get("adjs") or ""):
            return None
        return 0, 0, 0
    if m.get("art"):
        return (1, 1, 1) if noun and _key(noun) in rules.singular else None
    if vague := m.get("vague"):
        return rules.lex.vague[_key(vague)], None, None
    if lo_text is None:
        return None
    lo = parse_number(lo_text)
    if re.fullmatch(r"(?:1\d|20)\d\d|0\d+", lo_text) and not noun:
        return None  # a year ("in 2023") or a clock time ("0135 EST")
    if hi_text:
        hi = parse_number(hi_text)
        if ((m.get("join") or "").lower() == "and") != bool(m.get("btw")) or hi <= lo:
            return None
        return lo, None, hi
    match rules.modifier_of.get(_key(m.get("mod") or "")):
        case "low":
            return lo, None, None
        case "exact":
            return lo, lo, lo
        case "above":
            # "over 20" bounds the toll at the figure written: reports and codebooks round
            # to it, and n + 1 would claim a precision the source never gave.
            return lo, None, None
        case "high":
            return None, None, lo
        case "below":
            return (None, None, lo - 1) if lo > 0 else None
        case "about":
            return None, lo, None
    return lo, lo, lo


def _kinds(m: Groups, rules: _Rules) -> list[CasualtyKind]:
    word = _key(m.get("kind") or "death toll")
    if word in {_key(w) for w in rules.lex.combined}:
        # "casualties" is killed + wounded together: only a zero splits cleanly.
        return [CasualtyKind.KILLED, CasualtyKind.WOUNDED] if m.get("zero") else []
    return [rules.kind_of.get(word, CasualtyKind.KILLED)]


def _population(hit: _Hit, text: str, rules: _Rules) -> Population | None:
    """Whose losses the phrase counts; None when it does not say (the caller may inherit)."""
    m = hit.groups
    if m.get("noun"):
        population = rules.population_of[_key(m.get("noun") or "")]
        if population is Population.UNKNOWN:
            start = max(text.rfind(c, 0, hit.start) for c in ".!?\n") + 1
            stops = [i for c in ".!?\n" if (i := text.find(c, hit.end)) >= 0]
            if rules.context.search(text, start, min(stops, default=len(text))):
                return Population.CIVILIAN
        return population
    adjs = (m.get("adjs") or "").split()
    found = {rules.lex.adjectives.get(w.lower()) for w in adjs}
    for population in (Population.CIVILIAN, Population.MILITARY):
        if population in found:
            return population
    if set(adjs) & set(rules.lex.forces):
        return Population.MILITARY
    return None


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    groups: Groups
    confidence: float


def _hits(text: str, rules: _Rules) -> list[_Hit]:
    """Every candidate phrase, overlaps resolved leftmost-longest."""
    found = [
        _Hit(m.start("qty"), m.end(), m.groupdict(), LOOSE if m["gap"] or m["paren"] else STRONG)
        for m in rules.after.finditer(text)
    ]
    found += [
        _Hit(m.start(), m.end(), {**m.groupdict(), "verb_first": "1"}, STRONG)
        for m in rules.before.finditer(text)
    ]
    found += [_Hit(m.start(), m.end(), m.groupdict(), LOOSE) for m in rules.toll.finditer(text)]
    found += [
        _Hit(m.start(), m.end(), {**m.groupdict(), "along": "1"}, LOOSE)
        for m in rules.along.finditer(text)
    ]
    kept: list[_Hit] = []
    for hit in sorted(found, key=lambda h: (h.start, h.start - h.end)):
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def _plus(a: Bounds, b: Bounds) -> Bounds:
    """Two groups' counts added: each bound where both give it, the floor from any value."""
    low = sum(next(v for v in (x[0], x[1], x[2]) if v is not None) for x in (a, b))
    best = a[1] + b[1] if a[1] is not None and b[1] is not None else None
    high = a[2] + b[2] if a[2] is not None and b[2] is not None else None
    return low, best, high


def _conjunct(text: str, hit: _Hit, rules: _Rules) -> tuple[int, Groups] | None:
    """A first counted group joined to ``hit`` by "and" ("five soldiers and one officer").

    Only where the verb follows: in "killed 10 soldiers and wounded seven others" the
    second verb starts a figure of its own."""
    if not hit.groups.get("noun") or hit.groups.get("along") or hit.groups.get("verb_first"):
        return None
    m = rules.conjunct.search(text, max(0, hit.start - 160), hit.start)
    return (m.start(), m.groupdict()) if m else None


_BESIDES_THE_DEAD = re.compile(
    r"\s*(?:,\s*)?and\s+(?:an\s+additional|another|a\s+further|additional|further)\b\s*", re.I
)


_DESIGNATION = re.compile(
    r"\b(?:Officer|Class|Level|Phase|Squad|Team|Unit|Battery|Grade|Platoon|Section|Zone|"
    r"Sector|No\.?|Number|Post|Camp|Base|Hill|Checkpoint|Block)[^\S\n]$"
)


def find_casualties(doc: Doc) -> list[Span]:
    """Casualty figures in ``doc.text``, one span per (kind, population) figure."""
    rules = _rules()
    text = unwrap(doc.text)  # hard-wrapped lines: a figure may run over a soft break
    spans: list[Span] = []
    previous: tuple[int, Population] | None = None
    for hit in _hits(text, rules):
        m = hit.groups
        bounds = _bounds(m, rules)
        if bounds is None or rules.months_end.search(text[max(0, hit.start - 12) : hit.start]):
            continue  # no count, or the day of a date ("November 3")
        if _DESIGNATION.search(text, max(0, hit.start - 12), hit.start):
            continue  # "Police Officer 1 were killed": a rank's grade, not a count
        if _OUT_OF.search(text, max(0, hit.start - 10), hit.start):
            continue  # "50 people out of 120 died": 120 is how many there were
        if any(w.strip(".") in rules.months for w in (m.get("adjs") or "").split()):
            continue
        if m.get("along"):
            bounds = _plus(bounds, (1, 1, 1))  # the person named before "along with"
        population = _population(hit, text, rules)
        if population is None:
            # "... killed and three wounded": an elliptical figure shares the one before.
            joined = previous and _JOINED.fullmatch(text[previous[0] : hit.start])
            population = previous[1] if previous and joined else Population.UNKNOWN
        start = hit.start
        groups = [(population, bounds)]
        conjunct = _conjunct(text, hit, rules)
        if conjunct is not None and (first := _bounds(conjunct[1], rules)) is not None:
            start = conjunct[0]
            first_hit = _Hit(start, hit.start, conjunct[1], hit.confidence)
            first_population = _population(first_hit, text, rules) or population
            if first_population is population:
                groups = [(population, _plus(first, bounds))]
            else:
                groups.append((first_population, first))
        kinds = _kinds(m, rules)
        last = spans[-1].value if spans and previous and spans[-1].end == previous[0] else None
        # Only the connector between the two figures: "and another day of 621" is no link.
        besides = _BESIDES_THE_DEAD.match(text, previous[0] if previous else 0, hit.end)
        if (
            not kinds
            and last is not None
            and last.kind is CasualtyKind.KILLED
            and besides
            and besides.end() >= hit.start
        ):
            # "136 deaths and an additional 621 casualties": those hit beyond the dead.
            kinds = [CasualtyKind.WOUNDED]
        for kind in kinds:
            for group_population, (low, best, high) in groups:
                figure = CasualtyFigure(
                    kind=kind, population=group_population, low=low, best=best, high=high
                )
                spans.append(Span(start, hit.end, LABEL, figure, STAGE, hit.confidence))
        previous = (hit.end, population)
    spans += _survivors(text, spans, rules)
    spans += _as_many(text, spans)
    spans += _slavic(text, spans)
    return spans + _people_named(text, spans)


# "Two soldiers were killed and as many others injured": the same count, another kind.
_AS_MANY = re.compile(
    r"\bas[^\S\n]+many[^\S\n]+(?:others?|more)(?:[^\S\n]+(?:were|have been|had been|are))?"
    r"[^\S\n]+(?:(?P<wounded>injured|wounded|hurt)|(?P<killed>killed|dead|died))\b",
    re.I,
)


def _as_many(text: str, found: list[Span]) -> list[Span]:
    out: list[Span] = []
    for m in _AS_MANY.finditer(text):
        kind = CasualtyKind.WOUNDED if m.group("wounded") else CasualtyKind.KILLED
        before = [
            s
            for s in found
            if s.end <= m.start()
            and m.start() - s.end <= 40
            and s.value.kind is not kind
            and "." not in text[s.end : m.start()]
        ]
        if not before:
            continue
        fig = before[-1].value
        figure = CasualtyFigure(
            kind=kind, population=fig.population, low=fig.low, best=fig.best, high=fig.high
        )
        out.append(Span(m.start(), m.end(), LABEL, figure, STAGE, before[-1].confidence))
    return out


@cache
def _slavic_rules() -> tuple[dict[str, int], re.Pattern[str]]:
    """One regex for a Russian / Ukrainian count before or after a death or wound verb."""
    lex = load_lexicon().slavic
    number = r"(?P<{}>\d{{1,5}}|" + "|".join(f"(?:{n})" for n in lex.numbers) + r")(?!\w)"
    kinds = rf"(?P<{{}}k>(?P<{{}}killed>{'|'.join(lex.killed)})|(?:{'|'.join(lex.wounded)}))"
    words = r"(?:[^\W\d]+[^\S\n]+){0,2}?"
    # "в 2023 году погибли", "погибли 3 марта", "загинули 24 лютого 2022 року": a year or a
    # day, not a count. Month names are the dates stage's own.
    months = "|".join(n for m in load_date_lexicon().months.values() for n in (*m.ru, *m.uk))
    # "погибло более 10 тысяч человек": ten thousand over years, no count of one event.
    not_count = (
        rf"(?![^\S\n]*(?:(?:год|лет|рок|рік|році|тысяч|тыс|тисяч|тис|млн|миллион|мільйон)\w*"
        rf"|(?:{months})(?!\w)))"
    )
    after = number.format("n1") + r"[^\S\n]+" + not_count + words + kinds.format("a", "a")
    before = (
        kinds.format("b", "b")
        + r"[^\S\n]+(?:(?:ещ[её]|ще|еще|более|понад|около|близько)[^\S\n]+)?"
        + number.format("n2")
        + not_count
        # "погибли двое офицеров и шестеро сослуживцев": a second group of the same toll.
        + r"(?:[^\S\n]+(?:[^\W\d]+[^\S\n]+){0,2}?(?:и|і|та)[^\S\n]+"
        + number.format("n3")
        + not_count
        # "погибли двое военнослужащих и трое получили ранения": the three are the wounded
        + r"(?![^\S\n]+(?:[^\W\d]+[^\S\n]+)?(?:получил|отримал|зазнал|ранен|поранен|травм|пострада|постражда))"
        + ")?"
    )
    return dict(lex.numbers), re.compile(rf"(?<!\w)(?:{after}|{before})(?!\w)", re.I)


def _slavic_count(word: str, values: dict[str, int]) -> int:
    if word.isdigit():
        return int(word)
    return next(v for n, v in values.items() if re.fullmatch(n, word, re.I))


def _slavic(text: str, found: list[Span]) -> list[Span]:
    """ "погибли 33 военнослужащих", "один окупант загинув, ще двох поранено": Russian and
    Ukrainian figures, where no English figure was read on the same words."""
    values, regex = _slavic_rules()
    out = []
    for m in regex.finditer(text):
        if any(s.start < m.end() and m.start() < s.end for s in found):
            continue
        count = _slavic_count(m["n1"] or m["n2"], values)
        if m["n3"]:
            count += _slavic_count(m["n3"], values)
        killed = m["akilled"] if m["n1"] else m["bkilled"]
        kind = CasualtyKind.KILLED if killed else CasualtyKind.WOUNDED
        figure = CasualtyFigure(kind=kind, low=count, best=count, high=count)
        out.append(Span(m.start(), m.end(), LABEL, figure, STAGE, LOOSE))
    for what, zero in _slavic_zeros():
        kinds = (
            [CasualtyKind.KILLED, CasualtyKind.WOUNDED] if what == "both" else [CasualtyKind(what)]
        )
        for m in zero.finditer(text):
            if any(s.start < m.end() and m.start() < s.end for s in [*found, *out]):
                continue
            if _UNKNOWN_TOLL.search(text, max(0, m.start() - 60), m.start()):
                continue  # "Информации о погибших и раненых нет": nothing known, not zero
            out += [
                Span(
                    m.start(),
                    m.end(),
                    LABEL,
                    CasualtyFigure(kind=k, low=0, best=0, high=0),
                    STAGE,
                    LOOSE,
                )
                for k in kinds
            ]
    return out


_UNKNOWN_TOLL = re.compile(
    r"(?:информаци\w*|інформаці\w*|данных|даних|сведени\w*|відомост\w*|сообщени\w*|"
    r"повідомлен\w*)[^\S\n]+(?:о|об|про)[^\S\n]+(?:\w+[^\S\n]+(?:и|і|та)[^\S\n]+)?$",
    re.I,
)


@cache
def _slavic_zeros() -> list[tuple[str, re.Pattern[str]]]:
    """(kind, regex) for the Russian / Ukrainian explicit zeros of the lexicon."""
    zeros = load_lexicon().slavic.zeros
    return [
        (kind, re.compile(rf"(?<!\w)(?:{'|'.join(patterns)})(?!\w)", re.I))
        for kind, patterns in zeros.items()
    ]


def _survivors(text: str, found: list[Span], rules: _Rules) -> list[Span]:
    """ "The two crew members ejected safely": an explicit zero killed."""
    zero = CasualtyFigure(
        kind=CasualtyKind.KILLED, population=Population.UNKNOWN, low=0, best=0, high=0
    )
    return [
        Span(m.start(), m.end(), LABEL, zero, STAGE, LOOSE)
        for m in rules.survived.finditer(text)
        if not any(s.start < m.end() and m.start() < s.end for s in found)
    ]


# "Sergeant First Class Arno J. Voigt was killed", "L/Cpl Hull was killed": one person, by
# name or rank; "a pilot and his navigator were killed": two. Only where no count was read.
_RANKS = (
    r"(?:Private|Pvt|Pte|Corporal|Cpl|L/Cpl|Lance|Sergeant|Sgt|Staff|First|Class|Specialist|"
    r"Spc|Lieutenant|Lt|Captain|Capt|Major|Maj|Colonel|Col|General|Gen|Commander|Cdr|Lt\.|"
    r"Marine|Airman|Seaman|Petty|Officer|Trooper|Gunner|Rifleman|Sapper|Bombardier|Warrant)"
)
_NAMED = re.compile(
    rf"(?:\b(?:{_RANKS}\.?[^\S\n]+)+)?\b[A-Z][a-z'’-]+(?:[^\S\n]+(?:[A-Z]\.|[A-Z][a-z'’-]+)){{0,3}}"
    # "Pat Tillman, the pro football player ..., apparently was killed"
    rf"(?:,[^,\n;]{{3,120}},)?(?:[^\S\n]+\w+ly)?"
    rf"(?P<verb>[^\S\n]+(?:was|had been|has been)[^\S\n]+(?:\w+ly[^\S\n]+)?(?:killed|shot dead|shot and killed|fatally (?:shot|wounded)))\b"
)
_PAIR = re.compile(
    r"\b(?:[Aa]n?|[Tt]he)[^\S\n]+(?:[\w-]+[^\S\n]+)?(?:pilot|soldier|officer|gunner|driver|sailor|airman|marine)"
    r"[^\S\n]+and[^\S\n]+(?:his|her|their|a|the)[^\S\n]+(?:[\w-]+[^\S\n]+)?(?:navigator|co-pilot|copilot|gunner|"
    r"driver|comrade|colleague|interpreter|crewman|observer)[^\S\n]+were[^\S\n]+(?:\w+ly[^\S\n]+)?killed\b"
)
# "Tillman's April 22 death": one person, named.
_DEATH_OF = re.compile(
    r"\b[A-Z][a-z'-]+(?:[^\S\n]+[A-Z][a-z'-]+){0,2}['’]s[^\S\n]+(?:[\w.,-]+[^\S\n]+){0,3}?"
    r"(?:death|killing)\b(?![^\S\n]+toll)"
)
# "following the death of Jonathan Wigley": one person, named after "of".
_DEATH_OF_NAMED = re.compile(
    rf"\b(?:[Tt]he|[Aa])[^\S\n]+(?:death|killing)[^\S\n]+of[^\S\n]+(?:(?:{_RANKS}\.?[^\S\n]+)+)?"
    r"[A-Z][a-z'’-]+(?:[^\S\n]+(?:[A-Z]\.|[A-Z][a-z'’-]+)){1,3}"
)
_NOT_A_PERSON = re.compile(r"^(?:The|This|That|It|He|She|They|No|One|Nobody|Everyone|Who)\b")


def _people_named(text: str, found: list[Span]) -> list[Span]:
    extra: list[Span] = []
    for pattern, count in ((_NAMED, 1), (_PAIR, 2), (_DEATH_OF, 1), (_DEATH_OF_NAMED, 1)):
        for m in pattern.finditer(text):
            if _NOT_A_PERSON.match(m.group()) or any(
                s.start < m.end() and m.start() < s.end for s in [*found, *extra]
            ):
                continue
            military = bool(re.search(_RANKS, m.group())) or count == 2
            population = Population.MILITARY if military else Population.UNKNOWN
            figure = CasualtyFigure(
                kind=CasualtyKind.KILLED, population=population, low=count, best=count, high=count
            )
            extra.append(Span(m.start(), m.end(), LABEL, figure, STAGE, NAMED))
    return extra
