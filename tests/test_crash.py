"""Crashes: an import or a bulk edit killed with SIGKILL mid-write leaves the database as it was.

The tests run the real CLI in a subprocess, wait until it is provably inside its write
transaction (PostgreSQL: its backend holds a transaction id, so rows are written; SQLite:
it holds the write lock and has spilled pages into the WAL), kill it with SIGKILL, and
compare every table with a dump taken before. A re-run then completes.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, create_engine, select, text

from incidents.db.models import Base
from incidents.exchange.documents import load_file
from tests.conftest import ROOT

# Enough rows that each write transaction lasts seconds, well over the polling interval:
# new incidents go through the bulk writer, edits through the ORM (slower per row).
ROWS = 3000
EDIT_ROWS = 400


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            tbl = Table(table.name, MetaData(), autoload_with=conn)
            order = list(tbl.primary_key.columns) or list(tbl.c)
            out[table.name] = [tuple(r) for r in conn.execute(select(tbl).order_by(*order))]
    return out


def _jsonl(path: Path, count: int, *, suffix: str = "") -> Path:
    """``count`` valid incidents built from the sample data, with fixed ids."""
    samples = load_file(ROOT / "data" / "sample_incidents.yaml")
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            base = samples[i % len(samples)]
            doc = base.model_copy(
                update={
                    "id": f"FF-{2030 + i // 9000}-{i % 9000 + 1:04d}",
                    "title": f"{base.title} #{i}{suffix}",
                }
            )
            fh.write(doc.model_dump_json(exclude_none=True) + "\n")
    return path


def _cli(db_url: str, *args: str, tag: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PGAPPNAME": tag, "INCIDENTS_USER": "crash-test"}
    env.pop("INCIDENTS_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "incidents", "--db", db_url, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _sqlite_mid_write(db_url: str) -> bool:
    path = db_url.removeprefix("sqlite:///")
    wal = Path(path + "-wal")
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        # Locked by the writer; pages already spilled into the WAL mean rows are written.
        return "locked" in str(exc) and wal.exists() and wal.stat().st_size > 64 * 1024
    finally:
        probe.close()


def _pg_mid_write(admin: Engine, tag: str) -> bool:
    with admin.connect() as conn:
        found = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = :tag AND backend_xid IS NOT NULL"
            ),
            {"tag": tag},
        ).scalar()
    return bool(found)


def _kill_mid_write(proc: subprocess.Popen[str], db_url: str, tag: str) -> None:
    admin = None if db_url.startswith("sqlite") else create_engine(db_url)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"finished before it could be killed: {err[-500:]}")
            inside = _sqlite_mid_write(db_url) if admin is None else _pg_mid_write(admin, tag)
            if inside:
                time.sleep(0.2)  # deeper into the transaction
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                assert proc.returncode == -signal.SIGKILL
                return
            time.sleep(0.01)
        pytest.fail("never saw the process inside its write transaction")
    finally:
        if admin is not None:
            admin.dispose()


def _run(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INCIDENTS_USER": "crash-test"}
    env.pop("INCIDENTS_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "incidents", "--db", db_url, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM incidents")).scalar() or 0)


def test_import_killed_midway_changes_nothing(engine: Engine, db_url: str, tmp_path: Path) -> None:
    done = _run(db_url, "add", str(ROOT / "data" / "sample_incidents.yaml"))
    assert done.returncode == 0, done.stderr
    before = _dump(engine)
    big = _jsonl(tmp_path / "big.jsonl", ROWS)

    tag = f"crash-{uuid.uuid4().hex[:8]}"
    _kill_mid_write(_cli(db_url, "import", str(big), tag=tag), db_url, tag)
    assert _dump(engine) == before

    rerun = _run(db_url, "import", str(big))
    assert rerun.returncode == 0, rerun.stderr
    assert _count(engine) == len(before["incidents"]) + ROWS


def test_bulk_edit_killed_midway_changes_nothing(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    """A spreadsheet-style bulk edit: re-import every incident with a changed title."""
    first = _run(db_url, "import", str(_jsonl(tmp_path / "v1.jsonl", EDIT_ROWS)))
    assert first.returncode == 0, first.stderr
    before = _dump(engine)
    edited = _jsonl(tmp_path / "v2.jsonl", EDIT_ROWS, suffix=" (re-read)")

    tag = f"crash-{uuid.uuid4().hex[:8]}"
    _kill_mid_write(_cli(db_url, "import", str(edited), tag=tag), db_url, tag)
    assert _dump(engine) == before

    rerun = _run(db_url, "import", str(edited))
    assert rerun.returncode == 0, rerun.stderr
    with engine.connect() as conn:
        titles = [r[0] for r in conn.execute(text("SELECT title FROM incidents"))]
        versions = {r[0] for r in conn.execute(text("SELECT version FROM incidents"))}
    assert len(titles) == EDIT_ROWS and all(t.endswith(" (re-read)") for t in titles)
    assert versions == {2}


def test_sqlite_recovers_after_kill_without_checkpoint(tmp_path: Path) -> None:
    """After a killed writer the next open reads a consistent database (hot WAL recovered)."""
    url = f"sqlite:///{tmp_path / 'k.db'}"
    assert _run(url, "add", str(ROOT / "data" / "sample_incidents.yaml")).returncode == 0
    tag = "crash-sqlite"
    _kill_mid_write(_cli(url, "import", str(_jsonl(tmp_path / "b.jsonl", ROWS)), tag=tag), url, tag)
    conn = sqlite3.connect(tmp_path / "k.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM incidents").fetchone() == (9,)
        fts = conn.execute("INSERT INTO incidents_fts(incidents_fts) VALUES ('integrity-check')")
        fts.close()
    finally:
        conn.close()
    listed = _run(url, "list", "--format", "jsonl")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 9
    assert all(json.loads(line)["id"].startswith("FF-") for line in listed.stdout.splitlines())
