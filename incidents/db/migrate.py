"""Programmatic Alembic: upgrade, downgrade, current and check on one shared connection.

The CLI, the tests and the stale-schema check all go through here. Alembic is imported
lazily so commands that do not migrate start fast.
"""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from incidents.db.models import UNMANAGED_INDEXES, UNMANAGED_PREFIXES, UNMANAGED_TABLES
from incidents.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config


# The newest revision under migrations/versions. Kept here so that the per-command "is the
# database current?" check needs no Alembic import; tests/test_migrations.py fails when a new
# revision is added without updating it.
HEAD_REVISION = "0004"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Hide the per-dialect full-text objects from autogenerate comparisons."""
    if (
        type_ == "table"
        and name
        and (name in UNMANAGED_TABLES or name.startswith(UNMANAGED_PREFIXES))
    ):
        return False
    return not (type_ == "index" and name in UNMANAGED_INDEXES)


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("incidents.migrations")))
    return cfg


def head_revision() -> str:
    """The newest revision shipped with this version of the package."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def revisions() -> list[str]:
    """Every revision shipped with the package, oldest first."""
    from alembic.script import ScriptDirectory

    return [rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()][::-1]


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate_connection(
    conn: Connection, direction: Literal["upgrade", "downgrade"], revision: str
) -> None:
    """Upgrade or downgrade on ``conn``, inside the caller's transaction."""
    from alembic import command

    cfg = _config()
    cfg.attributes["connection"] = conn
    if direction == "upgrade":
        command.upgrade(cfg, revision)
    else:
        command.downgrade(cfg, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to ``revision`` in one transaction."""
    with engine.begin() as conn:
        migrate_connection(conn, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database down to ``revision`` ('base' empties it)."""
    with engine.begin() as conn:
        migrate_connection(conn, "downgrade", revision)


def pending_diff(engine: Engine) -> list[Any]:
    """Differences between the ORM and the database schema (empty when in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from incidents.db.models import Base

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        return list(compare_metadata(ctx, Base.metadata))


def _stored_revision(engine: Engine) -> str | None:
    """The revision in ``alembic_version`` read with plain SQL; None when it cannot be read."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:
        return None  # no table yet (a new database): Alembic's own path decides
    return str(rows[0]) if len(rows) == 1 else None


def ensure_current(engine: Engine) -> str | None:
    """Upgrade a new or outdated database; return a message saying what was done, if anything."""
    # Every command asks this first; importing Alembic to answer costs 0.25-0.35 s, so a
    # database already at HEAD_REVISION is recognised with one SELECT.
    if _stored_revision(engine) == HEAD_REVISION:
        return None
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    from alembic.script import ScriptDirectory

    known = {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}
    if current is not None and current not in known:
        raise DatabaseError(
            f"database is at revision {current}, which this version of incidents does not know;"
            " upgrade the incidents package"
        )
    upgrade(engine)
    if current is None:
        return f"created a new database at revision {head}"
    return f"upgraded the database from revision {current} to {head}"
