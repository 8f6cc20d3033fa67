"""Likely duplicates: the same event reported again, found by date, place, weapons, actors, words.

Scores are a weighted sum of five similarities in [0, 1]; each candidate carries the
reasons that scored, so a researcher sees why it was proposed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from rapidfuzz import fuzz

from incidents.geo import haversine_km
from incidents.names import normalize_name
from incidents.schema import DatePrecision, Incident, IncidentRecord

# How far apart two reports of one event may date it, by the precision of its date.
WINDOW = {
    DatePrecision.DAY: timedelta(days=3),
    DatePrecision.WEEK: timedelta(days=7),
    DatePrecision.MONTH: timedelta(days=15),
    DatePrecision.RANGE: timedelta(days=15),
    DatePrecision.YEAR: timedelta(days=60),
}
WEIGHTS = {"date": 0.25, "place": 0.30, "weapons": 0.20, "actors": 0.10, "words": 0.15}
THRESHOLD = 0.5


@dataclass
class Duplicate:
    """A stored incident that may be the same event, with its score and why."""

    record: IncidentRecord
    score: float
    reasons: list[str] = field(default_factory=list)


def search_window(incident: Incident) -> tuple[date, date]:
    """The date range to look for duplicates in."""
    pad = WINDOW[incident.date.precision]
    return incident.date.start - pad, incident.date.end + pad


def _jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa = {normalize_name(x).replace(" ", "") for x in a if x}
    sb = {normalize_name(x).replace(" ", "") for x in b if x}
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def similarity(a: Incident, b: Incident) -> tuple[float, list[str]]:
    """How alike two incidents are (0..1) and the reasons."""
    reasons: list[str] = []
    scores: dict[str, float] = {}
    a0, a1 = search_window(a)
    gap = max((b.date.start - a1).days, (a0 - b.date.end).days, 0)
    scores["date"] = 1.0 if gap == 0 else max(0.0, 1 - gap / 30)
    if scores["date"] == 1.0:
        reasons.append(f"dates overlap ({a.date} / {b.date})")
    la, lb = a.location, b.location
    place = 0.0
    if la.gazetteer_id and la.gazetteer_id == lb.gazetteer_id:
        place = 1.0
        reasons.append(f"same place ({la.name or la.gazetteer_id})")
    elif (
        la.latitude is not None
        and la.longitude is not None
        and lb.latitude is not None
        and lb.longitude is not None
    ):
        km = haversine_km(la.latitude, la.longitude, lb.latitude, lb.longitude)
        place = 1.0 if km < 10 else 0.6 if km < 50 else 0.0
        if place:
            reasons.append(f"{km:.0f} km apart")
    elif la.admin1 and la.admin1 == lb.admin1:
        place = 0.5
        reasons.append(f"same region ({la.admin1})")
    elif la.country and la.country == lb.country:
        place = 0.1
    scores["place"] = place
    scores["weapons"] = _jaccard(a.weapons, b.weapons)
    if scores["weapons"]:
        reasons.append("shared weapons: " + ", ".join(sorted(set(a.weapons) & set(b.weapons))))
    scores["actors"] = _jaccard(
        (x.actor or x.name_as_written for x in a.actors),
        (x.actor or x.name_as_written for x in b.actors),
    )
    words_a = " ".join(filter(None, (a.title, a.summary)))
    words_b = " ".join(filter(None, (b.title, b.summary)))
    scores["words"] = fuzz.token_set_ratio(words_a, words_b) / 100
    total = sum(WEIGHTS[k] * v for k, v in scores.items())
    return round(total, 3), reasons


def rank_duplicates(
    incident: Incident, candidates: Iterable[IncidentRecord], *, threshold: float = THRESHOLD
) -> list[Duplicate]:
    """Candidates scoring at least ``threshold``, best first."""
    found = []
    for record in candidates:
        if incident.id and record.id == incident.id:
            continue
        score, reasons = similarity(incident, record)
        if score >= threshold:
            found.append(Duplicate(record, score, reasons))
    return sorted(found, key=lambda d: -d.score)
