"""ACLED and UCDP GED profiles: documented columns, codes and values on the sample data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from incidents import services
from incidents.errors import InputError
from incidents.exchange.documents import load_file
from incidents.exchange.profiles import PROFILES, from_acled_row, profile_rows
from incidents.schema import CasualtyKind, DatePrecision, IncidentFilter, LocationPrecision
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample_incidents.yaml"
DOC = (ROOT / "docs" / "profiles.md").read_text(encoding="utf-8")
Rows = dict[str, dict[str, object]]


@pytest.fixture
def rows(engine: Engine) -> Iterator[dict[str, Rows]]:
    services.add_incidents(engine, load_file(SAMPLE), user="tester")
    records = list(services.list_incidents(engine, IncidentFilter()))
    yield {
        name: {str(r[PROFILES[name][0]]): r for r in profile_rows(name, records)}
        for name in PROFILES
    }


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_column_is_documented(name: str) -> None:
    section = DOC.split(f"## {name.upper()}", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_0-9]+)` \|", section, re.MULTILINE)
    assert documented == PROFILES[name]


def test_rows_have_exactly_the_profile_columns(rows: dict[str, Rows]) -> None:
    for name, by_id in rows.items():
        assert len(by_id) == 9
        for row in by_id.values():
            assert list(row) == PROFILES[name]


def test_acled_belgorod(rows: dict[str, Rows]) -> None:
    row = rows["acled"]["FF-2023-0002"]
    assert row["event_date"] == "2023-04-20" and row["year"] == 2023
    assert row["time_precision"] == 1
    assert (row["event_type"], row["sub_event_type"]) == (
        "Explosions/Remote violence",
        "Air/drone strike",  # accidental release from an aircraft
    )
    assert row["actor1"] == "Military Forces of Russia" and row["inter1"] == 1
    assert row["actor2"] == "" and row["interaction"] == ""
    assert (row["iso"], row["country"], row["admin1"]) == (643, "Russia", "Belgorod Oblast")
    assert row["geo_precision"] == 1 and isinstance(row["latitude"], float)
    assert row["fatalities"] == 0  # a real zero stays zero
    assert str(row["tags"]).startswith("friendly_fire")
    assert "Kyiv Post" in str(row["source"]) and isinstance(row["timestamp"], int)


def test_acled_codes_precision_and_unknowns(rows: dict[str, Rows]) -> None:
    acled = rows["acled"]
    opytne = acled["FF-2023-0003"]
    assert opytne["time_precision"] == 3 and opytne["event_date"] == "2023-09-01"
    assert opytne["sub_event_type"] == "Shelling/artillery/missile attack"
    assert opytne["fatalities"] == 27 and opytne["interaction"] == 11
    assert opytne["actor2"] == "Military Forces of Russia"
    assert acled["FF-2023-0006"]["geo_precision"] == 3  # admin1 only
    assert acled["FF-2022-0001"]["fatalities"] == ""  # unknown is blank, never 0
    clash = acled["FF-2023-0001"]
    assert (clash["event_type"], clash["sub_event_type"]) == ("Battles", "Armed clash")
    assert "Wagner Group" in str(clash["assoc_actor_1"])


def test_ucdp_rows(rows: dict[str, Rows]) -> None:
    ucdp = rows["ucdp"]
    opytne = ucdp["FF-2023-0003"]
    assert (opytne["date_start"], opytne["date_end"], opytne["date_prec"]) == (
        "2023-09-01",
        "2023-09-30",
        4,
    )
    assert (opytne["low"], opytne["best"], opytne["high"]) == (27, 27, 27)
    assert opytne["side_a"] == opytne["side_b"] == "Government of Russia"
    assert opytne["type_of_violence"] == 1 and opytne["where_prec"] == 1
    assert str(opytne["geom_wkt"]).startswith("POINT (")
    assert ucdp["FF-2022-0001"]["date_prec"] == 5 and ucdp["FF-2022-0001"]["best"] == ""
    assert ucdp["FF-2023-0006"]["where_prec"] == 4
    assert ucdp["FF-2023-0002"]["event_clarity"] == 1  # admitted
    assert ucdp["FF-2023-0002"]["number_of_sources"] == 2
    kupyansk = ucdp["FF-2025-0001"]
    assert kupyansk["best"] == 5 and kupyansk["side_a"] == "Government of Ukraine"


def test_acled_rows_read_back(rows: dict[str, Rows]) -> None:
    for public_id, row in rows["acled"].items():
        incident = from_acled_row({k: str(v) for k, v in row.items()})
        assert incident.id == public_id
        assert incident.killed() == row["fatalities"] or row["fatalities"] == ""
    belgorod = from_acled_row({k: str(v) for k, v in rows["acled"]["FF-2023-0002"].items()})
    assert belgorod.location.admin1 == "RU-BEL" and belgorod.location.country == "RU"
    assert belgorod.date.precision is DatePrecision.DAY
    assert belgorod.claims[0].total(CasualtyKind.KILLED) == 0


def test_from_acled_row_reads_acleds_own_export() -> None:
    incident = from_acled_row(
        {
            "event_id_cnty": "RUS12345",
            "event_date": "20 April 2023",
            "time_precision": "3",
            "event_type": "Explosions/Remote violence",
            "sub_event_type": "Air/drone strike",
            "actor1": "Military Forces of Russia (2000-)",
            "assoc_actor_1": "Military Forces of Russia (2000-) Air Force",
            "actor2": "Civilians (Russia)",
            "iso": "643",
            "country": "Russia",
            "admin1": "Belgorod",
            "location": "Belgorod",
            "latitude": "50.5977",
            "longitude": "36.5858",
            "geo_precision": "1",
            "source": "Meduza",
            "notes": "On 20 April 2023, a Russian Su-34 dropped a bomb on Belgorod. No casualties.",
            "fatalities": "0",
        }
    )
    assert incident.id is None
    assert incident.title == "On 20 April 2023, a Russian Su-34 dropped a bomb on Belgorod"
    assert (incident.date.start.isoformat(), incident.date.precision) == (
        "2023-04-01",
        DatePrecision.MONTH,
    )
    assert incident.location.admin1 == "RU-BEL"
    assert incident.location.precision is LocationPrecision.TOWN
    assert incident.actors[0].side == "RU" and incident.actors[0].role.value == "firing"
    assert incident.mechanism.value == "air_to_ground"
    assert incident.killed() is None  # ACLED's 0 means "none reported", not a known zero


def test_from_acled_row_names_the_bad_column() -> None:
    with pytest.raises(InputError, match="event_date"):
        from_acled_row({"event_date": "yesterday"})
    with pytest.raises(InputError, match="--profile"):
        list(profile_rows("gtd", []))
