"""Who says it and how sure they are: claimant mentions, hedges, stances, admissions.

``find_claims`` returns two kinds of span (stage "claims"):

* ``claimant``: the claimant's name as written ("General Staff of the Armed Forces of
  Ukraine"), found from an attribution: "according to X", "as reported by X", "citing
  X", "per X", "X said/reported/wrote/told ...", "X, <description>, said", "X's daily
  briefing". The span leaves out a leading "the"; the value is a ``ClaimantMention``
  with the name whitespace-normalised and its side from ``lexicons/claims.yaml``.
  A chain ("According to A, as reported by B") gives one span per link in text order:
  the first is the original claimant, later "as reported by"/"citing" links relay it.
  "the briefing said" / "the update claimed" point back to a claimant already named:
  they are kept with side None and confidence 0.5 for the assembler to resolve.
* ``cue``: dimension 'hedge' ("could not independently verify" ->
  'not_independently_verified'), 'stance' (denies / unconfirmed) and 'verification'
  (admitted / corroborated), same rule format as ``cues.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field

from incidents.extract.cues import CompiledRule, CueRule, compile_rule, lexicon_path, match_rules
from incidents.extract.document import ClaimantMention, Doc, Span
from incidents.schema import Side

STAGE = "claims"
LABEL = "claimant"
ANAPHORIC_CONFIDENCE = 0.5
APPOSITIVE_CONFIDENCE = 0.8


class ClaimantEntry(BaseModel):
    """Claimant names (regexes) that share one side."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    side: Side | None
    names: list[str] = Field(min_length=1)
    note: str | None = None


class ClaimsLexicon(BaseModel):
    """The claims file: claimants, name grammar, attribution triggers and cue rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    claimants: list[ClaimantEntry]
    nationalities: dict[Side, list[str]]
    name_words: list[str]
    connectors: list[str]
    leading_strip: list[str]
    not_names: list[str]
    anaphoric: list[str]
    prefix_triggers: list[str] = Field(min_length=1)
    postfix_triggers: list[str] = Field(min_length=1)
    possessive_heads: list[str]
    cues: list[CueRule]


@dataclass(frozen=True, slots=True)
class ClaimRules:
    """The claims lexicon compiled once."""

    sides: tuple[tuple[re.Pattern[str], str | None], ...]
    nationalities: tuple[tuple[re.Pattern[str], str], ...]
    prefix: re.Pattern[str]
    verb: re.Pattern[str]
    possessive: re.Pattern[str]
    direct: re.Pattern[str]  # a name ending right before the verb
    appositive: re.Pattern[str]  # "Name, a description," before the verb
    name: re.Pattern[str]  # a whole string that is a name
    strip: frozenset[str]
    connectors: frozenset[str]
    not_names: frozenset[str]
    anaphoric: frozenset[str]
    cues: tuple[CompiledRule, ...]


_SEP = r"[ \t\u00a0]+"
_AUX = r"has|have|had|also|later|earlier|previously|then|reportedly|recently|publicly|again"
_WINDOW = 220  # characters left of a verb searched for the claimant


def _words(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _any(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def compile_claims(lexicon: ClaimsLexicon) -> ClaimRules:
    """Compile every regex the claims stage uses."""
    lower = _words([*lexicon.name_words, *lexicon.anaphoric, *lexicon.connectors])
    token = rf"(?:(?:[A-Z]\.){{2,}}|[A-ZА-ЯЁІЇЄҐ][\w’'\-]*|(?:{lower})(?![\w’'\-]))"
    name = rf"{token}(?:{_SEP}{token}){{0,11}}"
    boundary = r"(?<![\w’'\-])"
    return ClaimRules(
        sides=tuple(
            (re.compile(rf"(?<!\w)(?:{_any(e.names)})(?!\w)", re.IGNORECASE), e.side)
            for e in lexicon.claimants
        ),
        nationalities=tuple(
            (re.compile(rf"(?<!\w)(?:{_any(words)})(?!\w)"), side)
            for side, words in lexicon.nationalities.items()
        ),
        prefix=re.compile(rf"(?<!\w)(?i:{_words(lexicon.prefix_triggers)}){_SEP}(?P<np>{name})"),
        # A comma may part name and verb only before an auxiliary ("Syniehubov, has
        # confirmed"): "1755 EST, reports began" is not an attribution.
        verb=re.compile(
            rf"(?P<comma>,?){_SEP}(?P<aux>(?:(?:{_AUX}){_SEP}){{1,2}})?"
            rf"(?:{_words(lexicon.postfix_triggers)})(?!\w)"
        ),
        possessive=re.compile(
            rf"{boundary}(?P<np>{name})['’]s{_SEP}(?:[\w\-]+{_SEP})?"
            rf"(?:{_words(lexicon.possessive_heads)})(?!\w)"
        ),
        direct=re.compile(rf"{boundary}(?P<np>{name})$"),
        appositive=re.compile(rf"{boundary}(?P<np>{name}),{_SEP}[^,.;:!?\n\"“”]{{1,150}},$"),
        name=re.compile(name),
        strip=frozenset(lexicon.leading_strip),
        connectors=frozenset(lexicon.connectors),
        not_names=frozenset(lexicon.not_names),
        anaphoric=frozenset(lexicon.anaphoric),
        cues=tuple(compile_rule(rule) for rule in lexicon.cues),
    )


@cache
def claim_rules() -> ClaimRules:
    """The packaged claims lexicon, loaded and compiled on first use."""
    raw = yaml.safe_load(lexicon_path("claims.yaml").read_text(encoding="utf-8"))
    return compile_claims(ClaimsLexicon.model_validate(raw))


def claimant_side(name: str, rules: ClaimRules | None = None) -> str | None:
    """The side a claimant speaks for: lexicon entry first, else one nationality word."""
    rules = rules or claim_rules()
    best: tuple[int, str | None] | None = None
    for pattern, side in rules.sides:
        for m in pattern.finditer(name):
            if best is None or m.end() - m.start() > best[0]:
                best = (m.end() - m.start(), side)
    if best is not None:
        return best[1]
    sides = {side for pattern, side in rules.nationalities if pattern.search(name)}
    return sides.pop() if len(sides) == 1 else None


def _claimant(text: str, start: int, end: int, rules: ClaimRules, confidence: float) -> Span | None:
    """A claimant span for ``text[start:end]`` after trimming; None if no name is left."""
    tokens = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    while tokens and (
        text[tokens[0][0] : tokens[0][1]] in rules.strip
        or text[tokens[0][0] : tokens[0][1]] in rules.connectors
    ):
        tokens.pop(0)
    while tokens and text[tokens[-1][0] : tokens[-1][1]] in rules.connectors:
        tokens.pop()
    if not tokens:
        return None
    start, end = tokens[0][0], tokens[-1][1]
    name = " ".join(text[start:end].split())
    if name in rules.not_names:
        return None
    if name.lower() in rules.anaphoric:
        return Span(start, end, LABEL, ClaimantMention(name, None), STAGE, ANAPHORIC_CONFIDENCE)
    mention = ClaimantMention(name, claimant_side(name, rules))
    return Span(start, end, LABEL, mention, STAGE, confidence)


def _before_verbs(text: str, rules: ClaimRules) -> list[Span]:
    """Claimants written before a reporting verb: "X said", "X, a think tank, found"."""
    found: list[Span] = []
    for verb in rules.verb.finditer(text):
        lo = max(0, verb.start() - _WINDOW, text.rfind("\n", 0, verb.start()) + 1)
        window = text[lo : verb.start()]
        span: Span | None = None
        # "X, said" reads as a description ending in X; "X, has said" as X itself.
        direct = None if verb["comma"] and not verb["aux"] else rules.direct.search(window)
        if direct:
            span = _claimant(text, lo + direct.start("np"), lo + direct.end("np"), rules, 1.0)
        # "Shtupun, spokesperson for the Tavria group, commented": a name of lowercase
        # words only ("group") is the tail of a description, so look past it.
        lowercase = span is not None and span.value.name.islower()
        if (span is None or lowercase and span.value.name not in rules.anaphoric) and (
            appos := rules.appositive.search(window + verb["comma"])
        ):
            np_start, np_end = lo + appos.start("np"), lo + appos.end("np")
            span = _claimant(text, np_start, np_end, rules, APPOSITIVE_CONFIDENCE)
        if span is not None:
            found.append(span)
    return found


def find_claimants(text: str, rules: ClaimRules | None = None) -> list[Span]:
    """Claimant spans only, in text order (no hedge/stance cues)."""
    rules = rules or claim_rules()
    found = _before_verbs(text, rules)
    for pattern in (rules.prefix, rules.possessive):
        for m in pattern.finditer(text):
            span = _claimant(text, m.start("np"), m.end("np"), rules, 1.0)
            if span is not None:
                found.append(span)
    unique = {(s.start, s.end): s for s in sorted(found, key=lambda s: s.confidence)}
    return sorted(unique.values(), key=lambda s: (s.start, s.end))


def find_claims(doc: Doc) -> list[Span]:
    """Claimant spans and hedge / stance / verification cue spans, in text order."""
    rules = claim_rules()
    spans = [*find_claimants(doc.text, rules), *match_rules(doc.text, rules.cues, STAGE)]
    return sorted(spans, key=lambda s: (s.start, s.end, s.label))
