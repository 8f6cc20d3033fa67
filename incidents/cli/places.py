"""``incidents places``: places no gazetteer knows, such as training ranges and bases."""

from __future__ import annotations

from typing import Annotated

import typer

from incidents.cli import State

app = typer.Typer(no_args_is_help=True, help="Add and list user-defined places.")


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the place.")],
    lat: Annotated[float, typer.Option("--lat", help="Latitude in decimal degrees.")],
    lon: Annotated[float, typer.Option("--lon", help="Longitude in decimal degrees.")],
    country: Annotated[str, typer.Option("--country", help="ISO 3166-1 country code.")],
    region: Annotated[
        str | None, typer.Option("--region", help="Admin1 region, any spelling.")
    ] = None,
    alias: Annotated[
        list[str] | None, typer.Option("--alias", help="Another name (repeatable).")
    ] = None,
) -> None:
    """Add a place with coordinates; incidents refer to it by the printed gazetteer id."""
    from incidents import services
    from incidents.cli import render

    state: State = ctx.obj
    gid = services.add_user_place(
        state.engine(),
        name=name,
        latitude=lat,
        longitude=lon,
        country=country,
        admin1=region,
        aliases=alias or [],
    )
    typer.echo(gid)
    render.message(f"added {name!r} as {gid}")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the places users added."""
    from incidents.cli import render
    from incidents.db.engine import session_scope
    from incidents.db.repository import list_places

    state: State = ctx.obj
    with session_scope(state.engine()) as session:
        rows = [
            (
                p.gazetteer_id,
                f"{p.name} ({p.country}{', ' + p.admin1 if p.admin1 else ''}) "
                f"{p.latitude}, {p.longitude}",
            )
            for p in list_places(session, origin="user")
        ]
    render.key_values(rows)
