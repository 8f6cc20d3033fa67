"""`incidents import`: JSONL, flat CSV or ACLED-profile CSV into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from incidents.cli import State
from incidents.exchange.formats import ImportFormat


def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSONL, flat CSV or ACLED-profile CSV file.")],
    fmt: Annotated[
        ImportFormat,
        typer.Option("--format", "-f", help="auto (by extension and header), jsonl, csv or acled."),
    ] = ImportFormat.AUTO,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the good rows; write the rest, with reasons, to --rejects.",
        ),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Rejects file (default FILE.rejects.jsonl or .csv)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import incidents from JSONL or CSV, all or nothing; re-importing changes nothing."""
    from incidents import services
    from incidents.cli import render_import
    from incidents.exchange.importer import import_file

    state: State = ctx.obj
    engine = state.engine()
    # As `add` does, so units resolve to the same normalised actors (dry run included).
    services.seed_actors(engine)
    result = import_file(
        engine,
        file,
        user=state.user,
        fmt=fmt,
        skip_invalid=skip_invalid,
        rejects=rejects,
        dry_run=dry_run,
        track=render_import.track,
    )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        render_import.report(result)


def register(app: typer.Typer) -> None:
    """Attach these commands to the root app."""
    app.command("import")(import_)
