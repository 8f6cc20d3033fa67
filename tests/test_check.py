"""`incidents db check`: a clean database passes; each kind of corruption is named by id."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, make_url, select, text

from incidents.db import migrate
from incidents.db.check import Check, Problem, check_database
from incidents.db.engine import make_engine
from incidents.db.models import ClaimRow, HistoryRow, IncidentRow, SourceRow
from incidents.errors import ProblemsFound
from tests.conftest import Invoke

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample_incidents.yaml"
EDITED, DELETED = "FF-2023-0002", "FF-2023-0005"
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def loaded(cli: Invoke, tmp_path: Path) -> Invoke:
    """The sample incidents, one of them edited, another deleted and restored."""
    assert cli("add", str(SAMPLE)).exit_code == 0
    doc = cli("show", EDITED, "--format", "yaml").stdout
    edited = tmp_path / "edited.yaml"
    edited.write_text(
        re.sub(r"^title: .*$", 'title: "Edited title"', doc, count=1, flags=re.M), encoding="utf-8"
    )
    result = cli("edit", EDITED, "--file", str(edited), "--reason", "test edit")
    assert result.exit_code == 0, result.stderr
    assert cli("delete", DELETED, "--reason", "duplicate").exit_code == 0
    assert cli("restore", DELETED).exit_code == 0
    return cli


@pytest.fixture
def db(loaded: Invoke, db_url: str) -> Iterator[Engine]:
    """An engine on the loaded database (made after the CLI wrote it)."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def raw(engine: Engine, *statements: str) -> None:
    """Run SQL past every safeguard: foreign keys off, as the sqlite3 shell would."""
    if engine.dialect.name == "sqlite":
        path = make_url(str(engine.url)).database
        assert path
        shell = sqlite3.connect(path)  # the stdlib default: foreign keys not enforced
        with shell:
            for statement in statements:
                shell.execute(statement)
        shell.close()
        return
    with engine.begin() as conn:
        # Foreign keys are triggers on PostgreSQL; replica mode skips them.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            conn.execute(text(statement))


def row_id(engine: Engine, public_id: str) -> int:
    with engine.connect() as conn:
        found = conn.scalar(select(IncidentRow.id).where(IncidentRow.public_id == public_id))
    assert found is not None
    return found


def run_check(cli: Invoke) -> tuple[int, list[dict[str, Any]], str]:
    """Exit code, problems from --format json, and the stderr line."""
    result = cli("db", "check", "--format", "json")
    payload = json.loads(result.stdout)
    assert payload["ok"] is (not payload["problems"])
    return result.exit_code, payload["problems"], result.stderr.strip()


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_clean_database_has_no_problems(db: Engine, loaded: Invoke) -> None:
    with db.connect() as conn:
        versions = dict(conn.execute(select(IncidentRow.public_id, IncidentRow.version)).all())
        actions = list(
            conn.scalars(
                select(HistoryRow.action)
                .join(IncidentRow, IncidentRow.id == HistoryRow.incident_id)
                .where(IncidentRow.public_id == DELETED)
                .order_by(HistoryRow.id)
            )
        )
    # The fixture really exercised every write path the history check reasons about.
    assert versions[EDITED] == 2 and actions == ["create", "delete", "restore"]
    assert check_database(db) == []
    result = loaded("db", "check")
    assert result.exit_code == 0
    assert "no problems found" in result.stderr
    assert run_check(loaded) == (0, [], "")


def test_tampered_source_text_is_a_sha_mismatch(db: Engine, loaded: Invoke) -> None:
    with db.connect() as conn:
        source_id, ref = conn.execute(
            select(SourceRow.id, SourceRow.ref).where(SourceRow.text.is_not(None)).limit(1)
        ).one()
        citing = sorted(
            conn.scalars(
                select(IncidentRow.public_id)
                .join(ClaimRow, ClaimRow.incident_id == IncidentRow.id)
                .where(ClaimRow.source_id == source_id)
                .distinct()
            )
        )
    raw(db, f"UPDATE sources SET text = text || ' (tampered)' WHERE id = {source_id}")
    problem = only(check_database(db))
    assert (problem.check, problem.table, problem.row_id) == (Check.ARCHIVE, "sources", source_id)
    assert problem.incidents == tuple(citing) and citing
    assert ref in problem.message and "hashes to" in problem.message
    code, problems, stderr = run_check(loaded)
    assert code == ProblemsFound.exit_code == 6
    assert [p["where"] for p in problems] == [", ".join(citing)]
    assert stderr.endswith("1 problem: 1 archive")


def test_deleted_history_row(db: Engine, loaded: Invoke) -> None:
    incident = row_id(db, DELETED)
    raw(db, f"DELETE FROM incident_history WHERE incident_id = {incident} AND action = 'delete'")
    problem = only(check_database(db))
    assert (problem.check, problem.incidents) == (Check.HISTORY, (DELETED,))
    assert problem.message == "version is 3 but the history has 2 entries"
    code, problems, _ = run_check(loaded)
    assert code == 6 and [p["where"] for p in problems] == [DELETED]


def test_bumped_version(db: Engine) -> None:
    raw(db, f"UPDATE incidents SET version = version + 1 WHERE public_id = '{EDITED}'")
    problem = only(check_database(db))
    assert (problem.check, problem.incidents) == (Check.HISTORY, (EDITED,))
    assert problem.message == "version is 3 but the history has 2 entries"


def test_deleted_at_disagrees_with_history(db: Engine) -> None:
    raw(db, f"UPDATE incidents SET deleted_at = updated_at WHERE public_id = '{DELETED}'")
    problem = only(check_database(db))
    assert (problem.check, problem.incidents) == (Check.HISTORY, (DELETED,))
    assert problem.message == "deleted_at is set but the history ends with 'restore'"


def test_history_out_of_order_and_second_create(db: Engine) -> None:
    incident = row_id(db, EDITED)
    raw(
        db,
        f"UPDATE incident_history SET action = 'create', at = '1999-01-01 00:00:00' "
        f"WHERE incident_id = {incident} AND action = 'update'",
    )
    messages = sorted(p.message for p in check_database(db))
    assert len(messages) == 2, messages
    assert messages[0].startswith("2 'create' entries (")
    assert (
        messages[1].startswith("history entry ")
        and "(1999-01-01 00:00:00) is earlier" in (messages[1])
    )


def test_search_text_changed_by_hand(db: Engine, loaded: Invoke) -> None:
    # On SQLite the triggers move the FTS index along, so only search_text is wrong.
    raw(
        db,
        "UPDATE incidents SET search_text = search_text || ' planted words' "
        f"WHERE public_id = '{EDITED}'",
    )
    problem = only(check_database(db))
    assert (problem.check, problem.incidents) == (Check.SEARCH_TEXT, (EDITED,))
    assert "not in the record" in problem.message and "planted words" in problem.message
    code, problems, stderr = run_check(loaded)
    assert code == 6 and problems[0]["check"] == "search_text"
    assert stderr.endswith("1 problem: 1 search_text")


def test_orphaned_claim_source_is_reported_by_public_id(db: Engine, loaded: Invoke) -> None:
    incident = row_id(db, EDITED)
    with db.connect() as conn:
        claim = conn.scalar(select(func.min(ClaimRow.id)).where(ClaimRow.incident_id == incident))
    raw(db, f"UPDATE claims SET source_id = 999999 WHERE id = {claim}")
    problem = only(check_database(db))
    assert (problem.check, problem.table, problem.row_id) == (Check.FOREIGN_KEYS, "claims", claim)
    assert problem.incidents == (EDITED,)
    assert problem.message == "claims.source_id = 999999: no such sources row"
    code, problems, stderr = run_check(loaded)
    assert code == 6 and [p["where"] for p in problems] == [EDITED]
    assert stderr.endswith("1 problem: 1 foreign_keys")


def test_claim_of_a_missing_incident_is_reported_by_table_and_key(db: Engine) -> None:
    incident = row_id(db, EDITED)
    with db.connect() as conn:
        claims = list(conn.scalars(select(ClaimRow.id).where(ClaimRow.incident_id == incident)))
    raw(db, f"UPDATE claims SET incident_id = 999999 WHERE id = {claims[0]}")
    problems = check_database(db)
    orphan = [p for p in problems if p.check is Check.FOREIGN_KEYS]
    assert len(orphan) == 1 and orphan[0].where == f"claims#{claims[0]}"
    assert orphan[0].message == "claims.incident_id = 999999: no such incidents row"
    # The incident that lost its claim no longer matches its search text or schema.
    assert {p.incidents for p in problems if p is not orphan[0]} <= {(EDITED,)}


def test_database_behind_head_is_reported_and_left_alone(db: Engine, loaded: Invoke) -> None:
    migrate.downgrade(db, "-1")
    behind = migrate.current_revision(db)
    assert behind is not None and behind != migrate.head_revision()
    problem = only(check_database(db))
    assert (problem.check, problem.table) == (Check.REVISION, "alembic_version")
    assert problem.message.startswith(f"database is at revision {behind}, not ")
    code, problems, stderr = run_check(loaded)
    assert code == 6 and [p["check"] for p in problems] == ["revision"]
    assert stderr.endswith("1 problem: 1 revision")
    assert migrate.current_revision(db) == behind  # checking never migrates


def test_empty_database(cli: Invoke) -> None:
    code, problems, _ = run_check(cli)
    assert code == 6
    assert [p["message"].split(",")[0] for p in problems] == [
        "database is at revision none (empty database)"
    ]


@SQLITE_ONLY
def test_row_planted_in_fts_index(db: Engine, loaded: Invoke) -> None:
    incident = row_id(db, EDITED)
    raw(db, f"INSERT INTO incidents_fts(rowid, search_text) VALUES ({incident}, 'ghost words')")
    problem = only(check_database(db))
    assert (problem.check, problem.table, problem.incidents) == (
        Check.FTS,
        "incidents_fts",
        (EDITED,),
    )
    assert loaded("list", "--text", "ghost", "--format", "json").stdout.count(EDITED) == 1
    code, _, stderr = run_check(loaded)
    assert code == 6 and stderr.endswith("1 problem: 1 fts")


@SQLITE_ONLY
def test_update_with_fts_trigger_dropped(db: Engine) -> None:
    raw(
        db,
        "DROP TRIGGER incidents_fts_au",
        "UPDATE incidents SET search_text = search_text || ' unindexed' "
        f"WHERE public_id = '{EDITED}'",
    )
    found = {(p.check, p.where, p.message.split(":")[0]) for p in check_database(db)}
    assert found == {
        (Check.SEARCH_TEXT, EDITED, "search_text is out of date"),
        (Check.FTS, "incidents_fts", "trigger incidents_fts_au is missing"),
        (Check.FTS, EDITED, "index entries differ from the incident's search_text"),
    }


@SQLITE_ONLY
def test_fts_entry_for_a_row_that_is_gone(db: Engine) -> None:
    raw(db, "INSERT INTO incidents_fts(rowid, search_text) VALUES (424242, 'nothing here')")
    problem = only(check_database(db))
    assert (problem.check, problem.where) == (Check.FTS, "incidents_fts#424242")
    assert problem.message == "index entries for rowid 424242, no such incident"


def test_table_output_names_the_incident(db: Engine, loaded: Invoke) -> None:
    raw(db, f"UPDATE incidents SET version = 7 WHERE public_id = '{EDITED}'")
    result = loaded("db", "check")
    assert result.exit_code == 6
    assert EDITED in result.stdout and "version is 7" in result.stdout
    assert result.stderr.count("\n") == 1 and "1 problem: 1 history" in result.stderr


@SQLITE_ONLY
def test_fts_damage_no_row_explains_is_reported_for_the_table(db: Engine) -> None:
    incident = row_id(db, EDITED)
    # Tokens come back out, but FTS5's row count and document sizes stay wrong.
    raw(
        db,
        f"INSERT INTO incidents_fts(rowid, search_text) VALUES ({incident}, 'ghost')",
        f"INSERT INTO incidents_fts(incidents_fts, rowid, search_text) "
        f"VALUES ('delete', {incident}, 'ghost')",
    )
    problem = only(check_database(db))
    assert (problem.check, problem.where) == (Check.FTS, "incidents_fts")
    assert problem.message.startswith("FTS5 integrity-check: ")


def test_unknown_format_is_refused(loaded: Invoke) -> None:
    result = loaded("db", "check", "--format", "csv")
    assert result.exit_code == 2 and "--format" in result.stderr and result.stdout == ""
