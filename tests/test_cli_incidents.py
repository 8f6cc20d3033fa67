"""The incident commands through Typer's CliRunner, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from incidents.db.engine import make_engine, session_scope
from incidents.db.models import ClaimRow, HistoryRow, IncidentRow, SourceRow
from tests.conftest import Invoke


def _ids(cli: Invoke, *args: str) -> list[str]:
    result = cli("list", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return [item["id"] for item in json.loads(result.stdout)]


def _counts(db_url: str) -> tuple[int, int, int, int]:
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        counts = tuple(
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (IncidentRow, ClaimRow, SourceRow, HistoryRow)
        )
    engine.dispose()
    return counts  # type: ignore[return-value]


@pytest.fixture
def loaded(cli: Invoke, three_yaml: Path) -> Invoke:
    result = cli("add", str(three_yaml))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["FF-2025-0001", "FF-2023-0001", "FF-2023-0002"]
    return cli


def test_init_creates_database_and_actor_lexicon(cli: Invoke) -> None:
    result = cli("init")
    assert result.exit_code == 0
    assert "created a new database" in result.stderr
    assert "actors in the lexicon" in result.stderr
    again = cli("init")
    assert "created" not in again.stderr


def test_show_lists_two_sources_for_belgorod(loaded: Invoke) -> None:
    result = loaded("show", "FF-2023-0001")
    assert result.exit_code == 0
    assert "Sources (2)" in result.stdout
    assert "Outlet A" in result.stdout and "Outlet B" in result.stdout
    assert "Claims (2)" in result.stdout
    assert "Belgorod" in result.stdout


def test_show_json_keeps_disagreeing_claims_and_explicit_zero(loaded: Invoke) -> None:
    data = json.loads(loaded("show", "FF-2023-0001", "--format", "json").stdout)
    by_claimant = {c["claimant"]: c for c in data["claims"]}
    mod = by_claimant["Russian Ministry of Defence"]["casualties"]
    assert {"kind": "wounded", "population": "civilian", "low": 0, "best": 0, "high": 0} in [
        {k: f[k] for k in ("kind", "population", "low", "best", "high")} for f in mod
    ]
    local = by_claimant["Belgorod local authorities"]["casualties"]
    assert [f["best"] for f in local] == [2]
    # Killed is unknown for the local authorities: absent, not zero.
    assert all(f["kind"] != "killed" for f in local)
    assert data["same_side"] is None  # only the firing side is known
    assert by_claimant["Russian Ministry of Defence"]["claimant_is_adversary"] is False


def test_region_filter_matches_every_spelling(loaded: Invoke) -> None:
    for spelling in ("Kharkiv Oblast", "Kharkiv region", "Kharkivska oblast", "Харківська область"):
        assert _ids(loaded, "--region", spelling) == ["FF-2025-0001"], spelling


def test_place_filter_matches_spelling_variants(loaded: Invoke) -> None:
    for spelling in ("Kupiansk", "Kupyansk", "Купянськ", "Куп'янськ", "KUPYANSK"):
        assert _ids(loaded, "--place", spelling) == ["FF-2025-0001"], spelling


def test_filters_combine(loaded: Invoke) -> None:
    assert _ids(loaded, "--country", "RU") == ["FF-2023-0001"]
    assert _ids(loaded, "--since", "2023-01-01", "--country", "UA") == [
        "FF-2023-0002",
        "FF-2025-0001",
    ]
    # A month-precision date overlaps any query day inside that month.
    assert _ids(loaded, "--since", "2023-09-15", "--until", "2023-09-16") == ["FF-2023-0002"]
    assert _ids(loaded, "--min-killed", "10") == ["FF-2023-0002"]
    assert _ids(loaded, "--mechanism", "accidental_release") == ["FF-2023-0001"]
    assert _ids(loaded, "--cause", "technical_malfunction") == ["FF-2023-0001"]
    assert _ids(loaded, "--cause", "misidentification", "--country", "UA") == [
        "FF-2023-0002",
        "FF-2025-0001",
    ]
    assert _ids(loaded, "--actor", "VKS") == ["FF-2023-0001"]  # alias of the Aerospace Forces
    assert _ids(loaded, "--actor", "diversion") == ["FF-2025-0001"]  # name as written
    assert _ids(loaded, "--side", "UA") == ["FF-2025-0001"]
    assert _ids(loaded, "--claimant", "security forces") == ["FF-2025-0001"]
    assert _ids(loaded, "--verification", "admitted") == ["FF-2023-0001"]
    assert _ids(loaded, "--near", "49.7,37.6", "--radius", "10") == ["FF-2025-0001"]
    assert _ids(loaded, "--near", "49.7,37.6", "--radius", "1") == []
    assert _ids(loaded, "--text", "inadvertently") == ["FF-2023-0001"]
    assert _ids(loaded, "--text", "artillery soldiers") == ["FF-2023-0002"]
    assert _ids(loaded, "--sort", "-killed", "--limit", "2") == ["FF-2023-0002", "FF-2025-0001"]


def test_list_formats(loaded: Invoke) -> None:
    rows = list(csv.DictReader(io.StringIO(loaded("list", "--format", "csv").stdout)))
    assert [r["id"] for r in rows] == ["FF-2023-0001", "FF-2023-0002", "FF-2025-0001"]
    assert rows[1]["killed"] == "27" and rows[1]["admin1"] == "UA-14"
    lines = loaded("list", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in rows]
    table = loaded("list").stdout
    assert "FF-2023-0002" in table and "3 incidents" in table


@pytest.mark.parametrize(
    "value",
    ["'; DROP TABLE incidents; --", '" OR 1=1 --', "NEAR(a b) * ^", "%", "_"],
)
def test_sql_looking_filter_values_are_just_text(loaded: Invoke, db_url: str, value: str) -> None:
    before = _counts(db_url)
    for option in ("--actor", "--claimant", "--text"):
        result = loaded("list", option, value, "--format", "json")
        assert result.exit_code == 0
        assert json.loads(result.stdout) == []
    assert _counts(db_url) == before


def test_unknown_region_is_a_one_line_error(loaded: Invoke) -> None:
    result = loaded("list", "--region", "Xarkiv oblastt")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown region" in lines[0] and "Kharkiv" in lines[0]


def test_bad_filter_values_name_the_option(loaded: Invoke) -> None:
    result = loaded("list", "--since", "2023-13-45")
    assert result.exit_code == 2 and "--since" in result.stderr
    result = loaded("list", "--country", "XX")
    assert result.exit_code == 2 and "--country" in result.stderr and "XX" in result.stderr
    result = loaded("list", "--since", "2024-01-01", "--until", "2023-01-01")
    assert result.exit_code == 2 and "before since" in result.stderr


def test_history_delete_restore(loaded: Invoke, db_url: str) -> None:
    result = loaded("delete", "FF-2023-0002", "--reason", "duplicate of a later report")
    assert result.exit_code == 0
    assert "FF-2023-0002" not in _ids(loaded)
    assert "FF-2023-0002" in _ids(loaded, "--include-deleted")
    shown = loaded("show", "FF-2023-0002")
    assert "deleted: duplicate of a later report" in shown.stdout
    assert loaded("delete", "FF-2023-0002", "--reason", "again").exit_code == 4
    assert loaded("restore", "FF-2023-0002").exit_code == 0
    assert "FF-2023-0002" in _ids(loaded)
    entries = json.loads(loaded("history", "FF-2023-0002", "--format", "json").stdout)
    assert [e["action"] for e in entries] == ["create", "delete", "restore"]
    assert entries[1]["reason"] == "duplicate of a later report"
    assert {e["user"] for e in entries} == {"tester"}


def test_delete_requires_a_reason(loaded: Invoke) -> None:
    result = loaded("delete", "FF-2023-0002", "--reason", "  ")
    assert result.exit_code == 2 and "--reason" in result.stderr
    assert "FF-2023-0002" in _ids(loaded)


def test_unknown_id_is_a_clear_error(loaded: Invoke) -> None:
    result = loaded("show", "FF-1999-0001")
    assert result.exit_code == 3
    assert result.stderr.strip() == "Error: no incident 'FF-1999-0001'"


def _editor_script(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake_editor.py"
    script.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\ntext = p.read_text()\n" + body
    )
    return f"{sys.executable} {script}"


def test_edit_in_editor_records_history(
    loaded: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "EDITOR",
        _editor_script(
            tmp_path, "p.write_text(text.replace('context: transit', 'context: combat'))"
        ),
    )
    result = loaded("edit", "FF-2023-0002", "--reason", "re-read the source")
    assert result.exit_code == 0, result.stderr
    assert "version 2" in result.stderr
    data = json.loads(loaded("show", "FF-2023-0002", "--format", "json").stdout)
    assert data["context"] == "combat" and data["version"] == 2
    entries = json.loads(loaded("history", "FF-2023-0002", "--format", "json").stdout)
    assert entries[-1]["action"] == "update"
    assert entries[-1]["changes"] == {"context": ["transit", "combat"]}
    assert entries[-1]["reason"] == "re-read the source"


def test_edit_with_invalid_yaml_changes_nothing(
    loaded: Invoke, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "EDITOR",
        _editor_script(tmp_path, "p.write_text(text.replace('count: 27', 'count: -27'))"),
    )
    before = loaded("show", "FF-2023-0002", "--format", "json").stdout
    counts = _counts(db_url)
    # The dump writes low/best/high, so break a figure the way a researcher might.
    monkeypatch.setenv(
        "EDITOR",
        _editor_script(tmp_path, "p.write_text(text.replace('best: 27', 'best: 99'))"),
    )
    result = loaded("edit", "FF-2023-0002")
    assert result.exit_code == 2
    assert "low <= best <= high" in result.stderr and "casualties" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert loaded("show", "FF-2023-0002", "--format", "json").stdout == before
    assert _counts(db_url) == counts


def test_edit_from_file_and_unchanged_edit(loaded: Invoke, tmp_path: Path) -> None:
    doc = loaded("show", "FF-2025-0001", "--format", "yaml").stdout
    path = tmp_path / "edit.yaml"
    path.write_text(doc.replace("verification: single_adversary_claim", "verification: contested"))
    result = loaded("edit", "FF-2025-0001", "--file", str(path), "--reason", "denied")
    assert result.exit_code == 0
    assert _ids(loaded, "--verification", "contested") == ["FF-2025-0001"]
    path.write_text(doc.replace("verification: single_adversary_claim", "verification: contested"))
    assert "no change" in loaded("edit", "FF-2025-0001", "--file", str(path)).stderr


def test_db_current_and_upgrade(cli: Invoke) -> None:
    assert cli("db", "current").stdout.startswith("empty")
    assert cli("db", "upgrade").exit_code == 0
    assert "up to date" in cli("db", "current").stdout
    assert cli("db", "downgrade", "base", "--yes").exit_code == 0
    assert cli("db", "current").stdout.startswith("empty")
    # Any other command brings an outdated database up to date, and says so.
    result = cli("list")
    assert "created a new database" in result.stderr
