"""ISO 3166-1 country and ISO 639-1 language codes, from pycountry, cached between runs.

pycountry reads its whole language database (7,900 ISO 639-3 entries) to answer one
``alpha_2`` lookup, about 0.1 s; validating any stored source pays it. The two small tables
the schema needs are derived once and kept by :mod:`incidents.derived`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from incidents.derived import cached_json, package_file_stamp

__all__ = ["country_alpha2", "is_language"]

_FORMAT = "1"


@dataclass(frozen=True, slots=True)
class _Codes:
    alpha2_by_code: dict[str, str]  # alpha-2 and alpha-3 country code -> alpha-2
    languages: frozenset[str]  # ISO 639-1 codes


def _build() -> _Codes:
    import pycountry

    by_code: dict[str, str] = {}
    for country in pycountry.countries:
        by_code[country.alpha_2] = country.alpha_2
        by_code[country.alpha_3] = country.alpha_2
    languages = frozenset(
        lang.alpha_2 for lang in pycountry.languages if getattr(lang, "alpha_2", None)
    )
    return _Codes(by_code, languages)


def _dump(codes: _Codes) -> dict[str, object]:
    return {"countries": codes.alpha2_by_code, "languages": sorted(codes.languages)}


def _load(data: dict[str, object]) -> _Codes:
    countries, languages = data["countries"], data["languages"]
    if not (isinstance(countries, dict) and isinstance(languages, list)):
        raise ValueError("unexpected ISO code cache layout")
    return _Codes({str(k): str(v) for k, v in countries.items()}, frozenset(map(str, languages)))


@functools.cache
def _codes() -> _Codes:
    inputs = [
        _FORMAT,
        package_file_stamp("pycountry", "databases/iso3166-1.json", "databases/iso639-3.json"),
    ]
    return cached_json("iso-codes", inputs, _build, dump=_dump, load=_load)


def country_alpha2(code: str) -> str | None:
    """The alpha-2 code for an upper-case alpha-2 or alpha-3 country code, or None."""
    return _codes().alpha2_by_code.get(code)


def is_language(code: str) -> bool:
    """Whether ``code`` (lower case) is an ISO 639-1 language code."""
    return code in _codes().languages
