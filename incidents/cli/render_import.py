"""Rich progress bars and the summary of ``incidents import`` (Rich stays in cli/render*)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from incidents.exchange.importer import Action, ImportReport

T = TypeVar("T")


def track(items: Iterable[T], *, label: str, total: int | None) -> Iterator[T]:
    """Yield ``items`` behind a transient progress bar on stderr (only on a terminal)."""
    console = Console(file=sys.stderr)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(
        *columns,
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=total)
        for item in items:
            yield item
            progress.advance(task)


def report(result: ImportReport) -> None:
    """Each row that changes or fails on stdout (tab-separated); the counts on stderr."""
    err = Console(file=sys.stderr, highlight=False)
    verb = "would be " if result.dry_run else ""
    for o in result.outcomes:
        if o.action is Action.UNCHANGED:
            continue
        detail = ", ".join(o.changes) if o.changes else (o.reason or "")
        line = f"{o.where}\t{o.action.value}\t{o.id or '-'}" + (f"\t{detail}" if detail else "")
        sys.stdout.write(line + "\n")
    counts = ", ".join(f"{n} {verb}{a}" for a, n in result.counts.items() if n)
    prefix = "dry run, nothing written: " if result.dry_run else ""
    err.print(f"[green]{escape(prefix + (counts or 'nothing to import'))}[/]", soft_wrap=True)
    if result.rejects:
        err.print(f"[yellow]rejected rows and reasons: {escape(result.rejects)}[/]", soft_wrap=True)
