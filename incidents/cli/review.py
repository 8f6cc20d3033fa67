"""``incidents review FILE``: walk the drafts of an article field by field and save them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from incidents.cli import State
from incidents.cli.extract import (
    LangOption,
    OutletOption,
    PublishedOption,
    TitleOption,
    UrlOption,
    run_extraction,
)


def _ask(prompt: str, default: str = "") -> str:
    return str(typer.prompt(prompt, default=default, show_default=bool(default)))


def review(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Article text file.")],
    published: PublishedOption = None,
    url: UrlOption = None,
    outlet: OutletOption = None,
    title: TitleOption = None,
    lang: LangOption = None,
) -> None:
    """Review an article's drafts: accept, edit or skip each field, then save."""
    from incidents import review as rv
    from incidents import services
    from incidents.cli import render
    from incidents.errors import ConflictError, IncidentsError

    state: State = ctx.obj
    result = run_extraction(
        state, file, published=published, url=url, outlet=outlet, title=title, lang=lang
    )
    engine = state.engine()
    owner = services.source_owner(engine, result.source.sha256 or "")
    if owner is not None:
        ref, ids = owner
        raise ConflictError(
            f"this article is already stored as source {ref!r} (cited by {', '.join(ids) or 'no incident'})"
        )
    render.article(result.doc.text, result.drafts)
    render.message(
        "For each field: Enter accepts the suggestion, '-' clears it, anything else replaces it.",
        style="cyan",
    )
    kept = []
    for n, draft in enumerate(result.drafts, 1):
        render.message(f"Draft {n}/{len(result.drafts)}: {draft.title}", style="bold")
        choice = _ask("keep this draft? [y]es / [n]o (reject)", "y").lower()
        if choice.startswith("n"):
            render.message("rejected", style="yellow")
            continue
        for item in rv.FIELDS:
            while True:
                answer = _ask(f"  {item.name}", item.show(draft))
                try:
                    draft = rv.apply_answer(draft, item, answer)
                    break
                except IncidentsError as exc:
                    render.error(str(exc))
        kept.append(rv.finish(draft))
    while _ask("add an incident the extractor missed? [y/N]", "n").lower().startswith("y"):
        try:
            kept.append(
                rv.manual_incident(
                    title=_ask("  title"),
                    when=_ask("  date (YYYY-MM-DD, YYYY-MM, YYYY or START/END)"),
                    place=_ask("  place (name, geonames:ID, admin1:CODE or empty)", ""),
                    killed=_ask("  killed (e.g. military:3, or empty)", ""),
                    wounded=_ask("  wounded (e.g. civilian:2, or empty)", ""),
                    source=result.source,
                )
            )
        except IncidentsError as exc:
            render.error(str(exc))
    if not kept:
        render.message("nothing to save", style="yellow")
        return
    for draft in kept:
        duplicates = services.find_duplicates(engine, draft)
        target = None
        if duplicates:
            render.duplicates(draft, duplicates)
            answer = _ask("attach this report to which incident? (number, Enter = new)", "")
            if answer.strip().isdigit() and 1 <= int(answer) <= len(duplicates):
                target = duplicates[int(answer) - 1].record.id
        if target:
            updated = services.attach_report(engine, target, draft, user=state.user)
            typer.echo(updated.id)
            render.message(f"attached the report to {updated.id} as a new source and claim")
        else:
            added = services.add_incidents(engine, [draft], user=state.user).added
            typer.echo(added[0])
            render.message(f"saved {added[0]}")


def register(app: typer.Typer) -> None:
    """Attach the command to the root app."""
    app.command()(review)
