"""``incidents import`` at scale: the report and the rejects do not grow in memory with the file.

The window is lowered so that a few rows span many windows: outcomes and rejects then pass
through their temporary files, and must come back complete and in row order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from incidents.errors import ValidationFailed
from incidents.exchange import importer
from incidents.exchange.importer import Action, ImportOutcome, OutcomeLog, import_file
from incidents.exchange.jsonl import write_jsonl
from incidents.schema import IncidentFilter
from tests.conftest import Invoke

GOOD: dict[str, Any] = {
    "title": "Scale test",
    "date": "2023-04-20",
    "location": {"country": "UA", "admin1": "UA-63", "precision": "admin1"},
    "claims": [{"claimant": "General Staff", "casualties": [{"kind": "killed", "best": 3}]}],
}


def _doc(n: int, **changes: Any) -> dict[str, Any]:
    return {
        **GOOD,
        "id": f"FF-2023-{n:04d}",
        "sources": [{"ref": f"s{n}", "outlet": "Outlet", "published": "2023-04-21"}],
        **changes,
    }


def _lines(path: Path, docs: list[dict[str, Any] | str]) -> Path:
    path.write_text(
        "".join((d if isinstance(d, str) else json.dumps(d)) + "\n" for d in docs),
        encoding="utf-8",
    )
    return path


def _mixed() -> list[dict[str, Any] | str]:
    """New rows, an invalid row, a repeated id and malformed JSON, spread over windows."""
    docs: list[dict[str, Any] | str] = [_doc(n) for n in range(1, 15)]
    docs[4] = _doc(5, date="2023-02-30")  # invalid
    docs[8] = _doc(3, title="Again")  # repeats line 3's id: a conflict
    docs[11] = '{"title": '  # malformed
    return docs


@pytest.fixture
def small_window(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(importer, "WINDOW", 3)
    return 3


def test_outcomes_and_rejects_spill_and_come_back_in_row_order(
    engine: Engine, tmp_path: Path, small_window: int
) -> None:
    path = _lines(tmp_path / "mixed.jsonl", _mixed())
    report = import_file(engine, path, user="t", skip_invalid=True)

    outcomes = list(report.outcomes)
    assert [o.row for o in outcomes] == list(range(1, 15))
    assert len(report.outcomes) == 14
    actions = [o.action for o in outcomes]
    assert actions.count(Action.NEW) == 11
    assert [o.row for o in outcomes if o.action is Action.INVALID] == [5, 12]
    [conflict] = [o for o in outcomes if o.action is Action.CONFLICT]
    assert conflict.row == 9 and conflict.reason == (
        "id: FF-2023-0003 is already imported from line 3"
    )
    assert report.counts == {
        "new": 11,
        "unchanged": 0,
        "changed": 0,
        "conflict": 1,
        "invalid": 2,
    }
    # Iterating again reads the same outcomes (the report is printed after it is counted).
    assert list(report.outcomes) == outcomes
    # Memory holds at most the last window; the rest was read back from the spill file.
    assert len(report.outcomes._recent) <= small_window

    rejects = [json.loads(line) for line in Path(report.rejects or "").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [5, 9, 12]
    assert rejects[1]["reason"].startswith("id: FF-2023-0003 is already imported")
    assert rejects[2]["input"] == '{"title": '

    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 11


def test_small_and_default_windows_report_the_same(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _lines(tmp_path / "mixed.jsonl", _mixed())
    first = import_file(engine, path, user="t", skip_invalid=True, dry_run=True)
    monkeypatch.setattr(importer, "WINDOW", 2)
    second = import_file(engine, path, user="t", skip_invalid=True, dry_run=True)
    assert list(first.outcomes) == list(second.outcomes)
    assert first.counts == second.counts and first.counts["new"] == 11
    assert first.rejects is None and second.rejects is None  # a dry run writes no rejects


def test_all_or_nothing_across_windows_counts_every_invalid_row(
    engine: Engine, tmp_path: Path, small_window: int
) -> None:
    path = _lines(tmp_path / "mixed.jsonl", _mixed())
    with pytest.raises(ValidationFailed) as info:
        import_file(engine, path, user="t")
    message = str(info.value)
    assert "mixed.jsonl: line 5: date: invalid date '2023-02-30'" in message
    assert message.endswith("(and 1 more invalid); nothing imported")
    assert not (tmp_path / "mixed.jsonl.rejects.jsonl").exists()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0


def test_reimport_over_many_windows_is_unchanged(
    engine: Engine, tmp_path: Path, small_window: int
) -> None:
    """Cached ids are forgotten between windows; stored ids are looked up again."""
    path = _lines(tmp_path / "good.jsonl", [_doc(n) for n in range(1, 11)])
    assert import_file(engine, path, user="t").counts["new"] == 10
    again = import_file(engine, path, user="t")
    assert again.counts["unchanged"] == 10 and again.counts["new"] == 0
    edited = _lines(tmp_path / "edited.jsonl", [_doc(n, title=f"T{n}") for n in range(1, 11)])
    changed = import_file(engine, edited, user="t")
    assert [(o.action, o.changes) for o in changed.outcomes] == [(Action.CHANGED, ["title"])] * 10


def test_json_report_lists_every_outcome(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "WINDOW", 2)
    path = _lines(tmp_path / "in.jsonl", [_doc(n) for n in range(1, 8)])
    result = cli("import", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [o["where"] for o in report["outcomes"]] == [f"line {n}" for n in range(1, 8)]
    assert report["counts"]["new"] == 7
    text_report = cli("import", str(path))
    assert text_report.exit_code == 0
    assert "7 unchanged" in text_report.stderr


def test_exported_records_reimport_unchanged_over_windows(
    cli: Invoke, engine: Engine, tmp_path: Path, small_window: int
) -> None:
    from incidents import services

    path = _lines(tmp_path / "in.jsonl", [_doc(n) for n in range(1, 8)])
    assert import_file(engine, path, user="t").counts["new"] == 7
    exported = tmp_path / "export.jsonl"
    with exported.open("w", encoding="utf-8") as fh:
        write_jsonl(services.list_incidents(engine, IncidentFilter()), fh)
    assert import_file(engine, exported, user="t").counts["unchanged"] == 7


def test_outcome_log_replaces_only_unspilled_outcomes() -> None:
    log = OutcomeLog()

    def outcome(row: int, action: Action) -> ImportOutcome:
        return ImportOutcome(row=row, where=f"line {row}", action=action, id=f"FF-2023-{row:04d}")

    log.append(outcome(1, Action.NEW))
    log.spill()
    log.append(outcome(2, Action.NEW))
    log[1] = outcome(2, Action.CONFLICT)
    assert log.counts["new"] == 1 and log.counts["conflict"] == 1
    with pytest.raises(IndexError):
        log[0] = outcome(1, Action.CONFLICT)
    assert [(o.row, o.action) for o in log] == [(1, Action.NEW), (2, Action.CONFLICT)]
    log.close()


def test_outcome_log_reads_back_more_than_one_read_buffer() -> None:
    """A spill file larger than one read (1 MiB) comes back whole and in order."""
    log = OutcomeLog()
    reason = "r" * 200
    for row in range(1, 20_001):
        log.append(ImportOutcome(row=row, where=f"line {row}", action=Action.NEW, reason=reason))
        if row % 1000 == 0:
            log.spill()
    log.append(ImportOutcome(row=20_001, where="line 20001", action=Action.INVALID))
    rows = [o.row for o in log]
    assert rows == list(range(1, 20_002))
    assert [o.row for o in log][-2:] == [20_000, 20_001]  # a second pass reads it again
    assert log.counts["new"] == 20_000 and log.counts["invalid"] == 1
    log.close()
