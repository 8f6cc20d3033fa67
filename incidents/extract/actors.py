"""Actors stage: units and forces as written, their side, type and role; weapons named.

Rule-based and lexicon-driven (no parser). Terms are found with regexes compiled from
``incidents/data/actors.yaml`` (named forces), ``lexicons/units.yaml`` (side words, unit
kinds) and ``lexicons/weapons.yaml``; runs of adjacent terms ending in a head (a unit kind,
a named force, a nationality noun or a weapon that stands for its crew) are actor
phrases. Roles come from verb cues (``roles`` in units.yaml) around the phrases within
one sentence:

* reciprocal ("X and Y opened fire on each other", "engaged in combat with each other",
  "clashed", "a fight between X and Y") -> ``both``;
* passive ("X were killed ... by Y") -> X ``hit``, Y ``firing``;
* active ("X fired on / downed / bombed / struck Y", "X dropped a bomb") -> X ``firing``,
  Y ``hit``; ", killing Z" -> Z ``hit``;
* "X mistook A for B" -> X ``firing``, A ``hit``, B (the imagined target) stays ``None``;
* a nominal act ("the bombing of A by X", "the killing, by X, of A") -> A ``hit``,
  X ``firing``.

"its own / their own X" takes the side of the phrase on the other end of its cue (the
firing side for a hit phrase), else of the nearest side word before it. The normalised
actor is the lexicon force the words name, or the one ``units.yaml`` lists for the
phrase's side and type ("two Ukrainian Armed Forces diversion groups" -> "Ukrainian
sabotage and reconnaissance groups"; "27 Russian soldiers" -> "Russian Armed Forces").
Quotes are the whole noun phrase including its determiner or count ("a ZU-23-2
anti-aircraft gun operator", "27 Russian soldiers").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from incidents.extract.document import ActorMention, Doc, Span
from incidents.names import normalize_name
from incidents.schema import Actor, ActorType, Side

STAGE = "actors"

__all__ = ["Lexicon", "UnitLexicon", "WeaponLexicon", "find_actors", "load_lexicon"]


# --------------------------------------------------------------------------- lexicon files


def _regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad pattern {pattern!r}: {exc}") from None
    return pattern


def _pattern(pattern: str) -> str:
    _first(pattern)
    return _regex(pattern)


Pattern = Annotated[str, AfterValidator(_pattern)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitKind(_Strict):
    """Words for one kind of unit ("paratroopers", "diversion groups")."""

    type: ActorType
    patterns: list[Pattern] = Field(min_length=1)
    resolve: bool = True  # may side + type name a lexicon force?


Regex = Annotated[str, AfterValidator(_regex)]


class RoleCues(_Strict):
    """Verb cues by kind, strongest first (see the module docstring)."""

    reciprocal: list[Regex]
    between: list[Regex]
    mutual: list[Regex]
    passive: list[Regex]
    result: list[Regex]
    mistook: list[Regex]
    nominal: list[Regex]
    active: list[Regex]


class UnitLexicon(_Strict):
    """``lexicons/units.yaml``."""

    sides: dict[Side, list[Pattern]]
    countries: dict[Side, list[Pattern]]
    peoples: dict[Side, list[Pattern]]
    units: list[UnitKind]
    forces: dict[Side, dict[ActorType, str]]
    not_before: list[str]
    not_after: list[str]
    roles: RoleCues


class Weapon(_Strict):
    """One weapon or system with its spellings."""

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    patterns: list[Pattern] = Field(default_factory=list)
    match_name: bool = True
    exact_case: bool = False
    actor_type: ActorType | None = None
    # The one state that fields it (Iron Dome) or whose ships a prefix names (USS, HMS).
    side: Side | None = None


class WeaponLexicon(_Strict):
    """``lexicons/weapons.yaml``."""

    weapons: list[Weapon]

    @field_validator("weapons")
    @classmethod
    def _unique(cls, value: list[Weapon]) -> list[Weapon]:
        names = [w.name for w in value]
        if len(set(names)) != len(names):
            raise ValueError("two weapons share one name")
        return value


# --------------------------------------------------------------------------- compiled terms


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str  # side, country, people, force, unit, weapon
    name: str | None = None  # normalised force / canonical weapon
    side: str | None = None
    type: ActorType | None = None  # None: a modifier, never a phrase head
    resolve: bool = True


@dataclass(frozen=True, slots=True)
class _Term:
    start: int
    end: int
    entry: _Entry


_DASH = "[-\u2010\u2011\u2013]?"


def _literal(text: str, *, fold: bool, keep_acronyms: bool = False, dash: str = _DASH) -> str:
    """Regex for a plain name: optional hyphens, any apostrophe, any run of spaces."""
    tokens = []
    for token in text.split():
        body = "".join(
            dash if c == "-" else "['\u2019\u02bc]?" if c in "'\u2019" else re.escape(c)
            for c in token
        )
        exact = not fold or (keep_acronyms and token.isupper() and len(token) > 1)
        tokens.append(body if exact else f"(?i:{body})")
    return r"\s+".join(tokens)


def _first(pattern: str) -> str:
    """The characters a pattern may start with: a letter or digit, or a [class] of them."""
    m = re.match(r"\[(\w+)\]|\w", pattern)
    if m is None:
        raise ValueError(f"pattern {pattern!r} must start with a letter, digit or [class]")
    return (m[1] or m[0]).lower()


class _Matcher:
    """Alternations keyed by first character, tried at word starts only.

    Python's ``re`` tries every branch of an alternation at every position; dispatching on
    the first character makes the stage about ten times faster.
    """

    def __init__(self, items: list[tuple[str, str, _Entry]]) -> None:
        by_char: dict[str, list[tuple[str, _Entry]]] = {}
        for first, pattern, entry in items:
            for c in set(first.lower()):
                by_char.setdefault(c, []).append((pattern, entry))
        self.table = {c: self._compile(group) for c, group in by_char.items()}

    @staticmethod
    def _compile(items: list[tuple[str, _Entry]]) -> tuple[re.Pattern[str], list[_Entry]]:
        items = sorted(items, key=lambda item: -len(item[0]))  # longest spelling first
        body = "|".join(f"(?P<t{i}>{pattern})" for i, (pattern, _) in enumerate(items))
        return re.compile(rf"(?:{body})(?![\w-])"), [entry for _, entry in items]

    def find(self, text: str, starts: list[int]) -> Iterator[_Term]:
        for pos in starts:
            found = self.table.get(text[pos].lower())
            if found and (m := found[0].match(text, pos)):
                yield _Term(pos, m.end(), found[1][int(str(m.lastgroup)[1:])])


@dataclass(frozen=True)
class Lexicon:
    """Everything the stage matches, compiled once."""

    actors: dict[str, Actor]
    aliases: dict[str, str]  # normalize_name(alias) -> actor name
    units: UnitLexicon
    weapons: WeaponLexicon
    matchers: tuple[_Matcher, ...] = field(repr=False)
    not_before: re.Pattern[str] = field(repr=False)
    not_after: re.Pattern[str] = field(repr=False)
    cues: tuple[tuple[str, re.Pattern[str]], ...] = field(repr=False)


def _read(path: str) -> Any:
    return yaml.safe_load(files("incidents").joinpath(path).read_text("utf-8"))


@cache
def load_lexicon() -> Lexicon:
    """Load and check the three lexicon files (cached: they are read-only data)."""
    actors = [Actor.model_validate(item) for item in _read("data/actors.yaml")["actors"]]
    units = UnitLexicon.model_validate(_read("extract/lexicons/units.yaml"))
    weapons = WeaponLexicon.model_validate(_read("extract/lexicons/weapons.yaml"))
    by_name = {a.name: a for a in actors}
    aliases: dict[str, str] = {}
    for actor in actors:
        for alias in (actor.name, *actor.aliases):
            owner = aliases.setdefault(normalize_name(alias), actor.name)
            if owner != actor.name:
                raise ValueError(f"actors.yaml: alias {alias!r} of {actor.name!r} and {owner!r}")
    for side, table in units.forces.items():
        for name in table.values():
            if name not in by_name:
                raise ValueError(f"units.yaml: forces.{side}: {name!r} is not in actors.yaml")
    unit_items = [
        (_first(p), f"(?i:{p})", _Entry("unit", type=k.type, resolve=k.resolve))
        for k in units.units
        for p in k.patterns
    ]
    weapon_items = [
        *(
            (spelling[0], _literal(spelling, fold=not w.exact_case) + "(?:e?s)?", _weapon(w))
            for w in weapons.weapons
            for spelling in ([w.name] if w.match_name else []) + w.aliases
        ),
        *((_first(p), f"(?i:{p})", _weapon(w)) for w in weapons.weapons for p in w.patterns),
    ]
    unit_matcher = _Matcher(unit_items)
    force_dash = r"[-\u2010\u2011\u2013\s]?"  # "Storm Z" is "Storm-Z"
    force_items = [
        (alias[0], _literal(alias, fold=True, keep_acronyms=True, dash=force_dash), entry)
        for a in actors
        for alias in (a.name, *a.aliases)
        for entry in [_force_entry(a, alias, unit_matcher)]
    ]
    people = _Entry("people", type=ActorType.UNKNOWN)
    matchers = (
        *(
            _Matcher(
                [(_first(p), p, replace(entry, side=s)) for s, ps in words.items() for p in ps]
            )
            for entry, words in (
                (_Entry("side"), units.sides),
                (_Entry("country"), units.countries),
                (people, units.peoples),
            )
        ),
        _Matcher(force_items),
        unit_matcher,
        _Matcher(weapon_items),
    )
    stop = "|".join(re.escape(w) for w in units.not_before)
    owners = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in units.not_after)
    return Lexicon(
        actors=by_name,
        aliases=aliases,
        units=units,
        weapons=weapons,
        matchers=matchers,
        not_before=re.compile(rf"(?:['\u2019]s)?\s+(?:{stop})\b", re.I),
        not_after=re.compile(rf"\b(?:{owners})\s+of\s+(?:the\s+)?$", re.I),
        cues=tuple(
            (kind, re.compile("|".join(patterns), re.I))
            for kind, patterns in units.roles.model_dump().items()
        ),
    )


def _force_entry(actor: Actor, alias: str, units: _Matcher) -> _Entry:
    """A force named by a unit word ("Russian troops") takes the more specific type."""
    words = [u for u in units.find(alias, _starts(alias, 0, len(alias))) if u.end == len(alias)]
    kind = _phrase_type([_Term(0, 0, _Entry("force", type=actor.type)), *words])
    return _Entry("force", actor.name, actor.side, kind)


def _weapon(w: Weapon) -> _Entry:
    return _Entry("weapon", w.name, side=w.side, type=w.actor_type)


# --------------------------------------------------------------------------- phrases

# A unit type's specificity: a more specific word decides the phrase's type
# ("Wagner troops" is pmc, "Ukrainian Armed Forces diversion groups" sabotage).
_RANK = {ActorType.UNKNOWN: 0, ActorType.ARMED_FORCES: 1, ActorType.INFANTRY: 2}
_GAP = re.compile(r"[ \t\u00a0]*")
# "a British Army Gazelle helicopter": a type designation may sit between side and head.
_CHUNK_GAP = re.compile(r"[ \t\u00a0]*(?:[A-Z][\w/-]*\d?[ \t\u00a0]+)?")
# "destroyed by a missile fired from a US Air Force A-10", "hit by gunfire from a U.S. Apache
# helicopter": no actor after "by", the launcher.
_BY_LAUNCHER = re.compile(
    r"[^,;:()]{0,30}\bby\s+(?:(?:[\w-]+\s+){1,3}(?:fired|launched|dropped)\s+(?:from|by)|"
    r"(?:[\w-]+\s+){0,2}(?:gunfire|fire|rounds?|shells?|bombs?|missiles?|rockets?)\s+from)\s+",
    re.I,
)
# "a Sea Dart missile fired from the British destroyer": the launcher fired it.
_FIRED_FROM = re.compile(
    r"[ \t\u00a0]+(?:[\w-]+[ \t\u00a0]+){0,2}(?:fired|launched|dropped)[ \t\u00a0]+(?:from|by)"
    r"[ \t\u00a0]+",
    re.I,
)
_LINK = re.compile(r"\s*(?:,|,?\s*(?:and|or|&))\s*")
_AND = re.compile(r"\s*,\s*(?:and\s+)?|\s+(?:and|or|&)\s+")  # "Somali, Kenyan troops"
_NUMBER = (
    r"\d[\d,.]*(?:[-\u2013]\d[\d,.]*)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"several|some|many|dozens\s+of|hundreds\s+of"
)
_DET = re.compile(
    r"(?<![\w,.-])(?:(?P<poss>its|their|his|her|our)\s+(?P<own>own\s+(?:\w+ing\s+)?)?"
    rf"|(?:a|an|the|this|these|those)\s+)?(?:(?:{_NUMBER})\s+)?$",
    re.I,
)


@dataclass(eq=False)
class _Phrase:
    start: int
    end: int
    core: tuple[int, int]  # without determiner: what alias lookup sees
    terms: list[_Term]
    side: str | None
    type: ActorType
    poss: str | None = None
    own: bool = False
    role: str | None = None
    locked: bool = False  # an imagined target ("mistook ... for X"): no role
    partners: list[_Phrase] | None = None


def _rank(t: ActorType) -> int:
    return _RANK.get(t, 3)


_WORD_START = re.compile(r"(?<![\w-])\w")


def _starts(text: str, start: int, end: int) -> list[int]:
    return [m.start() for m in _WORD_START.finditer(text, start, end)]


def _terms(text: str, lex: Lexicon) -> tuple[list[_Term], list[_Term]]:
    """Non-overlapping actor terms (heads before modifiers, then longest) and weapons."""
    starts = _starts(text, 0, len(text))
    found = [t for m in lex.matchers for t in m.find(text, starts)]

    def greedy(terms: list[_Term]) -> list[_Term]:
        kept: list[_Term] = []
        for t in sorted(terms, key=lambda t: (t.start, t.entry.type is None, t.start - t.end)):
            if not kept or t.start >= kept[-1].end:
                kept.append(t)
        return kept

    return greedy(found), greedy([t for t in found if t.entry.kind == "weapon"])


def _chunks(text: str, terms: list[_Term]) -> Iterator[list[_Term]]:
    """Runs of terms with only spaces between them."""
    run: list[_Term] = []
    for t in terms:
        if run and not _CHUNK_GAP.fullmatch(text, run[-1].end, t.start):
            yield run
            run = []
        run.append(t)
    if run:
        yield run


def _phrase_type(terms: list[_Term]) -> ActorType:
    best = ActorType.UNKNOWN
    for t in terms:  # the most specific word decides; ties go to the later word, the head
        if t.entry.type is not None and _rank(t.entry.type) >= _rank(best):
            best = t.entry.type
    return best


def _make_phrase(text: str, lo: int, terms: list[_Term], lex: Lexicon) -> _Phrase | None:
    start, end = terms[0].start, terms[-1].end
    if lex.not_before.match(text, end) or lex.not_after.search(text, max(lo, start - 60), start):
        return None
    forces = [t.entry.side for t in terms if t.entry.kind == "force"]
    sides = forces or [t.entry.side for t in terms if t.entry.side]
    phrase = _Phrase(
        start, end, (start, end), terms, sides[0] if sides else None, _phrase_type(terms)
    )
    det = _DET.search(text, max(lo, start - 40), start)
    if det:
        phrase.start = det.start()
        phrase.poss = det["poss"] and det["poss"].lower()
        phrase.own = bool(det["own"])
    if phrase.side is None and phrase.poss is None and _rank(phrase.type) < 2 and len(terms) == 1:
        return None  # a bare "forces" or "positions" says nothing about who
    return phrase


def _phrases(text: str, lo: int, hi: int, terms: list[_Term], lex: Lexicon) -> list[_Phrase]:
    """Actor phrases in one sentence, including "Russian" of "Russian and Wagner troops"."""
    found: list[_Phrase] = []
    orphans: list[list[_Term]] = []
    for run in _chunks(text, [t for t in terms if lo <= t.start and t.end <= hi]):
        heads = [i for i, t in enumerate(run) if t.entry.type is not None]
        if heads:  # end on the last head: "Ukrainian drone footage" has none
            phrase = _make_phrase(text, lo, run[: heads[-1] + 1], lex)
            found += [phrase] if phrase else []
        elif all(t.entry.kind == "side" for t in run):
            orphans.append(run)
    for run in orphans:
        a, b = run[0].start, run[-1].end
        nxt = next((p for p in found if p.core[0] >= b), None)
        if nxt and _AND.fullmatch(text, b, nxt.start):
            head = nxt.terms[-1].entry.type if nxt.terms[-1].entry.kind == "unit" else nxt.type
            found.append(_Phrase(a, b, (a, b), run, run[0].entry.side, head or nxt.type))
    return sorted(found, key=lambda p: p.start)


# --------------------------------------------------------------------------- roles

_BY = re.compile(r"[^,;:()]{0,60}\bby\s+", re.I)  # the agent of a passive, same clause
_FOR = re.compile(r"\bfor\b", re.I)
# The object and the agent of a nominal act: the phrase right after "of" / "by".
_OF_BEFORE = re.compile(r"\bof\s+$", re.I)
_BY_BEFORE = re.compile(r"\bby\s+$", re.I)
_FROM_BEFORE = re.compile(
    r"\bfrom\s+(?:(?:his|her|its|their|the|a|an)\s+)?(?:[\w-]+\s+){0,2}$", re.I
)
_CLOSE = re.compile(r"[^,;:()]{0,60}")
_WITH = frozenset({"with", "з", "із", "зі", "с", "со"})  # "clashed with", "перестрілку з"
_NEAR_SUBJECT = re.compile(r"[^;:()]{0,80}")  # an object follows its verb within the clause
_BELIEF = re.compile(
    r"\b(?:believed|believing|thought|thinking|feared|fearing|assumed|assuming|suspected|"
    r"suspecting|imagined|convinced)\s+(?:that\s+)?\Z",
    re.I,
)


def _cues(text: str, lo: int, hi: int, lex: Lexicon) -> list[tuple[int, int, str]]:
    kept: list[tuple[int, int, str]] = []
    for kind, regex in lex.cues:
        for m in regex.finditer(text, lo, hi):
            if all(m.end() <= s or e <= m.start() for s, e, _ in kept):
                kept.append((m.start(), m.end(), kind))
    return sorted(kept)


def _chain(text: str, phrases: list[_Phrase], forward: bool) -> list[_Phrase]:
    """The phrase nearest the cue and those joined to it by "and" / ","."""
    ordered = phrases if forward else phrases[::-1]
    chain = ordered[:1]
    for p in ordered[1:]:
        a, b = (chain[-1], p) if forward else (p, chain[-1])
        if not _LINK.fullmatch(text, a.end, b.start):
            break
        chain.append(p)
    return chain


def _set(phrases: list[_Phrase], role: str, partners: list[_Phrase] | None = None) -> None:
    for p in phrases:
        if p.role is None and not p.locked:
            p.role, p.partners = role, partners


def _assign_roles(text: str, lo: int, hi: int, phrases: list[_Phrase], lex: Lexicon) -> None:
    """Roles from the verb cues of one sentence (see the module docstring)."""
    cues = _cues(text, lo, hi, lex)
    prev_end, subject = lo, []
    for i, (cs, ce, kind) in enumerate(cues):
        nxt = cues[i + 1][0] if i + 1 < len(cues) else hi
        free = [p for p in phrases if not p.locked]
        before = [p for p in free if prev_end <= p.start and p.end <= cs]
        after = [p for p in free if ce <= p.start and p.end <= nxt]
        if before or kind in ("reciprocal", "mutual"):
            subject = _chain(text, before, forward=False)
            if subject and _BELIEF.search(text, max(lo, subject[0].start - 40), subject[0].start):
                # "A Lebanese post believed the IDF was shooting at them and opened fire on
                # the IDF patrol": what was believed gives nobody a role, nor a subject to
                # the next verb.
                subject, prev_end = [], ce
                continue
        # "dropped a bomb from his F-16 on the infantry": what it came from is no target.
        after = [p for p in after if not _FROM_BEFORE.search(text, ce, p.start)]
        obj = _chain(text, after, forward=True)
        if obj and not _CLOSE.fullmatch(text, ce, obj[0].start):
            obj = []
        if kind in ("reciprocal", "mutual"):
            _set(subject, "both")
            with_ = text[cs:ce].lower().split()[-1] in _WITH
            _set(obj if kind == "mutual" and with_ else [], "both")
        elif kind == "between":
            _set(_chain(text, after, forward=True), "both")
        elif kind == "passive":
            # "came under fire from police officers": the agent right after "from".
            after_from = text[cs:ce].lower().endswith("from")
            agent = [
                p
                for p in phrases
                if p.start > ce
                and (
                    _BY.fullmatch(text, ce, p.start)
                    or (after_from and _GAP.fullmatch(text, ce, p.start))
                )
            ][:1]
            launcher = [
                p
                for p in phrases
                if p.start > ce
                and (
                    _FIRED_FROM.fullmatch(text, agent[0].end, p.start)
                    if agent
                    else _BY_LAUNCHER.fullmatch(text, ce, p.start)
                )
            ]
            if launcher and (not agent or agent[0].side is None):
                agent = launcher[:1]
            _set(subject, "hit", agent[:1])
            _set(agent[:1], "firing", subject)
        elif kind == "nominal":
            hit = [p for p in after if _OF_BEFORE.search(text, ce, p.start)][:1]
            agent = [p for p in phrases if p.start > ce and _BY_BEFORE.search(text, ce, p.start)][
                :1
            ]
            _set(hit, "hit", agent)
            _set(agent, "firing", hit)
        elif kind == "result":
            _set(obj, "hit", subject)
        elif kind == "mistook":
            _set(subject, "firing")
            cut = _FOR.search(text, ce, nxt)
            _set([p for p in obj if not cut or p.end <= cut.start()], "hit", subject)
            for p in after:
                p.locked = p.locked or bool(cut and p.start >= cut.end())
        else:
            # "U.S. servicemen stood stunned, as if unable to believe that a Scud could ... hit
            # a building": a subject that far from the verb is not its doer.
            doer = subject if subject and _NEAR_SUBJECT.fullmatch(text, subject[0].end, cs) else []
            _set(doer, "firing", obj)
            _set(obj, "hit", doer)
        prev_end = ce


def _inherit_side(phrase: _Phrase, sided: list[_Term]) -> str | None:
    """Side of "its own X": the other end of its cue, else the nearest earlier side word."""
    if phrase.own and phrase.partners:
        return next((p.side for p in phrase.partners if p.side), None)
    if phrase.own or phrase.poss == "its":
        earlier = [t for t in sided if t.end <= phrase.start]
        return earlier[-1].entry.side if earlier else None
    return None


def _resolve(text: str, phrase: _Phrase, lex: Lexicon) -> str | None:
    """The lexicon force a phrase names, or the one listed for its side and type."""
    exact = lex.aliases.get(normalize_name(text[phrase.core[0] : phrase.core[1]]))
    if exact:
        return exact
    force = next((t.entry for t in reversed(phrase.terms) if t.entry.kind == "force"), None)
    resolve = all(t.entry.resolve for t in phrase.terms)
    listed = lex.units.forces.get(phrase.side or "", {}).get(phrase.type) if resolve else None
    if force and force.type and (listed is None or _rank(phrase.type) <= _rank(force.type)):
        return force.name
    return listed


# --------------------------------------------------------------------------- the stage


_BOUNDARY = re.compile(
    r"(?<=[.!?])(?<![A-Z]\.[A-Z]\.)[\"\u201d\u2019)]*\s+(?=[\"\u201c\u2018(]?[A-Z\u0410-\u042f0-9])"
    r"|\s*\n\s*"
)


def _sentences(doc: Doc) -> list[tuple[int, int]]:
    """The segment stage's sentences, or a simple split when it has not run."""
    if spans := doc.sentences():
        return [(s.start, s.end) for s in spans]
    bounds, start = [], 0
    for m in _BOUNDARY.finditer(doc.text):
        bounds.append((start, m.start()))
        start = m.end()
    return [*bounds, (start, len(doc.text))]


def find_actors(doc: Doc) -> list[Span]:
    """Actor spans (value ``ActorMention``) and weapon spans (canonical name), in text order."""
    lex, text = load_lexicon(), doc.text
    terms, weapons = _terms(text, lex)
    spans = [
        Span(t.start, t.end, "weapon", t.entry.name, STAGE)
        for prev, t in zip([None, *weapons], weapons, strict=False)
        # "Orlan drone" is one weapon: a class name right after a designation repeats it
        if not (
            prev
            and str(t.entry.name).islower()
            and not str(prev.entry.name).islower()
            and _GAP.fullmatch(text, prev.end, t.start)
        )
    ]
    for lo, hi in _sentences(doc):
        phrases = _phrases(text, lo, hi, terms, lex)
        _assign_roles(text, lo, hi, phrases, lex)
        sided = [t for t in terms if lo <= t.start < hi and t.entry.side]
        for p in phrases:
            p.side = p.side or _inherit_side(p, sided)
            mention = ActorMention(_resolve(text, p, lex), p.side, p.type.value, p.role)
            spans.append(Span(p.start, p.end, "actor", mention, STAGE))
    return sorted(spans, key=lambda s: (s.start, s.end, s.label))
