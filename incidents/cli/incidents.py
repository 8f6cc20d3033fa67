"""Incident commands: init, add, show, list, edit, history, delete, restore."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from incidents.cli import State
from incidents.cli.filters import filter_options

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from incidents.schema import HistoryEntry, IncidentFilter, IncidentRecord


class OutputFormat(StrEnum):
    """How listing commands print."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table, csv, json or jsonl.")
]


def init(ctx: typer.Context) -> None:
    """Create or upgrade the database and load the built-in actor lexicon."""
    from incidents import services
    from incidents.cli import render
    from incidents.config import mask_url

    state: State = ctx.obj
    engine = state.engine()
    actors = services.seed_actors(engine)
    render.message(f"{mask_url(state.url)} is ready ({actors} actors in the lexicon)")


def add(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="YAML or JSON files ('-' reads stdin).")],
    skip_existing: Annotated[
        bool, typer.Option("--skip-existing", help="Skip incidents whose id is already stored.")
    ] = False,
) -> None:
    """Validate incidents from YAML/JSON files and store them, all or nothing."""
    from incidents import services
    from incidents.cli import render
    from incidents.exchange.documents import load_file, load_incidents

    state: State = ctx.obj
    docs = []
    for path in files:
        if str(path) == "-":
            docs += load_incidents(sys.stdin.read(), name="<stdin>", base=Path.cwd())
        else:
            docs += load_file(path)
    engine = state.engine()
    services.seed_actors(engine)
    result = services.add_incidents(engine, docs, user=state.user, skip_existing=skip_existing)
    for public_id in result.added:
        typer.echo(public_id)
    skipped = f", skipped {len(result.skipped)} already stored" if result.skipped else ""
    render.message(f"added {len(result.added)} incident(s){skipped}")


def show(
    ctx: typer.Context,
    public_id: Annotated[str, typer.Argument(metavar="ID", help="Public id, e.g. FF-2023-0001.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="card, yaml or json.")] = "card",
) -> None:
    """Show one incident with its actors, sources and claims."""
    from incidents import services

    state: State = ctx.obj
    record = services.get_incident(state.engine(), public_id)
    # Each format imports only what it needs: this is the command people time.
    if fmt == "yaml":
        from incidents.exchange.documents import dump_yaml

        typer.echo(dump_yaml([record.document()]), nl=False)
    elif fmt == "json":
        typer.echo(record.model_dump_json(indent=2))
    elif fmt == "card":
        from incidents.cli import render

        render.incident_card(record)
    else:
        raise typer.BadParameter("use card, yaml or json", param_hint="--format")


@filter_options
def list_(
    ctx: typer.Context,
    flt: IncidentFilter,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """List incidents matching every given filter."""
    from incidents import services

    state: State = ctx.obj
    if fmt is OutputFormat.CSV:
        from incidents.cli.export import write_flat

        write_flat(state.engine(), flt, sys.stdout)
        return
    records = services.list_incidents(state.engine(), flt)
    if fmt is OutputFormat.TABLE:
        from incidents.cli import render

        render.incidents_table(records)
    elif fmt is OutputFormat.JSONL:
        for record in records:
            sys.stdout.write(record.model_dump_json() + "\n")
    else:
        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in records], indent=2) + "\n")


def launch_editor(text: str, *, name: str) -> str:
    """Open ``text`` in $VISUAL/$EDITOR (default vi) and return what was saved."""
    import os
    import shlex
    import subprocess
    import tempfile

    from incidents.errors import InputError

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        try:
            status = subprocess.call([*shlex.split(editor), str(path)])
        except OSError as exc:
            raise InputError(f"cannot start editor {editor!r}: {exc.strerror}") from None
        if status != 0:
            raise InputError(f"editor {editor!r} exited with status {status}; nothing saved")
        return path.read_text(encoding="utf-8")


_MINE_MARK = "# ==== your version: saved when you close the editor ===="
_STORED_MARK = "# ==== stored now"


def _own_text(text: str) -> str:
    """The user's part of an editor file, without a conflict header or stored block."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith(_MINE_MARK)]
    if starts:
        lines = lines[starts[0] + 1 :]
    ends = [i for i, line in enumerate(lines) if line.startswith(_STORED_MARK)]
    if ends:
        lines = lines[: ends[0]]
    return "".join(lines)


def _is_blank(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _conflict_text(
    mine: str, stored: IncidentRecord, since: list[HistoryEntry], *, edited_version: int
) -> str:
    """An editor file with the user's version to save and the stored one commented out."""
    from datetime import UTC

    from incidents.exchange.documents import dump_yaml

    def when(entry: HistoryEntry) -> str:
        return f"{entry.at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"

    head = [
        f"# CONFLICT: {stored.id} was changed by someone else while you edited version "
        f"{edited_version}.",
        f"# Below is your version; saving this file stores it as the version after "
        f"{stored.version}.",
        "# The version stored now is at the end, commented out: merge what you need into",
        "# yours and save. Leave this file unchanged, or empty it, to cancel.",
        "#",
        f"# Changed since version {edited_version}:",
    ]
    for number, entry in enumerate(since, start=edited_version + 1):
        fields = sorted({path.split(".", 1)[0] for path in entry.changes})
        what = f" ({', '.join(fields)})" if fields else ""
        why = f": {entry.reason}" if entry.reason else ""
        head.append(
            f"#   version {number}: {entry.action} by {entry.user} at {when(entry)}{what}{why}"
        )
    stored_by = f", changed by {since[-1].user} at {when(since[-1])}" if since else ""
    deleted = f", DELETED: {stored.deleted_reason}" if stored.deleted_at else ""
    stored_yaml = dump_yaml([stored.document()])
    return (
        "\n".join(head)
        + "\n"
        + _MINE_MARK
        + "\n"
        + mine.rstrip("\n")
        + "\n"
        + f"{_STORED_MARK}: version {stored.version}{stored_by}{deleted} ====\n"
        + "".join(f"# {line}".rstrip() + "\n" for line in stored_yaml.splitlines())
    )


def _edit_in_editor(
    engine: Engine, record: IncidentRecord, *, user: str, reason: str | None
) -> tuple[IncidentRecord, int] | None:
    """Edit until saved; on a conflict re-open with both versions. None: nothing to save."""
    from incidents import services
    from incidents.errors import ConflictError, InputError
    from incidents.exchange.documents import dump_yaml, load_incidents

    name = f"{record.id}.yaml"
    text = dump_yaml([record.document()])
    base = record.version
    conflict: ConflictError | None = None
    while True:
        edited = launch_editor(text, name=name)
        if edited == text or _is_blank(edited):
            if conflict is not None:
                raise conflict
            return None
        docs = load_incidents(edited, name=name)
        if len(docs) != 1:
            raise InputError(f"{name}: expected one incident, got {len(docs)}")
        try:
            saved = services.update_incident(
                engine, record.id, docs[0], user=user, reason=reason, expected_version=base
            )
        except ConflictError as exc:
            conflict = exc
            stored = services.get_incident(engine, record.id)
            since = services.history(engine, record.id)[base : stored.version]
            text = _conflict_text(_own_text(edited), stored, since, edited_version=base)
            base = stored.version
            continue
        return saved, base


def edit(
    ctx: typer.Context,
    public_id: Annotated[str, typer.Argument(metavar="ID", help="Public id.")],
    file: Annotated[
        Path | None, typer.Option("--file", help="Take the new version from this YAML/JSON file.")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why, for the history.")] = None,
    expect_version: Annotated[
        int | None,
        typer.Option(
            "--expect-version",
            help="Refuse unless the stored version is still N (the one --file was made from).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Edit an incident as YAML in $EDITOR (or from --file); the change is validated and logged."""
    from incidents import services
    from incidents.cli import render
    from incidents.errors import InputError
    from incidents.exchange.documents import load_file

    if expect_version is not None and file is None:
        # The editor always starts from the stored version; it needs no promise about it.
        raise typer.BadParameter("goes with --file", param_hint="--expect-version")
    state: State = ctx.obj
    engine = state.engine()
    record = services.get_incident(engine, public_id)
    if file is None:
        outcome = _edit_in_editor(engine, record, user=state.user, reason=reason)
        if outcome is None:
            render.message("no change", style="yellow")
            return
        updated, base = outcome
    else:
        docs = load_file(file)
        if len(docs) != 1:
            raise InputError(f"{file}: expected one incident, got {len(docs)}")
        base = record.version if expect_version is None else expect_version
        updated = services.update_incident(
            engine, record.id, docs[0], user=state.user, reason=reason, expected_version=base
        )
    if updated.version == base:
        render.message("no change", style="yellow")
    else:
        render.message(f"saved {updated.id} (version {updated.version})")


def history(
    ctx: typer.Context,
    public_id: Annotated[str, typer.Argument(metavar="ID", help="Public id.")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Show who changed an incident, when, what and why."""
    from incidents import services
    from incidents.cli import render

    state: State = ctx.obj
    entries = services.history(state.engine(), public_id)
    if fmt is OutputFormat.TABLE:
        render.history_table(entries)
    elif fmt is OutputFormat.JSONL:
        for e in entries:
            sys.stdout.write(e.model_dump_json() + "\n")
    elif fmt is OutputFormat.JSON:
        sys.stdout.write(json.dumps([e.model_dump(mode="json") for e in entries], indent=2) + "\n")
    else:
        raise typer.BadParameter("history prints table, json or jsonl", param_hint="--format")


def delete(
    ctx: typer.Context,
    public_id: Annotated[str, typer.Argument(metavar="ID", help="Public id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required; kept in history).")],
) -> None:
    """Soft-delete an incident (reversible with `incidents restore`)."""
    from incidents import services
    from incidents.cli import render

    state: State = ctx.obj
    services.delete_incident(state.engine(), public_id, user=state.user, reason=reason)
    render.message(
        f"deleted {public_id.upper()}; `incidents restore {public_id.upper()}` undoes it"
    )


def restore(
    ctx: typer.Context,
    public_id: Annotated[str, typer.Argument(metavar="ID", help="Public id.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why, for the history.")] = None,
) -> None:
    """Restore a deleted incident."""
    from incidents import services
    from incidents.cli import render

    state: State = ctx.obj
    services.restore_incident(state.engine(), public_id, user=state.user, reason=reason)
    render.message(f"restored {public_id.upper()}")


def codebook() -> None:
    """Print the codebook (every code and its meaning) as Markdown."""
    from incidents.codebook import codebook_markdown

    sys.stdout.write(codebook_markdown())


def register(app: typer.Typer) -> None:
    """Attach these commands to the root app."""
    app.command()(init)
    app.command()(add)
    app.command()(show)
    app.command("list")(list_)
    app.command()(edit)
    app.command()(history)
    app.command()(delete)
    app.command()(restore)
    app.command()(codebook)
