"""The incident filter options, defined once and shared by every command that selects incidents.

``@filter_options`` adds ``--country``, ``--region`` ... ``--limit`` to a command and hands it
a validated ``IncidentFilter`` as ``flt`` (cf. sqlite-utils' ``output_options``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_type_hints

import typer

from incidents.codebook import Cause, Intent, Mechanism, ReviewStatus, Verification

if TYPE_CHECKING:
    from incidents.schema import IncidentFilter

F = TypeVar("F", bound=Callable[..., Any])

# (parameter name, annotation, default, IncidentFilter field)
_OPTIONS: list[tuple[str, Any, Any, str]] = [
    ("country", Annotated[str | None, typer.Option(help="ISO country code.")], None, "country"),
    (
        "region",
        Annotated[str | None, typer.Option(help="Admin1 region in any common spelling.")],
        None,
        "region",
    ),
    (
        "place",
        Annotated[str | None, typer.Option(help="Place in any known spelling.")],
        None,
        "place",
    ),
    (
        "near",
        Annotated[str | None, typer.Option(help="LAT,LON centre of a radius search.")],
        None,
        "near",
    ),
    ("radius", Annotated[float, typer.Option(help="Radius in km for --near.")], 25.0, "radius_km"),
    (
        "since",
        Annotated[str | None, typer.Option(help="Earliest date (YYYY-MM-DD); spans overlap.")],
        None,
        "since",
    ),
    ("until", Annotated[str | None, typer.Option(help="Latest date (YYYY-MM-DD).")], None, "until"),
    ("intent", Annotated[Intent | None, typer.Option(help="Intent code.")], None, "intent"),
    (
        "mechanism",
        Annotated[Mechanism | None, typer.Option(help="Mechanism code.")],
        None,
        "mechanism",
    ),
    (
        "cause",
        Annotated[Cause | None, typer.Option(help="Claimed or assessed cause.")],
        None,
        "cause",
    ),
    ("actor", Annotated[str | None, typer.Option(help="Actor name or alias.")], None, "actor"),
    ("side", Annotated[str | None, typer.Option(help="Side of any involved unit.")], None, "side"),
    (
        "claimant",
        Annotated[str | None, typer.Option(help="Who made a claim (substring).")],
        None,
        "claimant",
    ),
    (
        "verification",
        Annotated[Verification | None, typer.Option(help="Verification grade.")],
        None,
        "verification",
    ),
    (
        "review",
        Annotated[ReviewStatus | None, typer.Option(help="draft or reviewed.")],
        None,
        "review_status",
    ),
    (
        "min_killed",
        Annotated[int | None, typer.Option(help="At least this many killed in a claim.")],
        None,
        "min_killed",
    ),
    (
        "text",
        Annotated[str | None, typer.Option(help="Full-text search in summaries, quotes, sources.")],
        None,
        "text",
    ),
    (
        "include_deleted",
        Annotated[bool, typer.Option("--include-deleted", help="Include deleted incidents.")],
        False,
        "include_deleted",
    ),
    (
        "sort",
        Annotated[str, typer.Option(help="date, -date, id, -id, killed or -killed.")],
        "date",
        "sort",
    ),
    (
        "limit",
        Annotated[int | None, typer.Option(help="At most this many incidents.")],
        None,
        "limit",
    ),
]


def _near(value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lat, lon = (float(x) for x in value.split(","))
    except ValueError:
        raise typer.BadParameter("use LAT,LON, e.g. 49.71,37.62", param_hint="--near") from None
    return lat, lon


def build_filter(values: dict[str, Any]) -> IncidentFilter:
    """An IncidentFilter from the option values (unset ones left out)."""
    data = {field: values[name] for name, _, _, field in _OPTIONS if values.get(name) is not None}
    if "near" in data:
        data["near"] = _near(data["near"])
    from incidents.schema import IncidentFilter

    return IncidentFilter.model_validate(data)


def filter_options(func: F) -> F:
    """Add the filter options to a command; it receives them as ``flt: IncidentFilter``."""
    # ``flt`` is replaced below, so its annotation need not resolve: the schema is loaded
    # when a command runs, not when the CLI is built (``--help`` must stay fast).
    hints = get_type_hints(func, localns={"IncidentFilter": Any}, include_extras=True)
    own = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in inspect.signature(func).parameters.values()
        if p.name != "flt"
    ]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
        for name, ann, default, _ in _OPTIONS
    ]
    names = [name for name, _, _, _ in _OPTIONS]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in names if name in kwargs}
        return func(*args, flt=build_filter(values), **kwargs)

    params = own + added
    # Typer reads both the signature and the annotations; give it the combined ones.
    wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    wrapper.__annotations__["return"] = hints.get("return", None)
    del wrapper.__wrapped__
    return wrapper  # type: ignore[return-value]
