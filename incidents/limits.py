"""Size limits on outside input, in one place; ``docs/limits.md`` is checked against them.

Each limit is far above any real document, article or import, and low enough that hostile
input cannot exhaust memory, time or the recursion stack, or overflow a database column.
A breach is an ``InputError`` or a validation error naming the file, line or row and field.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# Files read whole by `add` (and `text_file:`) and `extract`.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# `import` streams the file (memory holds a window of rows; outcomes and rejects wait in
# temporary files), so the size bounds the time of its one transaction, not memory: a
# 1,000,000-row JSONL export is about 2.7 GB.
MAX_IMPORT_BYTES = 4 * 1024 * 1024 * 1024
# What still grows with the rows is the index of imported ids (duplicate-id check, about
# 150 bytes per row): this bounds it near 1.5 GB.
MAX_IMPORT_ROWS = 10_000_000
# Characters of one CSV cell; the lossless `document` cell holds a whole incident.
MAX_CSV_CELL_CHARS = 16 * 1024 * 1024
# Lists, dicts and their mix in a YAML/JSON document; an incident needs about 6.
MAX_NESTING_DEPTH = 32
# Values that YAML aliases (*name) add beyond the document's own nodes ("billion laughs").
MAX_ALIAS_VALUES = 100_000
MAX_ARTICLE_CHARS = 200_000
# Titles, names, outlets, phrases: one line of text, which is what the database columns hold.
SHORT_TEXT_CHARS = 500
# Archived article texts, summaries and notes.
LONG_TEXT_CHARS = 2_000_000
# Quotes of claims, figures, units and evidence: a passage, never a whole article.
MAX_QUOTE_CHARS = 10_000
# Items of any list in an incident (sources, claims, actors, evidence, weapons, tags, ...).
MAX_LIST_ITEMS = 1_000
# Columns the database gives these identifiers (incidents.db.models).
PUBLIC_ID_CHARS = 20
GAZETTEER_ID_CHARS = 80
EVIDENCE_FIELD_CHARS = 200


@dataclass(frozen=True)
class Limit:
    """One documented limit: what it bounds, its value, its unit and where it is enforced."""

    name: str
    what: str
    value: int
    unit: str
    where: str
    example: str


LIMITS: tuple[Limit, ...] = (
    Limit(
        "MAX_DOCUMENT_BYTES",
        "file read by `add`, `extract` or a source's `text_file`",
        MAX_DOCUMENT_BYTES,
        "bytes",
        "`exchange/documents.py` `read_text`",
        "big.yaml: 60000000 bytes is over the 52428800 byte limit",
    ),
    Limit(
        "MAX_IMPORT_BYTES",
        "file read by `import`",
        MAX_IMPORT_BYTES,
        "bytes",
        "`exchange/importer.py` `_open`",
        "all.jsonl: 5000000000 bytes is over the 4294967296 byte limit",
    ),
    Limit(
        "MAX_IMPORT_ROWS",
        "lines (JSONL) or data rows (CSV) in one `import`",
        MAX_IMPORT_ROWS,
        "rows",
        "`exchange/importer.py` `read_items`",
        "all.jsonl: line 10000001: more than 10000000 rows in one import; split the file",
    ),
    Limit(
        "MAX_CSV_CELL_CHARS",
        "one CSV cell (the csv module's own limit is lifted to the file limit)",
        MAX_CSV_CELL_CHARS,
        "characters",
        "`exchange/importer.py` `_csv_items`",
        "in.csv: row 3 (line 4): notes: 17000000 characters; the limit is 16777216; "
        "nothing imported",
    ),
    Limit(
        "MAX_NESTING_DEPTH",
        "nesting of lists and mappings in a YAML/JSON document",
        MAX_NESTING_DEPTH,
        "levels",
        "`exchange/documents.py` (YAML composer); JSONL: `importer.py`",
        "deep.json:1: nested deeper than 32 levels",
    ),
    Limit(
        "MAX_ALIAS_VALUES",
        "values YAML aliases (`*name`) add beyond the document's own",
        MAX_ALIAS_VALUES,
        "values",
        "`exchange/documents.py` `_walk`",
        "laughs.yaml:3: aliases expand to more than 100000 values",
    ),
    Limit(
        "MAX_ARTICLE_CHARS",
        "article text given to `extract` or `review`",
        MAX_ARTICLE_CHARS,
        "characters",
        "`extract/pipeline.py` `check_article`",
        "the article has 250000 characters; the limit is 200000 (split it into articles)",
    ),
    Limit(
        "SHORT_TEXT_CHARS",
        "title, names, outlet, URL, claimant, hedges, weapons, date phrase",
        SHORT_TEXT_CHARS,
        "characters",
        "`schema.py` `ShortText`",
        "a.yaml:2: title: String should have at most 500 characters",
    ),
    Limit(
        "LONG_TEXT_CHARS",
        "archived source text, summary, notes (and any other text)",
        LONG_TEXT_CHARS,
        "characters",
        "`schema.py` `LongText`, `str_max_length`",
        "a.yaml:9: sources.0.text: String should have at most 2000000 characters",
    ),
    Limit(
        "MAX_QUOTE_CHARS",
        "quote of a claim, casualty figure, unit or evidence",
        MAX_QUOTE_CHARS,
        "characters",
        "`schema.py` `Model._quote`",
        "a.yaml:12: claims.0.quote: 12000 characters; the limit is 10000",
    ),
    Limit(
        "MAX_LIST_ITEMS",
        "items of one list: sources, claims, actors, evidence, casualties, weapons, tags, ...",
        MAX_LIST_ITEMS,
        "items",
        "`schema.py` `Model._list_items`",
        "a.yaml:5: claims: 1001 items; the limit is 1000",
    ),
    Limit(
        "PUBLIC_ID_CHARS",
        "public id `FF-YYYY-NNNN` (ASCII digits)",
        PUBLIC_ID_CHARS,
        "characters",
        "`schema.py` `Incident._public_id`",
        "a.yaml:1: id: FF-2023-000000000000000001 is longer than 20 characters",
    ),
    Limit(
        "GAZETTEER_ID_CHARS",
        "`gazetteer_id` (`geonames:<id>`, `user:<slug>`)",
        GAZETTEER_ID_CHARS,
        "characters",
        "`schema.py` `Location._gazetteer_id`",
        "a.yaml:4: location.gazetteer_id: ASCII, at most 80 characters",
    ),
    Limit(
        "EVIDENCE_FIELD_CHARS",
        "`evidence.N.field` path",
        EVIDENCE_FIELD_CHARS,
        "characters",
        "`schema.py` `Evidence._span`",
        "a.yaml:20: evidence.0: field is longer than 200 characters",
    ),
)


@contextmanager
def csv_cell_limit() -> Iterator[None]:
    """Let the csv module read any cell of an importable file, then restore its limit.

    The csv module's own error cannot say which column overflowed, so the reader lets
    every cell through and checks ``MAX_CSV_CELL_CHARS`` per column itself.
    """
    import csv

    # csv.field_size_limit is process-wide; restore it so other readers keep their own.
    # A C long: 32 bits on some platforms.
    previous = csv.field_size_limit(min(MAX_IMPORT_BYTES, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(previous)
