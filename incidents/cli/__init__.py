"""The root Typer app. The callback puts the database URL and user into ``ctx.obj``.

Commands parse arguments, call one library function and render; domain errors are
turned into one stderr line and an exit code here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from incidents.errors import DatabaseError, IncidentsError

if TYPE_CHECKING:
    # Only for types: SQLAlchemy loads when a command first needs the database.
    from sqlalchemy import Engine


@dataclass
class State:
    """Per-invocation settings; the engine is made on first use, never at import."""

    url: str
    user: str
    _engine: Engine | None = field(default=None, repr=False)

    def engine(self, *, migrate: bool = True) -> Engine:
        """The engine, connected and (unless ``migrate=False``) at the latest revision."""
        if self._engine is None:
            from incidents.db.engine import check_connection, make_engine

            self._engine = make_engine(self.url)
            check_connection(self._engine)
        if migrate:
            from incidents.db.migrate import ensure_current

            done = ensure_current(self._engine)
            if done:
                from incidents.cli import render

                render.message(done, style="yellow")
        return self._engine


def _one_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    name = ".".join(str(p) for p in first["loc"]) or "input"
    return f"--{name.replace('_', '-')}: {first['msg'].removeprefix('Value error, ')}"


class IncidentsGroup(TyperGroup):
    """Translates domain errors into one stderr line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        from incidents.cli import render

        try:
            return super().invoke(ctx)
        except IncidentsError as exc:
            render.error(str(exc))
            ctx.exit(exc.exit_code)
        except ValidationError as exc:
            render.error(_one_line(exc))
            ctx.exit(2)
        except Exception as exc:
            from sqlalchemy.exc import OperationalError

            if not isinstance(exc, OperationalError):
                raise
            from incidents.config import mask_url

            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "database error"
            state = ctx.find_object(State)
            where = mask_url(state.url) if state else "the database"
            render.error(str(DatabaseError(f"{where}: {reason}")))
            ctx.exit(DatabaseError.exit_code)


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
            "--user", help="Name recorded in history (default: $INCIDENTS_USER or login)."
        ),
    ] = None,
) -> None:
    """A research database for friendly-fire and fratricide incidents."""
    from incidents.config import acting_user, database_url

    ctx.obj = State(url=database_url(db), user=acting_user(user))


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
