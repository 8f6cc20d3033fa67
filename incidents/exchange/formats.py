"""File formats of import and export, in a module light enough for the CLI to load at start."""

from __future__ import annotations

from enum import StrEnum


class ImportFormat(StrEnum):
    """Input formats of ``incidents import``."""

    AUTO = "auto"
    JSONL = "jsonl"
    CSV = "csv"
    ACLED = "acled"
