"""Fixtures: a fresh, migrated database per test, on SQLite and on the real PostgreSQL server.

PostgreSQL isolation uses one schema per test (``search_path`` in the URL). Without a
server the PostgreSQL cases skip, except when ``CI=true``: there they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from typer.testing import CliRunner, Result

from incidents.cli import app
from incidents.db import migrate
from incidents.db.engine import make_engine

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_URL = os.environ.get(
    "INCIDENTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
).replace("postgresql://", "postgresql+psycopg://", 1)

_pg_state: dict[str, str | None] = {}


def _pg_unavailable() -> str | None:
    if "reason" not in _pg_state:
        try:
            with create_engine(PG_URL).connect() as conn:
                conn.execute(text("SELECT 1"))
            _pg_state["reason"] = None
        except Exception as exc:  # any failure to reach the server
            _pg_state["reason"] = f"PostgreSQL at {PG_URL} unreachable: {exc}".splitlines()[0]
    return _pg_state["reason"]


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An engine on the PostgreSQL test database (skips, or fails under CI)."""
    reason = _pg_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _pg_schema_url(admin: Engine) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    return schema, f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database: a temporary SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin: Engine = request.getfixturevalue("pg_admin")
    schema, url = _pg_schema_url(admin)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def other_db_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the same kind as ``db_url`` (restore, upgrade targets)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.db'}"
        return
    admin: Engine = request.getfixturevalue("pg_admin")
    schema, url = _pg_schema_url(admin)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on the per-test database."""
    eng = make_engine(db_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


Invoke = Callable[..., Result]


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run the CLI against the per-test database: ``cli("list", "--format", "json")``."""
    monkeypatch.setenv("INCIDENTS_USER", "tester")
    monkeypatch.delenv("INCIDENTS_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--db", db_url, *args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def three_yaml() -> Path:
    """A small YAML file with three incidents (Kupyansk, Belgorod, Opytne)."""
    return FIXTURES / "three.yaml"
