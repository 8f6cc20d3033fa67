"""JSON Lines <-> schema: one full incident record per line. No SQL here.

A line is what ``IncidentRecord.model_dump_json()`` writes: the whole nested document
(id, sources with archived texts, claims, evidence) plus bookkeeping fields. Reading
ignores the bookkeeping (version, timestamps, deletion) and derived fields, so a
hand-written line needs only what ``incidents add`` needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from pydantic import ValidationError

from incidents.schema import Incident, IncidentRecord

# Stored bookkeeping, not part of the editable document; ignored on the way in.
BOOKKEEPING = frozenset(IncidentRecord.model_fields) - frozenset(Incident.model_fields)


@dataclass(frozen=True)
class RowError:
    """Why one line or row was refused: the field (or column) and the reason."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def validation_error(exc: ValidationError) -> RowError:
    """The first error of a pydantic failure as a field path and a one-line reason."""
    errors = exc.errors()
    first = errors[0]
    field = ".".join(str(p) for p in first["loc"]) or "incident"
    reason = first["msg"].removeprefix("Value error, ")
    more = len(errors) - 1
    if more:
        reason += f" (and {more} more error{'s' if more > 1 else ''})"
    return RowError(field, reason)


def write_jsonl(records: Iterable[IncidentRecord], fh: IO[str]) -> int:
    """Write one record per line; returns how many were written."""
    count = 0
    for record in records:
        fh.write(record.model_dump_json() + "\n")
        count += 1
    return count


def parse_line(text: str) -> Incident | RowError:
    """Validate one JSONL line as an incident document."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        return RowError("json", f"malformed JSON at column {exc.colno}: {exc.msg}")
    if not isinstance(data, dict):
        return RowError("json", f"expected an object, got {type(data).__name__}")
    document = {k: v for k, v in data.items() if k not in BOOKKEEPING}
    try:
        return Incident.model_validate(document)
    except ValidationError as exc:
        return validation_error(exc)


def read_jsonl(fh: IO[str]) -> Iterator[tuple[int, Incident | RowError]]:
    """Yield ``(line_number, incident or error)`` for every non-blank line."""
    for number, line in enumerate(fh, start=1):
        if line.strip():
            yield number, parse_line(line)
