"""Settings: which database. ``--db`` beats ``INCIDENTS_DATABASE_URL`` beats the default file.

Never connects; only computes URLs and paths.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_URL = "INCIDENTS_DATABASE_URL"
ENV_USER = "INCIDENTS_USER"


def default_database_path() -> Path:
    """The embedded SQLite file: ``incidents.db`` in the platform's user data directory."""
    from platformdirs import user_data_path

    return user_data_path("incidents", appauthor=False) / "incidents.db"


def normalize_url(url: str) -> str:
    """Accept a bare file path or a ``postgresql://`` URL and return a SQLAlchemy URL."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        # psycopg 3 is the only PostgreSQL driver we ship.
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def database_url(cli_value: str | None = None) -> str:
    """Resolve the database URL from the CLI option, the environment, or the default."""
    if cli_value:
        return normalize_url(cli_value)
    env = os.environ.get(ENV_URL)
    if env:
        return normalize_url(env)
    return f"sqlite:///{default_database_path()}"


def acting_user(cli_value: str | None = None) -> str:
    """Who is recorded in history: ``--user``, ``INCIDENTS_USER``, else the login name."""
    if cli_value:
        return cli_value
    env = os.environ.get(ENV_USER)
    if env:
        return env
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def mask_url(url: str) -> str:
    """Hide the password of a database URL for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid database URL>"
