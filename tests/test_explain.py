"""The planners use the indexes the filters need (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PG).

The queries are the ones ``incidents list`` runs, compiled from the repository, over a few
thousand generated incidents with fresh statistics.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, Select, select, text
from sqlalchemy.orm import Session

from benchmarks import generate
from incidents.db import repository as repo
from incidents.db.models import IncidentRow
from incidents.schema import IncidentFilter


@pytest.fixture
def loaded(engine: Engine) -> Iterator[Engine]:
    """3,000 generated incidents, analysed."""
    url = engine.url.render_as_string(hide_password=False)
    generate.generate(url, 3000, seed=2, batch=1000)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    yield engine


def _plan(engine: Engine, query: Select[Any], *, setup: str | None = None) -> str:
    with engine.connect() as conn:
        if setup:
            conn.execute(text(setup))
        if engine.dialect.name == "sqlite":
            compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
            rows = conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        else:
            # Bound parameters, as the application sends them (regconfig has no literal form).
            compiled = query.compile(engine)
            rows = conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
    return "\n".join(str(r[-1]) for r in rows)


def _listing(engine: Engine, flt: IncidentFilter, region: str | None = None) -> Select[Any]:
    with Session(engine) as session:
        conditions = repo.filter_conditions(session, flt, region_code=region)
    return select(IncidentRow).where(*conditions).order_by(*repo._SORTS[flt.sort])


def test_region_and_year_use_the_composite_index(loaded: Engine) -> None:
    flt = IncidentFilter(since=date(2023, 1, 1), until=date(2023, 12, 31))
    plan = _plan(loaded, _listing(loaded, flt, region="UA-63"))
    assert "ix_incidents_admin1_date" in plan, plan
    if loaded.dialect.name == "sqlite":
        assert "SCAN incidents" not in plan, plan


def test_country_and_dates_use_their_index(loaded: Engine) -> None:
    flt = IncidentFilter(country="RU", since=date(2024, 3, 1), until=date(2024, 3, 31))
    plan = _plan(loaded, _listing(loaded, flt))
    assert "ix_incidents_country_date" in plan or "ix_incidents_date" in plan, plan


def test_the_flat_view_query_of_a_region_uses_the_index(loaded: Engine) -> None:
    """What `list --region ... --format csv` runs: the view joined to the filtered incidents."""
    from incidents.exchange.flat import FLAT_COLUMNS

    flt = IncidentFilter(since=date(2023, 1, 1), until=date(2023, 12, 31))
    with Session(loaded) as session:
        query = repo.flat_query(session, flt, FLAT_COLUMNS, region_code="UA-63")
    assert "ix_incidents_admin1_date" in _plan(loaded, query)


def test_full_listing_walks_the_order_index(loaded: Engine) -> None:
    plan = _plan(loaded, _listing(loaded, IncidentFilter()))
    if loaded.dialect.name == "sqlite":
        assert "ix_incidents_date_public_id" in plan and "TEMP B-TREE" not in plan, plan
    else:
        # Few rows make a sort cheap; what matters is that the index can feed the order.
        plan = _plan(loaded, _listing(loaded, IncidentFilter()), setup="SET enable_sort = off")
        assert "ix_incidents_date_public_id" in plan, plan


def test_text_search_uses_the_full_text_index(loaded: Engine) -> None:
    from incidents import services

    places = generate.Places()
    doc = generate.incident(99, 0, places, [("Wagner Group", "RU")])
    doc = doc.model_copy(update={"summary": "A zeppelinlike drone hit the depot."})
    services.add_incidents(loaded, [doc], user="t")
    with loaded.begin() as conn:
        conn.execute(text("ANALYZE"))
    # PostgreSQL prefers a sequential scan of a few thousand rows whatever the index; what
    # must hold is that the query's expression is the indexed one, so the index can serve.
    setup = "SET enable_seqscan = off" if loaded.dialect.name == "postgresql" else None
    plan = _plan(loaded, _listing(loaded, IncidentFilter(text="zeppelinlike")), setup=setup)
    if loaded.dialect.name == "sqlite":
        assert "VIRTUAL TABLE INDEX" in plan and "incidents_fts" in plan, plan
    else:
        assert "ix_incidents_search_tsv" in plan, plan
