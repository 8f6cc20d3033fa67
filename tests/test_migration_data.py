"""Migrations keep data: a database filled at every older revision upgrades to head intact.

A reference database at head is filled through the normal paths (add, extract with
evidence, edit, delete, a user place). For each older revision a second database is
created at that revision, given the reference rows of the tables and columns that
revision has, and upgraded to head; every one of those rows must come through unchanged,
and the incidents must read back exactly as in the reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, inspect, select, text
from typer.testing import CliRunner

from incidents import services
from incidents.cli import app
from incidents.db import migrate
from incidents.db.engine import make_engine
from incidents.db.models import Base
from incidents.schema import IncidentFilter
from tests.conftest import ROOT

OLDER = migrate.revisions()[:-1]


def _run(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", url, "--user", "tester", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _fill(url: str, tmp_path: Path) -> None:
    _run(url, "add", str(ROOT / "data" / "sample_incidents.yaml"))
    article = ROOT / "data" / "gold" / "texts" / "g14-su34-alchevsk-2022.txt"
    draft = _run(url, "extract", str(article), "--published", "2022-07-19", "--yaml")
    assert "evidence:" in draft
    drafted = tmp_path / "draft.yaml"
    drafted.write_text(draft, encoding="utf-8")
    _run(url, "add", str(drafted))
    _run(url, "places", "add", "Kuzminsky training range", "--lat", "47.2", "--lon", "39.9",
         "--country", "RU")  # fmt: skip
    shown = _run(url, "show", "FF-2023-0001", "--format", "yaml")
    edited = shown.replace("intent: deliberate", "intent: unknown", 1)
    assert edited != shown
    (tmp_path / "edit.yaml").write_text(edited, encoding="utf-8")
    _run(url, "edit", "FF-2023-0001", "--file", str(tmp_path / "edit.yaml"), "--reason", "re-read")
    _run(url, "delete", "FF-2023-0002", "--reason", "duplicate of another report")


def _rows(engine: Engine, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    tbl = Table(table, MetaData(), autoload_with=engine)
    pk = list(tbl.primary_key.columns) or [tbl.c[c] for c in columns]
    query = select(*(tbl.c[c] for c in columns)).order_by(*pk)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def _copy(source: Engine, target: Engine) -> dict[str, list[str]]:
    """Copy the rows of every table ``target`` has, limited to its columns."""
    present = inspect(target)
    copied: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        if not present.has_table(table.name):
            continue
        columns = [c["name"] for c in present.get_columns(table.name)]
        rows = _rows(source, table.name, columns)
        if rows:
            dest = Table(table.name, MetaData(), autoload_with=target)
            with target.begin() as conn:
                conn.execute(dest.insert(), [dict(zip(columns, r, strict=True)) for r in rows])
                if target.dialect.name == "postgresql" and "id" in columns:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT max(id) FROM {table.name}))"
                        )
                    )
        copied[table.name] = columns
    return copied


@pytest.mark.parametrize("revision", OLDER)
def test_records_survive_upgrade_from(
    revision: str, db_url: str, other_db_url: str, tmp_path: Path
) -> None:
    reference = make_engine(db_url)
    migrate.upgrade(reference)
    _fill(db_url, tmp_path)

    old = make_engine(other_db_url)
    migrate.upgrade(old, revision)
    assert migrate.current_revision(old) == revision
    copied = _copy(reference, old)
    assert "incidents" in copied and "sources" in copied
    before = {t: _rows(old, t, cols) for t, cols in copied.items()}
    assert sum(len(r) for r in before.values()) > 50

    migrate.upgrade(old)
    assert migrate.current_revision(old) == migrate.head_revision()
    for table, columns in copied.items():
        assert _rows(old, table, columns) == before[table], table

    everything = IncidentFilter(include_deleted=True)
    # Evidence arrived in 0002: a database from before it has none to keep.
    lost = set() if "evidence" in copied else {"evidence"}
    want = [r.model_dump(exclude=lost) for r in services.list_incidents(reference, everything)]
    got = [r.model_dump(exclude=lost) for r in services.list_incidents(old, everything)]
    assert any(r.evidence for r in services.list_incidents(reference, everything))
    assert got == want and len(got) >= 10
    assert [services.history(old, r["id"]) for r in got] == [
        services.history(reference, r["id"]) for r in want
    ]
    # Full-text search works on the upgraded database, and new writes get fresh ids.
    hits = _run(other_db_url, "list", "--text", "Belgorod", "--format", "jsonl")
    assert hits and hits == _run(db_url, "list", "--text", "Belgorod", "--format", "jsonl")
    _run(other_db_url, "add", str(ROOT / "tests" / "fixtures" / "three.yaml"))
    assert (
        len(_run(other_db_url, "list", "--format", "jsonl").splitlines())
        == len(_run(db_url, "list", "--format", "jsonl").splitlines()) + 3
    )
    reference.dispose()
    old.dispose()
