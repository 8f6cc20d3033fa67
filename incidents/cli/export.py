"""`incidents export`: the filtered incidents as CSV, JSONL or GeoJSON, or long-form tables."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from incidents.cli import State
from incidents.cli.filters import filter_options

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from incidents.schema import IncidentFilter, IncidentRecord


class ExportFormat(StrEnum):
    """File formats of `incidents export`."""

    CSV = "csv"
    JSONL = "jsonl"
    GEOJSON = "geojson"


class Per(StrEnum):
    """What one CSV row is."""

    INCIDENT = "incident"
    CLAIM = "claim"


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    """The file to write (UTF-8, newlines untranslated), or standard output."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8", newline="") as out:
        yield out


def write_jsonl(records: Iterable[IncidentRecord], out: TextIO) -> int:
    """The full nested schema, one incident per line; return how many were written."""
    count = 0
    for record in records:
        out.write(record.model_dump_json() + "\n")
        count += 1
    return count


def write_flat(
    engine: Engine,
    flt: IncidentFilter,
    out: TextIO,
    *,
    excel: bool = False,
    raw: bool = False,
    track: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> int:
    """The per-incident flat CSV of a filter, by the fastest path that gives the same bytes.

    Rows come straight from the ``incidents_flat`` view, streamed; a filter that includes
    deleted incidents (which the view leaves out) goes through the schema records.
    """
    from incidents import services
    from incidents.exchange.flat import FLAT_COLUMNS, write_csv, write_flat_rows

    if flt.include_deleted:
        records: Iterable[IncidentRecord] = services.list_incidents(engine, flt)
        return write_csv(track(records) if track else records, out, excel=excel, raw=raw)
    rows: Iterable[tuple[Any, ...]] = services.list_flat(engine, flt, FLAT_COLUMNS)
    return write_flat_rows(track(rows) if track else rows, out, excel=excel, raw=raw)


def write_profile(records: Iterable[IncidentRecord], out: TextIO, name: str, *, raw: bool) -> int:
    """Rows of an exchange profile (ACLED, UCDP) as CSV; return how many were written."""
    from incidents.errors import InputError
    from incidents.exchange.flat import RowWriter

    try:
        # Looked up by name (not `from ... import`) so it is optional and loaded only here.
        profiles = importlib.import_module("incidents.exchange.profiles")
    except ModuleNotFoundError:
        raise InputError("export profiles are not available in this version") from None
    if name not in profiles.PROFILES:
        known = ", ".join(sorted(profiles.PROFILES))
        raise InputError(f"unknown profile {name!r}; use one of: {known}")
    writer = RowWriter(out, profiles.PROFILES[name], raw=raw)
    writer.header()
    count = 0
    for row in profiles.profile_rows(name, records):
        writer.row(row)
        count += 1
    return count


def _check(fmt: ExportFormat, per: Per, excel: bool, profile: str | None) -> None:
    if fmt is not ExportFormat.CSV and (per is Per.CLAIM or excel or profile):
        raise typer.BadParameter(
            "--per claim, --excel and --profile write CSV; drop --format", param_hint="--format"
        )
    if profile and per is Per.CLAIM:
        raise typer.BadParameter("a profile fixes its own rows", param_hint="--per")


@filter_options
def export(
    ctx: typer.Context,
    flt: IncidentFilter,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="csv, jsonl or geojson.")
    ] = ExportFormat.CSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default stdout).")
    ] = None,
    per: Annotated[Per, typer.Option("--per", help="CSV rows: incident or claim.")] = Per.INCIDENT,
    excel: Annotated[
        bool, typer.Option("--excel", help="Start the CSV with the UTF-8 BOM Excel needs.")
    ] = False,
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Do not neutralise =, +, -, @ at the start of CSV cells."),
    ] = False,
    tables: Annotated[
        Path | None,
        typer.Option(
            "--tables",
            help="Write incidents/actors/sources/claims.csv and datapackage.json into DIR.",
            metavar="DIR",
        ),
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Exchange profile: acled or ucdp.")
    ] = None,
    lossless: Annotated[
        bool,
        typer.Option(
            "--lossless",
            help="Add a last 'document' column with the whole incident as JSON, so "
            "`incidents import` restores everything (edits to flat columns still apply).",
        ),
    ] = False,
) -> None:
    """Export incidents matching every filter as CSV, JSONL, GeoJSON or long-form tables."""
    from incidents import services
    from incidents.cli import render, render_export
    from incidents.exchange.flat import write_csv
    from incidents.exchange.geojson import write_geojson
    from incidents.exchange.tables import write_tables

    _check(fmt, per, excel, profile)
    if lossless and (fmt is not ExportFormat.CSV or per is Per.CLAIM or profile):
        raise typer.BadParameter(
            "only the per-incident CSV has a document column", param_hint="--lossless"
        )
    state: State = ctx.obj
    records = services.list_incidents(state.engine(), flt)
    if tables is not None:
        if output is not None or profile or per is Per.CLAIM:
            raise typer.BadParameter("--tables writes its own files", param_hint="--tables")
        counts = write_tables(render_export.progress(records, label="exporting"), tables, raw=raw)
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        render.message(f"wrote {summary} to {tables}")
        return
    if output is not None:
        records = render_export.progress(records, label=f"exporting to {output}")
    with _output(output) as out:
        if fmt is ExportFormat.CSV and per is Per.INCIDENT and not (profile or lossless):
            label = f"exporting to {output}"
            count = write_flat(
                state.engine(),
                flt,
                out,
                excel=excel,
                raw=raw,
                track=(lambda rows: render_export.progress(rows, label=label))
                if output is not None
                else None,
            )
        elif profile:
            count = write_profile(records, out, profile, raw=raw)
        elif fmt is ExportFormat.CSV:
            count = write_csv(
                records, out, per_claim=per is Per.CLAIM, excel=excel, raw=raw, lossless=lossless
            )
        elif fmt is ExportFormat.JSONL:
            count = write_jsonl(records, out)
        else:
            count = write_geojson(records, out)
    if output is not None:
        render.message(f"wrote {count} {'row' if profile else 'incident'}(s) to {output}")


def register(app: typer.Typer) -> None:
    """Attach these commands to the root app."""
    app.command()(export)
