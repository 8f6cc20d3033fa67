"""The root Typer app. The callback puts the database URL and user into ``ctx.obj``.

Commands parse arguments, call one library function and render; domain errors are
turned into one stderr line and an exit code here, once.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypeGuard

import typer
from typer.core import TyperGroup

from incidents.errors import DatabaseError, IncidentsError

if TYPE_CHECKING:
    from pydantic import ValidationError

    # Only for types: SQLAlchemy loads when a command first needs the database.
    from sqlalchemy import Engine


@dataclass
class State:
    """Per-invocation settings; the engine and the acting user are resolved on first use."""

    # repr=False: the URL may carry a password.
    url: str = field(repr=False)
    user_option: str | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _user: str | None = field(default=None, repr=False)
    _database_user: str | None = field(default=None, repr=False)

    @property
    def is_postgresql(self) -> bool:
        """Whether the URL names PostgreSQL (decided without connecting)."""
        return self.url.split("://", 1)[0].split("+", 1)[0] in {"postgresql", "postgres"}

    @property
    def user(self) -> str:
        """Who is recorded in history: --user > $INCIDENTS_USER > database user > login."""
        if self._user is None:
            from incidents.config import acting_user, requested_user

            explicit = requested_user(self.user_option)
            # Only ask the server when nothing cheaper names the user.
            database_user = None if explicit or not self.is_postgresql else self.database_user()
            self._user = acting_user(self.user_option, database_user)
        return self._user

    def database_user(self) -> str:
        """PostgreSQL's ``session_user`` (the login role), fetched once."""
        if self._database_user is None:
            from sqlalchemy import text

            with self.engine(migrate=False).connect() as conn:
                self._database_user = str(conn.scalar(text("SELECT session_user")))
        return self._database_user

    def engine(self, *, migrate: bool = True) -> Engine:
        """The engine, connected and (unless ``migrate=False``) at the latest revision."""
        if self._engine is None:
            from incidents.db.engine import check_connection, make_engine

            self._engine = make_engine(_parsed_url(self.url))
            check_connection(self._engine)
        if migrate:
            self._ensure_current(self._engine)
        return self._engine

    def _ensure_current(self, engine: Engine) -> None:
        from sqlalchemy.exc import DBAPIError

        from incidents.db.migrate import ensure_current, head_revision
        from incidents.db.roles import is_permission_denied

        try:
            done = ensure_current(engine)
        except DBAPIError as exc:
            if not is_permission_denied(exc):
                raise
            # A read-only user meets an outdated database: say so instead of a DDL error.
            raise DatabaseError(
                f"the database needs upgrading to revision {head_revision()}, but the database "
                f"user {self.database_user()!r} may not change its schema; ask its owner to run "
                "`incidents db upgrade`"
            ) from None
        if done:
            from incidents.cli import render

            render.message(done, style="yellow")


def _parsed_url(url: str) -> str:
    """``url`` if SQLAlchemy can parse it; else a DatabaseError that does not echo it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from incidents.config import mask_url

    try:
        make_url(url).get_dialect()
    except NoSuchModuleError:
        raise DatabaseError(
            f"unsupported database or driver {mask_url(url)}: use SQLite or PostgreSQL"
        ) from None
    except (ArgumentError, ValueError) as exc:
        # SQLAlchemy's message quotes the whole URL, password included.
        reason = str(exc).replace(url, mask_url(url))
        raise DatabaseError(f"invalid database URL {mask_url(url)}: {reason}") from None
    return url


def _is_validation_error(exc: Exception) -> TypeGuard[ValidationError]:
    """Whether ``exc`` is pydantic's ValidationError, without importing pydantic to ask."""
    # A command that never loaded pydantic cannot have raised its error; importing it here
    # would cost every command (and ``--help``) its start-up time.
    core = sys.modules.get("pydantic_core")
    return core is not None and isinstance(exc, core.ValidationError)


def _one_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    name = ".".join(str(p) for p in first["loc"]) or "input"
    return f"--{name.replace('_', '-')}: {first['msg'].removeprefix('Value error, ')}"


class IncidentsGroup(TyperGroup):
    """Translates domain errors into one stderr line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        def error(message: str) -> None:
            # Imported on error only: Rich and the renderers cost every command start-up time.
            from incidents.cli import render
            from incidents.config import redact

            # Whatever built the message, the URL's password never reaches the terminal.
            state = ctx.find_object(State)
            render.error(redact(message, state.url) if state else message)

        try:
            return super().invoke(ctx)
        except IncidentsError as exc:
            error(str(exc))
            ctx.exit(exc.exit_code)
        except Exception as exc:
            if _is_validation_error(exc):
                error(_one_line(exc))
                ctx.exit(2)
            from sqlalchemy.exc import DBAPIError, OperationalError

            from incidents.db.roles import is_permission_denied

            state = ctx.find_object(State)
            if not isinstance(exc, DBAPIError):
                raise
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "database error"
            if is_permission_denied(exc) and state is not None:
                from incidents.db.roles import permission_message

                error(permission_message(exc.statement, _login_of(state), reason))
            elif isinstance(exc, OperationalError):
                from incidents.config import mask_url

                where = mask_url(state.url) if state else "the database"
                error(str(DatabaseError(f"{where}: {reason}")))
            else:
                raise
            ctx.exit(DatabaseError.exit_code)


def _login_of(state: State) -> str:
    """The database login for messages: the server's answer, else the URL's user name."""
    try:
        return state.database_user()
    except Exception:  # the connection may be what failed; the URL is the fallback
        from sqlalchemy.engine import make_url

        from incidents.config import login_name

        return make_url(state.url).username or login_name()


app = typer.Typer(
    cls=IncidentsGroup,
    no_args_is_help=True,
    help="A research database for friendly-fire and fratricide incidents.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL or SQLite file path (default: $INCIDENTS_DATABASE_URL, "
            "else incidents.db in the user data directory).",
            show_default=False,
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Name recorded in history (default: $INCIDENTS_USER, else the PostgreSQL "
            "user, else the login name).",
        ),
    ] = None,
) -> None:
    """A research database for friendly-fire and fratricide incidents."""
    from incidents.config import database_url

    ctx.obj = State(url=database_url(db), user_option=user)


def _register() -> None:
    from incidents.cli import analysis, db, export, extract, importing, incidents, places, review

    incidents.register(app)
    extract.register(app)
    review.register(app)
    export.register(app)
    importing.register(app)
    analysis.register(app)
    app.add_typer(db.app, name="db")
    app.add_typer(places.app, name="places")


_register()


def main() -> None:
    """Console-script entry point."""
    app()
