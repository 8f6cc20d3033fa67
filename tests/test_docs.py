"""Every command has help and is documented in the README; the codebook doc is current."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from incidents.cli import app
from incidents.codebook import codebook_markdown
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[list[str]]:
    group = typer.main.get_command(app)
    found: list[list[str]] = []
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None)
        if subs:
            found += [[name, sub] for sub in subs]
        else:
            found.append([name])
    return found


COMMANDS = _commands()


def test_there_are_commands() -> None:
    assert ["list"] in COMMANDS and ["db", "upgrade"] in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    # The docstring's first line is the help text; an empty one would print nothing useful.
    assert len(result.stdout.split("\n\n")[1].strip()) > 10


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_is_documented_with_an_example(command: list[str]) -> None:
    heading = re.search(rf"^### `incidents {re.escape(command[0])}\b", README, re.MULTILINE)
    assert heading, f"no README section for {command[0]}"
    assert re.search(rf"^incidents (--\S+ \S+ )*{re.escape(' '.join(command))}\b", README, re.M), (
        f"no example of `incidents {' '.join(command)}` in the README"
    )


def test_quickstart_has_the_two_commands_ci_runs() -> None:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)\n```", section, re.S)
    assert len(blocks) == 2
    assert "incidents list" in blocks[0] and "pip install ." in blocks[0]
    ci = (ROOT / ".ci" / "run").read_text()
    assert blocks[1] in ci.splitlines()


def test_codebook_doc_is_generated_from_the_schema() -> None:
    assert (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8") == codebook_markdown()


def test_reliability_figures_match_the_tests() -> None:
    """The README quotes the stress and fuzz sizes the suite really runs."""
    from tests.test_concurrency import STRESS
    from tests.test_fuzz import FUZZ_CASES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Reliability", 1)[1].split("\n## ", 1)[0]
    for processes, writes in STRESS:
        assert f"{processes} processes × {writes} writes" in section
    assert f"{sum(FUZZ_CASES.values())} hypothesis cases per engine" in section
