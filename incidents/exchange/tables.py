"""The long form for analysts: incidents, actors, sources and claims as CSV files joined on
stable ids, with a Frictionless Data ``datapackage.json`` describing them.

All four files are written in one pass over the records, so memory stays flat; only the
refs of sources already written are remembered (each source is written once).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from incidents.exchange.dictionary import (
    ACTORS,
    CLAIMS,
    FLAT,
    LONG_TABLES,
    SEPARATOR,
    SOURCES,
    Column,
    Table,
)
from incidents.exchange.flat import RowWriter, claim_rows, flat_row
from incidents.schema import IncidentRecord, Source


def actor_rows(record: IncidentRecord) -> Iterator[dict[str, Any]]:
    """One row per unit involved in the incident (``ACTORS`` columns)."""
    for n, a in enumerate(record.actors, start=1):
        yield {
            "incident_id": record.id,
            "position": n,
            "name_as_written": a.name_as_written,
            "actor": a.actor,
            "side": a.side,
            "type": a.type.value,
            "role": a.role.value,
        }


def source_row(source: Source) -> dict[str, Any]:
    """One source (``SOURCES`` columns)."""
    return {
        "source_ref": source.ref,
        "outlet": source.outlet,
        "url": source.url,
        "headline": source.headline,
        "author": source.author,
        "published": source.published.isoformat() if source.published else None,
        "language": source.language,
        "attribution": SEPARATOR.join(source.attribution),
        "sha256": source.sha256,
    }


def _field(column: Column) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": column.name,
        "type": column.type,
        "description": column.description,
    }
    if column.type == "boolean":
        field.update(trueValues=["true"], falseValues=["false"])
    return field


def _resource(table: Table) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [_field(c) for c in table.columns],
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": column, "reference": {"resource": other, "fields": other_column}}
            for column, other, other_column in table.foreign_keys
        ]
    return {
        "name": table.name,
        "path": f"{table.name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": f"One row per {table.row}.",
        "schema": schema,
    }


def datapackage() -> dict[str, Any]:
    """The Frictionless Data package descriptor of the four tables."""
    return {
        "profile": "tabular-data-package",
        "name": "incidents",
        "title": "Friendly-fire incidents (long form)",
        "description": "Multi-valued cells join their values with " + repr(SEPARATOR) + ".",
        "resources": [_resource(t) for t in LONG_TABLES],
    }


def write_tables(
    records: Iterable[IncidentRecord], directory: Path, *, raw: bool = False
) -> dict[str, int]:
    """Write the four CSV files and ``datapackage.json`` into ``directory``; return row counts."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {t.name: 0 for t in LONG_TABLES}
    seen_sources: set[str] = set()
    with ExitStack() as stack:
        writers: dict[str, RowWriter] = {}
        for table in LONG_TABLES:
            out = stack.enter_context(
                (directory / f"{table.name}.csv").open("w", encoding="utf-8", newline="")
            )
            writers[table.name] = RowWriter(out, table.names, raw=raw)
            writers[table.name].header()
        for record in records:
            rows: dict[str, list[dict[str, Any]]] = {
                FLAT.name: [flat_row(record)],
                ACTORS.name: list(actor_rows(record)),
                CLAIMS.name: list(claim_rows(record)),
                SOURCES.name: [source_row(s) for s in record.sources if s.ref not in seen_sources],
            }
            seen_sources.update(s.ref for s in record.sources if s.ref)
            for name, table_rows in rows.items():
                for row in table_rows:
                    writers[name].row(row)
                counts[name] += len(table_rows)
    descriptor = json.dumps(datapackage(), indent=2, ensure_ascii=False) + "\n"
    (directory / "datapackage.json").write_text(descriptor, encoding="utf-8")
    return counts
