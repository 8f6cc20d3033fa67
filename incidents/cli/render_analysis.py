"""Rich tables and charts for ``stats``, ``timeline`` and ``changes``; the PNG timeline.

matplotlib is imported only inside ``plot_timeline`` and always with the Agg backend, so
``incidents --help`` stays fast and no display is ever needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from incidents.analysis import MULTI_VALUED, MonthCount, StatsKey, StatsRow, TrackRecord
from incidents.changes import ChangeEntry
from incidents.cli.render import _console

BAR_WIDTH = 30
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: int, largest: int, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of ``value`` against ``largest``, in eighths of a character."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / largest * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def _sum(total: int, known: int, incidents: int) -> str:
    """A casualty sum, flagged when some incidents of the group have no figure."""
    if known == 0:
        return "?"
    return str(total) if known == incidents else f"{total} ({known} of {incidents} known)"


def stats_table(rows: Sequence[StatsRow], key: StatsKey, *, total: int) -> None:
    """Counts and casualty sums per group, with an inline bar of the incident count."""
    table = Table(header_style="bold")
    table.add_column(key.value.capitalize(), overflow="fold")
    table.add_column("Incidents", justify="right")
    table.add_column("", no_wrap=True, style="cyan")
    table.add_column("Killed", justify="right")
    table.add_column("Wounded", justify="right")
    largest = max((r.incidents for r in rows), default=0)
    for r in rows:
        table.add_row(
            escape(r.label),
            str(r.incidents),
            bar(r.incidents, largest),
            _sum(r.killed, r.killed_known, r.incidents),
            _sum(r.wounded, r.wounded_known, r.incidents),
        )
    console = _console()
    if rows:
        console.print(table)
    note = " (an incident counts in each of its groups)" if key in MULTI_VALUED else ""
    console.print(f"{total} incident{'s' if total != 1 else ''}{note}", style="dim")


def track_record_table(rows: Sequence[TrackRecord]) -> None:
    """Each claimant's claims by the grade their incidents were later given."""
    table = Table(title="Track record", title_justify="left", header_style="bold")
    table.add_column("Claimant", overflow="fold")
    for column in ("Claims", "Corroborated", "Contested", "Discounted", "Pending", "Denials"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            escape(r.claimant),
            *(
                str(v)
                for v in (r.claims, r.corroborated, r.contested, r.discounted, r.pending, r.denials)
            ),
        )
    if rows:
        _console().print(table)


def timeline_chart(months: Sequence[MonthCount]) -> None:
    """Incidents per month as one bar per month (months without incidents included)."""
    console = _console()
    if not months:
        console.print("0 incidents", style="dim")
        return
    largest = max(m.incidents for m in months)
    width = len(str(largest))
    for m in months:
        count = str(m.incidents).rjust(width)
        console.print(f"{m.month} {count} [cyan]{bar(m.incidents, largest, 50)}[/]")
    total = sum(m.incidents for m in months)
    console.print(f"{total} incident{'s' if total != 1 else ''}", style="dim")


def changes_table(entries: Sequence[ChangeEntry]) -> None:
    """Who changed which incident, when, how and why."""
    table = Table(header_style="bold")
    for column in ("When (UTC)", "ID", "Action", "User"):
        table.add_column(column, no_wrap=True)
    table.add_column("Fields / reason", overflow="fold")
    table.add_column("Title", overflow="fold", min_width=20)
    for e in entries:
        detail = ", ".join(e.fields)
        if e.reason:
            detail = f"{detail}: {e.reason}" if detail else e.reason
        table.add_row(
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            escape(e.id),
            e.action + (" (now deleted)" if e.deleted and e.action != "delete" else ""),
            escape(e.user),
            escape(detail),
            escape(e.title),
        )
    console = _console()
    if entries:
        console.print(table)
    console.print(f"{len(entries)} change{'s' if len(entries) != 1 else ''}", style="dim")


def plot_timeline(months: Sequence[MonthCount], path: Path, *, title: str) -> None:
    """Write incidents per month as a bar chart image (format from the file suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    labels = [m.month for m in months]
    fig, ax = plt.subplots(figsize=(max(6.0, len(labels) * 0.25), 3.5), layout="constrained")
    try:
        ax.bar(range(len(labels)), [m.incidents for m in months], color="#3b6ea8")
        step = max(1, len(labels) // 24)  # at most ~24 readable tick labels
        ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=90, fontsize=8)
        ax.set_ylabel("incidents")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        fig.savefig(path, dpi=150)
    finally:
        plt.close(fig)
