"""Extraction commands: extract, review, eval and schema."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from incidents.cli import State

if TYPE_CHECKING:
    from incidents.extract.pipeline import Extraction

PublishedOption = Annotated[
    str | None, typer.Option("--published", help="Publication date YYYY-MM-DD (relative dates).")
]
UrlOption = Annotated[str | None, typer.Option("--url", help="Article URL.")]
OutletOption = Annotated[str | None, typer.Option("--outlet", help="Outlet name.")]
TitleOption = Annotated[str | None, typer.Option("--title", help="Headline.")]
LangOption = Annotated[str | None, typer.Option("--lang", help="ISO 639-1 language code.")]


def _read_article(file: Path) -> str:
    from incidents.exchange.documents import read_text

    if str(file) == "-":
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            from incidents.errors import InputError

            raise InputError(f"<stdin>: not UTF-8 text (byte {exc.start})") from None
    return read_text(file)


def _published(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--published") from None


def run_extraction(
    state: State,
    file: Path,
    *,
    published: str | None,
    url: str | None,
    outlet: str | None,
    title: str | None,
    lang: str | None,
) -> Extraction:
    """Read the article and run the extractor with the user's places."""
    from incidents import services
    from incidents.extract.pipeline import Extractor, check_article

    text = _read_article(file)
    check_article(text)
    when = _published(published)
    extractor = Extractor(services.extraction_places(state.engine()))
    return extractor.extract(text, published=when, url=url, outlet=outlet, title=title, lang=lang)


def extract(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Article text file, or '-' for stdin.")],
    published: PublishedOption = None,
    url: UrlOption = None,
    outlet: OutletOption = None,
    title: TitleOption = None,
    lang: LangOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print drafts as JSON.")] = False,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="Print drafts as YAML that `incidents add` accepts.")
    ] = False,
) -> None:
    """Propose draft incidents from an article, each value with its quote and confidence."""
    from incidents.cli import render
    from incidents.exchange.documents import dump_yaml

    state: State = ctx.obj
    result = run_extraction(
        state, file, published=published, url=url, outlet=outlet, title=title, lang=lang
    )
    if as_json:
        sys.stdout.write(
            json.dumps([d.model_dump(mode="json") for d in result.drafts], indent=2) + "\n"
        )
    elif as_yaml:
        if result.drafts:
            sys.stdout.write(dump_yaml(result.drafts))
        else:
            render.message("no incident found", style="yellow")
    else:
        render.drafts(result.drafts)


def schema() -> None:
    """Print the JSON Schema of an incident document (what add, extract --json speak)."""
    from incidents.schema import incident_json_schema

    sys.stdout.write(json.dumps(incident_json_schema(), indent=2) + "\n")


def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold labels YAML (e.g. data/gold/gold.yaml).")],
    split: Annotated[
        list[str] | None, typer.Option("--split", help="Only these splits: seed, dev, test.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    misses: Annotated[bool, typer.Option("--misses", help="List every disagreement.")] = False,
) -> None:
    """Score the extractor against hand-labelled texts: detection and per-field P/R/F1."""
    from incidents.cli import render
    from incidents.extract.evaluate import evaluate as run_eval
    from incidents.extract.evaluate import load_gold

    report = run_eval(load_gold(gold), gold.parent, splits=split)
    if as_json:
        data = report.model_dump(exclude={"misses"} if not misses else None)
        data["scores"] = report.rows()
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    else:
        render.eval_report(report, show_misses=misses)


def register(app: typer.Typer) -> None:
    """Attach these commands to the root app."""
    app.command()(extract)
    app.command("eval")(evaluate)
    app.command()(schema)
