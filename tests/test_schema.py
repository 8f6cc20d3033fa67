"""The schema catches real mistakes and derives what must not be typed in."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from incidents.schema import (
    CasualtyFigure,
    Claim,
    DatePrecision,
    Incident,
    IncidentDate,
    IncidentFilter,
    Location,
    Source,
)


def _incident(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "t",
        "date": "2023-09",
        "sources": [{"ref": "a", "outlet": "O", "published": "2024-01-09"}],
        "claims": [{}],
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("2023-04-20", date(2023, 4, 20), date(2023, 4, 20), DatePrecision.DAY),
        ("2023-09", date(2023, 9, 1), date(2023, 9, 30), DatePrecision.MONTH),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), DatePrecision.MONTH),
        ("2023", date(2023, 1, 1), date(2023, 12, 31), DatePrecision.YEAR),
        ("2023-01-01/2023-02-15", date(2023, 1, 1), date(2023, 2, 15), DatePrecision.RANGE),
    ],
)
def test_date_shorthand(text: str, start: date, end: date, precision: DatePrecision) -> None:
    d = IncidentDate.model_validate(text)
    assert (d.start, d.end, d.precision) == (start, end, precision)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "2023-05-02", "end": "2023-05-01", "precision": "range"}, "before start"),
        ({"start": "2023-05-01", "end": "2023-05-02", "precision": "day"}, "start == end"),
        ({"start": "2023-05-01", "end": "2023-05-20", "precision": "week"}, "7 days"),
        ({"start": "2023-05-02", "end": "2023-05-31", "precision": "month"}, "first and last"),
        ({"start": "2023-01-01", "end": "2023-06-30", "precision": "year"}, "1 January"),
        ("2023-13", "invalid month"),
        ("Su-25", "invalid date"),
    ],
)
def test_impossible_dates(data: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        IncidentDate.model_validate(data)


def test_casualty_ordering_and_unknown_is_not_zero() -> None:
    assert CasualtyFigure.model_validate({"kind": "killed", "count": "8-10"}).best is None
    fig = CasualtyFigure.model_validate({"kind": "killed", "count": 0})
    assert (fig.low, fig.best, fig.high) == (0, 0, 0)
    with pytest.raises(ValidationError, match="low <= best <= high"):
        CasualtyFigure.model_validate({"kind": "killed", "low": 5, "high": 3})
    with pytest.raises(ValidationError, match="at least one"):
        CasualtyFigure.model_validate({"kind": "killed"})
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        CasualtyFigure.model_validate({"kind": "killed", "best": -1})
    with pytest.raises(ValidationError, match="two figures"):
        Claim.model_validate(
            {"casualties": [{"kind": "killed", "count": 1}, {"kind": "killed", "count": 2}]}
        )


def test_location_validation() -> None:
    loc = Location.model_validate({"admin1": "Харківська область"})
    assert (loc.admin1, loc.country) == ("UA-63", "UA")
    assert Location.model_validate({"country": "ukr"}).country == "UA"
    with pytest.raises(ValidationError, match="not in country"):
        Location.model_validate({"country": "RU", "admin1": "UA-63"})
    with pytest.raises(ValidationError, match="go together"):
        Location.model_validate({"latitude": 50.0})
    with pytest.raises(ValidationError, match="less than or equal to 180"):
        Location.model_validate({"latitude": 50.0, "longitude": 190.0})
    with pytest.raises(ValidationError, match="unknown ISO 3166-1"):
        Location.model_validate({"country": "XY"})
    with pytest.raises(ValidationError, match="gazetteer_id"):
        Location.model_validate({"gazetteer_id": "703656"})


def test_sides_and_languages() -> None:
    assert Claim.model_validate({"claimant_side": "rus"}).claimant_side == "RU"
    assert Claim.model_validate({"claimant_side": "isis"}).claimant_side == "isis"
    with pytest.raises(ValidationError, match="unknown side"):
        Claim.model_validate({"claimant_side": "Russia!"})
    with pytest.raises(ValidationError, match="ISO 639-1"):
        Source.model_validate({"outlet": "O", "language": "xx"})


def test_source_hash_and_ref_are_derived() -> None:
    s = Source.model_validate({"outlet": "O", "text": "abc"})
    assert s.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert s.sha256 is not None
    # Derived from the text hash, so the same article gets the same ref on every machine.
    assert s.ref == "src-" + hashlib.sha256(s.sha256.encode()).hexdigest()[:12]
    assert Source.model_validate({"outlet": "Other", "text": "abc"}).ref == s.ref
    with pytest.raises(ValidationError, match="does not match"):
        Source.model_validate({"outlet": "O", "text": "abc", "sha256": "0" * 64})
    with pytest.raises(ValidationError, match="http"):
        Source.model_validate({"outlet": "O", "url": "javascript:alert(1)"})


def test_incident_links_and_publication_date() -> None:
    Incident.model_validate(_incident())
    with pytest.raises(ValidationError, match="after the earliest source"):
        Incident.model_validate(_incident(date="2024-02"))
    with pytest.raises(ValidationError, match="is not one of"):
        Incident.model_validate(_incident(claims=[{"source": "nope"}]))
    with pytest.raises(ValidationError, match="at least 1"):
        Incident.model_validate(_incident(claims=[]))
    two = [{"ref": "a", "outlet": "O"}, {"ref": "b", "outlet": "P"}]
    with pytest.raises(ValidationError, match="name one of the sources"):
        Incident.model_validate(_incident(sources=two, claims=[{}]))
    with pytest.raises(ValidationError, match="Input should be 'unintentional'"):
        Incident.model_validate(_incident(intent="oops"))


@pytest.mark.parametrize(
    ("actors", "same_side"),
    [
        ([("RU", "firing"), ("RU", "hit")], True),
        ([("RU", "firing"), ("UA", "hit")], False),
        ([("UA", "both")], True),
        ([("RU", "firing")], None),
        ([(None, "firing"), ("RU", "hit")], None),
        ([("RU", "firing"), ("RU", "hit"), ("UA", "hit")], False),
    ],
)
def test_same_side_is_derived(actors: list[tuple[str | None, str]], same_side: bool | None) -> None:
    inc = Incident.model_validate(
        _incident(actors=[{"name_as_written": "x", "side": s, "role": r} for s, r in actors])
    )
    assert inc.same_side is same_side


def test_claimant_adversary_is_derived_and_dumps_reload() -> None:
    claim = Claim.model_validate({"claimant_side": "UA", "affected_side": "RU"})
    assert claim.claimant_is_adversary is True
    assert (
        Claim.model_validate({"claimant_side": "RU", "affected_side": "RU"}).claimant_is_adversary
        is False
    )
    assert Claim.model_validate({"claimant_side": "RU"}).claimant_is_adversary is None
    inc = Incident.model_validate(
        _incident(claims=[{"claimant_side": "UA", "affected_side": "RU"}])
    )
    dumped = inc.model_dump(mode="json")
    assert "same_side" in dumped and "claimant_is_adversary" in dumped["claims"][0]
    assert Incident.model_validate(dumped) == inc


def test_killed_rule_ignores_denials() -> None:
    inc = Incident.model_validate(
        _incident(
            claims=[
                {"casualties": [{"kind": "killed", "count": 3}]},
                {"stance": "denies", "casualties": [{"kind": "killed", "count": 0}]},
                {
                    "casualties": [
                        {"kind": "killed", "population": "civilian", "count": 2},
                        {"kind": "killed", "population": "military", "low": 4},
                    ]
                },
            ]
        )
    )
    assert inc.killed() == 6


def test_filter_validation() -> None:
    with pytest.raises(ValidationError, match="before since"):
        IncidentFilter(since=date(2024, 1, 1), until=date(2023, 1, 1))
    with pytest.raises(ValidationError, match="latitude,longitude"):
        IncidentFilter(near=(95.0, 0.0))


def test_every_source_must_be_cited_by_a_claim() -> None:
    two = [{"ref": "a", "outlet": "O"}, {"ref": "b", "outlet": "P"}]
    with pytest.raises(ValidationError, match="cited by no claim"):
        Incident.model_validate(_incident(sources=two, claims=[{"source": "a"}]))
