"""The codebook as Markdown, generated from the schema's enums so the docs cannot drift."""

from __future__ import annotations

from incidents.schema import CODEBOOK, Verification, describe

_INTRO = """# Codebook

Generated from `incidents/schema.py` by `incidents codebook > docs/codebook.md`; a test
fails when this file and the code disagree. Values are what the CLI, YAML/JSON files and
the database use.

Verification is a ladder, strongest first ({ladder}). Whether the event happened and
whether it was fratricide are separate questions: `contested` covers disagreement on
either, `discounted` means shown false or not fratricide.

Derived, never typed in: an incident's `same_side` (every firing and every hit unit on one
side), a claim's `claimant_is_adversary` (claimant's side differs from the affected side),
and `claimed_causes` (every cause any claim gives; the researcher's `assessed_causes` are
kept apart).
"""


def codebook_markdown() -> str:
    """Every codebook dimension with its values and their meaning, as Markdown."""
    ladder = " > ".join(v.value for v in Verification)
    parts = [_INTRO.format(ladder=ladder)]
    for name, enum in CODEBOOK.items():
        parts.append(
            f"\n## {name}\n\n{(enum.__doc__ or '').strip()}\n\n| value | meaning |\n|---|---|\n"
        )
        parts.extend(f"| `{value}` | {meaning} |\n" for value, meaning in describe(enum).items())
    return "".join(parts)
