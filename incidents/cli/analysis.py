"""Analysis commands: stats, timeline, changes."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from incidents.cli import State
from incidents.cli.filters import filter_options
from incidents.codebook import StatsKey

if TYPE_CHECKING:
    from pydantic import BaseModel

    from incidents.schema import IncidentFilter


class DataFormat(StrEnum):
    """How analysis commands print."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"


FormatOption = Annotated[DataFormat, typer.Option("--format", "-f", help="table, json or jsonl.")]


def _dump(items: Sequence[BaseModel]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]


def _write(items: Sequence[dict[str, Any]], fmt: DataFormat) -> None:
    """Machine-readable output of rows: a JSON array, or one JSON object per line."""
    if fmt is DataFormat.JSONL:
        for item in items:
            sys.stdout.write(json.dumps(item, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(json.dumps(list(items), indent=2, ensure_ascii=False) + "\n")


@filter_options
def stats(
    ctx: typer.Context,
    flt: IncidentFilter,
    by: Annotated[StatsKey, typer.Option("--by", help="Group incidents by this key.")],
    fmt: FormatOption = DataFormat.TABLE,
) -> None:
    """Count incidents and sum casualties by month, year, country, region, cause, claimant, ..."""
    from incidents import analysis, services

    state: State = ctx.obj
    records = list(services.list_incidents(state.engine(), flt))
    rows = analysis.stats_by(records, by)
    track = analysis.claimant_track_record(records) if by is StatsKey.CLAIMANT else []
    if fmt is not DataFormat.TABLE:
        # With --by claimant each group row also carries that claimant's track record.
        tracks = {t.claimant: t.model_dump(exclude={"claimant"}) for t in track}
        dumped = _dump(rows)
        if track:
            dumped = [{**row, "track_record": tracks.get(row["key"])} for row in dumped]
        _write(dumped, fmt)
        return
    from incidents.cli import render_analysis

    render_analysis.stats_table(rows, by, total=len(records))
    render_analysis.track_record_table(track)


@filter_options
def timeline(
    ctx: typer.Context,
    flt: IncidentFilter,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Also write the chart as an image (PNG).")
    ] = None,
    fmt: FormatOption = DataFormat.TABLE,
) -> None:
    """Chart incidents per month in the terminal; --plot FILE.png writes it as an image."""
    from incidents import analysis, services
    from incidents.cli import render, render_analysis

    state: State = ctx.obj
    months = analysis.monthly_counts(services.list_incidents(state.engine(), flt))
    if plot is not None:
        render_analysis.plot_timeline(months, plot, title="Friendly-fire incidents per month")
        render.message(f"wrote {plot}")
    if fmt is DataFormat.TABLE:
        render_analysis.timeline_chart(months)
    else:
        _write(_dump(months), fmt)


def changes(
    ctx: typer.Context,
    since: Annotated[
        str,
        typer.Option(
            "--since", metavar="DATETIME", help="ISO date or date-time (UTC unless an offset)."
        ),
    ],
    fmt: FormatOption = DataFormat.TABLE,
) -> None:
    """List incidents created, edited, deleted or restored since DATETIME (from the history)."""
    from incidents.changes import changes_since, parse_since

    state: State = ctx.obj
    entries = changes_since(state.engine(), parse_since(since))
    if fmt is DataFormat.TABLE:
        from incidents.cli import render_analysis

        render_analysis.changes_table(entries)
    else:
        _write(_dump(entries), fmt)


def register(app: typer.Typer) -> None:
    """Attach these commands to the root app."""
    app.command()(stats)
    app.command()(timeline)
    app.command()(changes)
