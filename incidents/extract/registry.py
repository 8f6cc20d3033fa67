"""The one list of extraction stages, each declaring the span labels it reads and writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from incidents.extract.document import Doc, Span

Stage = Callable[[Doc], list[Span]]


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A named stage with what it requires from earlier stages and what it provides."""

    name: str
    run: Stage
    requires: frozenset[str]
    provides: frozenset[str]


def stages(find_places: Stage) -> list[StageSpec]:
    """The pipeline in order. ``find_places`` is built over a gazetteer by the caller."""
    from incidents.extract.actors import find_actors
    from incidents.extract.casualties import find_casualties
    from incidents.extract.claims import find_claims
    from incidents.extract.cues import find_cues
    from incidents.extract.dates import find_dates
    from incidents.extract.segment import segment

    def spec(name: str, run: Stage, requires: str, provides: str) -> StageSpec:
        return StageSpec(name, run, frozenset(requires.split()), frozenset(provides.split()))

    return [
        spec("segment", segment, "", "paragraph sentence"),
        spec("dates", find_dates, "", "date published timestamp"),
        spec("places", find_places, "", "place"),
        spec("casualties", find_casualties, "", "casualty"),
        spec("actors", find_actors, "", "actor weapon"),
        spec("cues", find_cues, "", "cue"),
        spec("claims", find_claims, "", "claimant cue"),
    ]


def check_order(pipeline: Sequence[StageSpec]) -> None:
    """Fail early when a stage needs a label no earlier stage provides."""
    available: set[str] = set()
    for stage in pipeline:
        missing = stage.requires - available
        if missing:
            raise ValueError(f"stage {stage.name!r} needs {sorted(missing)} before it")
        available |= stage.provides


def run_stages(doc: Doc, pipeline: Sequence[StageSpec]) -> Doc:
    """Run every stage in order, each adding its spans to a new Doc."""
    for stage in pipeline:
        doc = doc.with_spans(stage.run(doc))
    return doc
