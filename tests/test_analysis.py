"""stats, timeline and changes on the sample incidents, on SQLite and PostgreSQL.

Expected numbers are worked out by hand from data/sample_incidents.yaml (9 incidents):
killed per incident (highest total among non-denying claims) is FF-2023-0002: 0,
FF-2023-0003: 27, FF-2023-0006: 2, FF-2025-0001: 5, unknown for the other five; wounded
is FF-2023-0002: 2 (max of 2 and 0), FF-2023-0003: 34, FF-2025-0001: 3.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Invoke

SAMPLE = ROOT / "data" / "sample_incidents.yaml"


@pytest.fixture
def sample(cli: Invoke) -> Invoke:
    result = cli("add", str(SAMPLE))
    assert result.exit_code == 0, result.stderr
    return cli


def _json(cli: Invoke, *args: str) -> Any:
    result = cli(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _by_key(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int, int, int, int]]:
    return {
        r["key"]: (r["incidents"], r["killed"], r["killed_known"], r["wounded"], r["wounded_known"])
        for r in rows
    }


# Edited through the CLI: a small incident without assessed causes (see test_changes_*).
MINIMAL = """
id: FF-2024-0100
title: Test incident for the change log
date: 2024-03-01
mechanism: drone
sources: [{ref: test-src, outlet: Test Outlet}]
claims: [{claimant: Test claimant}]
"""


def _graded_sample(tmp_path: Path, grades: dict[str, str]) -> Path:
    """A copy of the sample with some incidents given another verification grade."""
    blocks = SAMPLE.read_text(encoding="utf-8").split("\n  - id: ")
    for i, block in enumerate(blocks):
        public_id = block.split("\n", 1)[0].strip()
        if public_id in grades:
            old = "verification: single_adversary_claim"
            assert old in block
            blocks[i] = block.replace(old, f"verification: {grades[public_id]}")
    path = tmp_path / "graded.yaml"
    # text_file paths are relative to the YAML file.
    path.write_text("\n  - id: ".join(blocks).replace("seeds/", f"{SAMPLE.parent}/seeds/"))
    return path


def test_stats_by_year(sample: Invoke) -> None:
    rows = _json(sample, "stats", "--by", "year")
    assert [r["key"] for r in rows] == ["2022", "2023", "2024", "2025"]
    assert _by_key(rows) == {
        "2022": (1, 0, 0, 0, 0),
        "2023": (6, 29, 3, 36, 2),
        "2024": (1, 0, 0, 0, 0),
        "2025": (1, 5, 1, 3, 1),
    }


def test_stats_by_country(sample: Invoke) -> None:
    assert _by_key(_json(sample, "stats", "--by", "country")) == {
        "UA": (4, 32, 2, 37, 2),
        "(unknown)": (3, 0, 0, 0, 0),
        "RU": (2, 2, 2, 2, 1),
    }


def test_stats_by_mechanism(sample: Invoke) -> None:
    assert _by_key(_json(sample, "stats", "--by", "mechanism")) == {
        "indirect_fire": (3, 27, 1, 34, 1),
        "direct_fire": (2, 5, 1, 3, 1),
        "accidental_release": (2, 0, 1, 2, 1),
        "air_defence": (2, 2, 1, 0, 0),
    }


def test_stats_combines_with_list_filters(sample: Invoke) -> None:
    assert _by_key(_json(sample, "stats", "--by", "mechanism", "--country", "UA")) == {
        "direct_fire": (2, 5, 1, 3, 1),
        "indirect_fire": (1, 27, 1, 34, 1),
        "accidental_release": (1, 0, 0, 0, 0),
    }


def test_stats_by_region_and_verification(sample: Invoke) -> None:
    regions = {
        r["key"]: (r["label"], r["incidents"]) for r in _json(sample, "stats", "--by", "region")
    }
    assert regions["UA-09"] == ("UA-09 Luhansk Oblast", 2)
    assert regions["UA-63"] == ("UA-63 Kharkiv Oblast", 1)
    assert regions["(unknown)"][1] == 3
    grades = _by_key(_json(sample, "stats", "--by", "verification"))
    assert list(grades) == ["admitted", "single_adversary_claim"]  # ladder order
    assert grades["admitted"][0] == 3 and grades["single_adversary_claim"][0] == 6


def test_stats_table_has_bars_and_sums(sample: Invoke) -> None:
    result = sample("stats", "--by", "country")
    assert result.exit_code == 0, result.stderr
    ua = next(line for line in result.stdout.splitlines() if " UA " in line)
    assert "█" * 30 in ua and "32 (2 of 4 known)" in ua
    assert "9 incidents" in result.stdout


def test_stats_by_claimant_shows_track_record(cli: Invoke, tmp_path: Path) -> None:
    graded = _graded_sample(tmp_path, {"FF-2023-0003": "contested", "FF-2023-0006": "discounted"})
    assert cli("add", str(graded)).exit_code == 0
    sample = cli
    rows = {r["key"]: r for r in _json(sample, "stats", "--by", "claimant")}
    kyiv = rows["Kyiv Post"]
    assert (kyiv["incidents"], kyiv["killed"], kyiv["killed_known"]) == (4, 29, 2)
    assert kyiv["track_record"] == {
        "claims": 4,
        "corroborated": 1,  # FF-2024-0001, admitted
        "contested": 1,
        "discounted": 1,
        "pending": 1,  # FF-2023-0004, a single adversary claim
        "denials": 0,
    }
    assert rows["Russian Ministry of Defence"]["track_record"]["corroborated"] == 1
    table = sample("stats", "--by", "claimant").stdout
    assert "Track record" in table and "Corroborated" in table and "Kyiv Post" in table


def test_timeline_counts_every_month(sample: Invoke) -> None:
    months = _json(sample, "timeline")
    assert months[0] == {"month": "2022-02", "incidents": 1}
    assert months[-1] == {"month": "2025-10", "incidents": 1}
    assert len(months) == 45  # February 2022 .. October 2025, empty months included
    counts = {m["month"]: m["incidents"] for m in months}
    assert counts["2023-12"] == 3 and counts["2023-04"] == 1 and counts["2023-05"] == 0
    assert sum(counts.values()) == 9
    chart = sample("timeline").stdout
    assert "2023-12 3 " in chart and "█" in chart


def test_timeline_plot_writes_a_png(sample: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "timeline.png"
    result = sample("timeline", "--since", "2023-01-01", "--plot", str(path))
    assert result.exit_code == 0, result.stderr
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
    assert f"wrote {path}" in result.stderr.replace("\n", "")


def test_changes_since_lists_creates_updates_and_deletes(sample: Invoke, tmp_path: Path) -> None:
    created = _json(sample, "changes", "--since", "2000-01-01")
    assert len(created) == 9 and {c["action"] for c in created} == {"create"}
    doc = tmp_path / "minimal.yaml"
    doc.write_text(MINIMAL, encoding="utf-8")
    assert sample("add", str(doc)).exit_code == 0
    mid = datetime.now(UTC).isoformat()
    doc.write_text(MINIMAL.replace("mechanism: drone", "mechanism: mine_uxo"), encoding="utf-8")
    edited = sample("edit", "FF-2024-0100", "--file", str(doc), "--reason", "re-read the source")
    assert edited.exit_code == 0, edited.stderr
    deleted = sample("delete", "FF-2023-0005", "--reason", "same event as FF-2023-0003")
    assert deleted.exit_code == 0, deleted.stderr
    changes = _json(sample, "changes", "--since", mid)
    assert [(c["id"], c["action"]) for c in changes] == [
        ("FF-2024-0100", "update"),
        ("FF-2023-0005", "delete"),
    ]
    update, delete = changes
    assert update["fields"] == ["mechanism"] and update["reason"] == "re-read the source"
    assert delete["reason"] == "same event as FF-2023-0003" and delete["deleted"] is True
    assert delete["user"] == "tester"
    lines = sample("changes", "--since", mid, "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["update", "delete"]
    table = sample("changes", "--since", mid).stdout
    assert "same event as FF-2023-0003" in table and "2 changes" in table


def test_changes_since_rejects_a_bad_datetime(cli: Invoke) -> None:
    result = cli("changes", "--since", "last week")
    assert result.exit_code == 2
    assert "--since" in result.stderr
