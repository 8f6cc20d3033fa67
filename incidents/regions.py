"""Admin1 regions (ISO 3166-2 top-level subdivisions) resolved from any common spelling.

Names come from pycountry, its gettext translations and ``data/admin1_aliases.yaml``;
every name is matched by its :func:`incidents.names.normalize_name` key.
"""

from __future__ import annotations

import csv
import functools
import gettext
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from incidents.derived import cached_json, package_file_stamp
from incidents.errors import UnknownRegionError
from incidents.names import normalize_name

__all__ = [
    "Region",
    "admin1_from_geonames",
    "find_regions",
    "find_regions_by_head",
    "get_region",
    "region_aliases",
    "resolve_region",
]

TRANSLATION_LANGUAGES = ("uk", "ru", "be", "en", "de", "fr", "pl")
# Suffix families used to generate "<stem> region" forms; a krai is never called an oblast.
_SUFFIX_FAMILIES = (
    ("oblast", "region", "province"),
    ("krai", "kray", "territory", "region"),
)
_CODE = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")
# "Al Anbār", "Ar Raqqah", "An Najaf": English usually drops the Arabic article. Only in
# Arabic-speaking countries ("El Progreso", "An Giang" are Guatemalan and Vietnamese
# names), and "El" only hyphenated: "El Oued" is not called "Oued", as "Al-Wadi" is not "Wadi".
_ARTICLE = re.compile(r"^(?:(?:[Aa][lnrsdzt]|[Aa]sh)[ \-‐]|[Ee]l[\-‐])(?=\w{4})")
_ARABIC_SPEAKING = frozenset(
    "AE BH DJ DZ EG EH ER IL IQ JO KM KW LB LY MA MR OM PS QA SA SD SO SY TD TN YE".split()
)
# "Thừa Thiên-Huế", "Sistan and Baluchestan": provinces merged under a compound name, each
# part still written alone ("Thua Thien Province").
_COMPOUND = re.compile(r"\s*(?:[-–‐]|\band\b|\bi\b|\bet\b|\by\b)\s*")
_SUGGESTION_CUTOFF = 70.0


@dataclass(frozen=True, slots=True)
class Region:
    """One admin1 region; ``english_name`` is the display name."""

    code: str
    country: str
    name: str
    english_name: str


@dataclass(slots=True)
class _Index:
    regions: dict[str, Region] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)  # code -> names as written
    codes_by_key: dict[str, list[str]] = field(default_factory=dict)

    def add(self, code: str, name: str, *, explicit: bool = True) -> None:
        key = normalize_name(name)
        if not key:
            return
        codes = self.codes_by_key.setdefault(key, [])
        if code not in codes:
            # A generated form must not steal a name another region really has.
            if not explicit and codes:
                return
            codes.append(code)
        if name not in self.names[code]:
            self.names[code].append(name)


def _read_data(name: str) -> str:
    return resources.files("incidents").joinpath(f"data/{name}").read_text(encoding="utf-8")


def _load_aliases() -> dict[str, list[str]]:
    import pycountry
    import yaml

    raw = yaml.safe_load(_read_data("admin1_aliases.yaml"))
    if not isinstance(raw, dict):
        raise ValueError("admin1_aliases.yaml: expected a mapping of code -> list of names")
    aliases: dict[str, list[str]] = {}
    for code, names in raw.items():
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise ValueError(f"admin1_aliases.yaml: {code}: expected a non-empty list of names")
        subdivision = pycountry.subdivisions.get(code=str(code))  # type: ignore[no-untyped-call]
        if subdivision is None or subdivision.parent_code is not None:
            raise ValueError(f"admin1_aliases.yaml: {code} is not a top-level ISO 3166-2 code")
        aliases[str(code)] = names
    return aliases


def _translators() -> list[gettext.NullTranslations]:
    import pycountry

    found: list[gettext.NullTranslations] = []
    for language in TRANSLATION_LANGUAGES:
        try:
            found.append(gettext.translation("iso3166-2", pycountry.LOCALES_DIR, [language]))
        except OSError:  # a pycountry build without this language
            continue
    return found


def _official_forms(name: str) -> Iterable[str]:
    yield name
    # ISO writes republics inverted ("Adygeya, Respublika"); people write "Respublika Adygeya".
    head, sep, tail = name.partition(", ")
    if sep:
        yield f"{tail} {head}"


def _generated_forms(alias: str) -> Iterable[str]:
    stem, _, last = alias.rpartition(" ")
    for family in _SUFFIX_FAMILIES:
        if stem and last.casefold() in family:
            for suffix in family:
                yield f"{stem} {suffix.capitalize()}"


# Bump when the cached index's layout or the way it is built changes.
_INDEX_FORMAT = "1"


@functools.cache
def _index_inputs() -> tuple[str | bytes, ...]:
    """Everything the index is built from: a change to any of them names a new cache file.

    Read once per process: both cached tables are keyed by it.
    """
    locales = [f"locales/{lang}/LC_MESSAGES/iso3166-2.mo" for lang in TRANSLATION_LANGUAGES]
    sources = [resources.files("incidents").joinpath(m).read_bytes() for m in _BUILT_BY]
    return (
        _INDEX_FORMAT,
        package_file_stamp("pycountry", "databases/iso3166-2.json", *locales),
        package_file_stamp("anyascii", "__init__.py"),
        _read_data("admin1_aliases.yaml"),
        *sources,
    )


# The modules whose code decides the index's content (build logic, name normalisation).
_BUILT_BY = ("regions.py", "names.py")


def _dump_index(index: _Index) -> dict[str, object]:
    return {
        "regions": [[r.code, r.country, r.name, r.english_name] for r in index.regions.values()],
        "names": index.names,
        "codes_by_key": index.codes_by_key,
    }


def _load_index(data: dict[str, list[list[str]] | dict[str, list[str]]]) -> _Index:
    rows = data["regions"]
    names = data["names"]
    codes_by_key = data["codes_by_key"]
    if not (isinstance(rows, list) and isinstance(names, dict) and isinstance(codes_by_key, dict)):
        raise ValueError("unexpected admin1 index layout")
    regions = {row[0]: Region(row[0], row[1], row[2], row[3]) for row in rows}
    return _Index(regions=regions, names=names, codes_by_key=codes_by_key)


@functools.cache
def _index() -> _Index:
    # Building takes about 0.6 s (pycountry's subdivisions and translations); a cached copy
    # keeps `incidents show` and `list --region` from paying it on every run.
    return cached_json(
        "admin1-index", _index_inputs(), _build_index, dump=_dump_index, load=_load_index
    )


@functools.cache
def _regions() -> dict[str, Region]:
    # Looking a region up by code (every stored location does) needs only this small table,
    # not the name index: a separate cache file, read in a few milliseconds.
    return cached_json(
        "admin1-regions",
        _index_inputs(),
        lambda: _index().regions,
        dump=lambda regions: [
            [r.code, r.country, r.name, r.english_name] for r in regions.values()
        ],
        load=lambda rows: {row[0]: Region(row[0], row[1], row[2], row[3]) for row in rows},
    )


def _build_index() -> _Index:
    # pycountry and YAML load only when the index is built, not when it is read back.
    import pycountry

    aliases = _load_aliases()
    translators = _translators()
    index = _Index()
    top_level = [s for s in pycountry.subdivisions if s.parent_code is None]
    for sub in top_level:
        english = aliases.get(sub.code, [sub.name])[0]
        index.regions[sub.code] = Region(sub.code, sub.country_code, sub.name, english)
        index.names[sub.code] = []
    # Official names and curated aliases first; translations and generated forms only
    # fill gaps, because a few pycountry .mo entries are wrong (one calls Vitebsk "Brest").
    for sub in top_level:
        for form in _official_forms(sub.name):
            index.add(sub.code, form)
        for alias in aliases.get(sub.code, []):
            index.add(sub.code, alias)
    # Article-less forms fill gaps only: "Najaf" is An Najaf unless another region is Najaf.
    for code, written in list(index.names.items()):
        if index.regions[code].country not in _ARABIC_SPEAKING:
            continue
        for name in written:
            if _ARTICLE.match(name):
                index.add(code, _ARTICLE.sub("", name), explicit=False)
    for sub in top_level:
        for translator in translators:
            translated = translator.gettext(sub.name)
            if translated != sub.name:
                index.add(sub.code, translated, explicit=False)
    for code, names in aliases.items():
        for alias in names:
            for form in _generated_forms(alias):
                index.add(code, form, explicit=False)
    return index


def get_region(code: str) -> Region | None:
    """The admin1 region with this ISO 3166-2 code (case-insensitive), or None."""
    return _regions().get(code.strip().upper())


def region_aliases(code: str) -> list[str]:
    """Every name a region is matched by, as written; [] for an unknown code."""
    return list(_index().names.get(code.strip().upper(), []))


def find_regions(text: str, *, country: str | None = None) -> list[Region]:
    """All regions whose code or any name matches ``text`` (several if ambiguous)."""
    wanted = country.strip().upper() if country else None
    if _CODE.match(text.strip()):
        region = get_region(text)
        return [region] if region and wanted in (None, region.country) else []
    index = _index()
    key = normalize_name(text)
    codes = index.codes_by_key.get(key)
    if codes is None and key.startswith("the "):
        codes = index.codes_by_key.get(key[4:])
    regions = [index.regions[code] for code in codes or []]
    return sorted(
        (r for r in regions if wanted in (None, r.country)), key=lambda region: region.code
    )


@functools.cache
def _heads() -> dict[str, list[str]]:
    """The first part of each compound region name -> the regions it opens."""
    index = _index()
    heads: dict[str, list[str]] = {}
    for code, written in index.names.items():
        for name in written:
            parts = _COMPOUND.split(name, maxsplit=1)
            if len(parts) < 2 or not parts[1]:
                continue
            arabic = index.regions[code].country in _ARABIC_SPEAKING
            key = normalize_name(_ARTICLE.sub("", parts[0]) if arabic else parts[0])
            if len(key) >= 4 and code not in heads.setdefault(key, []):
                heads[key].append(code)
    return heads


def find_regions_by_head(text: str) -> list[Region]:
    """Regions whose compound name opens with ``text`` ("Thua Thien" -> Thừa Thiên-Huế).

    For a name written with its region word ("Thua Thien Province") that no region has in
    full; a bare name is not looked up this way ("Baden" is a town before a region part).
    """
    index = _index()
    heads = _heads()
    codes = heads.get(normalize_name(text)) or [
        code
        for code in heads.get(normalize_name(_ARTICLE.sub("", text)), [])
        if index.regions[code].country in _ARABIC_SPEAKING
    ]
    return sorted((index.regions[c] for c in codes), key=lambda region: region.code)


def _describe(regions: Iterable[Region]) -> str:
    return ", ".join(f"{r.english_name} ({r.code})" for r in regions)


def _suggest(text: str, country: str | None, limit: int = 3) -> list[Region]:
    from rapidfuzz import fuzz, process

    index = _index()
    keys = [
        key
        for key, codes in index.codes_by_key.items()
        if country is None or any(index.regions[c].country == country for c in codes)
    ]
    matches = process.extract(
        normalize_name(text),
        keys,
        scorer=fuzz.ratio,
        limit=limit * 4,
        score_cutoff=_SUGGESTION_CUTOFF,
    )
    found: dict[str, Region] = {}
    # Only near-ties with the best match: one good suggestion beats three vague ones.
    floor = matches[0][1] - 5 if matches else 0.0
    for key, score, _ in matches:
        if score < floor:
            break
        for code in index.codes_by_key[key]:
            region = index.regions[code]
            if country is None or region.country == country:
                found.setdefault(code, region)
    return list(found.values())[:limit]


def resolve_region(text: str, *, country: str | None = None) -> Region:
    """The one region ``text`` names; UnknownRegionError with suggestions otherwise."""
    matches = find_regions(text, country=country)
    if len(matches) == 1:
        return matches[0]
    # repr() keeps the message on one line whatever the input holds.
    shown = repr(text if len(text) <= 80 else text[:77] + "...")
    if matches:
        raise UnknownRegionError(
            f"ambiguous region {shown}: could be {_describe(matches)}; give a country"
        )
    wanted = country.strip().upper() if country else None
    suggestions = _suggest(text, wanted)
    if suggestions:
        raise UnknownRegionError(f"unknown region {shown}: did you mean {_describe(suggestions)}?")
    raise UnknownRegionError(f"unknown region {shown}")


@functools.cache
def _geonames_admin1() -> dict[tuple[str, str], str]:
    reader = csv.DictReader(io.StringIO(_read_data("geonames_admin1.csv")))
    return {(row["country"], row["geonames_admin1"]): row["iso_3166_2"] for row in reader}


def admin1_from_geonames(country: str, geonames_admin1: str) -> str | None:
    """ISO 3166-2 code for a GeoNames admin1 code; None when not mapped (never guessed)."""
    return _geonames_admin1().get((country.upper(), geonames_admin1))
