"""PostgreSQL group roles for sharing one database: a read-only analyst and an editor.

Both roles are NOLOGIN groups scoped to one database and schema; people log in with their
own roles and are granted a group. Schema changes (migrations) stay with the owner.
The SQL is idempotent: re-running it creates nothing twice and fails on nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Engine, text

from incidents.errors import DatabaseError, InputError

DEFAULT_ANALYST = "incidents_analyst"
DEFAULT_EDITOR = "incidents_editor"

# Plain identifiers only: no quotes, spaces, dollar signs or semicolons can reach the SQL,
# and 63 bytes is PostgreSQL's NAMEDATALEN limit (longer names are silently truncated).
_ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
INSUFFICIENT_PRIVILEGE = "42501"
# SELECT ... FOR UPDATE needs the UPDATE privilege: a refused lock is a refused write.
_LOCKING = re.compile(r"\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE|KEY\s+SHARE)\b", re.IGNORECASE)


class Group(StrEnum):
    """Which group role a login is granted."""

    ANALYST = "analyst"
    EDITOR = "editor"


@dataclass(frozen=True)
class RolePlan:
    """What to create and grant, in which database and schema."""

    database: str
    schema: str
    analyst: str = DEFAULT_ANALYST
    editor: str = DEFAULT_EDITOR
    grant_to: tuple[str, ...] = field(default=())
    group: Group = Group.ANALYST


def check_role_name(name: str, option: str) -> str:
    """Return ``name`` if it is a plain identifier, else raise an InputError naming ``option``."""
    if not _ROLE_NAME.fullmatch(name):
        raise InputError(
            f"{option}: {name!r} is not a valid role name "
            "(letters, digits and _ only, not starting with a digit, at most 63 characters)"
        )
    return name


def _ident(name: str) -> str:
    from psycopg import sql

    # Schema and database names come from the server and may need quoting.
    return sql.Identifier(name).as_string(None)


def _literal(value: str) -> str:
    from psycopg import sql

    return sql.Literal(value).as_string(None)


def _create_group(role: str) -> str:
    # CREATE ROLE has no IF NOT EXISTS; a DO block makes it idempotent.
    return (
        "DO $$ BEGIN\n"
        f"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {_literal(role)}) THEN\n"
        f"    CREATE ROLE {_ident(role)} NOLOGIN;\n"
        "  END IF;\n"
        "END $$"
    )


def plan_sql(plan: RolePlan) -> list[str]:
    """The statements, in order, that create the groups and grant their privileges."""
    analyst, editor = _ident(plan.analyst), _ident(plan.editor)
    schema, database = _ident(plan.schema), _ident(plan.database)
    statements = [
        _create_group(plan.analyst),
        f"GRANT CONNECT ON DATABASE {database} TO {analyst}",
        f"GRANT USAGE ON SCHEMA {schema} TO {analyst}",
        # ALL TABLES includes views (incidents_flat) and alembic_version, which the
        # stale-schema check reads.
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {analyst}",
        # Tables the current role creates later (new migrations) are covered too.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {analyst}",
        _create_group(plan.editor),
        f"GRANT {analyst} TO {editor}",
        f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {editor}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {editor}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT INSERT, UPDATE, DELETE ON TABLES TO {editor}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {editor}",
    ]
    target = analyst if plan.group is Group.ANALYST else editor
    statements += [f"GRANT {target} TO {_ident(login)}" for login in plan.grant_to]
    return statements


def script(plan: RolePlan) -> str:
    """The statements as one SQL script for psql, wrapped in a transaction."""
    header = (
        f"-- incidents roles for database {plan.database}, schema {plan.schema};"
        " run as the owner of its tables\n"
    )
    body = "".join(f"{statement};\n" for statement in plan_sql(plan))
    return f"{header}BEGIN;\n{body}COMMIT;\n"


def require_postgresql(url: str) -> None:
    """Refuse SQLite, which has no roles, with advice on what to do instead."""
    from sqlalchemy.engine import make_url

    if make_url(url).get_backend_name() != "postgresql":
        raise DatabaseError(
            "roles need PostgreSQL; SQLite has no users or roles: share a read-only copy "
            "or use file permissions (e.g. chmod a-w incidents.db) for analysts"
        )


def target_of(engine: Engine) -> tuple[str, str]:
    """The database and schema the engine's URL points at (``current_schema()``)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT current_database(), current_schema()")).one()
    database, schema = row
    if schema is None:
        raise DatabaseError("no schema selected: the search_path names no existing schema")
    return str(database), str(schema)


def apply(engine: Engine, plan: RolePlan) -> list[str]:
    """Run the plan in one transaction; return one line per thing done."""
    with engine.begin() as conn:
        existing = set(
            conn.scalars(
                text("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY(:names)"),
                {"names": [plan.analyst, plan.editor, *plan.grant_to]},
            )
        )
        for login in plan.grant_to:
            if login not in existing:
                raise InputError(
                    f"--grant-to: role {login!r} does not exist; create it first "
                    f"(CREATE ROLE {login} LOGIN)"
                )
        for statement in plan_sql(plan):
            conn.exec_driver_sql(statement)
    scope = f"schema {plan.schema} of database {plan.database}"
    done = [
        f"{'refreshed' if plan.analyst in existing else 'created'} role {plan.analyst}: "
        f"read-only on {scope}",
        f"{'refreshed' if plan.editor in existing else 'created'} role {plan.editor}: "
        f"{plan.analyst} + insert, update, delete on {scope} (no schema changes)",
    ]
    target = plan.analyst if plan.group is Group.ANALYST else plan.editor
    done += [f"granted {target} to {login}" for login in plan.grant_to]
    return done


def is_permission_denied(exc: BaseException) -> bool:
    """Whether a database error is PostgreSQL refusing a privilege (SQLSTATE 42501)."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == INSUFFICIENT_PRIVILEGE


def permission_message(statement: str | None, user: str, reason: str) -> str:
    """One line saying which database user may not do what, and what to do about it."""
    verb = (statement or "").lstrip().split(None, 1)[0].upper() if statement else ""
    if verb in {"CREATE", "ALTER", "DROP", "COMMENT"}:
        return (
            f"permission denied: the database user {user!r} may not change the schema of "
            f"incidents ({reason}); migrations must run as the owner of the tables"
        )
    if verb in {"DO", "GRANT", "REVOKE"}:
        return (
            f"permission denied: the database user {user!r} may not manage roles ({reason}); "
            "run `incidents db roles` as the owner or a role with CREATEROLE"
        )
    if verb in {"SELECT", "WITH"} and not _LOCKING.search(statement or ""):
        return (
            f"permission denied: the database user {user!r} may not read incidents "
            f"({reason}); the owner can grant it the analyst role: "
            f"`incidents db roles --grant-to {user}`"
        )
    return (
        f"permission denied: the database user {user!r} may not write to incidents "
        f"({reason}); writing needs the editor role, which the owner grants with "
        f"`incidents db roles --grant-to {user} --group editor`"
    )
