"""`incidents db backup` / `db restore`: restore-then-compare on SQLite and PostgreSQL.

Every test compares full row contents of every table (JSON columns as their stored text,
datetimes in UTC), not only counts, plus what users see: listings, history and full-text
search.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import JSON, Engine, Text, cast, inspect, select, text
from typer.testing import CliRunner, Result

from incidents.cli import app
from incidents.db import backup as db_backup
from incidents.db import migrate
from incidents.db.engine import make_engine
from incidents.db.models import Base
from tests.conftest import FIXTURES, ROOT, _pg_schema_url

SAMPLE = ROOT / "data" / "sample_incidents.yaml"

EXTRA = """\
title: "Дрон вдарив по своїх — 🚁 \\"friendly\\" fire near Kuzminsky"
date: 2024-03-05
location: {name_as_written: Kuzminsky, gazetteer_id: "user:kuzminsky-training-range"}
intent: unintentional
mechanism: drone
context: training
sources:
  - {ref: t-backup, outlet: Test Outlet, published: 2024-03-06,
     text: "A drone operator hit his own unit at Kuzminsky range, wounding two."}
claims:
  - claimant: Test claimant
    claimant_side: RU
    affected_side: RU
    casualties: [{kind: wounded, population: military, count: 2}]
evidence:
  - {field: mechanism, source: t-backup, start: 2, end: 7, quote: drone, confidence: 0.7,
     stage: test, status: accepted}
"""


def run(url: str, *args: str) -> Result:
    """The CLI on any database (the ``cli`` fixture only knows the per-test one)."""
    return CliRunner().invoke(app, ["--db", url, "--user", "tester", *args], catch_exceptions=False)


def ok(url: str, *args: str) -> Result:
    result = run(url, *args)
    assert result.exit_code == 0, result.stderr
    return result


def populate(url: str, tmp_path: Path) -> None:
    """Sample incidents, a user place, an incident with evidence, an edit and a deletion."""
    ok(url, "add", str(SAMPLE))
    ok(
        url,
        *("places", "add", "Kuzminsky training range", "--lat", "47.123456789012345"),
        *("--lon", "39.9", "--country", "RU", "--alias", "Кузьминский полигон"),
    )
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA, encoding="utf-8")
    ok(url, "add", str(extra))
    doc = yaml.safe_load(ok(url, "show", "FF-2023-0003", "--format", "yaml").stdout)
    doc["title"] += " (re-read)"
    doc["notes"] = "Ünïcödé ✓ «quotes» \\ back\tslash"
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    ok(url, "edit", "FF-2023-0003", "--file", str(edited), "--reason", "re-read the text")
    ok(url, "delete", "FF-2023-0005", "--reason", "same event as FF-2023-0003")


def _norm(value: Any) -> Any:
    # SQLite returns naive UTC datetimes, PostgreSQL aware ones: compare the instants.
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, JSON as stored text (SQL NULL and JSON null differ)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = {
                name
                for name in inspect(conn).get_table_names()
                if name != "alembic_version" and not name.startswith("incidents_fts")
            }
            assert tables == set(Base.metadata.tables), "the comparison must cover every table"
            out: dict[str, list[tuple[Any, ...]]] = {}
            for table in Base.metadata.sorted_tables:
                cols = [cast(c, Text) if isinstance(c.type, JSON) else c for c in table.columns]
                query = select(*cols).order_by(*table.primary_key.columns)
                out[table.name] = [tuple(_norm(v) for v in row) for row in conn.execute(query)]
            return out
    finally:
        engine.dispose()


def visible(url: str) -> dict[str, Any]:
    """What a user sees: the full listing, two histories and full-text searches."""
    seen: dict[str, Any] = {
        "list": ok(url, "list", "--format", "jsonl", "--include-deleted").stdout,
        "history-edited": ok(url, "history", "FF-2023-0003", "--format", "json").stdout,
        "history-deleted": ok(url, "history", "FF-2023-0005", "--format", "json").stdout,
    }
    for words in ("Wagner", "blocking units", "Kuzminsky"):
        found = ok(url, "list", "--text", words, "--format", "jsonl").stdout
        seen[f"search {words}"] = [json.loads(line)["id"] for line in found.splitlines()]
    return seen


def fts_in_sync(url: str) -> None:
    """SQLite: the external-content FTS5 index matches incidents.search_text."""
    if not url.startswith("sqlite"):
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            # Raises SQLITE_CORRUPT_VTAB if the index and the content table disagree.
            conn.exec_driver_sql(
                "INSERT INTO incidents_fts(incidents_fts, rank) VALUES ('integrity-check', 1)"
            )
    finally:
        engine.dispose()


def revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


@pytest.fixture
def new_pg(pg_admin: Engine) -> Iterator[Callable[[], str]]:
    """Make fresh PostgreSQL schemas on demand; they are dropped afterwards."""
    made: list[str] = []

    def new() -> str:
        schema, url = _pg_schema_url(pg_admin)
        made.append(schema)
        return url

    yield new
    with pg_admin.connect() as conn:
        for schema in made:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def col(table: str, name: str) -> int:
    """Position of a column in ``dump`` rows."""
    return list(Base.metadata.tables[table].columns.keys()).index(name)


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["auto", "snapshot"])
def test_backup_then_restore_loses_nothing(
    db_url: str, other_db_url: str, tmp_path: Path, fmt: str
) -> None:
    populate(db_url, tmp_path)
    before = dump(db_url)
    assert before["evidence"] and before["incident_history"] and before["place_names"]
    assert any(
        row[col("places", "origin")] == "user" for row in before["places"]
    )  # the user place is there
    seen = visible(db_url)
    assert "FF-2023-0005" in seen["list"] and seen["search Wagner"]

    out = tmp_path / ("backup.db" if fmt == "auto" and db_url.startswith("sqlite") else "b.gz")
    result = ok(db_url, "db", "backup", str(out), "--format", fmt)
    expected_kind = "sqlite" if fmt == "auto" and db_url.startswith("sqlite") else "snapshot"
    assert db_backup.detect_kind(out) == expected_kind
    assert f"({expected_kind}, revision {migrate.head_revision()}, 10 incidents" in result.stderr

    result = ok(other_db_url, "db", "restore", str(out))
    assert "10 incidents" in result.stderr
    assert dump(other_db_url) == before
    assert visible(other_db_url) == seen
    fts_in_sync(other_db_url)
    assert revision(other_db_url) == migrate.head_revision()

    # Later writes get fresh ids: sequences (PostgreSQL) start past the restored rows.
    ok(other_db_url, "add", str(FIXTURES / "three.yaml"))
    ok(
        other_db_url,
        "places",
        "add",
        "Another range",
        "--lat",
        "1",
        "--lon",
        "2",
        "--country",
        "RU",
    )
    after = dump(other_db_url)
    old_ids = {row[0] for row in before["incidents"]}
    new = [row for row in after["incidents"] if row[0] not in old_ids]
    assert len(new) == 3 and min(row[0] for row in new) == max(old_ids) + 1
    assert len(after["places"]) == len(before["places"]) + 1
    assert len(after["incident_history"]) == len(before["incident_history"]) + 3
    assert after["incidents"][: len(before["incidents"])] == before["incidents"]
    fts_in_sync(other_db_url)
    # The new incident is in the full-text index next to the restored ones.
    found = ok(other_db_url, "list", "--text", "diversion groups", "--format", "jsonl").stdout
    titles = [json.loads(line)["title"] for line in found.splitlines()]
    assert "Two Ukrainian diversion groups fired on each other in Kupyansk" in titles
    assert len(titles) == 2


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back(tmp_path: Path, new_pg: Callable[[], str]) -> None:
    lite = f"sqlite:///{tmp_path / 'a.db'}"
    populate(lite, tmp_path)
    first = tmp_path / "from-sqlite.jsonl.gz"
    ok(lite, "db", "backup", str(first), "--format", "snapshot")
    pg = new_pg()
    ok(pg, "db", "restore", str(first))
    second = tmp_path / "from-pg.jsonl.gz"
    ok(pg, "db", "backup", str(second))  # PostgreSQL: a snapshot by default
    lite2 = f"sqlite:///{tmp_path / 'b.db'}"
    ok(lite2, "db", "restore", str(second))

    rows = dump(lite)
    assert dump(pg) == rows
    assert dump(lite2) == rows
    seen = visible(lite)
    assert visible(lite2) == seen
    # `list` prints SQLite's naive UTC times without the "Z" PostgreSQL's carry.
    utc = re.compile(r'("(?:created|updated|deleted)_at":"[0-9T:.-]+)Z"')
    assert {k: utc.sub(r'\1"', v) if k == "list" else v for k, v in visible(pg).items()} == seen
    fts_in_sync(lite2)
    header = json.loads(gzip.open(second, "rt", encoding="utf-8").readline())
    assert header["dialect"] == "postgresql"
    assert {t["name"]: t["rows"] for t in header["tables"]}["incidents"] == 10

    # A SQLite copy is read as a source, so it restores straight into PostgreSQL too.
    copy = tmp_path / "copy.db"
    ok(lite, "db", "backup", str(copy))
    pg2 = new_pg()
    ok(pg2, "db", "restore", str(copy))
    assert dump(pg2) == rows
    ok(pg2, "add", str(FIXTURES / "three.yaml"))


def test_older_revision_is_restored_then_upgraded(
    db_url: str, other_db_url: str, tmp_path: Path
) -> None:
    populate(db_url, tmp_path)
    rows = dump(db_url)
    engine = make_engine(db_url)
    migrate.downgrade(engine, "0002")  # 0003 only adds the incidents_flat view
    engine.dispose()
    old = tmp_path / "old.gz"
    ok(db_url, "db", "backup", str(old), "--format", "snapshot")
    assert json.loads(gzip.open(old, "rt").readline())["revision"] == "0002"

    # Into an empty database: created at 0002, loaded, upgraded.
    result = ok(other_db_url, "db", "restore", str(old))
    assert f"upgraded to {migrate.head_revision()}" in result.stderr
    assert revision(other_db_url) == migrate.head_revision()
    assert dump(other_db_url) == rows
    restored = make_engine(other_db_url)
    with restored.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM incidents_flat")) == 9  # 10 minus deleted
    restored.dispose()

    # Into a database at head that holds incidents: emptied, downgraded, loaded, upgraded.
    ok(other_db_url, "add", str(FIXTURES / "three.yaml"))
    ok(other_db_url, "db", "restore", str(old), "--force")
    assert revision(other_db_url) == migrate.head_revision()
    assert dump(other_db_url) == rows
    fts_in_sync(other_db_url)


# --------------------------------------------------------------------------- SQLite online backup


@pytest.mark.parametrize("kind", ["sqlite", "snapshot"])
def test_sqlite_backup_is_consistent_while_others_write(tmp_path: Path, kind: str) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    ok(url, "add", str(SAMPLE))
    path = tmp_path / "live.db"
    engine = make_engine(url)

    # An open, uncommitted write transaction: the backup neither waits for it nor sees it.
    writer = sqlite3.connect(path, isolation_level=None, timeout=30)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE incidents SET title = 'UNCOMMITTED' WHERE id = 1")
    started = time.monotonic()
    db_backup.backup(engine, tmp_path / "during.bak", kind=kind)  # type: ignore[arg-type]
    assert time.monotonic() - started < 10
    writer.execute("COMMIT")
    restored = f"sqlite:///{tmp_path / 'during.db'}"
    ok(restored, "db", "restore", str(tmp_path / "during.bak"))
    titles = {row[col("incidents", "title")] for row in dump(restored)["incidents"]}
    assert "UNCOMMITTED" not in titles and len(titles) == 9

    # A writer committing pairs (version bump + history row) in a loop: every backup
    # must hold both halves of each pair or neither.
    v0 = writer.execute("SELECT version FROM incidents WHERE id = 1").fetchone()[0]
    stop, done = threading.Event(), [0]

    def write() -> None:
        con = sqlite3.connect(path, isolation_level=None, timeout=30)
        while not stop.is_set():
            con.execute("BEGIN IMMEDIATE")
            con.execute("UPDATE incidents SET version = version + 1 WHERE id = 1")
            con.execute(
                "INSERT INTO incident_history (incident_id, at, user, action, reason, changes)"
                " VALUES (1, '2024-01-01 00:00:00.000000', 'writer', 'edit', 'loop', '{}')"
            )
            con.execute("COMMIT")
            done[0] += 1
        con.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        while done[0] < 20:
            time.sleep(0.01)
        files = []
        for n in range(3):
            files.append(tmp_path / f"busy{n}.bak")
            db_backup.backup(engine, files[-1], kind=kind)  # type: ignore[arg-type]
    finally:
        stop.set()
        thread.join()
    writer.close()
    engine.dispose()
    assert done[0] > 20
    for n, file in enumerate(files):
        target = f"sqlite:///{tmp_path / f'busy{n}.db'}"
        ok(target, "db", "restore", str(file))
        rows = dump(target)
        version = next(row for row in rows["incidents"] if row[0] == 1)[col("incidents", "version")]
        pairs = sum(
            1
            for row in rows["incident_history"]
            if row[col("incident_history", "user")] == "writer"
        )
        assert version - v0 == pairs
        fts_in_sync(target)


def test_backup_options_and_refusals(db_url: str, tmp_path: Path) -> None:
    ok(db_url, "add", str(SAMPLE))
    out = tmp_path / "exists.bak"
    out.write_bytes(b"precious")
    result = run(db_url, "db", "backup", str(out))
    assert result.exit_code == 4 and "--force" in result.stderr
    assert out.read_bytes() == b"precious"
    ok(db_url, "db", "backup", str(out), "--force")
    assert db_backup.detect_kind(out) in ("sqlite", "snapshot")
    assert not list(tmp_path.glob(".*partial"))  # no temporary file left behind

    result = run(db_url, "db", "backup", str(tmp_path / "x"), "--format", "zip")
    assert result.exit_code == 2 and "--format" in result.stderr
    if db_url.startswith("postgresql"):
        result = run(db_url, "db", "backup", str(tmp_path / "pg.db"), "--format", "sqlite")
        assert result.exit_code == 2 and "--format snapshot" in result.stderr
        assert not (tmp_path / "pg.db").exists()


# --------------------------------------------------------------------------- refusals, bad files


def _lines(path: Path) -> list[str]:
    return gzip.open(path, "rt", encoding="utf-8").read().splitlines()


def _write(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def _first(lines: list[str], table: str) -> int:
    """0-based index of the first row line of ``table``."""
    return next(i for i, line in enumerate(lines) if json.loads(line).get("table") == table)


def test_restore_refuses_bad_input_and_leaves_the_target_unchanged(
    db_url: str, other_db_url: str, tmp_path: Path
) -> None:
    populate(db_url, tmp_path)
    good = tmp_path / "good.gz"
    ok(db_url, "db", "backup", str(good), "--format", "snapshot")
    ok(other_db_url, "add", str(FIXTURES / "three.yaml"))
    target = dump(other_db_url)

    # A database that holds incidents is replaced only with --force.
    result = run(other_db_url, "db", "restore", str(good))
    assert result.exit_code == 4
    assert "already holds 3 incidents" in result.stderr and "--force" in result.stderr
    assert dump(other_db_url) == target

    lines = _lines(good)
    inc = _first(lines, "incidents")
    header = json.loads(lines[0])

    def variant(name: str, change: Any) -> Path:
        copy = list(lines)
        change(copy)
        return _write(tmp_path / name, copy)

    def set_row(i: int, **values: Any) -> Any:
        def change(copy: list[str]) -> None:
            item = json.loads(copy[i])
            item["row"].update(values)
            copy[i] = json.dumps(item)

        return change

    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    plain = tmp_path / "notes.txt"
    plain.write_text("just some notes\n")
    not_incidents = tmp_path / "other.sqlite"
    con = sqlite3.connect(not_incidents)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    newer = dict(header, revision="9999")
    no_revision = {k: v for k, v in header.items() if k != "revision"}

    cases: list[tuple[Path, int, str]] = [
        (truncated, 2, "truncated or corrupt"),
        (plain, 2, "line 1: not an incidents backup"),
        (not_incidents, 2, "not an incidents database"),
        (variant("wrong.gz", lambda c: c.__setitem__(0, '{"format": "x"}')), 2, "line 1: not an"),
        (
            variant("nohead.gz", lambda c: c.__setitem__(0, json.dumps(no_revision))),
            2,
            "line 1: revision: Field required",
        ),
        (
            variant("table.gz", lambda c: c.insert(inc, '{"table": "nope", "row": {}}')),
            2,
            f"line {inc + 1}: unknown table 'nope'",
        ),
        (
            variant("column.gz", set_row(inc, bogus=1)),
            2,
            f"line {inc + 1}: incidents: unknown column 'bogus'",
        ),
        (
            variant("value.gz", set_row(inc + 1, date_start="2023-02-30")),
            2,
            f"line {inc + 2}: incidents.date_start:",
        ),
        (
            variant("json.gz", set_row(inc, geolocation="{not json")),
            2,
            f"line {inc + 1}: incidents.geolocation:",
        ),
        (
            # A duplicate primary key is a database error, still named by its line.
            variant("dup.gz", lambda c: c.insert(inc + 1, c[inc])),
            2,
            f"line {inc + 2}: incidents:",
        ),
        (variant("short.gz", lambda c: c.pop()), 2, "the file is incomplete"),
        (
            variant("newer.gz", lambda c: c.__setitem__(0, json.dumps(newer))),
            5,
            "revision 9999, which this version of incidents does not know",
        ),
    ]
    for path, code, message in cases:
        result = run(other_db_url, "db", "restore", str(path), "--force")
        assert result.exit_code == code, (path.name, result.stderr)
        assert message in result.stderr, (path.name, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert str(path) in result.stderr
        assert dump(other_db_url) == target, path.name
    fts_in_sync(other_db_url)

    # The good file still works, and --force replaces the content.
    result = ok(other_db_url, "db", "restore", str(good), "--force")
    assert "replacing 3 incidents" in result.stderr
    assert dump(other_db_url) == dump(db_url)


def test_damaged_sqlite_copy_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'src.db'}"
    ok(url, "add", str(SAMPLE))
    copy = tmp_path / "copy.db"
    ok(url, "db", "backup", str(copy))
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(copy.read_bytes()[: 3 * 4096])
    target = f"sqlite:///{tmp_path / 'target.db'}"
    result = run(target, "db", "restore", str(damaged))
    assert result.exit_code == 2 and str(damaged) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert revision(target) is None  # nothing was created
    result = run(target, "db", "restore", str(tmp_path / "missing.db"))
    assert result.exit_code == 2 and "no such file" in result.stderr
