"""Measured accuracy: run the extractor over hand-labelled texts and score it.

An extracted incident matches a gold one when one of its sentences overlaps the gold
anchor, else one on the anchor's line, else (the anchor only locates the event) when a
draft still unmatched in the same text gives the same date or the same place as the gold
incident; one-to-one, in text order. Fields are scored on matched pairs:
true positive = a value equal to gold, false positive = a wrong or surplus value, false
negative = a gold value missed or wrong. Accuracy counts a right unknown as right.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from incidents.errors import InputError
from incidents.extract.pipeline import Extractor
from incidents.schema import CasualtyKind, DatePrecision, Incident

FIELDS = ("date", "place", "killed", "wounded")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldDate(_Strict):
    """A gold date span."""

    start: date
    end: date
    precision: DatePrecision


class GoldIncident(_Strict):
    """One hand-labelled incident."""

    anchor: str
    date: GoldDate | None = None
    place: str | None = None
    killed: int | None = None
    wounded: int | None = None


class GoldSource(_Strict):
    """Where a gold text came from."""

    outlet: str
    url: str | None = None
    title: str | None = None
    license: str | None = None


class GoldText(_Strict):
    """One labelled text."""

    id: str
    file: str
    split: Literal["seed", "dev", "test"]
    source: GoldSource | None = None
    published: date | None = None
    incidents: list[GoldIncident] = Field(default_factory=list)


class GoldSet(_Strict):
    """The whole gold file."""

    texts: list[GoldText]


class FieldScore(BaseModel):
    """Precision/recall/F1 and accuracy of one field over matched incidents."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    correct: int = 0
    total: int = 0

    @property
    def precision(self) -> float:
        """TP / (TP + FP)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        """Share of matched incidents where the field is right (unknown counts if right)."""
        return self.correct / self.total if self.total else 1.0


class Miss(BaseModel):
    """A disagreement, for reading the errors."""

    text: str
    kind: str
    detail: str


class Report(BaseModel):
    """Scores for one set of texts."""

    texts: int = 0
    gold_incidents: int = 0
    predicted: int = 0
    detection: FieldScore = Field(default_factory=FieldScore)
    fields: dict[str, FieldScore] = Field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    empty_texts: int = 0
    false_on_empty: int = 0
    misses: list[Miss] = Field(default_factory=list)

    def rows(self) -> list[dict[str, object]]:
        """The scores as rows: field, precision, recall, F1, accuracy and counts."""
        rows: list[dict[str, object]] = []
        for name, score in [("incident detection", self.detection), *self.fields.items()]:
            rows.append(
                {
                    "field": name,
                    "precision": round(score.precision, 3),
                    "recall": round(score.recall, 3),
                    "f1": round(score.f1, 3),
                    "accuracy": round(score.accuracy, 3) if name != "incident detection" else None,
                    "tp": score.tp,
                    "fp": score.fp,
                    "fn": score.fn,
                }
            )
        return rows


def load_gold(path: Path) -> GoldSet:
    """Read and validate a gold file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the gold file: {exc}") from None
    return GoldSet.model_validate(raw)


def place_key(incident: Incident) -> str | None:
    """The gold-style key of a draft's place: geonames id, admin1:, country: or None."""
    loc = incident.location
    if loc.gazetteer_id:
        return loc.gazetteer_id
    if loc.admin1:
        return f"admin1:{loc.admin1}"
    if loc.country:
        return f"country:{loc.country}"
    return None


def _predicted(incident: Incident, field: str) -> object:
    if field == "date":
        d = incident.date
        return (d.start, d.end, d.precision)
    if field == "place":
        return place_key(incident)
    kind = CasualtyKind(field)
    return incident.claims[0].total(kind) if incident.claims else None


def _gold(gold: GoldIncident, field: str) -> object:
    if field == "date":
        return (gold.date.start, gold.date.end, gold.date.precision) if gold.date else None
    value: object = getattr(gold, field)
    return value


def _score(report: Report, text_id: str, field: str, gold: object, pred: object) -> None:
    if field == "date" and gold is None:
        return  # every draft has a date; an undatable gold incident is not scored
    score = report.fields[field]
    score.total += 1
    if pred == gold:
        score.correct += 1
        if gold is not None:
            score.tp += 1
        return
    if pred is not None:
        score.fp += 1
    if gold is not None:
        score.fn += 1
    report.misses.append(Miss(text=text_id, kind=field, detail=f"gold {gold!r}, got {pred!r}"))


def _line(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end < 0 else end


def anchor_spans(text: str, gold: list[GoldIncident], text_id: str) -> list[tuple[int, int]]:
    """Start and end offset of each gold incident's anchor in its text."""
    spans = []
    for g in gold:
        start = text.find(g.anchor)
        if start < 0:
            raise InputError(f"{text_id}: anchor not in the text: {g.anchor[:60]!r}")
        spans.append((start, start + len(g.anchor)))
    return spans


def match_incidents(
    text: str, gold: list[GoldIncident], drafts: list[Incident], text_id: str
) -> dict[int, int]:
    """Gold index -> draft index. First a sentence of the draft overlapping the anchor, then,
    for what is left, one on the anchor's line (paragraph), then a draft telling the same
    event elsewhere in the text: the same date or the same place as the gold label (a
    list entry or a headline about the event the anchor's sentence tells)."""
    anchors = anchor_spans(text, gold, text_id)
    triggers = [[(e.start, e.end) for e in d.evidence if e.field == "incident"] for d in drafts]
    pairs: dict[int, int] = {}
    for widen in (False, True):
        for n, (start, end) in enumerate(anchors):
            if n in pairs:
                continue
            if widen:
                start, end = _line(text, start)
            for k, spans in enumerate(triggers):
                if k not in pairs.values() and any(s < end and start < e for s, e in spans):
                    pairs[n] = k
                    break
    for n, g in enumerate(gold):
        if n in pairs:
            continue
        for k, draft in enumerate(drafts):
            if k not in pairs.values() and _same_event(g, draft):
                pairs[n] = k
                break
    return pairs


def _same_event(gold: GoldIncident, draft: Incident) -> bool:
    """The draft gives the gold incident's labelled day or month, or its town or region: a
    country or a year is shared by too many events of one article to tie them."""
    dated = (
        gold.date is not None
        and gold.date.precision in (DatePrecision.DAY, DatePrecision.MONTH)
        and _predicted(draft, "date") == _gold(gold, "date")
    )
    placed = (
        gold.place is not None
        and not gold.place.startswith("country:")
        and place_key(draft) == gold.place
    )
    return dated or placed


def evaluate(gold: GoldSet, base: Path, *, splits: Iterable[str] | None = None) -> Report:
    """Score the extractor on the gold texts of the given splits (all by default)."""
    wanted = set(splits) if splits else None
    extractor = Extractor()
    report = Report()
    for item in gold.texts:
        if wanted and item.split not in wanted:
            continue
        text = (base / item.file).read_text(encoding="utf-8")
        drafts = extractor.extract(
            text,
            published=item.published,
            outlet=item.source.outlet if item.source else None,
        ).drafts
        report.texts += 1
        report.gold_incidents += len(item.incidents)
        report.predicted += len(drafts)
        if not item.incidents:
            report.empty_texts += 1
            report.false_on_empty += len(drafts)
        pairs = match_incidents(text, item.incidents, drafts, item.id)
        unmatched = [k for k in range(len(drafts)) if k not in pairs.values()]
        for n, g in enumerate(item.incidents):
            if n not in pairs:
                report.detection.fn += 1
                report.misses.append(Miss(text=item.id, kind="missed", detail=g.anchor[:100]))
                continue
            report.detection.tp += 1
            for field in FIELDS:
                _score(report, item.id, field, _gold(g, field), _predicted(drafts[pairs[n]], field))
        for k in unmatched:
            report.detection.fp += 1
            report.misses.append(Miss(text=item.id, kind="spurious", detail=drafts[k].title[:100]))
    return report
