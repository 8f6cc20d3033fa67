"""The speed work stays correct: bulk import = ORM import, streamed CSV = record CSV, FTS in sync.

Also: the synthetic generator's documents are valid incidents (its unvalidated fast
construction equals validation), and the CLI starts without the database stack.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from benchmarks import generate
from incidents import services
from incidents.db import migrate
from incidents.db.engine import make_engine
from incidents.db.models import Base
from incidents.exchange import importer
from incidents.exchange.flat import write_csv
from incidents.exchange.importer import Action, import_file
from incidents.schema import Incident, IncidentFilter, Location, LocationPrecision, Source
from tests.conftest import ROOT, Invoke

# Surrogate keys differ between write paths only in numbering; rows are compared by what
# they point at. Timestamps are when the row was written.
_NATURAL = {
    "places": "gazetteer_id",
    "actors": "name",
    "sources": "ref",
    "incidents": "public_id",
}
_REFERS = {
    "place_id": "places",
    "actor_id": "actors",
    "source_id": "sources",
    "incident_id": "incidents",
    "claim_id": "claims",
}
_WRITTEN_AT = {"created_at", "updated_at", "at"}


@pytest.fixture(scope="module")
def places() -> generate.Places:
    return generate.Places()


@pytest.fixture(scope="module")
def lexicon() -> list[tuple[str, str]]:
    return [(a.name, a.side or "") for a in services.builtin_actors()]


def _docs(
    places: generate.Places, lexicon: list[tuple[str, str]], n: int, seed: int = 7
) -> list[Incident]:
    return [generate.incident(seed, i, places, lexicon) for i in range(n)]


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table, surrogate keys replaced by natural keys, rows sorted."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        keys: dict[str, dict[int, Any]] = {}
        for table, column in _NATURAL.items():
            found = conn.execute(text(f"SELECT id, {column} FROM {table}")).all()
            keys[table] = {row[0]: row[1] for row in found}
        claims = conn.execute(text("SELECT id, incident_id, position FROM claims")).all()
        keys["claims"] = {cid: (keys["incidents"][iid], pos) for cid, iid, pos in claims}
        for table in sorted(Base.metadata.tables):
            rows = conn.execute(text(f"SELECT * FROM {table}")).mappings()
            normal = []
            for row in rows:
                values = []
                for key, value in sorted(row.items()):
                    name = str(key)
                    if name == "id" or name in _WRITTEN_AT:
                        continue
                    if name in _REFERS and value is not None:
                        value = keys[_REFERS[name]][value]
                    if name in ("hedges", "attribution", "changes", "geolocation") and isinstance(
                        value, str
                    ):
                        value = json.loads(value)
                    values.append((name, json.dumps(value, default=str, sort_keys=True)))
                normal.append(tuple(values))
            out[table] = sorted(normal)
    return out


def _import_file(
    tmp_path: Path, places: generate.Places, lexicon: list[tuple[str, str]]
) -> tuple[Path, list[Incident]]:
    """JSONL with new incidents and rows the ORM path must handle, interleaved."""
    docs = _docs(places, lexicon, 60)
    with_ids = [
        d.model_copy(update={"id": f"FF-{d.date.start.year}-{9000 + i}"})
        for i, d in enumerate(docs)
    ]
    text_source = Source(ref="archived-1", outlet="Kyiv Post", text="Blue-on-blue strike.")
    archived = with_ids[3].model_copy(
        update={
            "sources": [text_source],
            "claims": [c.model_copy(update={"source": "archived-1"}) for c in with_ids[3].claims],
        }
    )
    # The same source again, now with a URL: the ORM path fills the stored source in.
    fuller = with_ids[4].model_copy(
        update={
            "sources": [text_source.model_copy(update={"url": "https://kyivpost.com/a/1"})],
            "claims": [c.model_copy(update={"source": "archived-1"}) for c in with_ids[4].claims],
        }
    )
    # A gazetteer place no other row uses: first given a country it is not in (a conflict
    # once the place is looked up, after the bulk writer queued it), then rightly.
    used = {d.location.gazetteer_id for d in docs}
    fresh = next(
        p
        for pool, _ in places.pools.values()
        for p in pool
        if p.gazetteer_id not in used and p.country != "FR"
    )
    elsewhere = with_ids[7].model_copy(
        update={
            "location": Location(gazetteer_id=fresh.gazetteer_id, country="FR"),
            "id": f"FF-{with_ids[7].date.start.year}-8001",
        }
    )
    rightly = with_ids[8].model_copy(
        update={
            "location": Location(name_as_written="there", gazetteer_id=fresh.gazetteer_id),
            "id": f"FF-{with_ids[8].date.start.year}-8002",
        }
    )
    # The same place as row 0 written another way: one lookup, its own spelling kept.
    variant = with_ids[9].model_copy(
        update={
            "location": with_ids[0].location.model_copy(update={"name_as_written": "Variant"}),
            "id": f"FF-{with_ids[9].date.start.year}-8003",
        }
    )
    rows = [
        *with_ids[:3],
        archived,
        fuller,
        docs[5],  # no id: matched by content, ORM path
        with_ids[0].model_copy(update={"title": "Same id again"}),  # conflict
        elsewhere,
        rightly,
        variant,
        *with_ids[6:],
        docs[5],  # an exact repeat of an id-less row: unchanged
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "".join(Incident.model_validate(r.model_dump()).model_dump_json() + "\n" for r in rows),
        encoding="utf-8",
    )
    return path, rows


@pytest.mark.parametrize("window", [7, importer.WINDOW])
def test_fast_import_and_orm_import_store_identical_databases(
    db_url: str,
    other_db_url: str,
    tmp_path: Path,
    places: generate.Places,
    lexicon: list[tuple[str, str]],
    window: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A small window spills outcomes and forgets cached ids between windows many times.
    monkeypatch.setattr(importer, "WINDOW", window)
    path, rows = _import_file(tmp_path, places, lexicon)
    reports, dumps = [], []
    for url, fast in ((db_url, True), (other_db_url, False)):
        engine = make_engine(url)
        migrate.upgrade(engine)
        services.seed_actors(engine)
        reports.append(import_file(engine, path, user="bulk", skip_invalid=True, fast=fast))
        dumps.append(_dump(engine))
        engine.dispose()
    fast_report, orm_report = reports
    assert [(o.action, o.id, o.reason) for o in fast_report.outcomes] == [
        (o.action, o.id, o.reason) for o in orm_report.outcomes
    ]
    counts = fast_report.counts
    assert counts["new"] == len(rows) - 3 and counts["conflict"] == 2 and counts["unchanged"] == 1
    assert counts == orm_report.counts
    [misplaced] = [o for o in fast_report.outcomes if o.id and o.id.endswith("-8001")]
    assert misplaced.action is Action.CONFLICT and "disagrees with" in (misplaced.reason or "")
    assert dumps[0]["incidents"] and dumps[0]["incident_history"]
    for table in dumps[0]:
        assert dumps[0][table] == dumps[1][table], table
    # The stored source was filled in with the URL, as the ORM path does.
    assert any("https://kyivpost.com/a/1" in str(r) for r in dumps[0]["sources"])


def test_fast_import_is_all_or_nothing(
    engine: Engine, tmp_path: Path, places: generate.Places, lexicon: list[tuple[str, str]]
) -> None:
    docs = [
        d.model_copy(update={"id": f"FF-2020-{1000 + i}"})
        for i, d in enumerate(_docs(places, lexicon, 30, seed=3))
    ]
    lines = [d.model_dump_json() for d in docs]
    lines[25] = lines[25].replace('"title":"', '"title":', 1)  # malformed JSON late in the file
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match="line 26"):
        import_file(engine, path, user="bulk")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM sources")).scalar() == 0


def test_fill_location_resolves_as_the_orm_path_does(engine: Engine) -> None:
    """A place the bulk writer knows (read or queued) fills a location as the stored row does."""
    from incidents.db import repository as repo
    from incidents.db.bulk import KnownPlace
    from incidents.db.engine import session_scope
    from incidents.errors import InputError

    kyiv = "geonames:703448"
    variants = [
        Location(gazetteer_id=kyiv),
        Location(gazetteer_id=kyiv, name_as_written="Київ", precision="exact_site"),
        Location(gazetteer_id=kyiv, name="Kiev", latitude=50.0, longitude=30.0),
        Location(gazetteer_id=kyiv, country="UA", admin1="UA-30", admin2="Obolonskyi"),
        Location(gazetteer_id=kyiv, admin1="UA-63"),  # a region of Ukraine, not Kyiv's
        Location(gazetteer_id=kyiv, country="PL"),  # the place is not in Poland
        Location(gazetteer_id=kyiv, country="UA", precision="admin1"),
    ]
    results: list[Location | str] = []
    with session_scope(engine) as session:
        for location in variants:
            try:
                expected: Location | str = services.resolve_location(session, location)[0]
            except InputError as exc:
                expected = str(exc)
            row = repo.get_place(session, kyiv)
            assert row is not None
            place = KnownPlace(
                row.id,
                row.name,
                row.country,
                row.admin1,
                row.admin2,
                row.latitude,
                row.longitude,
                row.feature,
            )
            try:
                got: Location | str = repo.fill_location(location, place)
            except InputError as exc:
                got = str(exc)
            assert got == expected, location
            results.append(got)
    assert sum(isinstance(r, str) for r in results) == 1  # Poland: refused both ways
    assert {r.precision for r in results if isinstance(r, Location)} >= {
        LocationPrecision.TOWN,
        LocationPrecision.EXACT_SITE,
    }


def test_created_history_equals_the_diff_against_nothing(
    places: generate.Places, lexicon: list[tuple[str, str]]
) -> None:
    from incidents.db.bulk import created_changes

    docs = _docs(places, lexicon, 200, seed=13)
    docs[0] = docs[0].model_copy(update={"tags": [], "notes": None, "summary": "s"})
    for doc in docs:
        dump = services.history_dump(doc)
        assert created_changes(dump) == services.diff_documents({}, dump)


def _flat_both_ways(engine: Engine, flt: IncidentFilter) -> tuple[str, str]:
    from incidents.exchange.flat import FLAT_COLUMNS, write_flat_rows

    records, streamed = io.StringIO(newline=""), io.StringIO(newline="")
    write_csv(services.list_incidents(engine, flt), records)
    write_flat_rows(services.list_flat(engine, flt, FLAT_COLUMNS), streamed)
    return records.getvalue(), streamed.getvalue()


def test_streamed_flat_export_equals_the_record_export(
    engine: Engine, places: generate.Places, lexicon: list[tuple[str, str]]
) -> None:
    from incidents.db.bulk import BulkWriter
    from incidents.db.engine import session_scope

    services.seed_actors(engine)
    docs = _docs(places, lexicon, 120, seed=11)
    docs[0] = docs[0].model_copy(update={"title": "=HYPERLINK(x)", "notes": "+1 | -2"})
    with session_scope(engine) as session:
        writer = BulkWriter(session, user="t")
        writer.prefetch(docs)
        for doc in docs:
            prepared = writer.prepare(doc)
            assert prepared is not None
            writer.add(prepared)
        writer.flush()
    deleted = services.list_incidents(engine, IncidentFilter(limit=1, sort="-id"))
    services.delete_incident(engine, next(iter(deleted)).id, user="t", reason="test")
    filters = [
        IncidentFilter(),
        IncidentFilter(sort="-killed"),
        IncidentFilter(country="UA", since=date(2023, 1, 1), until=date(2024, 6, 30)),
        IncidentFilter(min_killed=3, sort="id", limit=7),
        IncidentFilter(text="artillery"),
    ]
    for flt in filters:
        records, streamed = _flat_both_ways(engine, flt)
        assert records.count("\r\n") > 1, flt
        assert streamed == records, flt
    everything, _ = _flat_both_ways(engine, IncidentFilter())
    assert everything.count("\r\n") == len(docs)  # header + all but the deleted one
    assert "'=HYPERLINK(x)" in everything


def test_full_text_follows_edits_and_deletes(
    engine: Engine, places: generate.Places, lexicon: list[tuple[str, str]]
) -> None:
    services.seed_actors(engine)
    docs = _docs(places, lexicon, 3, seed=5)
    docs[0] = docs[0].model_copy(update={"summary": "A zeppelinlike drone hit the depot."})
    added = services.add_incidents(engine, docs, user="t").added

    def found(word: str, **extra: Any) -> list[str]:
        flt = IncidentFilter(text=word, sort="id", **extra)
        return [r.id for r in services.list_incidents(engine, flt)]

    assert found("zeppelinlike") == [added[0]]
    edited = docs[0].model_copy(update={"summary": "A quadcopterish drone hit the depot."})
    services.update_incident(engine, added[0], edited, user="t", reason="reworded")
    assert found("zeppelinlike") == []
    assert found("quadcopterish") == [added[0]]
    services.delete_incident(engine, added[0], user="t", reason="duplicate")
    assert found("quadcopterish") == []
    assert found("quadcopterish", include_deleted=True) == [added[0]]
    services.restore_incident(engine, added[0], user="t")
    assert found("quadcopterish") == [added[0]]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM incidents WHERE public_id = :p"), {"p": added[0]})
        if engine.dialect.name == "sqlite":
            # The external-content index agrees with its table row for row.
            conn.execute(
                text("INSERT INTO incidents_fts(incidents_fts) VALUES ('integrity-check')")
            )
    assert found("quadcopterish", include_deleted=True) == []
    assert found("depot") == []


def test_generated_documents_validate_to_what_the_generator_builds(
    places: generate.Places, lexicon: list[tuple[str, str]]
) -> None:
    for index in range(0, 4000, 40):
        doc = generate.document(42, index, places, lexicon)
        assert Incident.model_validate(doc) == generate.build(doc), index
        for source in doc["sources"]:
            derived = Source.model_validate({k: v for k, v in source.items() if k != "ref"})
            assert derived.ref == source["ref"]
    again = generate.document(42, 17, places, lexicon)
    assert again == generate.document(42, 17, places, lexicon)
    assert again != generate.document(43, 17, places, lexicon)


def test_generated_distributions_are_skewed_as_documented(
    places: generate.Places, lexicon: list[tuple[str, str]]
) -> None:
    docs = [generate.document(1, i, places, lexicon) for i in range(1500)]
    countries = [places_country(places, d["location"]["gazetteer_id"]) for d in docs]
    assert 0.45 < countries.count("UA") / len(docs) < 0.65
    assert 0.22 < countries.count("RU") / len(docs) < 0.38
    years = [d["date"]["start"].year for d in docs]
    assert min(years) >= 2014 and max(years) <= 2026
    assert sum(2022 <= y <= 2025 for y in years) / len(docs) > 0.7
    claims = [len(d["claims"]) for d in docs]
    assert set(claims) <= {1, 2, 3} and 2.4 < sum(claims) / len(docs) < 3.0
    killed = sorted(
        f["best"]
        for d in docs
        for c in d["claims"]
        for f in c["casualties"]
        if f["kind"] == "killed" and f.get("best") is not None
    )
    median, top = killed[len(killed) // 2], killed[-1]
    assert median <= 3 and top >= 50  # long tail


def places_country(places: generate.Places, gazetteer_id: str) -> str:
    for pool, _ in places.pools.values():
        for place in pool:
            if place.gazetteer_id == gazetteer_id:
                return place.country
    raise AssertionError(gazetteer_id)


def test_generator_writes_valid_searchable_incidents(cli: Invoke, db_url: str) -> None:
    assert generate.generate(db_url, 40, seed=9, batch=16) == 40
    listed = cli("list", "--format", "jsonl")
    records = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(records) == 40
    for record in records[:5]:
        Incident.model_validate({k: v for k, v in record.items() if k in Incident.model_fields})
    word = records[0]["title"].split()[-1]
    assert cli("list", "--text", word, "--format", "jsonl").stdout.count("\n") >= 1


def test_cli_import_loads_no_database_stack_or_renderer() -> None:
    """`incidents --help` builds every command; none may pull in SQLAlchemy, Rich or YAML."""
    code = (
        "import sys, incidents.cli; "
        "print(sorted(m for m in ('sqlalchemy', 'rich', 'alembic', 'yaml', 'psycopg') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"
