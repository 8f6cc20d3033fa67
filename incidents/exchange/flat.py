"""One flat row per incident, for tables and CSV; multi-valued cells joined by ``" | "``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from incidents.schema import ActorRole, CasualtyKind, IncidentRecord, Stance

SEPARATOR = " | "
FLAT_COLUMNS = (
    "id",
    "title",
    "date_start",
    "date_end",
    "date_precision",
    "place_as_written",
    "place",
    "country",
    "admin1",
    "latitude",
    "longitude",
    "location_precision",
    "intent",
    "mechanism",
    "context",
    "causes",
    "weapons",
    "firing",
    "hit",
    "same_side",
    "killed",
    "wounded",
    "verification",
    "review_status",
    "claimants",
    "sources",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _max_total(record: IncidentRecord, kind: CasualtyKind) -> int | None:
    totals = [
        t
        for c in record.claims
        if c.stance is not Stance.DENIES and (t := c.total(kind)) is not None
    ]
    return max(totals) if totals else None


def _actors(record: IncidentRecord, role: ActorRole) -> str:
    return SEPARATOR.join(
        a.actor or a.name_as_written for a in record.actors if a.role in (role, ActorRole.BOTH)
    )


def flat_row(record: IncidentRecord) -> dict[str, Any]:
    """The flat columns of one incident (killed/wounded: highest figure among claims)."""
    loc = record.location
    causes = dict.fromkeys([*record.assessed_causes, *record.claimed_causes])
    return {
        "id": record.id,
        "title": record.title,
        "date_start": record.date.start.isoformat(),
        "date_end": record.date.end.isoformat(),
        "date_precision": record.date.precision.value,
        "place_as_written": loc.name_as_written,
        "place": loc.name,
        "country": loc.country,
        "admin1": loc.admin1,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "location_precision": loc.precision.value,
        "intent": record.intent.value,
        "mechanism": record.mechanism.value,
        "context": record.context.value,
        "causes": SEPARATOR.join(c.value for c in causes),
        "weapons": SEPARATOR.join(record.weapons),
        "firing": _actors(record, ActorRole.FIRING),
        "hit": _actors(record, ActorRole.HIT),
        "same_side": record.same_side,
        "killed": _max_total(record, CasualtyKind.KILLED),
        "wounded": _max_total(record, CasualtyKind.WOUNDED),
        "verification": record.verification.value,
        "review_status": record.review_status.value,
        "claimants": SEPARATOR.join(dict.fromkeys(c.claimant for c in record.claims if c.claimant)),
        "sources": SEPARATOR.join(s.url or s.outlet for s in record.sources),
    }


def neutralize(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_lines(records: Iterable[IncidentRecord]) -> Iterator[str]:
    """CSV text, header first, one chunk per row (streams)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FLAT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow({k: neutralize(v) for k, v in flat_row(record).items()})
        yield buffer.getvalue()
