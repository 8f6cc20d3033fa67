"""Field-by-field review of a draft: what each field shows, how an answer changes it.

The CLI asks; this module turns each answer into a validated draft and marks the field's
evidence as accepted or edited, so stored values keep their provenance.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from incidents.errors import InputError
from incidents.schema import (
    CasualtyKind,
    EvidenceStatus,
    Incident,
    IncidentDate,
    Location,
    ReviewStatus,
    Source,
)

SKIP = "-"


def _date_text(d: Incident) -> str:
    return str(d.date)


def _set_date(d: dict[str, Any], value: str) -> None:
    parsed = IncidentDate.model_validate(value)
    d["date"] = {**parsed.model_dump(), "phrase": d["date"].get("phrase")}


def _location_text(d: Incident) -> str:
    loc = d.location
    return (
        loc.gazetteer_id
        or (f"admin1:{loc.admin1}" if loc.admin1 else "")
        or (f"country:{loc.country}" if loc.country else "")
    )


def _set_location(d: dict[str, Any], value: str) -> None:
    written = d["location"].get("name_as_written")
    if value.startswith("admin1:"):
        d["location"] = {"name_as_written": written, "admin1": value[7:], "precision": "admin1"}
    elif value.startswith("country:"):
        d["location"] = {"name_as_written": written, "country": value[8:], "precision": "country"}
    elif re.fullmatch(r"(geonames:\d+|user:[a-z0-9-]+)", value):
        d["location"] = {"name_as_written": written, "gazetteer_id": value}
    else:
        from incidents.gazetteer import default_gazetteer

        found = default_gazetteer().lookup(value, limit=5)
        if len(found) != 1:
            options = ", ".join(f"{p.gazetteer_id} ({p.name}, {p.country})" for p in found)
            raise InputError(
                f"place {value!r}: " + (f"ambiguous, give one of {options}" if found else "unknown")
            )
        d["location"] = {"name_as_written": written or value, "gazetteer_id": found[0].gazetteer_id}


def _list_text(key: str) -> Callable[[Incident], str]:
    return lambda d: ", ".join(str(getattr(x, "value", x)) for x in getattr(d, key))


def _set_list(key: str) -> Callable[[dict[str, Any], str], None]:
    def setter(d: dict[str, Any], value: str) -> None:
        d[key] = [v.strip() for v in value.split(",") if v.strip()]

    return setter


def _scalar(key: str) -> tuple[Callable[[Incident], str], Callable[[dict[str, Any], str], None]]:
    def getter(d: Incident) -> str:
        value = getattr(d, key)
        return str(getattr(value, "value", value) or "")

    def setter(d: dict[str, Any], value: str) -> None:
        d[key] = value

    return getter, setter


def _claim(key: str) -> tuple[Callable[[Incident], str], Callable[[dict[str, Any], str], None]]:
    def getter(d: Incident) -> str:
        value = getattr(d.claims[0], key)
        if isinstance(value, list):
            return ", ".join(str(getattr(v, "value", v)) for v in value)
        return str(value or "")

    def setter(d: dict[str, Any], value: str) -> None:
        current = d["claims"][0].get(key)
        d["claims"][0][key] = (
            [v.strip() for v in value.split(",") if v.strip()]
            if isinstance(current, list)
            else value
        )

    return getter, setter


def _count(
    kind: CasualtyKind,
) -> tuple[Callable[[Incident], str], Callable[[dict[str, Any], str], None]]:
    def getter(d: Incident) -> str:
        figs = [f for f in d.claims[0].casualties if f.kind is kind]
        return "; ".join(
            f"{f.population.value}:{f.best if f.low == f.best == f.high else f'{f.low}-{f.high}'}"
            for f in figs
        )

    def setter(d: dict[str, Any], value: str) -> None:
        keep = [f for f in d["claims"][0]["casualties"] if f["kind"] != kind.value]
        for part in value.split(";"):
            if not part.strip():
                continue
            population, _, count = part.rpartition(":")
            count = count.strip()
            figure: dict[str, Any] = {
                "kind": kind.value,
                "population": population.strip() or "unknown",
            }
            if re.fullmatch(r"\d+\s*-\s*\d+", count):
                low, high = (int(x) for x in count.split("-"))
                figure.update(low=low, high=high)
            elif count.isdigit():
                figure.update(low=int(count), best=int(count), high=int(count))
            else:
                raise InputError(
                    f"{kind.value}: use N, LOW-HIGH or population:N (e.g. military:27)"
                )
            keep.append(figure)
        d["claims"][0]["casualties"] = keep

    return getter, setter


@dataclass(frozen=True)
class ReviewField:
    """One reviewable field: its label, evidence prefix, how to show and how to set it."""

    name: str
    evidence: str
    show: Callable[[Incident], str]
    set: Callable[[dict[str, Any], str], None]


FIELDS: tuple[ReviewField, ...] = (
    ReviewField("title", "title", *_scalar("title")),
    ReviewField("date", "date", _date_text, _set_date),
    ReviewField("place", "location", _location_text, _set_location),
    ReviewField("intent", "intent", *_scalar("intent")),
    ReviewField("mechanism", "mechanism", *_scalar("mechanism")),
    ReviewField("context", "context", *_scalar("context")),
    ReviewField("weapons", "weapons", _list_text("weapons"), _set_list("weapons")),
    ReviewField("claimant", "claims.0.claimant", *_claim("claimant")),
    ReviewField("claimant side", "claims.0.claimant_side", *_claim("claimant_side")),
    ReviewField("affected side", "claims.0.affected_side", *_claim("affected_side")),
    ReviewField("killed", "claims.0.casualties", *_count(CasualtyKind.KILLED)),
    ReviewField("wounded", "claims.0.casualties", *_count(CasualtyKind.WOUNDED)),
    ReviewField("claimed causes", "claims.0.claimed_causes", *_claim("claimed_causes")),
    ReviewField("verification", "verification", *_scalar("verification")),
)


def apply_answer(draft: Incident, item: ReviewField, answer: str) -> Incident:
    """Apply one answer: '' accepts, '-' clears, anything else replaces the value."""
    current = item.show(draft)
    data = draft.model_dump()
    if answer.strip() == "" or answer.strip() == current:
        status = EvidenceStatus.ACCEPTED
    else:
        status = EvidenceStatus.EDITED
        if answer.strip() == SKIP:
            _clear(data, item)
        else:
            item.set(data, answer.strip())
    for ev in data["evidence"]:
        if ev["field"] == item.evidence or ev["field"].startswith(item.evidence + "."):
            if ev["status"] == EvidenceStatus.SUGGESTED.value or status is EvidenceStatus.EDITED:
                ev["status"] = status.value
    try:
        return Incident.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(
            f"{item.name}: {where}: {first['msg'].removeprefix('Value error, ')}"
        ) from None


def _clear(data: dict[str, Any], item: ReviewField) -> None:
    defaults: dict[str, Any] = {
        "place": Location().model_dump(),
        "intent": "unknown",
        "mechanism": "unknown",
        "context": "unknown",
        "weapons": [],
        "verification": "unassessed",
    }
    if item.name in defaults:
        data["location" if item.name == "place" else item.name] = defaults[item.name]
    elif item.name in ("killed", "wounded"):
        data["claims"][0]["casualties"] = [
            f for f in data["claims"][0]["casualties"] if f["kind"] != item.name
        ]
    elif item.evidence.startswith("claims.0."):
        key = item.evidence.split(".")[2]
        data["claims"][0][key] = [] if isinstance(data["claims"][0][key], list) else None
    else:
        raise InputError(f"{item.name} cannot be left empty")
    # A cleared value has no evidence left to keep.
    data["evidence"] = [e for e in data["evidence"] if not e["field"].startswith(item.evidence)]


def finish(draft: Incident) -> Incident:
    """Mark a walked-through draft as reviewed."""
    return draft.model_copy(update={"review_status": ReviewStatus.REVIEWED})


def manual_incident(
    *,
    title: str,
    when: str,
    place: str,
    killed: str,
    wounded: str,
    source: Source,
) -> Incident:
    """A missed incident the researcher adds by hand, citing the same article."""
    data: dict[str, Any] = {
        "title": title,
        "date": when,
        "sources": [source.model_dump()],
        "claims": [{"source": source.ref}],
        "review_status": "reviewed",
    }
    draft = Incident.model_validate(data)
    for item, answer in (("place", place), ("killed", killed), ("wounded", wounded)):
        if answer.strip():
            field = next(f for f in FIELDS if f.name == item)
            draft = apply_answer(draft, field, answer)
    return draft
