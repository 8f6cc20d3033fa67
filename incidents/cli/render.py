"""The only module that imports Rich: tables, incident cards and messages."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from incidents.exchange.flat import flat_row
from incidents.schema import HistoryEntry, Incident, IncidentRecord

if TYPE_CHECKING:
    from incidents.db.check import Problem
    from incidents.dedupe import Duplicate
    from incidents.extract.evaluate import Report


def _console(stderr: bool = False) -> Console:
    # A fresh console per call: CliRunner swaps sys.stdout between invocations.
    file = sys.stderr if stderr else sys.stdout
    # Piped tables are still read by people; 80 columns squeezes titles to a few letters.
    width = None if file.isatty() or os.environ.get("COLUMNS") else 140
    return Console(file=file, soft_wrap=False, highlight=False, width=width)


def message(text: str, *, style: str = "green") -> None:
    """A short status line on stderr, so stdout stays clean for data."""
    _console(stderr=True).print(f"[{style}]{escape(text)}[/]")


def error(text: str) -> None:
    """One error line on stderr."""
    _console(stderr=True).print(f"[bold red]Error:[/] {escape(text)}", soft_wrap=True)


def incidents_table(records: Iterable[IncidentRecord]) -> int:
    """Print incidents as a table; return how many were printed."""
    table = Table(show_lines=False, header_style="bold")
    table.add_column("ID", no_wrap=True)
    table.add_column("Date", no_wrap=True)
    table.add_column("Place", overflow="fold")
    for column in ("Region", "Mechanism", "Killed", "Verification"):
        table.add_column(column, no_wrap=True)
    table.add_column("Title", overflow="fold", min_width=20)
    count = 0
    for record in records:
        row = flat_row(record)
        place = row["place"] or row["place_as_written"] or ""
        table.add_row(
            escape(record.id),
            escape(str(record.date)),
            escape(f"{place}, {row['country']}" if row["country"] else place),
            escape(row["admin1"] or ""),
            escape(row["mechanism"]),
            "" if row["killed"] is None else str(row["killed"]),
            escape(row["verification"]),
            escape(record.title),
        )
        count += 1
    console = _console()
    if count:
        console.print(table)
    console.print(f"{count} incident{'s' if count != 1 else ''}", style="dim")
    return count


def _field(table: Table, name: str, value: Any) -> None:
    if value not in (None, "", []):
        table.add_row(name, escape(str(value)))


def incident_card(record: IncidentRecord) -> None:
    """Print one incident with its actors, sources and claims."""
    from incidents.regions import get_region

    console = _console()
    deleted = (
        f" [red](deleted: {escape(record.deleted_reason or '')})[/]" if record.deleted_at else ""
    )
    console.print(f"[bold]{escape(record.id)}[/] {escape(record.title)}{deleted}")
    info = Table.grid(padding=(0, 2))
    info.add_column(style="bold cyan")
    info.add_column()
    d = record.date
    _field(info, "Date", f"{d} ({d.precision.value})" + (f' from "{d.phrase}"' if d.phrase else ""))
    loc = record.location
    region = get_region(loc.admin1) if loc.admin1 else None
    where = ", ".join(
        x for x in (loc.name, region.english_name if region else loc.admin1, loc.country) if x
    )
    _field(
        info,
        "Place",
        where + (f' (written "{loc.name_as_written}")' if loc.name_as_written else ""),
    )
    if loc.latitude is not None:
        _field(
            info, "Coordinates", f"{loc.latitude:.5f}, {loc.longitude:.5f} ({loc.precision.value})"
        )
    if record.geolocation:
        g = record.geolocation
        _field(info, "Geolocated", f"{g.latitude}, {g.longitude} by {g.by or '?'}")
    _field(info, "Intent", record.intent.value)
    _field(info, "Mechanism", record.mechanism.value)
    _field(info, "Context", record.context.value)
    _field(info, "Claimed causes", ", ".join(c.value for c in record.claimed_causes))
    _field(info, "Assessed causes", ", ".join(c.value for c in record.assessed_causes))
    _field(info, "Weapons", ", ".join(record.weapons))
    _field(info, "Same side", {True: "yes", False: "no", None: "unknown"}[record.same_side])
    _field(info, "Verification", record.verification.value)
    _field(info, "Review", record.review_status.value)
    _field(info, "Tags", ", ".join(record.tags))
    _field(info, "Summary", record.summary)
    _field(info, "Notes", record.notes)
    console.print(info)

    if record.actors:
        actors = Table(title="Actors", title_justify="left", header_style="bold")
        for column in ("As written", "Actor", "Side", "Type", "Role"):
            actors.add_column(column, overflow="fold")
        for a in record.actors:
            actors.add_row(
                escape(a.name_as_written),
                escape(a.actor or ""),
                a.side or "",
                a.type.value,
                a.role.value,
            )
        console.print(actors)

    sources = Table(
        title=f"Sources ({len(record.sources)})", title_justify="left", header_style="bold"
    )
    for column in ("Ref", "Outlet", "Published", "Headline / URL", "Attribution"):
        sources.add_column(column, overflow="fold")
    for s in record.sources:
        sources.add_row(
            escape(s.ref or ""),
            escape(s.outlet),
            s.published.isoformat() if s.published else "",
            escape(s.headline or s.url or ""),
            escape(" <- ".join(reversed(s.attribution))),
        )
    console.print(sources)

    claims = Table(
        title=f"Claims ({len(record.claims)})", title_justify="left", header_style="bold"
    )
    for column in (
        "Source",
        "Claimant",
        "Via",
        "Side -> affected",
        "Stance",
        "Casualties",
        "Hedges",
    ):
        claims.add_column(column, overflow="fold")
    for c in record.claims:
        figures = "; ".join(
            f"{f.kind.value} {f.population.value}: "
            + (str(f.best) if f.low == f.best == f.high else f"{f.low}/{f.best}/{f.high}")
            for f in c.casualties
        )
        claims.add_row(
            escape(c.source or ""),
            escape(c.claimant or ""),
            escape(" -> ".join(c.attribution)),
            f"{c.claimant_side or '?'} -> {c.affected_side or '?'}",
            c.stance.value,
            escape(figures),
            escape("; ".join(c.hedges)),
        )
    console.print(claims)


def history_table(entries: Iterable[HistoryEntry]) -> None:
    """Print an incident's history, oldest first."""
    table = Table(header_style="bold")
    for column in ("When", "Who", "Action", "Reason", "Changes"):
        table.add_column(column, overflow="fold")
    for e in entries:
        changes = "\n".join(f"{k}: {v[0]!r} -> {v[1]!r}" for k, v in list(e.changes.items())[:20])
        if len(e.changes) > 20:
            changes += f"\n... {len(e.changes) - 20} more"
        table.add_row(
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            escape(e.user),
            e.action,
            escape(e.reason or ""),
            escape(changes),
        )
    _console().print(table)


def key_values(rows: Iterable[tuple[str, str]]) -> None:
    """Print a two-column table."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan")
    table.add_column()
    for key, value in rows:
        table.add_row(escape(key), escape(value))
    _console().print(table)


def drafts(items: list[Incident]) -> None:
    """Print draft incidents: each value with its quote, offsets and confidence."""
    console = _console()
    if not items:
        console.print("[yellow]no incident found[/]")
        return
    for n, draft in enumerate(items, 1):
        console.print(f"\n[bold]Draft {n}/{len(items)}:[/] {escape(draft.title)}")
        table = Table(header_style="bold", show_lines=False)
        for column in ("Field", "Value", "Quote", "Offsets", "Conf."):
            table.add_column(column, overflow="fold")
        values = _draft_values(draft)
        for ev in draft.evidence:
            if ev.field == "incident":
                continue
            table.add_row(
                ev.field,
                escape(values.get(ev.field, "")),
                escape(ev.quote[:160]),
                f"{ev.start}-{ev.end}",
                f"{ev.confidence:.2f}",
            )
        cited = {e.field for e in draft.evidence}
        for fld in ("date", "location"):
            if fld not in cited:
                table.add_row(fld, escape(values[fld]), "[dim](not in the text)[/]", "", "0.00")
        console.print(table)
        if draft.notes:
            console.print(f"[yellow]Note:[/] {escape(draft.notes)}")


def _draft_values(draft: Incident) -> dict[str, str]:
    claim = draft.claims[0]
    loc = draft.location
    values = {
        "date": f"{draft.date} ({draft.date.precision.value})",
        "location": ", ".join(x for x in (loc.name, loc.admin1, loc.country, loc.gazetteer_id) if x)
        or "unknown",
        "intent": draft.intent.value,
        "mechanism": draft.mechanism.value,
        "context": draft.context.value,
        "claims.0.claimant": f"{claim.claimant} ({claim.claimant_side or '?'})",
    }
    for i, a in enumerate(draft.actors):
        values[f"actors.{i}"] = (
            f"{a.actor or a.name_as_written} [{a.side or '?'}] {a.type.value}, {a.role.value}"
        )
    for i, w in enumerate(draft.weapons):
        values[f"weapons.{i}"] = w
    for i, f in enumerate(claim.casualties):
        figure = str(f.best) if f.low == f.best == f.high else f"{f.low}/{f.best}/{f.high}"
        values[f"claims.0.casualties.{i}"] = f"{f.kind.value} {f.population.value}: {figure}"
    for i, c in enumerate(claim.claimed_causes):
        values[f"claims.0.claimed_causes.{i}"] = c.value
    for i, h in enumerate(claim.hedges):
        values[f"claims.0.hedges.{i}"] = h
    values["verification"] = draft.verification.value
    return values


def eval_report(report: Report, *, show_misses: bool = False) -> None:
    """Print evaluation scores."""
    console = _console()
    console.print(
        f"{report.texts} texts, {report.gold_incidents} gold incidents, "
        f"{report.predicted} extracted; {report.false_on_empty} false incident(s) on "
        f"{report.empty_texts} texts without one"
    )
    table = Table(header_style="bold")
    for column in ("Field", "Precision", "Recall", "F1", "Accuracy", "TP", "FP", "FN"):
        table.add_column(column, justify="right" if column != "Field" else "left")
    for row in report.rows():
        table.add_row(
            str(row["field"]),
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{row['f1']:.3f}",
            "" if row["accuracy"] is None else f"{row['accuracy']:.3f}",
            str(row["tp"]),
            str(row["fp"]),
            str(row["fn"]),
        )
    console.print(table)
    if show_misses:
        for miss in report.misses:
            console.print(f"{escape(miss.text)}: {miss.kind}: {escape(miss.detail)}")


def article(text: str, items: list[Incident]) -> None:
    """Print the article with every evidence quote highlighted."""
    from rich.panel import Panel
    from rich.text import Text

    styled = Text(text)
    for draft in items:
        for ev in draft.evidence:
            style = "bold yellow" if ev.field == "incident" else "underline cyan"
            if ev.field == "incident":
                styled.stylize("on grey23", ev.start, ev.end)
            else:
                styled.stylize(style, ev.start, ev.end)
    _console().print(Panel(styled, title=f"{len(items)} draft(s) found", expand=True))


def duplicates(draft: Incident, found: list[Duplicate]) -> None:
    """List likely duplicates of a draft."""
    table = Table(title=f"Possible duplicates of: {escape(draft.title[:80])}", header_style="bold")
    for column in ("#", "ID", "Date", "Place", "Score", "Why"):
        table.add_column(column, overflow="fold")
    for n, dup in enumerate(found, 1):
        rec = dup.record
        table.add_row(
            str(n),
            rec.id,
            str(rec.date),
            escape(rec.location.name or rec.location.admin1 or ""),
            f"{dup.score:.2f}",
            escape("; ".join(dup.reasons)),
        )
    _console().print(table)


def check_problems(problems: Sequence[Problem]) -> None:
    """Print integrity-check problems, one row each (by public id, else table#pk)."""
    table = Table(header_style="bold")
    for column in ("Check", "Where", "Problem"):
        table.add_column(column, overflow="fold", no_wrap=column == "Check")
    for p in problems:
        table.add_row(p.check.value, escape(p.where), escape(p.message))
    _console().print(table)
