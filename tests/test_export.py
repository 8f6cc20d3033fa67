"""`incidents export` on SQLite and PostgreSQL: files parsed back by csv, pandas and GeoPandas."""

from __future__ import annotations

import csv
import io
import json
import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd  # type: ignore[import-untyped]
import pandas as pd  # type: ignore[import-untyped]
import pytest
from sqlalchemy import text

from incidents.db.engine import make_engine
from incidents.exchange.dictionary import (
    ACTORS,
    CLAIM_COLUMNS,
    CLAIMS,
    FLAT_COLUMNS,
    SOURCES,
    dictionary_markdown,
)
from incidents.exchange.documents import load_file
from incidents.exchange.flat import write_csv
from incidents.exchange.geojson import write_geojson
from incidents.schema import IncidentRecord
from tests.conftest import ROOT, Invoke

DISAGREE_YAML = """
incidents:
  - title: "=HYPERLINK(\\"http://evil.invalid\\",\\"click\\")"
    date: 2024-03-02
    location: {name_as_written: "@somewhere"}
    weapons: ["+drone", "-mortar"]
    notes: "-1 is not a formula"
    sources:
      - {ref: d-a, outlet: Outlet A, url: "https://a.example/x"}
      - {ref: d-b, outlet: Outlet B}
      - {ref: d-c, outlet: Outlet C}
      - {ref: d-d, outlet: Outlet D}
    claims:
      - source: d-a
        claimant: "=cmd|' /C calc'!A0"
        stance: asserts
        casualties:
          - {kind: killed, population: military, low: 3, best: 5, high: 10}
          - {kind: killed, population: civilian, count: 1}
      - source: d-b
        claimant: Second
        casualties: [{kind: killed, population: military, count: 8}]
      - source: d-c
        claimant: Denier
        stance: denies
        casualties: [{kind: killed, population: military, count: 100}]
      - source: d-d
        claimant: Doubter
        stance: unconfirmed
        casualties: [{kind: killed, population: military, low: 2, high: 4}]
"""


@pytest.fixture
def loaded(cli: Invoke, three_yaml: Path) -> Invoke:
    result = cli("add", str(three_yaml))
    assert result.exit_code == 0, result.stderr
    return cli


@pytest.fixture
def disagreeing(loaded: Invoke, tmp_path: Path) -> Invoke:
    """The three incidents plus FF-2024-0001: formula-like text, four disagreeing claims."""
    path = tmp_path / "disagree.yaml"
    path.write_text(DISAGREE_YAML, encoding="utf-8")
    result = loaded("add", str(path))
    assert result.exit_code == 0, result.stderr
    return loaded


def _export(cli: Invoke, *args: str) -> str:
    result = cli("export", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _rows(text_: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text_)))


def test_flat_csv_parsed_by_csv_and_pandas(loaded: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "incidents.csv"
    _export(loaded, "--format", "csv", "-o", str(out))
    with out.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == FLAT_COLUMNS
        rows = {r["id"]: r for r in reader}
    opytne = rows["FF-2023-0002"]
    assert opytne["date_start"] == "2023-09-01" and opytne["date_precision"] == "month"
    assert opytne["killed"] == opytne["killed_low"] == opytne["killed_high"] == "27"
    assert opytne["hit"] == "27 Russian soldiers" and opytne["same_side"] == "true"
    belgorod = rows["FF-2023-0001"]
    assert belgorod["weapons"] == "Su-34 | FAB-500" and belgorod["source_count"] == "2"
    assert belgorod["claimants"] == "Russian Ministry of Defence | Belgorod local authorities"
    # An explicit zero stays 0; a kind no claim counts is empty (unknown).
    assert belgorod["killed"] == "0" and belgorod["missing"] == ""
    assert (belgorod["wounded_low"], belgorod["wounded"]) == ("0", "2")

    frame = pd.read_csv(out, parse_dates=["date_start", "date_end"]).set_index("id")
    assert list(frame.reset_index().columns) == list(FLAT_COLUMNS)
    assert frame.loc["FF-2023-0002", "killed"] == 27
    assert frame.loc["FF-2025-0001", "admin1"] == "UA-63"
    assert frame.loc["FF-2025-0001", "latitude"] == pytest.approx(49.71, abs=0.01)
    assert frame.loc["FF-2023-0002", "date_end"] == pd.Timestamp("2023-09-30")


def test_filters_apply_to_export(loaded: Invoke) -> None:
    rows = _rows(_export(loaded, "--country", "UA", "--sort", "-killed"))
    assert [r["id"] for r in rows] == ["FF-2023-0002", "FF-2025-0001"]
    assert _rows(_export(loaded, "--min-killed", "100")) == []


def test_excel_adds_the_bom(loaded: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "excel.csv"
    _export(loaded, "--excel", "-o", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,title,")
    assert list(pd.read_csv(out, encoding="utf-8-sig").columns)[0] == "id"
    plain = tmp_path / "plain.csv"
    _export(loaded, "-o", str(plain))
    assert plain.read_bytes().startswith(b"id,title,")


def test_formula_injection_is_neutralised_in_csv_only(disagreeing: Invoke) -> None:
    row = {r["id"]: r for r in _rows(_export(disagreeing))}["FF-2024-0001"]
    assert row["title"].startswith("'=HYPERLINK(")
    assert row["place_as_written"] == "'@somewhere"
    assert row["weapons"] == "'+drone | -mortar"
    assert row["notes"] == "'-1 is not a formula"
    assert row["claimants"].startswith("'=cmd|")
    claims = {r["claimant"] for r in _rows(_export(disagreeing, "--per", "claim"))}
    assert "'=cmd|' /C calc'!A0" in claims
    raw = {r["id"]: r for r in _rows(_export(disagreeing, "--raw"))}["FF-2024-0001"]
    assert raw["title"].startswith("=HYPERLINK(")
    # Negative numbers are numbers, not text: never prefixed.
    assert all(
        not v.startswith("'-") for r in _rows(_export(disagreeing)) for v in (r["longitude"],)
    )
    line = next(
        json.loads(x)
        for x in _export(disagreeing, "-f", "jsonl").splitlines()
        if '"FF-2024-0001"' in x
    )
    assert line["title"].startswith("=HYPERLINK(")


def test_casualty_rule_when_claims_disagree(disagreeing: Invoke) -> None:
    row = {r["id"]: r for r in _rows(_export(disagreeing))}["FF-2024-0001"]
    # Claims (populations added): 4/6/11, 8/8/8, denied 100, unconfirmed 2/2/4.
    # best = highest best (8), low = lowest low (2), high = highest high (11); denial ignored.
    assert (row["killed_low"], row["killed"], row["killed_high"]) == ("2", "8", "11")
    assert row["wounded"] == ""
    assert row["source_count"] == "4"
    assert row["sources"] == "https://a.example/x | Outlet B | Outlet C | Outlet D"
    per_claim = {r["claimant"]: r for r in _rows(_export(disagreeing, "--raw", "--per", "claim"))}
    first = per_claim["=cmd|' /C calc'!A0"]
    assert (first["killed_low"], first["killed"], first["killed_high"]) == ("4", "6", "11")
    assert per_claim["Denier"]["stance"] == "denies" and per_claim["Denier"]["killed"] == "100"


def test_per_claim_rows(loaded: Invoke) -> None:
    rows = _rows(_export(loaded, "--per", "claim"))
    assert tuple(rows[0]) == CLAIM_COLUMNS
    belgorod = [r for r in rows if r["incident_id"] == "FF-2023-0001"]
    assert [r["claim_id"] for r in belgorod] == ["FF-2023-0001/c1", "FF-2023-0001/c2"]
    assert [r["outlet"] for r in belgorod] == ["Outlet A", "Outlet B"]
    assert belgorod[1]["claimant"] == "Belgorod local authorities"
    assert belgorod[1]["killed"] == "" and belgorod[1]["wounded"] == "2"
    kupyansk = next(r for r in rows if r["incident_id"] == "FF-2025-0001")
    assert kupyansk["claimant_side"] == "RU" and kupyansk["affected_side"] == "UA"
    assert kupyansk["claimant_is_adversary"] == "true" and kupyansk["stance"] == "asserts"
    assert kupyansk["claimed_causes"] == "misidentification"
    assert kupyansk["published"] == "2025-11-22" and kupyansk["source_ref"] == "t-kupyansk"


def test_jsonl_is_the_full_nested_schema(loaded: Invoke) -> None:
    lines = _export(loaded, "--format", "jsonl").splitlines()
    records = [IncidentRecord.model_validate_json(line) for line in lines]
    assert [r.id for r in records] == ["FF-2023-0001", "FF-2023-0002", "FF-2025-0001"]
    assert records[0].sources[0].text and len(records[0].claims) == 2
    shown = json.loads(loaded("show", "FF-2023-0002", "--format", "json").stdout)
    assert json.loads(lines[1]) == shown


def test_geojson_loads_in_geopandas(loaded: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "incidents.geojson"
    _export(loaded, "--format", "geojson", "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 3
    frame = gpd.read_file(out).set_index("id")
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    kupyansk = frame.loc["FF-2025-0001"]
    assert (kupyansk.geometry.x, kupyansk.geometry.y) == pytest.approx((37.62, 49.71), abs=0.01)
    assert int(frame.loc["FF-2023-0002", "killed"]) == 27
    assert frame.loc["FF-2023-0001", "weapons"] == "Su-34 | FAB-500"
    assert set(FLAT_COLUMNS) <= set(frame.reset_index().columns)


def test_geojson_keeps_incidents_without_coordinates(disagreeing: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "all.geojson"
    _export(disagreeing, "-f", "geojson", "-o", str(out))
    frame = gpd.read_file(out).set_index("id")
    assert len(frame) == 4
    assert frame.loc["FF-2024-0001"].geometry is None
    assert frame.loc["FF-2024-0001", "title"].startswith("=HYPERLINK(")  # not a spreadsheet


def test_tables_are_joinable_and_described(loaded: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "tables"
    result = loaded("export", "--tables", str(out))
    assert result.exit_code == 0, result.stderr
    assert "3 incidents, 4 actors, 4 sources, 4 claims" in result.stderr
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    for resource in package["resources"]:
        with (out / resource["path"]).open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert header == [f["name"] for f in resource["schema"]["fields"]]
    by_name = {r["name"]: r for r in package["resources"]}
    assert by_name["claims"]["schema"]["primaryKey"] == list(CLAIMS.primary_key)
    assert [r["name"] for r in package["resources"]] == ["incidents", "actors", "sources", "claims"]

    incidents = pd.read_csv(out / "incidents.csv")
    actors = pd.read_csv(out / "actors.csv")
    sources = pd.read_csv(out / "sources.csv")
    claims = pd.read_csv(out / "claims.csv")
    assert list(actors.columns) == list(ACTORS.names)
    assert list(sources.columns) == list(SOURCES.names)
    assert sources["source_ref"].is_unique and claims["claim_id"].is_unique
    joined = claims.merge(sources, on="source_ref", suffixes=("", "_src")).merge(
        incidents, left_on="incident_id", right_on="id", suffixes=("", "_inc")
    )
    assert len(joined) == len(claims) == 4
    opytne = joined[joined["incident_id"] == "FF-2023-0002"].iloc[0]
    assert opytne["outlet"] == "Kyiv Post" and opytne["killed"] == 27
    hit = actors[(actors["incident_id"] == "FF-2023-0002") & (actors["role"] == "hit")]
    assert list(hit["name_as_written"]) == ["27 Russian soldiers"]


def test_view_has_the_csv_columns_and_values(loaded: Invoke, db_url: str) -> None:
    exported = {r["id"]: r for r in _rows(_export(loaded, "--raw"))}
    engine = make_engine(db_url)
    with engine.connect() as conn:
        result = conn.execute(text("SELECT * FROM incidents_flat ORDER BY id"))
        columns = tuple(result.keys())
        view = [dict(zip(columns, row, strict=True)) for row in result]
    engine.dispose()
    assert columns == FLAT_COLUMNS
    assert [r["id"] for r in view] == sorted(exported)
    for row in view:
        csv_row = exported[row["id"]]
        for name in FLAT_COLUMNS:
            value = "" if row[name] is None else str(row[name])
            assert value == csv_row[name], (row["id"], name)


def test_view_applies_the_casualty_rule(disagreeing: Invoke, db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT killed_low, killed, killed_high, claimants, sources, weapons "
                "FROM incidents_flat WHERE id = 'FF-2024-0001'"
            )
        ).one()
    engine.dispose()
    assert tuple(row[:3]) == (2, 8, 11)
    assert row.claimants == "=cmd|' /C calc'!A0 | Second | Denier | Doubter"
    assert row.sources == "https://a.example/x | Outlet B | Outlet C | Outlet D"
    assert row.weapons == "+drone | -mortar"


def test_profile_is_wired_to_the_profiles_module(
    loaded: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("incidents.exchange.profiles")

    def profile_rows(name: str, records: Iterable[IncidentRecord]) -> Iterator[dict[str, object]]:
        for r in records:
            yield {"event_id": r.id, "note": "=not a formula", "profile": name}

    fake.PROFILES = {"acled": ["event_id", "note", "profile"]}  # type: ignore[attr-defined]
    fake.profile_rows = profile_rows  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "incidents.exchange.profiles", fake)
    rows = _rows(_export(loaded, "--profile", "acled", "--country", "UA"))
    assert rows == [
        {"event_id": i, "note": "'=not a formula", "profile": "acled"}
        for i in ("FF-2023-0002", "FF-2025-0001")
    ]
    unknown = loaded("export", "--profile", "nope")
    assert unknown.exit_code == 2 and "acled" in unknown.stderr
    monkeypatch.setitem(sys.modules, "incidents.exchange.profiles", None)
    missing = loaded("export", "--profile", "acled")
    assert missing.exit_code == 2 and "not available" in missing.stderr


def test_real_profiles_write_their_columns(loaded: Invoke) -> None:
    profiles = pytest.importorskip("incidents.exchange.profiles")
    for name, columns in profiles.PROFILES.items():
        text_ = _export(loaded, "--profile", name)
        assert next(csv.reader(io.StringIO(text_))) == list(columns), name


@pytest.mark.parametrize(
    "args",
    [
        ["-f", "jsonl", "--per", "claim"],
        ["-f", "geojson", "--excel"],
        ["--tables", "x", "-o", "y.csv"],
    ],
)
def test_option_combinations_that_make_no_sense_are_refused(cli: Invoke, args: list[str]) -> None:
    result = cli("export", *args)
    assert result.exit_code == 2


def _records() -> list[IncidentRecord]:
    docs = load_file(ROOT / "tests" / "fixtures" / "three.yaml")
    return [
        IncidentRecord.model_validate({**d.model_dump(), "id": f"FF-2099-{n:04d}"})
        for n, d in enumerate(docs, start=1)
    ]


def _watching(records: list[IncidentRecord], out: io.StringIO, seen: list[int]) -> Iterator[Any]:
    """Yield records, noting how much was already written each time the next is asked for."""
    for record in records:
        seen.append(len(out.getvalue()))
        yield record


@pytest.mark.parametrize("writer", [write_csv, write_geojson], ids=["csv", "geojson"])
def test_writers_stream_one_record_at_a_time(writer: Any) -> None:
    out = io.StringIO()
    seen: list[int] = []
    assert writer(_watching(_records(), out, seen), out) == 3
    # Output grows between records: nothing waits for the whole result set.
    assert seen[0] < seen[1] < seen[2] < len(out.getvalue())


def test_data_dictionary_doc_is_generated_from_the_specs() -> None:
    doc = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert doc == dictionary_markdown()
    for name in (*FLAT_COLUMNS, *CLAIM_COLUMNS):
        assert f"| `{name}` |" in doc
    assert "highest claim best" in doc and '" | "' in doc
