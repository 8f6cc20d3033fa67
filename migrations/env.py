"""Alembic environment: runs on the connection ``incidents.db.migrate`` hands over."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from incidents.db.migrate import include_object
from incidents.db.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # Batch mode lets one revision ALTER tables on SQLite as well as PostgreSQL.
        render_as_batch=True,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Use the shared connection from ``config.attributes``, or open one from the URL."""
    connection: Any = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from incidents.config import database_url
    from incidents.db.engine import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or database_url())
    with engine.begin() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; use `incidents db upgrade`")
run_migrations_online()
