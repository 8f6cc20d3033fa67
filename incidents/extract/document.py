"""The values stages pass along: a ``Doc`` (text + publication date) and ``Span``s into it.

Every value a stage finds is a ``Span``: character offsets into ``Doc.text``, a label, a
typed value, the stage that found it and a confidence. Quotes are always
``doc.text[span.start:span.end]``, so evidence can never drift from the article.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from incidents.schema import Location


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of the article with what a stage read in it."""

    start: int
    end: int
    label: str
    value: Any
    stage: str
    confidence: float = 1.0

    def overlaps(self, other: Span) -> bool:
        """True when the two spans share at least one character."""
        return self.start < other.end and other.start < self.end


@dataclass(slots=True)
class Doc:
    """An article and the spans found in it so far."""

    text: str
    published: date | None = None
    lang: str | None = "en"
    spans: list[Span] = field(default_factory=list)
    # (number of spans, sentences, their starts): looked up for every span in assembly.
    _sentence_cache: tuple[int, list[Span], list[int]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def quote(self, span: Span) -> str:
        """The exact words of a span."""
        return self.text[span.start : span.end]

    def with_spans(self, spans: Iterable[Span]) -> Doc:
        """A new Doc with ``spans`` added (stages never mutate their input)."""
        return Doc(self.text, self.published, self.lang, [*self.spans, *spans])

    def of(self, label: str) -> list[Span]:
        """Spans with one label, in text order."""
        return sorted((s for s in self.spans if s.label == label), key=lambda s: (s.start, s.end))

    def sentences(self) -> list[Span]:
        """The sentence spans (provided by the segment stage)."""
        return list(self._sentences()[0])

    def _sentences(self) -> tuple[list[Span], list[int]]:
        cached = self._sentence_cache
        if cached is None or cached[0] != len(self.spans):
            sentences = self.of("sentence")
            cached = (len(self.spans), sentences, [s.start for s in sentences])
            self._sentence_cache = cached
        return cached[1], cached[2]

    def sentence_index(self, offset: int) -> int:
        """Index of the sentence holding ``offset`` (-1 if none)."""
        sentences, starts = self._sentences()
        i = bisect.bisect_right(starts, offset) - 1
        if i >= 0 and offset < sentences[i].end:
            return i
        return -1


# --------------------------------------------------------------------------- span values
# label -> value type:
#   sentence, paragraph  -> None
#   date                 -> incidents.schema.IncidentDate (phrase = the words, resolved_against)
#   published            -> datetime.date (a publication date printed in the text)
#   timestamp            -> datetime.date (tweet/update stamps: never an incident date)
#   place                -> PlaceMention
#   casualty             -> incidents.schema.CasualtyFigure
#   actor                -> ActorMention
#   weapon               -> str (canonical designation, e.g. "Su-34", "ZU-23-2")
#   cue                  -> Cue
#   claimant             -> ClaimantMention


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A place name resolved against the gazetteer, user places or admin1 regions."""

    name: str
    gazetteer_id: str | None
    country: str | None
    admin1: str | None
    latitude: float | None
    longitude: float | None
    precision: str  # a schema.LocationPrecision value
    alternatives: tuple[str, ...] = ()  # other gazetteer ids the name could mean

    def location(self, written: str | None) -> Location:
        """The schema location this mention resolves to, with the words as written."""
        return Location(
            name_as_written=written,
            name=self.name,
            gazetteer_id=self.gazetteer_id,
            country=self.country,
            admin1=self.admin1,
            latitude=self.latitude,
            longitude=self.longitude,
            precision=self.precision,
        )

    @classmethod
    def from_location(cls, location: Location) -> PlaceMention:
        """A stored place (e.g. one a user added) in the form the places stage emits."""
        return cls(
            name=location.name or location.gazetteer_id or "",
            gazetteer_id=location.gazetteer_id,
            country=location.country,
            admin1=location.admin1,
            latitude=location.latitude,
            longitude=location.longitude,
            precision=location.precision.value,
        )


@dataclass(frozen=True, slots=True)
class ActorMention:
    """A unit or force as written, normalised where the lexicon knows it."""

    actor: str | None  # normalised actor name from the lexicon
    side: str | None
    type: str  # a schema.ActorType value
    role: str | None  # a schema.ActorRole value when the sentence shows it


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue phrase for one codebook dimension.

    dimension: 'fratricide' (the text says own forces were hit or fought each other),
    'generic' (friendly fire talked about in general, not one event), 'intent',
    'mechanism', 'context', 'cause', 'stance', 'verification', 'hedge', 'victim' (who a
    mistaken strike hit when that was no force: civilians, an airliner, foreign ground).
    code: the codebook value (e.g. 'misidentification'), or for 'fratricide' one of
    'explicit', 'own_forces', 'mutual', 'accidental'.
    """

    dimension: str
    code: str


@dataclass(frozen=True, slots=True)
class ClaimantMention:
    """Who says it ("according to X", "X said"), with the side when known."""

    name: str
    side: str | None
