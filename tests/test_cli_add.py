"""``incidents add``: good files are stored whole, bad ones are refused whole with one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Invoke
from tests.test_cli_incidents import _counts, _ids

GOOD: dict[str, Any] = {
    "title": "Test incident",
    "date": "2023-04-20",
    "location": {"country": "UA", "admin1": "Kharkiv Oblast", "precision": "admin1"},
    "sources": [{"ref": "t1", "outlet": "Outlet", "published": "2023-04-21"}],
    "claims": [
        {
            "claimant": "General Staff",
            "casualties": [{"kind": "killed", "population": "military", "low": 2, "best": 3}],
        }
    ],
}


def _write(tmp_path: Path, data: object, name: str = "doc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _with(path: tuple[str | int, ...], value: object) -> dict[str, object]:
    doc = json.loads(json.dumps(GOOD))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc  # type: ignore[no-any-return]


def test_add_json_and_yaml_single_or_list(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps(GOOD))
    second = dict(GOOD, title="Second", sources=[dict(GOOD["sources"][0], ref="t2")])
    _write(tmp_path, [second], "list.yaml")
    result = cli("add", str(tmp_path / "one.json"), str(tmp_path / "list.yaml"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["FF-2023-0001", "FF-2023-0002"]
    assert _ids(cli, "--region", "UA-63") == ["FF-2023-0001", "FF-2023-0002"]


def test_add_from_stdin(cli: Invoke) -> None:
    result = cli("add", "-", input=yaml.safe_dump(GOOD))
    assert result.exit_code == 0 and result.stdout.strip() == "FF-2023-0001"


def test_existing_id_conflicts_unless_skipped(cli: Invoke, tmp_path: Path) -> None:
    path = _write(tmp_path, _with(("id",), "FF-2023-0042"))
    assert cli("add", str(path)).exit_code == 0
    again = cli("add", str(path))
    assert again.exit_code == 4 and "FF-2023-0042 already exists" in again.stderr
    skipped = cli("add", str(path), "--skip-existing")
    assert skipped.exit_code == 0 and "skipped 1" in skipped.stderr


BAD_CASES = [
    pytest.param(_with(("date",), "2023-02-30"), "date", id="impossible-date"),
    pytest.param(
        _with(("date",), {"start": "2023-05-01", "end": "2023-04-01", "precision": "range"}),
        "end 2023-04-01 is before start",
        id="end-before-start",
    ),
    pytest.param(_with(("location", "country"), "XX"), "location.country", id="unknown-country"),
    pytest.param(_with(("location", "latitude"), 123.0), "location.latitude", id="latitude"),
    pytest.param(_with(("intent",), "accidental"), "intent", id="bad-enum"),
    pytest.param(
        _with(("claims", 0, "casualties", 0, "best"), -3), "casualties.0.best", id="negative"
    ),
    pytest.param(
        _with(("claims", 0, "casualties", 0, "low"), 9), "low <= best <= high", id="inverted"
    ),
    pytest.param(
        _with(("claims", 0, "casualties", 0, "best"), "three"), "casualties.0.best", id="type"
    ),
    pytest.param(_with(("sources", 0, "published"), "2023-04-01"), "publication", id="too-late"),
    pytest.param(_with(("location", "admin1"), "Narnia"), "unknown region", id="region"),
    pytest.param(_with(("titel",), "typo"), "titel", id="unknown-key"),
    pytest.param(_with(("title",), "x\x00y"), "NUL", id="nul-in-field"),
]


@pytest.mark.parametrize(("doc", "expected"), BAD_CASES)
def test_bad_documents_are_refused_whole(
    cli: Invoke, db_url: str, tmp_path: Path, doc: dict[str, object], expected: str
) -> None:
    assert cli("add", str(_write(tmp_path, GOOD, "good.yaml"))).exit_code == 0
    before = _counts(db_url)
    # One bad incident after a good one: nothing of the file may be written.
    path = _write(tmp_path, {"incidents": [dict(GOOD, id="FF-2023-0100"), doc]}, "bad.yaml")
    result = cli("add", str(path))
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert expected in lines[0]
    assert "bad.yaml:" in lines[0] and "incident 2" in lines[0]
    assert _counts(db_url) == before


def test_error_names_the_line(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "lines.yaml"
    path.write_text(
        "title: Line test\n"
        "date: 2023-04-20\n"
        "sources:\n"
        "  - {ref: a, outlet: O}\n"
        "claims:\n"
        "  - casualties:\n"
        "      - kind: killed\n"
        "        best: -1\n"
    )
    result = cli("add", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}:8: claims.0.casualties.0.best:")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"title: [unclosed\n", "malformed YAML/JSON"),
        (b"", "empty"),
        (b"- 1\n- 2\n", "incident 1"),
        (b"title: a\ntitle: b\n", "duplicate key"),
        (b"\xff\xfe\x00garbage", "binary file"),
        (b"title: \xff\xfe broken\n", "not UTF-8"),
        (b"title: ok\x00\n", "NUL byte"),
        (b"42", "expected an incident"),
    ],
)
def test_malformed_files(
    cli: Invoke, db_url: str, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    cli("init")
    before = _counts(db_url)
    result = cli("add", str(path))
    assert result.exit_code == 2
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert _counts(db_url) == before


def test_malformed_json_names_the_line(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "title": "x",\n  "date": \n}\n')
    result = cli("add", str(path))
    assert result.exit_code == 2 and f"{path}:4: malformed JSON" in result.stderr


def test_missing_file(cli: Invoke, tmp_path: Path) -> None:
    result = cli("add", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_norway_stays_a_country(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "no.yaml"
    text = yaml.safe_dump(_with(("location",), {"country": "XX"})).replace("XX", "NO")
    path.write_text(text)
    assert cli("add", str(path)).exit_code == 0
    assert _ids(cli, "--country", "NO") == ["FF-2023-0001"]


def test_odd_unicode_and_sql_text_are_stored_verbatim(cli: Invoke, tmp_path: Path) -> None:
    odd = "Robert'); DROP TABLE incidents;-- \u202e\u0301 Куп’янськ 🚀 =SUM(A1)"
    path = _write(tmp_path, _with(("title",), odd))
    assert cli("add", str(path)).exit_code == 0
    data = json.loads(cli("show", "FF-2023-0001", "--format", "json").stdout)
    assert data["title"] == odd


def test_new_ids_follow_the_highest_number_not_the_last_in_text_order(
    cli: Invoke, tmp_path: Path
) -> None:
    """FF-2023-10000 comes after FF-2023-9999 although it sorts before it as text."""
    fixed = [{**GOOD, "id": "FF-2023-9999"}, {**GOOD, "id": "FF-2023-0002", "title": "Other"}]
    assert cli("add", str(_write(tmp_path, fixed))).exit_code == 0
    assert cli("add", str(_write(tmp_path, GOOD, "new.yaml"))).exit_code == 0
    assert cli("add", str(_write(tmp_path, GOOD, "newer.yaml"))).exit_code == 0
    assert set(_ids(cli)) == {"FF-2023-0002", "FF-2023-9999", "FF-2023-10000", "FF-2023-10001"}
