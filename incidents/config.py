"""Settings: which database. ``--db`` beats ``INCIDENTS_DATABASE_URL`` beats the default file.

Never connects; only computes URLs and paths.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV_URL = "INCIDENTS_DATABASE_URL"
ENV_USER = "INCIDENTS_USER"
ENV_CACHE_DIR = "INCIDENTS_CACHE_DIR"


def default_database_path() -> Path:
    """The embedded SQLite file: ``incidents.db`` in the platform's user data directory."""
    from platformdirs import user_data_path

    return user_data_path("incidents", appauthor=False) / "incidents.db"


def cache_dir() -> Path:
    """Where derived data (gazetteer index, region names) is cached: ``$INCIDENTS_CACHE_DIR``,
    else the platform's user cache directory."""
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env)
    from platformdirs import user_cache_path

    return user_cache_path("incidents")


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


def requested_user(cli_value: str | None = None) -> str | None:
    """The user named explicitly: ``--user``, else ``INCIDENTS_USER``, else None."""
    return cli_value or os.environ.get(ENV_USER) or None


def login_name() -> str:
    """The operating-system login name (the last resort for the acting user)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def acting_user(cli_value: str | None = None, database_user: str | None = None) -> str:
    """Who is recorded in history.

    ``--user`` > ``INCIDENTS_USER`` > the database user (PostgreSQL's ``session_user``,
    passed in by the caller because this module never connects) > the login name.
    """
    return requested_user(cli_value) or database_user or login_name()


def _has_password(userinfo: str) -> bool:
    # A user name never contains "/": "sqlite:////tmp/a:b@c.db" is a path, not a login.
    return ":" in userinfo and "/" not in userinfo.split(":", 1)[0]


def url_passwords(url: str) -> list[str]:
    """The passwords written in a database URL (userinfo and ``password=`` parameters)."""
    from urllib.parse import parse_qsl, unquote

    if "://" not in url:
        return []
    rest = url.split("://", 1)[1]
    query_at = rest.find("?")
    # The last "@" before the query ends the userinfo, so a password may contain "@".
    at = rest.rfind("@", 0, query_at if query_at >= 0 else len(rest))
    userinfo = rest[:at] if at >= 0 else ""
    found = [unquote(userinfo.split(":", 1)[1])] if _has_password(userinfo) else []
    if query_at >= 0:
        found += [v for k, v in parse_qsl(rest[query_at + 1 :]) if k.lower() == "password"]
    return [password for password in found if password]


_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def mask_url(url: str) -> str:
    """Hide the password of a database URL for messages; works on unparseable URLs too."""
    masked = _QUERY_PASSWORD.sub(r"\1***", url)
    if "://" not in masked:
        return masked
    scheme, rest = masked.split("://", 1)
    query_at = rest.find("?")
    at = rest.rfind("@", 0, query_at if query_at >= 0 else len(rest))
    if at >= 0 and _has_password(rest[:at]):
        user = rest[:at].split(":", 1)[0]
        rest = f"{user}:***{rest[at:]}"
    return f"{scheme}://{rest}"


def redact(text: str, url: str) -> str:
    """Replace the URL's password wherever it appears in ``text`` (a last line of defence)."""
    from urllib.parse import quote

    for password in url_passwords(url):
        for form in {password, quote(password, safe=""), quote(password)}:
            text = text.replace(form, "***")
    return text
