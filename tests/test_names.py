"""normalize_name: the one matching key for place and region names."""

from __future__ import annotations

import pytest

from incidents.names import normalize_name, normalize_names


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Kupyansk", "kupyansk"),
        ("Купянськ", "kupyansk"),
        ("Куп'янськ", "kupyansk"),
        ("Куп’янськ", "kupyansk"),
        ("Kup’yans’k", "kupyansk"),
        ("Kup”yans’k", "kupyansk"),  # as GeoNames writes it
        ("Kupʼyansʼk", "kupyansk"),
        ("Kup`yans`k", "kupyansk"),
        ("Kupiansk", "kupiansk"),  # a different spelling: alternate names bridge it
        ("Харківська область", "kharkivska oblast"),
        ("Rostov-on-Don", "rostov on don"),
        ("  Ivano--Frankivsk,  Oblast ", "ivano frankivsk oblast"),
        ("ＫＵＰＹＡＮＳＫ", "kupyansk"),  # full-width, folded by NFKC
        ("Orël", "orel"),
        ("Straße", "strasse"),
        ("St. Petersburg", "st petersburg"),
        ("", ""),
        ("'-’", ""),
    ],
)
def test_normalize_name(text: str, key: str) -> None:
    assert normalize_name(text) == key


@pytest.mark.parametrize(
    "spellings",
    [
        ["Kupyansk", "Купянськ", "Куп'янськ", "Kup’yans’k", "KUPYANSK"],
        ["Kharkivska oblast", "Харківська область"],
        ["Bakhmut", "Бахмут"],
    ],
)
def test_spellings_meet(spellings: list[str]) -> None:
    assert len({normalize_name(s) for s in spellings}) == 1


def test_kupiansk_and_kupyansk_stay_apart() -> None:
    assert normalize_name("Kupiansk") != normalize_name("Kupyansk")


def test_keys_are_plain_ascii_words() -> None:
    for text in ["Kup”yans’k", "庫皮揚斯克", "کوپیانسک", "Łódź", "a\tb\nc"]:
        key = normalize_name(text)
        assert key.isascii() and key == key.strip() and "  " not in key
        assert all(ch.isalnum() or ch == " " for ch in key)


@pytest.mark.parametrize(
    "texts",
    [
        [],
        ["Kupyansk"],
        ["Куп'янськ", "", "Kup’yans’k", "Łódź", "庫皮揚斯克", " - "],
        ["line\nbreak", "Kupyansk"],  # falls back to one name at a time
        ["line\u2028separator", "x"],
    ],
)
def test_normalize_names_matches_normalize_name(texts: list[str]) -> None:
    assert normalize_names(texts) == [normalize_name(t) for t in texts]
