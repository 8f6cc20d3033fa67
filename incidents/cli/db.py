"""``incidents db``: create, upgrade, inspect and downgrade the database schema."""

from __future__ import annotations

from pathlib import Path
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


@app.command()
def roles(
    ctx: typer.Context,
    analyst: Annotated[
        str, typer.Option("--analyst", help="Name of the read-only group role.")
    ] = "incidents_analyst",
    editor: Annotated[
        str, typer.Option("--editor", help="Name of the read-write group role.")
    ] = "incidents_editor",
    grant_to: Annotated[
        list[str] | None,
        typer.Option("--grant-to", metavar="LOGIN", help="Add an existing login role to a group."),
    ] = None,
    group: Annotated[
        str, typer.Option("--group", help="Group --grant-to adds to: analyst or editor.")
    ] = "analyst",
    print_sql: Annotated[
        bool, typer.Option("--print", help="Print the SQL instead of running it.")
    ] = False,
) -> None:
    """Create PostgreSQL roles for sharing: a read-only analyst and an editor (no DDL)."""
    from incidents.cli import render
    from incidents.db import roles as db_roles
    from incidents.errors import InputError

    state: State = ctx.obj
    db_roles.require_postgresql(state.url)
    if group not in {g.value for g in db_roles.Group}:
        raise InputError(f"--group: {group!r} is not analyst or editor")
    db_roles.check_role_name(analyst, "--analyst")
    db_roles.check_role_name(editor, "--editor")
    for login in grant_to or []:
        db_roles.check_role_name(login, "--grant-to")
    if analyst == editor:
        raise InputError(f"--editor: must differ from --analyst ({analyst!r})")
    engine = state.engine(migrate=False)
    database, schema = db_roles.target_of(engine)
    plan = db_roles.RolePlan(
        database=database,
        schema=schema,
        analyst=analyst,
        editor=editor,
        grant_to=tuple(grant_to or ()),
        group=db_roles.Group(group),
    )
    if print_sql:
        typer.echo(db_roles.script(plan), nl=False)
        return
    for line in db_roles.apply(engine, plan):
        render.message(line)


@app.command()
def check(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    quick: Annotated[
        bool, typer.Option("--quick", help="SQLite: quick_check instead of integrity_check.")
    ] = False,
) -> None:
    """Check foreign keys, full-text index, history, archived-text hashes and revision."""
    import json

    from incidents.cli import render
    from incidents.config import mask_url
    from incidents.db import check as db_check
    from incidents.errors import ProblemsFound

    if fmt not in ("table", "json"):
        raise typer.BadParameter("use table or json", param_hint="--format")
    state: State = ctx.obj
    # No migration: an outdated database is one of the things to report.
    problems = db_check.check_database(state.engine(migrate=False), quick=quick)
    if fmt == "json":
        counts = {c.value: sum(p.check is c for p in problems) for c in db_check.Check}
        payload = {
            "ok": not problems,
            "counts": {k: n for k, n in counts.items() if n},
            "problems": [p.to_json() for p in problems],
        }
        typer.echo(json.dumps(payload, indent=2))
    elif problems:
        render.check_problems(problems)
    if problems:
        raise ProblemsFound(f"{mask_url(state.url)}: {db_check.summary(problems)}")
    if fmt == "table":
        render.message(f"{mask_url(state.url)}: no problems found")


@app.command("backup")
def backup_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Backup file to write.", show_default=False)],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="auto (SQLite copy for SQLite, snapshot for PostgreSQL), sqlite or snapshot.",
        ),
    ] = "auto",
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write a consistent backup of the whole database to FILE.

    A SQLite database is copied with SQLite's online backup API: the copy is itself a
    SQLite database, consistent even while others write. A PostgreSQL database (or any,
    with --format snapshot) is written as a snapshot: gzip-compressed JSON Lines holding
    every row of every table, read in one REPEATABLE READ transaction; it restores into
    SQLite or PostgreSQL. `incidents db restore FILE` loads either kind.

    Administrators who prefer PostgreSQL's own tools can run instead:

    \b
      pg_dump -Fc -f incidents.dump postgresql://USER@HOST:5432/DBNAME
      pg_restore --clean --if-exists --no-owner -d postgresql://USER@HOST:5432/DBNAME incidents.dump
    """
    from incidents.cli import render
    from incidents.config import mask_url
    from incidents.db import backup
    from incidents.errors import InputError

    if fmt not in ("auto", "sqlite", "snapshot"):
        raise InputError(f"--format: {fmt!r} is not auto, sqlite or snapshot")
    state: State = ctx.obj
    # No migration: a backup taken before an upgrade must be of the database as it is.
    engine = state.engine(migrate=False)
    kind: backup.Kind | None = None if fmt == "auto" else fmt  # type: ignore[assignment]
    report = backup.backup(engine, file, kind=kind, force=force)
    render.message(
        f"backed up {mask_url(state.url)} to {report.path} ({report.kind}, revision"
        f" {report.revision}, {report.incidents} incidents, {sum(report.rows.values())} rows,"
        f" {report.size:,} bytes)"
    )


@app.command("restore")
def restore_(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="A backup from `incidents db backup`.", show_default=False)
    ],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace the content of a database that holds incidents."),
    ] = False,
) -> None:
    """Load a backup (SQLite copy or snapshot) into an empty database, all or nothing.

    The database must hold no incidents unless --force, which replaces its whole content.
    A backup from an older schema revision is loaded at that revision and then upgraded;
    one from a newer revision than this version of incidents knows is refused.
    """
    from incidents.cli import render
    from incidents.config import mask_url
    from incidents.db import backup

    state: State = ctx.obj
    # No migration first: the restore brings the schema to the backup's revision itself.
    report = backup.restore(state.engine(migrate=False), file, force=force)
    upgraded = f", upgraded to {report.upgraded_to}" if report.upgraded_to else ""
    replaced = f", replacing {report.replaced} incidents" if report.replaced else ""
    render.message(
        f"restored {report.path} ({report.kind} at revision {report.revision}{upgraded}) into"
        f" {mask_url(state.url)}: {report.incidents} incidents,"
        f" {sum(report.rows.values())} rows{replaced}"
    )
