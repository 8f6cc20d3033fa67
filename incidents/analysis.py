"""Statistics over incident streams: counts and casualty sums by a key, claimant track records,
incidents per month. Pure functions over ``IncidentRecord`` iterables: no database, no printing.

Casualty rule: an incident's killed (wounded) figure is the highest total among its
non-denying claims, exactly as ``Incident.killed()`` and ``incidents list`` count it; an
incident with no such figure adds nothing to a sum and is counted as unknown, never as zero.
Month and year are those of ``date.start`` (the earliest day the incident can have happened).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date

from pydantic import BaseModel, ConfigDict

from incidents.codebook import StatsKey as StatsKey
from incidents.schema import CasualtyKind, IncidentRecord, Stance, Verification

UNKNOWN = "(unknown)"


# Keys with several values per incident: an incident counts once in each of its groups.
MULTI_VALUED = frozenset({StatsKey.CAUSE, StatsKey.SIDE, StatsKey.CLAIMANT})


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class StatsRow(_Row):
    """One group: how many incidents, and killed/wounded sums over those with a figure."""

    key: str
    label: str
    incidents: int
    killed: int
    killed_known: int
    wounded: int
    wounded_known: int


class TrackRecord(_Row):
    """A claimant's claims grouped by the grade their incidents were later given."""

    claimant: str
    claims: int
    corroborated: int
    contested: int
    discounted: int
    pending: int
    denials: int


class MonthCount(_Row):
    """Incidents whose date starts in one month (``YYYY-MM``)."""

    month: str
    incidents: int


# --------------------------------------------------------------------------- per incident


def casualty_total(record: IncidentRecord, kind: CasualtyKind) -> int | None:
    """Highest total of ``kind`` among non-denying claims (None when no claim gives one)."""
    totals = [
        t
        for c in record.claims
        if c.stance is not Stance.DENIES and (t := c.total(kind)) is not None
    ]
    return max(totals) if totals else None


def _region(record: IncidentRecord) -> list[str]:
    return [record.location.admin1 or UNKNOWN]


def _sides(record: IncidentRecord) -> list[str]:
    sides = [a.side for a in record.actors if a.side is not None]
    return list(dict.fromkeys(sides)) or [UNKNOWN]


def _causes(record: IncidentRecord) -> list[str]:
    causes = [c.value for c in (*record.assessed_causes, *record.claimed_causes)]
    return list(dict.fromkeys(causes)) or [UNKNOWN]


def _claimants(record: IncidentRecord) -> list[str]:
    return list(dict.fromkeys(c.claimant or UNKNOWN for c in record.claims))


_KEYS: dict[StatsKey, Callable[[IncidentRecord], list[str]]] = {
    StatsKey.MONTH: lambda r: [r.date.start.strftime("%Y-%m")],
    StatsKey.YEAR: lambda r: [str(r.date.start.year)],
    StatsKey.COUNTRY: lambda r: [r.location.country or UNKNOWN],
    StatsKey.REGION: _region,
    StatsKey.INTENT: lambda r: [r.intent.value],
    StatsKey.MECHANISM: lambda r: [r.mechanism.value],
    StatsKey.CAUSE: _causes,
    StatsKey.SIDE: _sides,
    StatsKey.CLAIMANT: _claimants,
    StatsKey.VERIFICATION: lambda r: [r.verification.value],
}


def group_keys(record: IncidentRecord, key: StatsKey) -> list[str]:
    """The groups one incident belongs to under ``key`` (several for cause, side, claimant)."""
    return _KEYS[key](record)


# --------------------------------------------------------------------------- stats


def _label(key: StatsKey, value: str) -> str:
    if key is StatsKey.REGION and value != UNKNOWN:
        from incidents.regions import get_region

        region = get_region(value)
        return f"{value} {region.english_name}" if region else value
    return value


def _order(key: StatsKey, rows: list[StatsRow]) -> list[StatsRow]:
    if key in (StatsKey.MONTH, StatsKey.YEAR):
        return sorted(rows, key=lambda r: r.key)
    if key is StatsKey.VERIFICATION:
        ladder = [v.value for v in Verification]
        return sorted(rows, key=lambda r: ladder.index(r.key))
    # Most incidents first; the unknown group last among equals.
    return sorted(rows, key=lambda r: (-r.incidents, r.key == UNKNOWN, r.key))


def stats_by(records: Iterable[IncidentRecord], key: StatsKey) -> list[StatsRow]:
    """Incident counts and casualty sums per group, in a natural order for the key."""
    counts: Counter[str] = Counter()
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for record in records:
        killed = casualty_total(record, CasualtyKind.KILLED)
        wounded = casualty_total(record, CasualtyKind.WOUNDED)
        for group in group_keys(record, key):
            counts[group] += 1
            acc = sums[group]
            if killed is not None:
                acc[0] += killed
                acc[1] += 1
            if wounded is not None:
                acc[2] += wounded
                acc[3] += 1
    rows = [
        StatsRow(
            key=group,
            label=_label(key, group),
            incidents=n,
            killed=sums[group][0],
            killed_known=sums[group][1],
            wounded=sums[group][2],
            wounded_known=sums[group][3],
        )
        for group, n in counts.items()
    ]
    return _order(key, rows)


# --------------------------------------------------------------------------- track records

_BUCKETS: dict[Verification, str] = {
    Verification.ADMITTED: "corroborated",
    Verification.CORROBORATED: "corroborated",
    Verification.CONTESTED: "contested",
    Verification.DISCOUNTED: "discounted",
}


def claimant_track_record(records: Iterable[IncidentRecord]) -> list[TrackRecord]:
    """Per claimant: its non-denying claims by the grade of their incident, and its denials.

    ``corroborated`` counts incidents graded admitted or corroborated; every other grade
    (single or several adversary claims, unassessed) is ``pending``.
    """
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        bucket = _BUCKETS.get(record.verification, "pending")
        for claim in record.claims:
            tally = tallies[claim.claimant or UNKNOWN]
            if claim.stance is Stance.DENIES:
                tally["denials"] += 1
            else:
                tally["claims"] += 1
                tally[bucket] += 1
    rows = [
        TrackRecord(
            claimant=name,
            claims=t["claims"],
            corroborated=t["corroborated"],
            contested=t["contested"],
            discounted=t["discounted"],
            pending=t["pending"],
            denials=t["denials"],
        )
        for name, t in tallies.items()
    ]
    return sorted(rows, key=lambda r: (-(r.claims + r.denials), r.claimant))


# --------------------------------------------------------------------------- timeline


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def monthly_counts(records: Iterable[IncidentRecord]) -> list[MonthCount]:
    """Incidents per month of ``date.start``, every month from the first to the last (gaps 0)."""
    counts = Counter(date(r.date.start.year, r.date.start.month, 1) for r in records)
    if not counts:
        return []
    months: list[MonthCount] = []
    month, last = min(counts), max(counts)
    while month <= last:
        months.append(MonthCount(month=month.strftime("%Y-%m"), incidents=counts[month]))
        month = _next_month(month)
    return months
