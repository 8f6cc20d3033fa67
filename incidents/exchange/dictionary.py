"""Column specs of every export table, and the data dictionary generated from them.

The flat CSV, the per-claim CSV, the long-form tables, their ``datapackage.json``, the
``incidents_flat`` SQL view and ``docs/data-dictionary.md`` all take their columns from
here, so none of them can drift from the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["string", "integer", "number", "date", "boolean"]

SEPARATOR = " | "
CASUALTY_KINDS = ("killed", "wounded", "missing")


@dataclass(frozen=True)
class Column:
    """One exported column: its name, Frictionless type and meaning."""

    name: str
    type: ColumnType
    description: str
    multi: bool = False  # several values joined by SEPARATOR


@dataclass(frozen=True)
class Table:
    """One exported table: file name, what a row is, columns and keys."""

    name: str
    row: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (column, table, column)

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order (the CSV header)."""
        return tuple(c.name for c in self.columns)


def _casualties(scope: str) -> tuple[Column, ...]:
    """low/best/high columns for every casualty kind (``scope`` says whose figures)."""
    columns: list[Column] = []
    for kind in CASUALTY_KINDS:
        columns += [
            Column(kind, "integer", f"{kind}, best figure {scope}; empty = unknown, 0 = none"),
            Column(f"{kind}_low", "integer", f"{kind}, low figure {scope}"),
            Column(f"{kind}_high", "integer", f"{kind}, high figure {scope}"),
        ]
    return tuple(columns)


_INCIDENT_ID = Column("id", "string", "public incident id FF-YYYY-NNNN (stable)")

FLAT = Table(
    name="incidents",
    row="one incident (deleted incidents only with `--include-deleted`)",
    primary_key=("id",),
    columns=(
        _INCIDENT_ID,
        Column("title", "string", "short title"),
        Column("date_start", "date", "earliest possible date (ISO 8601)"),
        Column("date_end", "date", "latest possible date (ISO 8601)"),
        Column("date_precision", "string", "codebook `date_precision`"),
        Column("place_as_written", "string", "place name as the source wrote it"),
        Column("place", "string", "resolved place name (gazetteer)"),
        Column("gazetteer_id", "string", "`geonames:<id>` or `user:<slug>`"),
        Column("country", "string", "ISO 3166-1 alpha-2 country"),
        Column("admin1", "string", "ISO 3166-2 first-level region"),
        Column("latitude", "number", "WGS 84 latitude"),
        Column("longitude", "number", "WGS 84 longitude"),
        Column("location_precision", "string", "codebook `location_precision`"),
        Column("intent", "string", "codebook `intent`"),
        Column("mechanism", "string", "codebook `mechanism`"),
        Column("context", "string", "codebook `context`"),
        Column("assessed_causes", "string", "the researcher's causes (codebook `cause`)", True),
        Column("claimed_causes", "string", "causes any claim gives, first seen first", True),
        Column("weapons", "string", "weapons or systems named", True),
        Column("firing", "string", "units that fired (role firing or both), normalised", True),
        Column("firing_sides", "string", "distinct sides of the firing units", True),
        Column("hit", "string", "units that were hit (role hit or both), normalised", True),
        Column("hit_sides", "string", "distinct sides of the hit units", True),
        Column(
            "same_side", "boolean", "derived: firing and hit units on one side; empty = unknown"
        ),
        *_casualties("over the non-denying claims (rule below)"),
        Column("verification", "string", "codebook `verification`"),
        Column("review_status", "string", "codebook `review_status`"),
        Column("source_count", "integer", "number of distinct sources"),
        Column("sources", "string", "URL of each source (its outlet when it has no URL)", True),
        Column("claimants", "string", "distinct claimants, first seen first", True),
        Column("tags", "string", "free tags", True),
        Column("notes", "string", "researcher's notes"),
    ),
)

CLAIMS = Table(
    name="claims",
    row="one claim: what one source says about one incident, with its casualty figures",
    primary_key=("claim_id",),
    foreign_keys=(("incident_id", "incidents", "id"), ("source_ref", "sources", "source_ref")),
    columns=(
        Column("claim_id", "string", "stable claim id: `<incident id>/c<n>`, n from 1"),
        Column("incident_id", "string", "the incident's public id"),
        Column("date_start", "date", "the incident's earliest date"),
        Column("country", "string", "the incident's country"),
        Column("admin1", "string", "the incident's admin1 region"),
        Column("source_ref", "string", "the source's stable ref"),
        Column("outlet", "string", "the source's outlet"),
        Column("source_url", "string", "the source's URL"),
        Column("published", "date", "the source's publication date"),
        Column("claimant", "string", "who makes the claim"),
        Column("claimant_side", "string", "the claimant's side"),
        Column("affected_side", "string", "whose forces fired on themselves, per the claim"),
        Column("claimant_is_adversary", "boolean", "derived: claimant side differs from affected"),
        Column("stance", "string", "codebook `stance`"),
        Column("claimed_causes", "string", "causes the claim gives", True),
        Column("hedges", "string", "hedging words of the claim", True),
        Column("attribution", "string", "how the claim reached the source, origin first", True),
        *_casualties("in this claim (populations added up)"),
    ),
)

ACTORS = Table(
    name="actors",
    row="one unit's involvement in one incident",
    primary_key=("incident_id", "position"),
    foreign_keys=(("incident_id", "incidents", "id"),),
    columns=(
        Column("incident_id", "string", "the incident's public id"),
        Column("position", "integer", "order within the incident, from 1"),
        Column("name_as_written", "string", "the unit as the source wrote it"),
        Column("actor", "string", "normalised actor name"),
        Column("side", "string", "ISO country code or non-state force id"),
        Column("type", "string", "codebook `actor_type`"),
        Column("role", "string", "codebook `actor_role`"),
    ),
)

SOURCES = Table(
    name="sources",
    row="one source (report), once however many incidents cite it",
    primary_key=("source_ref",),
    columns=(
        Column("source_ref", "string", "stable source ref"),
        Column("outlet", "string", "outlet"),
        Column("url", "string", "URL"),
        Column("headline", "string", "headline"),
        Column("author", "string", "author"),
        Column("published", "date", "publication date"),
        Column("language", "string", "ISO 639-1 language"),
        Column("attribution", "string", "chain from origin to outlet", True),
        Column("sha256", "string", "sha256 of the archived text"),
    ),
)

LONG_TABLES = (FLAT, ACTORS, SOURCES, CLAIMS)
FLAT_COLUMNS = FLAT.names
CLAIM_COLUMNS = CLAIMS.names

CASUALTY_RULE = (
    "Within one claim, the figures of every population (military, civilian, unknown) of a "
    "kind are added up. A figure's best is its `best`, else its `low`, else its `high`; a "
    "figure without a `low` (or `high`) counts its best as its low (or high), so low <= best "
    "<= high always holds. Across the claims of an incident that do not deny it (stance "
    "`asserts` or `unconfirmed`), when claims disagree: **best = the highest claim best, "
    "low = the lowest claim low, high = the highest claim high**. A kind no claim counts is "
    "empty (unknown); an explicit 0 stays 0."
)

_INTRO = f"""# Data dictionary

Generated from `incidents/exchange/dictionary.py`; a test fails when this file and the code
disagree. These are the columns of `incidents export` (CSV, GeoJSON properties, `--per
claim`, `--tables DIR`) and of the SQL view `incidents_flat`.

- Encoding UTF-8 (`--excel` adds the byte-order mark Excel needs); dates ISO 8601
  (`YYYY-MM-DD`); booleans `true`/`false`; an empty cell is unknown.
- Multi-valued cells (marked *multi*) join their values with `"{SEPARATOR}"`.
- In CSV files, text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
  prefixed with `'` so spreadsheets do not run it as a formula (`--raw` keeps it as is).
  JSONL, GeoJSON and the SQL view are never altered.
- Codes are explained in `docs/codebook.md`.

## Casualty figures when claims disagree

{CASUALTY_RULE}
"""


def _table_markdown(table: Table, heading: str) -> str:
    lines = [f"\n## {heading}\n", f"One row per {table.row}.\n"]
    if table.primary_key:
        lines.append(f"Key: `{'`, `'.join(table.primary_key)}`.")
    for column, other, other_column in table.foreign_keys:
        lines.append(f"`{column}` refers to `{other}.csv` `{other_column}`.")
    lines += ["", "| column | type | meaning |", "|---|---|---|"]
    for c in table.columns:
        kind = f"{c.type}, multi" if c.multi else c.type
        lines.append(f"| `{c.name}` | {kind} | {c.description} |")
    return "\n".join(lines) + "\n"


def dictionary_markdown() -> str:
    """The data dictionary of every export table, as Markdown (``docs/data-dictionary.md``)."""
    parts = [
        _INTRO,
        _table_markdown(FLAT, "Flat CSV, GeoJSON properties, `incidents_flat`, `incidents.csv`"),
        _table_markdown(CLAIMS, "`--per claim` CSV and `claims.csv`"),
        _table_markdown(ACTORS, "`actors.csv`"),
        _table_markdown(SOURCES, "`sources.csv`"),
    ]
    return "".join(parts)
