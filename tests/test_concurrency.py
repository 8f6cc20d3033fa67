"""Concurrent writers and edit conflicts, on one SQLite file and on one PostgreSQL schema.

The stress tests start real processes (spawn) that add and edit incidents at once; every
write must land, no worker may see an error, and each incident's history must account for
its version. The other tests make two writers overlap on purpose (a delay inside the
transaction) and check that optimistic locking lets exactly one of them win.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import incidents.cli.incidents as cli_incidents
from incidents import services
from incidents.db import engine as engine_module
from incidents.db import migrate
from incidents.db.engine import make_engine, run_write, session_scope
from incidents.db.models import ActorRow, HistoryRow, IncidentRow, SourceRow
from incidents.errors import ConflictError, DatabaseError
from incidents.schema import Incident, IncidentFilter
from tests.conftest import Invoke

SEEDS = 4


def _incident(title: str, tags: list[str], batch: int = 0) -> Incident:
    """A small valid incident; a batch shares a new source and actor, so first use races."""
    return Incident.model_validate(
        {
            "title": title,
            "date": "2024-03-01",
            "location": {"name_as_written": "Stress test range", "country": "UA"},
            "mechanism": "direct_fire",
            "actors": [
                {
                    "name_as_written": "stress brigade",
                    "actor": f"Stress Test Brigade {batch}",
                    "side": "UA",
                    "type": "infantry",
                    "role": "firing",
                }
            ],
            "sources": [
                {"ref": f"stress-{batch}", "outlet": "Test Outlet", "text": f"Report {batch}."}
            ],
            "claims": [{"claimant": "Test claimant", "claimant_side": "UA", "affected_side": "UA"}],
            "tags": tags,
        }
    )


class _RetryCounter(logging.Handler):
    """Counts the transaction retries ``run_write`` logs, by reason."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0
        self.reasons: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("write retry"):
            self.count += 1
            reason = record.args[-1] if isinstance(record.args, tuple) else ""
            self.reasons[str(reason)[:70]] += 1


def _add_tag(engine: Engine, public_id: str, tag: str, user: str) -> int:
    """Append ``tag`` the way a researcher would: on a conflict, re-read and re-apply."""
    conflicts = 0
    while True:
        record = services.get_incident(engine, public_id)
        doc = record.document().model_dump(mode="json")
        doc["tags"] = [*doc["tags"], tag]
        try:
            services.update_incident(
                engine,
                public_id,
                Incident.model_validate(doc),
                user=user,
                reason=f"tag {tag}",
                expected_version=record.version,
            )
            return conflicts
        except ConflictError:
            conflicts += 1


def _stress_worker(
    url: str,
    user: str,
    writes: int,
    seeds: list[str],
    barrier: Any,
    results: Any,
) -> None:
    """Alternate adds and edits; edits go to the shared seeds and to the worker's own adds."""
    counter = _RetryCounter()
    logger = logging.getLogger("incidents.db")
    logger.setLevel(logging.INFO)
    logger.addHandler(counter)
    out: dict[str, Any] = {"user": user, "added": [], "tags": [], "conflicts": 0, "errors": []}
    engine = make_engine(url)
    try:
        barrier.wait(timeout=120)
        started = time.monotonic()
        for k in range(writes):
            if k % 2 == 0:
                tag = f"{user}-a{k}"
                added = services.add_incidents(
                    engine, [_incident(f"Stress incident {user} {k}", [tag], k // 10)], user=user
                ).added
                out["added"] += added
            else:
                tag = f"{user}-e{k}"
                target = seeds[(k // 2) % len(seeds)] if k % 4 == 1 else out["added"][-1]
                out["conflicts"] += _add_tag(engine, target, tag, user)
            out["tags"].append(tag)
        out["seconds"] = time.monotonic() - started
    except BaseException:
        out["errors"].append(traceback.format_exc())
    finally:
        engine.dispose()
        out["retries"] = counter.count
        out["reasons"] = dict(counter.reasons)
        results.put(out)


def _run_workers(url: str, processes: int, writes: int, seeds: list[str]) -> list[dict[str, Any]]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=_stress_worker,
            args=(url, f"worker{i}", writes, seeds, barrier, results),
        )
        for i in range(processes)
    ]
    for proc in workers:
        proc.start()
    try:
        outs = [results.get(timeout=600) for _ in workers]
    finally:
        for proc in workers:
            proc.join(timeout=60)
            if proc.is_alive():
                proc.kill()
    return outs


# Quoted in the README's "Reliability" section (tests/test_docs.py keeps them in step).
STRESS = [(2, 100), (4, 250)]


@pytest.mark.parametrize(("processes", "writes"), STRESS)
def test_concurrent_writers_lose_nothing(
    engine: Engine, db_url: str, processes: int, writes: int
) -> None:
    seeds = services.add_incidents(
        engine, [_incident(f"Seed incident {i}", []) for i in range(SEEDS)], user="seeder"
    ).added
    started = time.monotonic()
    outs = _run_workers(db_url, processes, writes, seeds)
    elapsed = time.monotonic() - started

    assert [o["errors"] for o in outs] == [[]] * processes
    added = [pid for o in outs for pid in o["added"]]
    assert len(added) == len(set(added)) == processes * ((writes + 1) // 2)
    made = {tag for o in outs for tag in o["tags"]}
    assert len(made) == processes * writes

    stored = list(services.list_incidents(engine, IncidentFilter(limit=None)))
    assert {r.id for r in stored} == set(added) | set(seeds)
    stored_tags = [tag for r in stored for tag in r.tags]
    assert len(stored_tags) == len(set(stored_tags)) and set(stored_tags) == made

    users = {o["user"] for o in outs} | {"seeder"}
    for record in stored:
        entries = services.history(engine, record.id)
        assert record.version == len(entries), record.id
        assert entries[0].action == "create"
        assert {e.action for e in entries[1:]} <= {"update"}
        assert {e.user for e in entries} <= users
        for entry in entries[1:]:
            # Each edit added exactly one tag, and it is the tag of the worker recorded.
            old, new = entry.changes["tags"]
            [tag] = set(new) - set(old)
            assert tag.startswith(f"{entry.user}-e") and entry.reason == f"tag {tag}"

    retries = sum(o["retries"] for o in outs)
    reasons = sum((Counter(o["reasons"]) for o in outs), Counter[str]())
    conflicts = sum(o["conflicts"] for o in outs)
    slowest = max(o["seconds"] for o in outs)
    dialect = engine.dialect.name
    print(  # the figures in the report: pytest -s shows them
        f"\nFIGURES {dialect} {processes}x{writes}: {elapsed:.1f} s in all, "
        f"{slowest:.1f} s writing, {retries} transaction retries, "
        f"{conflicts} edit conflicts re-applied; retries by reason: {dict(reasons)}"
    )


# --------------------------------------------------------------------------- two writers


def _slowed(monkeypatch: pytest.MonkeyPatch, name: str, seconds: float = 0.4) -> None:
    """Make ``services.<name>`` pause first, so a second writer can try to get in between."""
    real: Callable[..., Any] = getattr(services, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, name, slow)


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; each result or exception, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            outcomes[i] = calls[i]()
        except Exception as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_same_expected_version_one_wins_one_conflicts(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    [pid] = services.add_incidents(engine, [_incident("Contested", [])], user="seeder").added
    base = services.get_incident(engine, pid)
    _slowed(monkeypatch, "replace_incident")

    def save(user: str) -> Callable[[], Any]:
        doc = base.document().model_dump(mode="json") | {"tags": [user]}
        return lambda: services.update_incident(
            engine, pid, Incident.model_validate(doc), user=user, expected_version=base.version
        )

    outcomes = _race([save("alice"), save("bob")])
    conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
    saved = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(conflicts) == 1 and len(saved) == 1, outcomes
    assert "changed by someone else" in str(conflicts[0])
    assert "now version 2, you edited version 1" in str(conflicts[0])
    final = services.get_incident(engine, pid)
    assert final.version == 2 and final.tags == saved[0].tags
    assert [e.user for e in services.history(engine, pid)] == ["seeder", *saved[0].tags]


def _adder(engine: Engine, incident: Incident, user: str) -> Callable[[], list[str]]:
    return lambda: services.add_incidents(engine, [incident], user=user).added


def test_same_new_id_twice_is_one_add_and_one_conflict(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slowed(monkeypatch, "store_new")
    doc = _incident("Same id", []).model_copy(update={"id": "FF-2024-0999"})
    outcomes = _race([_adder(engine, doc, "alice"), _adder(engine, doc, "bob")])
    [conflict] = [o for o in outcomes if isinstance(o, ConflictError)]
    assert [o for o in outcomes if o is not conflict] == [["FF-2024-0999"]]
    assert str(conflict) == "incident FF-2024-0999 already exists; use `incidents edit`"
    assert len(services.history(engine, "FF-2024-0999")) == 1


def test_concurrent_adds_without_id_get_distinct_ids(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both pick max+1 unless the writes serialise; on PostgreSQL the loser re-runs.
    _slowed(monkeypatch, "store_new", 0.2)
    outcomes = _race([_adder(engine, _incident(u, []), u) for u in ("alice", "bob", "carol")])
    assert sorted(pid for o in outcomes for pid in o) == [
        "FF-2024-0001",
        "FF-2024-0002",
        "FF-2024-0003",
    ]


def test_first_use_of_a_source_and_actor_by_two_writers_stores_each_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both look the new source and actor up before either commits; on PostgreSQL the
    # loser's insert meets the winner's unique key and its transaction re-runs.
    _slowed(monkeypatch, "store_new")
    docs = [
        _incident(user, [], batch=7).model_copy(update={"id": f"FF-2024-010{i}"})
        for i, user in enumerate(("alice", "bob"))
    ]
    outcomes = _race([_adder(engine, doc, doc.title) for doc in docs])
    assert sorted(outcomes) == [["FF-2024-0100"], ["FF-2024-0101"]]
    with session_scope(engine) as session:
        sources = session.scalar(select(func.count()).where(SourceRow.ref == "stress-7"))
        actors = session.scalar(
            select(func.count()).where(ActorRow.name == "Stress Test Brigade 7")
        )
    assert (sources, actors) == (1, 1)


def test_a_held_sqlite_lock_ends_in_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "busy.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    counter = _RetryCounter()
    logger = logging.getLogger("incidents.db")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(counter)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:

        def count(session: Session) -> int:
            return session.scalar(select(func.count()).select_from(IncidentRow)) or 0

        with pytest.raises(DatabaseError) as err:
            run_write(engine, count, seconds=1.0)
        # Released, the same write goes through.
        holder.execute("ROLLBACK")
        assert run_write(engine, count) == 0
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
        holder.close()
        engine.dispose()
    message = str(err.value)
    assert "stayed busy: gave up after" in message and "database is locked" in message
    assert "\n" not in message and counter.count >= 2


# --------------------------------------------------------------------------- incidents edit


@pytest.fixture
def loaded(cli: Invoke, three_yaml: Path) -> Invoke:
    result = cli("add", str(three_yaml))
    assert result.exit_code == 0, result.stderr
    return cli


def _other_user_edits(db_url: str, public_id: str, **changes: str) -> None:
    """What a second researcher saves while the first is still in the editor."""
    engine = make_engine(db_url)
    try:
        record = services.get_incident(engine, public_id)
        doc = record.document().model_dump(mode="json") | changes
        services.update_incident(
            engine,
            public_id,
            Incident.model_validate(doc),
            user="alice",
            reason="alice's reading",
            expected_version=record.version,
        )
    finally:
        engine.dispose()


def _stored(db_url: str, public_id: str) -> tuple[str, int]:
    engine = make_engine(db_url)
    try:
        record = services.get_incident(engine, public_id)
        with session_scope(engine) as session:
            entries = session.scalar(select(func.count()).select_from(HistoryRow)) or 0
        return record.model_dump_json(exclude={"updated_at"}), entries
    finally:
        engine.dispose()


def _scripted_editor(
    monkeypatch: pytest.MonkeyPatch, steps: list[Callable[[str], str]]
) -> list[str]:
    """Replace the editor: call ``i`` returns ``steps[i](text)``; returns what it was shown."""
    shown: list[str] = []

    def fake(text: str, *, name: str) -> str:
        shown.append(text)
        return steps[len(shown) - 1](text)

    monkeypatch.setattr(cli_incidents, "launch_editor", fake)
    return shown


def test_edit_conflict_reopens_with_both_versions_and_saves_the_merge(
    loaded: Invoke, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = "FF-2023-0002"

    def first(text: str) -> str:
        _other_user_edits(db_url, pid, context="combat")
        return text.replace("verification: unassessed", "verification: contested")

    def second(text: str) -> str:
        # The researcher keeps their change and takes alice's context from the stored block.
        return text.replace("context: transit", "context: combat")

    shown = _scripted_editor(monkeypatch, [first, second])
    result = loaded("edit", pid, "--reason", "merged")
    assert result.exit_code == 0, result.stderr
    assert "saved FF-2023-0002 (version 3)" in result.stderr
    assert len(shown) == 2
    conflict = shown[1]
    assert conflict.startswith("# CONFLICT: FF-2023-0002 was changed by someone else")
    assert (
        "#   version 2: update by alice at " in conflict
        and "(context): alice's reading" in conflict
    )
    mine, stored = conflict.split("# ==== stored now: version 2, changed by alice at ")
    assert "\nverification: contested\n" in mine and "\ncontext: transit\n" in mine
    assert "\n# verification: unassessed\n" in stored and "\n# context: combat\n" in stored
    assert all(line.startswith("#") for line in stored.splitlines()[1:])

    data = json.loads(loaded("show", pid, "--format", "json").stdout)
    assert (data["context"], data["verification"], data["version"]) == (
        "combat",
        "contested",
        3,
    )
    entries = json.loads(loaded("history", pid, "--format", "json").stdout)
    assert [(e["user"], e["action"]) for e in entries] == [
        ("tester", "create"),
        ("alice", "update"),
        ("tester", "update"),
    ]
    assert entries[-1]["changes"] == {"verification": ["unassessed", "contested"]}


@pytest.mark.parametrize("resolve", ["unchanged", "emptied"])
def test_edit_conflict_left_unchanged_or_emptied_aborts(
    loaded: Invoke, db_url: str, monkeypatch: pytest.MonkeyPatch, resolve: str
) -> None:
    pid = "FF-2023-0002"

    def first(text: str) -> str:
        _other_user_edits(db_url, pid, context="combat")
        return text.replace("verification: unassessed", "verification: contested")

    def second(text: str) -> str:
        return text if resolve == "unchanged" else "\n"

    _scripted_editor(monkeypatch, [first, second])
    result = loaded("edit", pid)
    assert result.exit_code == 4
    assert result.stderr.strip() == (
        "Error: FF-2023-0002 was changed by someone else (now version 2, "
        "you edited version 1); nothing saved"
    )
    data = json.loads(loaded("show", pid, "--format", "json").stdout)
    assert (data["context"], data["verification"], data["version"]) == (
        "combat",
        "unassessed",
        2,
    )


def test_edit_file_with_stale_version_refuses(loaded: Invoke, db_url: str, tmp_path: Path) -> None:
    pid = "FF-2023-0002"
    path = tmp_path / "mine.yaml"
    doc = loaded("show", pid, "--format", "yaml").stdout
    path.write_text(doc.replace("verification: unassessed", "verification: contested"))
    _other_user_edits(db_url, pid, context="combat")
    before = _stored(db_url, pid)
    result = loaded("edit", pid, "--file", str(path), "--expect-version", "1")
    assert result.exit_code == 4
    assert result.stderr.strip() == (
        "Error: FF-2023-0002 was changed by someone else (now version 2, "
        "you edited version 1); nothing saved"
    )
    assert _stored(db_url, pid) == before
    result = loaded("edit", pid, "--expect-version", "2")
    assert result.exit_code == 2 and "--expect-version" in result.stderr
    # Against the version it now has, the same file saves.
    result = loaded("edit", pid, "--file", str(path), "--expect-version", "2")
    assert result.exit_code == 0 and "version 3" in result.stderr


def test_edit_file_conflict_during_the_command_refuses(
    loaded: Invoke, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = "FF-2023-0002"
    path = tmp_path / "mine.yaml"
    doc = loaded("show", pid, "--format", "yaml").stdout
    path.write_text(doc.replace("verification: unassessed", "verification: contested"))
    import incidents.exchange.documents as documents

    real_load = documents.load_file
    states: list[tuple[str, int]] = []

    def load_while_alice_saves(file: Path) -> list[Incident]:
        _other_user_edits(db_url, pid, context="combat")
        states.append(_stored(db_url, pid))
        return real_load(file)

    monkeypatch.setattr(documents, "load_file", load_while_alice_saves)
    result = loaded("edit", pid, "--file", str(path))
    assert result.exit_code == 4
    assert len(result.stderr.strip().splitlines()) == 1
    assert "changed by someone else (now version 2, you edited version 1)" in result.stderr
    assert _stored(db_url, pid) == states[0]
