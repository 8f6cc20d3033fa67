"""``incidents db``: create, upgrade, inspect and downgrade the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from incidents.cli import State

app = typer.Typer(no_args_is_help=True, help="Manage the database schema (Alembic migrations).")


@app.command()
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database to the latest (or the given) revision."""
    from incidents.cli import render
    from incidents.config import mask_url
    from incidents.db import migrate

    state: State = ctx.obj
    engine = state.engine(migrate=False)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine, revision)
    after = migrate.current_revision(engine)
    if before == after:
        render.message(f"{mask_url(state.url)} is already at revision {after}")
    else:
        render.message(f"{mask_url(state.url)}: upgraded from {before or 'empty'} to {after}")


@app.command()
def current(ctx: typer.Context) -> None:
    """Print the database's revision and whether it is up to date."""
    from incidents.db import migrate

    state: State = ctx.obj
    engine = state.engine(migrate=False)
    rev = migrate.current_revision(engine)
    head = migrate.head_revision()
    status = (
        "up to date" if rev == head else f"outdated: latest is {head}; run `incidents db upgrade`"
    )
    typer.echo(f"{rev or 'empty'} ({status})")


@app.command()
def downgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' removes every table.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Downgrade the database to an earlier revision (may drop data)."""
    from incidents.cli import render
    from incidents.db import migrate

    state: State = ctx.obj
    engine = state.engine(migrate=False)
    if not yes:
        typer.confirm(
            f"Downgrade to {revision}? Tables of later revisions are dropped.", abort=True
        )
    migrate.downgrade(engine, revision)
    render.message(f"now at revision {migrate.current_revision(engine) or 'empty (base)'}")
