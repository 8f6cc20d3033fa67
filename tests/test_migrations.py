"""Alembic on both databases: up, down, up again; the ORM matches; installed copies migrate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from incidents.db import migrate
from incidents.db.engine import make_engine
from incidents.db.models import Base
from tests.conftest import ROOT

TABLES = set(Base.metadata.tables)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) & (TABLES | {"alembic_version"})


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _tables(engine) >= TABLES
    assert migrate.pending_diff(engine) == []
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert _tables(engine) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.pending_diff(engine) == []
    engine.dispose()


def test_full_text_objects_follow_the_dialect(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = {
                r[0]
                for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
            }
            assert {"incidents_fts_ai", "incidents_fts_ad", "incidents_fts_au"} <= names
        else:
            found = conn.execute(
                text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_incidents_search_tsv'")
            ).scalar()
            assert found == 1


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    engine.dispose()


def test_ensure_current_reports_what_it_did(engine: Engine) -> None:
    assert migrate.ensure_current(engine) is None
    migrate.downgrade(engine, "base")
    assert "created a new database" in (migrate.ensure_current(engine) or "")


def test_unknown_revision_is_a_clear_error(engine: Engine) -> None:
    from incidents.errors import DatabaseError

    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    with pytest.raises(DatabaseError, match="does not know"):
        migrate.ensure_current(engine)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to copy the tree")
def test_regular_install_migrates_from_another_directory(tmp_path: Path) -> None:
    """Build a wheel, install it into a fresh venv, run `incidents db upgrade` elsewhere."""
    wheel_dir = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(wheel_dir.glob("incidents-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Reuse the test environment's dependencies offline. A path line in a .pth is appended
    # after the venv's own site-packages and its .pth files (our editable finder) stay inert.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": ""}
    env.pop("INCIDENTS_DATABASE_URL", None)
    db = elsewhere / "x.db"
    result = subprocess.run(
        [str(python), "-m", "incidents", "--db", str(db), "db", "upgrade"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "upgraded from empty to" in result.stderr
    location = subprocess.run(
        [str(python), "-c", "import incidents.migrations as m; print(m.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in location  # the installed copy, not the source tree
