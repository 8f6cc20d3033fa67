"""User-added places: stored with coordinates, usable by incidents, found by name or alias."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import Invoke


def test_user_place_round_trip(cli: Invoke, tmp_path: Path) -> None:
    result = cli(
        "places",
        "add",
        "Kuzminsky training range",
        "--lat",
        "47.3",
        "--lon",
        "39.9",
        "--country",
        "RU",
        "--region",
        "Rostov region",
        "--alias",
        "Kuzminka range",
    )
    assert result.exit_code == 0, result.stderr
    gid = result.stdout.strip()
    assert gid == "user:kuzminsky-training-range"
    listed = cli("places", "list").stdout
    assert gid in listed and "RU-ROS" in listed
    doc = {
        "title": "Air defence fired on own paratroopers",
        "date": "2024-01",
        "location": {"name_as_written": "Kuzminsky military training range", "gazetteer_id": gid},
        "sources": [{"ref": "kp", "outlet": "Kyiv Post", "published": "2024-01-09"}],
        "claims": [{"claimant": "NEXTA"}],
    }
    path = tmp_path / "k.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert cli("add", str(path)).exit_code == 0
    data = json.loads(cli("show", "FF-2024-0001", "--format", "json").stdout)
    loc = data["location"]
    assert (loc["latitude"], loc["longitude"], loc["admin1"]) == (47.3, 39.9, "RU-ROS")
    assert loc["precision"] == "exact_site"
    for name in ("Kuzminka range", "kuzminsky training range"):
        rows = json.loads(cli("list", "--place", name, "--format", "json").stdout)
        assert [r["id"] for r in rows] == ["FF-2024-0001"]
    assert json.loads(cli("list", "--region", "Rostov Oblast", "--format", "json").stdout)


def test_duplicate_and_bad_places(cli: Invoke) -> None:
    args = ["places", "add", "Base X", "--lat", "50", "--lon", "30", "--country", "UA"]
    assert cli(*args).exit_code == 0
    again = cli(*args)
    assert again.exit_code == 4 and "already exists" in again.stderr
    bad = cli("places", "add", "Base Y", "--lat", "95", "--lon", "30", "--country", "UA")
    assert bad.exit_code == 2 and "latitude" in bad.stderr
    bad = cli("places", "add", "Base Z", "--lat", "50", "--lon", "30", "--country", "QQ")
    assert bad.exit_code == 2 and "country" in bad.stderr


def test_unknown_place_filter_is_an_error(cli: Invoke) -> None:
    result = cli("list", "--place", "Qwxzyville")
    assert result.exit_code == 2 and "unknown place" in result.stderr


def test_unknown_gazetteer_id_is_refused(cli: Invoke, tmp_path: Path) -> None:
    doc = {
        "title": "t",
        "date": "2024-01",
        "location": {"gazetteer_id": "user:nowhere"},
        "sources": [{"ref": "kp", "outlet": "O"}],
        "claims": [{}],
    }
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = cli("add", str(path))
    assert result.exit_code == 2 and "user:nowhere" in result.stderr
