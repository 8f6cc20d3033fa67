"""Cue phrases for the codebook dimensions: "friendly fire", "mistook ... for", "artillery".

The phrases are data (``lexicons/cues.yaml``), validated strictly on load and compiled
once. ``find_cues`` returns one ``cue`` span per phrase found, its value a ``Cue``
(dimension, code) and its offsets covering exactly the cue words. The stage only reads
words; deciding which incident a cue belongs to is the assembler's job (a 'fratricide'
cue inside or next to a 'generic' one is talk about friendly fire in general).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from incidents.extract.document import Cue, Doc, Span
from incidents.schema import Cause, Context, Intent, Mechanism, Stance, Verification

STAGE = "cues"
LABEL = "cue"

Dimension = Literal[
    "fratricide",
    "generic",
    "intent",
    "mechanism",
    "context",
    "cause",
    "stance",
    "verification",
    "hedge",
    "victim",
]
FRATRICIDE_CODES = frozenset({"explicit", "own_forces", "mutual", "accidental"})
# Dimensions whose codes are codebook values; the others ('generic', 'hedge') are free keys.
_ENUM_CODES: dict[str, frozenset[str]] = {
    "intent": frozenset(Intent),
    "mechanism": frozenset(Mechanism),
    "context": frozenset(Context),
    "cause": frozenset(Cause),
    "stance": frozenset(Stance),
    "verification": frozenset(Verification),
    "fratricide": FRATRICIDE_CODES,
}

# " ... " in a pattern: up to six words, never across a sentence end.
_GAP = r"[\s\-]+(?:[^\s.!?;]+[\s\-]+){0,6}?"
_SPACE = r"[\s\-]+"


_OPTIONAL_SPACE = r"[\s\-]?"


def expand_pattern(pattern: str) -> str:
    """The regex a lexicon phrase stands for (spaces and ' ... ' gaps expanded; " ?" is an
    optional space: "air ?strikes" is "airstrikes" and "air strikes")."""
    return _GAP.join(_expand_spaces(part) for part in pattern.strip().split(" ... "))


def _expand_spaces(part: str) -> str:
    pieces = part.split(" ?")
    return _OPTIONAL_SPACE.join(piece.replace(" ", _SPACE) for piece in pieces)


class CueRule(BaseModel):
    """One (dimension, code) and the phrases that signal it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dimension: Dimension
    code: str = Field(pattern=r"^[a-z][a-z_]*$")
    patterns: list[str] = Field(min_length=1)
    case_sensitive: bool = False
    confidence: float = Field(1.0, gt=0.0, le=1.0)
    not_after: list[str] = Field(default_factory=list)
    not_before: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    note: str | None = None

    @field_validator("patterns", "not_after", "not_before", "exclude")
    @classmethod
    def _compiles(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                re.compile(f"(?:{expand_pattern(value)})")
            except re.error as exc:
                raise ValueError(f"bad pattern {value!r}: {exc}") from None
        return values

    @model_validator(mode="after")
    def _known_code(self) -> CueRule:
        allowed = _ENUM_CODES.get(self.dimension)
        if allowed is not None and self.code not in allowed:
            raise ValueError(
                f"code {self.code!r} is not a {self.dimension} value: {sorted(allowed)}"
            )
        return self


class CueLexicon(BaseModel):
    """The cue file: a list of rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cues: list[CueRule]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its regexes compiled once."""

    cue: Cue
    regex: re.Pattern[str]
    confidence: float
    not_after: re.Pattern[str] | None
    not_before: re.Pattern[str] | None
    exclude: re.Pattern[str] | None
    case_sensitive: bool = False


def _alternation(patterns: Iterable[str]) -> str:
    # Longer phrases first: at one position the alternation takes the first that fits.
    expanded = sorted((expand_pattern(p) for p in patterns), key=len, reverse=True)
    return "|".join(f"(?:{p})" for p in expanded)


def _lower_literals(pattern: str) -> str:
    # Lowercase the letters but not escapes (\S, \W must keep their meaning).
    return re.sub(r"\\.|[^\\]+", lambda m: m[0] if m[0][0] == "\\" else m[0].lower(), pattern)


def fold(text: str) -> str:
    """Lowercased text with unchanged offsets (case-insensitive rules run on it)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def compile_rule(rule: CueRule) -> CompiledRule:
    """Compile a rule's patterns into one word-bounded regex (and its guards).

    Case-insensitive rules are compiled lowercase without re.IGNORECASE and matched on
    ``fold(text)``: the same matches, nearly twice as fast.
    """
    patterns = rule.patterns if rule.case_sensitive else map(_lower_literals, rule.patterns)
    flags = 0 if rule.case_sensitive else re.IGNORECASE
    regex = re.compile(rf"(?<!\w)(?:{_alternation(patterns)})(?!\w)")
    not_after = not_before = exclude = None
    if rule.not_after:
        not_after = re.compile(rf"(?<!\w)(?:{_alternation(rule.not_after)})[\s\-]*$", flags)
    if rule.not_before:
        not_before = re.compile(rf"^[\s\-]*(?:{_alternation(rule.not_before)})(?!\w)", flags)
    if rule.exclude:
        exclude = re.compile(_alternation(rule.exclude), re.IGNORECASE | re.DOTALL)
    return CompiledRule(
        Cue(rule.dimension, rule.code),
        regex,
        rule.confidence,
        not_after,
        not_before,
        exclude,
        rule.case_sensitive,
    )


def read_rules(path: Path) -> tuple[CompiledRule, ...]:
    """Load and compile a cue file (raises pydantic.ValidationError on a bad file)."""
    lexicon = CueLexicon.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return tuple(compile_rule(rule) for rule in lexicon.cues)


def lexicon_path(name: str) -> Path:
    """Path of a packaged lexicon file."""
    return Path(str(resources.files("incidents.extract").joinpath("lexicons", name)))


@cache
def cue_rules() -> tuple[CompiledRule, ...]:
    """The packaged cue rules, loaded and compiled on first use."""
    return read_rules(lexicon_path("cues.yaml"))


_GUARD_WINDOW = 40


def match_rules(text: str, rules: Sequence[CompiledRule], stage: str) -> list[Span]:
    """Every cue span the rules find, longest-within-dimension, in text order."""
    found: list[Span] = []
    folded = fold(text)
    for rule in rules:
        for m in rule.regex.finditer(text if rule.case_sensitive else folded):
            start, end = m.span()
            if rule.not_after and rule.not_after.search(text, max(0, start - _GUARD_WINDOW), start):
                continue
            if rule.not_before and rule.not_before.match(text[end : end + _GUARD_WINDOW]):
                continue
            if rule.exclude and rule.exclude.search(m.group()):
                continue
            found.append(Span(start, end, LABEL, rule.cue, stage, rule.confidence))
    return _resolve(found)


def _resolve(spans: list[Span]) -> list[Span]:
    """Drop duplicates and matches lying strictly inside a longer one of the same dimension."""
    by_dimension: dict[str, list[Span]] = {}
    for span in spans:
        by_dimension.setdefault(span.value.dimension, []).append(span)
    kept: dict[tuple[int, int, Cue], Span] = {}
    for group in by_dimension.values():
        for span in group:
            inside = any(
                o.start <= span.start
                and span.end <= o.end
                and (o.end - o.start) > (span.end - span.start)
                for o in group
            )
            key = (span.start, span.end, span.value)
            if not inside and (key not in kept or kept[key].confidence < span.confidence):
                kept[key] = span
    return sorted(kept.values(), key=lambda s: (s.start, s.end, s.value.dimension, s.value.code))


def find_cues(doc: Doc) -> list[Span]:
    """Cue spans for fratricide, generic talk, intent, mechanism, context and cause."""
    return match_rules(doc.text, cue_rules(), STAGE)
