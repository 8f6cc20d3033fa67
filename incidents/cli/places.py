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
    from incidents import services
    from incidents.cli import render

    state: State = ctx.obj
    render.key_values(
        (
            gid,
            f"{loc.name} ({loc.country}{', ' + loc.admin1 if loc.admin1 else ''}) "
            f"{loc.latitude}, {loc.longitude}",
        )
        for gid, loc, _names in services.user_places(state.engine())
    )
