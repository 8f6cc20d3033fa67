"""``incidents import``: lossless JSONL round trip, all-or-nothing, rejects, re-import, dry run."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from incidents import services
from incidents.cli import app
from incidents.db import migrate
from incidents.db.engine import make_engine
from incidents.exchange.flat import write_csv
from incidents.exchange.importer import Action, import_file
from incidents.exchange.jsonl import read_jsonl, write_jsonl
from incidents.schema import (
    ActorRole,
    ActorType,
    CasualtyKind,
    Cause,
    Context,
    DatePrecision,
    EvidenceStatus,
    Incident,
    IncidentFilter,
    IncidentRecord,
    Intent,
    LocationPrecision,
    Mechanism,
    Population,
    ReviewStatus,
    Stance,
    Verification,
)
from tests.conftest import ROOT, Invoke, _pg_schema_url

# --------------------------------------------------------------------------- databases

EngineFactory = Callable[[], Engine]


@pytest.fixture
def new_engine(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[EngineFactory]:
    """Make further empty, migrated databases of the same kind as ``db_url``."""
    made: list[tuple[Engine, str | None]] = []
    admin: Engine | None = (
        request.getfixturevalue("pg_admin") if db_url.startswith("postgresql") else None
    )

    def make() -> Engine:
        schema = None
        if admin is None:
            url = f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.db'}"
        else:
            schema, url = _pg_schema_url(admin)
        engine = make_engine(url)
        migrate.upgrade(engine)
        made.append((engine, schema))
        return engine

    yield make
    for engine, schema in made:
        engine.dispose()
        if admin is not None and schema is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


# --------------------------------------------------------------------------- strategies

SPECIAL = [
    "=SUM(A1)",
    "+1",
    "-2",
    "@x",
    'say "yes", then no',
    "a, b; c",
    "two\nlines",
    "Купянськ",
    "Куп'янськ — «Ж»",
    "tab\there",
    "\r\nwindows",
    " padded ",
    "|",
    " | ",
]
_chars = st.characters(codec="utf-8", exclude_characters="\x00")
long_text = st.one_of(st.sampled_from(SPECIAL), st.text(_chars, max_size=60))
short_text = st.one_of(st.sampled_from(SPECIAL), st.text(_chars, min_size=1, max_size=25)).filter(
    lambda s: bool(s.strip())
)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """None or a value."""
    return st.one_of(st.none(), strategy)


@st.composite
def incident_dates(draw: st.DrawFn) -> dict[str, Any]:
    """Every precision, with an optional phrase and resolution date."""
    precision = draw(st.sampled_from(DatePrecision))
    start = draw(st.dates(date(1990, 1, 1), date(2024, 12, 1)))
    if precision is DatePrecision.MONTH:
        start = start.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    elif precision is DatePrecision.YEAR:
        start, end = date(start.year, 1, 1), date(start.year, 12, 31)
    else:
        span = {DatePrecision.DAY: 0, DatePrecision.WEEK: 6}.get(precision, 400)
        end = start + timedelta(days=draw(st.integers(0, span)))
    return {
        "start": start,
        "end": end,
        "precision": precision,
        "phrase": draw(optional(short_text)),
        "resolved_against": draw(optional(st.dates(date(1990, 1, 1), date(2030, 1, 1)))),
    }


coordinates = st.tuples(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False))


@st.composite
def locations(draw: st.DrawFn) -> dict[str, Any]:
    """Empty or partly filled; admin1 only with its country."""
    country = draw(st.sampled_from([None, "UA", "RU", "SY", "US"]))
    lat_lon = draw(optional(coordinates))
    return {
        "name_as_written": draw(optional(short_text)),
        "name": draw(optional(short_text)),
        "country": country,
        "admin1": draw(st.sampled_from([None, "UA-63"])) if country == "UA" else None,
        "admin2": draw(optional(short_text)),
        "latitude": lat_lon[0] if lat_lon else None,
        "longitude": lat_lon[1] if lat_lon else None,
        "precision": draw(st.sampled_from(LocationPrecision)),
    }


sides = st.sampled_from([None, "RU", "UA", "US", "isis"])


@st.composite
def figures(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Casualty figures, one per kind and population, low <= best <= high, some bounds unknown."""
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(CasualtyKind), st.sampled_from(Population)),
            max_size=3,
            unique=True,
        )
    )
    out = []
    for kind, population in keys:
        values = sorted(draw(st.lists(st.integers(0, 10_000_000), min_size=3, max_size=3)))
        kept = draw(
            st.sampled_from([m for m in itertools.product((True, False), repeat=3) if any(m)])
        )
        low, best, high = (v if k else None for v, k in zip(values, kept, strict=True))
        out.append(
            {
                "kind": kind,
                "population": population,
                "low": low,
                "best": best,
                "high": high,
                "quote": draw(optional(long_text)),
            }
        )
    return out


@st.composite
def incidents(draw: st.DrawFn, n: int) -> Incident:
    """The ``n``-th incident of an example: refs, URLs and texts unique within the example."""
    when = draw(incident_dates())
    refs = [f"s{n}-{k}" for k in range(draw(st.integers(1, 3)))]
    sources = []
    for ref in refs:
        body = draw(optional(long_text))
        sources.append(
            {
                "ref": ref,
                "outlet": draw(short_text),
                "url": draw(st.sampled_from([None, f"https://example.org/{ref}?q=a,b"])),
                "headline": draw(optional(short_text)),
                "author": draw(optional(short_text)),
                "published": draw(optional(st.dates(when["start"], date(2031, 1, 1)))),
                "language": draw(st.sampled_from([None, "en", "uk", "ru"])),
                "attribution": draw(st.lists(short_text, max_size=2)),
                # Equal texts would be one stored source; the prefix keeps them apart.
                "text": None if body is None else f"[{ref}] {body}",
            }
        )
    # Sources are stored through the claims citing them: every source is cited.
    cited = refs + draw(st.lists(st.sampled_from(refs), max_size=2))
    claims = [
        {
            "source": ref,
            "claimant": draw(optional(short_text)),
            "claimant_side": draw(sides),
            "affected_side": draw(sides),
            "stance": draw(st.sampled_from(Stance)),
            "casualties": draw(figures()),
            "claimed_causes": draw(st.lists(st.sampled_from(Cause), max_size=2)),
            "hedges": draw(st.lists(short_text, max_size=2)),
            "attribution": draw(st.lists(short_text, max_size=2)),
            "quote": draw(optional(long_text)),
        }
        for ref in cited
    ]
    evidence = []
    for source in sources:
        body = source["text"]
        if body is None or not draw(st.booleans()):
            continue
        start = draw(st.integers(0, len(body)))
        end = draw(st.integers(start, len(body)))
        evidence.append(
            {
                "field": draw(
                    st.sampled_from(["date", "title", "location", "claims.0.casualties.0"])
                ),
                "source": source["ref"],
                "start": start,
                "end": end,
                "quote": body[start:end],
                "confidence": draw(st.floats(0, 1)),
                "stage": draw(optional(short_text)),
                "status": draw(st.sampled_from(EvidenceStatus)),
            }
        )
    actors = [
        {
            "name_as_written": draw(short_text),
            "actor": draw(st.sampled_from([None, f"unit {n}-{i}"])),
            "side": draw(sides),
            "type": draw(st.sampled_from(ActorType)),
            "role": draw(st.sampled_from(ActorRole)),
            "quote": draw(optional(long_text)),
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    geo = draw(optional(coordinates))
    return Incident.model_validate(
        {
            "title": draw(short_text),
            "date": when,
            "location": draw(locations()),
            "geolocation": None
            if geo is None
            else {
                "latitude": geo[0],
                "longitude": geo[1],
                "by": draw(optional(short_text)),
                "notes": draw(optional(long_text)),
            },
            "intent": draw(st.sampled_from(Intent)),
            "mechanism": draw(st.sampled_from(Mechanism)),
            "context": draw(st.sampled_from(Context)),
            "assessed_causes": draw(st.lists(st.sampled_from(Cause), max_size=3)),
            "weapons": draw(st.lists(short_text, max_size=3)),
            "actors": actors,
            "sources": sources,
            "claims": claims,
            "summary": draw(optional(long_text)),
            "notes": draw(optional(long_text)),
            "tags": draw(st.lists(st.text("abzЖя_.-09", min_size=1, max_size=12), max_size=3)),
            "review_status": draw(st.sampled_from(ReviewStatus)),
            "verification": draw(st.sampled_from(Verification)),
            "evidence": evidence,
        }
    )


incident_lists = st.integers(1, 3).flatmap(lambda k: st.tuples(*(incidents(n) for n in range(k))))

# --------------------------------------------------------------------------- round trip


def _write_jsonl(records: list[IncidentRecord], fh: Any) -> None:
    write_jsonl(records, fh)


def _write_lossless_csv(records: list[IncidentRecord], fh: Any) -> None:
    # The spreadsheet path: Excel BOM and the document column.
    write_csv(records, fh, excel=True, lossless=True)


@pytest.mark.parametrize(
    ("suffix", "write"),
    [(".jsonl", _write_jsonl), (".csv", _write_lossless_csv)],
    ids=["jsonl", "csv"],
)
@settings(
    max_examples=20,
    deadline=None,
    # The fixture only hands out a factory; every example makes its own two databases.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(docs=incident_lists)
def test_export_then_import_into_an_empty_database_is_lossless(
    new_engine: EngineFactory,
    tmp_path: Path,
    suffix: str,
    write: Callable[[list[IncidentRecord], Any], None],
    docs: tuple[Incident, ...],
) -> None:
    source, target = new_engine(), new_engine()
    ids = services.add_incidents(source, docs, user="alice").added
    records = [services.get_incident(source, pid) for pid in ids]
    path = tmp_path / f"{uuid.uuid4().hex}{suffix}"
    with path.open("w", encoding="utf-8", newline="") as fh:
        write(records, fh)

    report = import_file(target, path, user="bob")

    assert [(o.action, o.id) for o in report.outcomes] == [(Action.NEW, pid) for pid in ids]
    for record in records:
        assert services.get_incident(target, record.id).document() == record.document()
    again = import_file(target, path, user="bob")
    assert {o.action for o in again.outcomes} == {Action.UNCHANGED}
    source.dispose()
    target.dispose()


def test_read_jsonl_names_line_and_field() -> None:
    good = json.dumps(GOOD)
    bad = json.dumps({**GOOD, "date": "2023-02-30"})
    lines = list(read_jsonl(io.StringIO(f"{good}\n\n{bad}\n{{oops\n")))
    assert [n for n, _ in lines] == [1, 3, 4]
    assert isinstance(lines[0][1], Incident)
    assert str(lines[1][1]).startswith("date: invalid date '2023-02-30'")
    assert str(lines[2][1]).startswith("json: malformed JSON")


# --------------------------------------------------------------------------- command

GOOD: dict[str, Any] = {
    "title": 'Test incident, "quoted"',
    "date": "2023-04-20",
    "location": {"country": "UA", "admin1": "UA-63", "precision": "admin1"},
    "sources": [{"ref": "t1", "outlet": "Outlet", "published": "2023-04-21"}],
    "claims": [{"claimant": "General Staff", "casualties": [{"kind": "killed", "best": 3}]}],
}


def _jsonl(tmp_path: Path, *docs: dict[str, Any], name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
    )
    return path


def _doc(n: int, **changes: Any) -> dict[str, Any]:
    return {
        **GOOD,
        "id": f"FF-2023-{n:04d}",
        "sources": [dict(GOOD["sources"][0], ref=f"t{n}")],
        **changes,
    }


def _ids(cli: Invoke) -> list[str]:
    listed = cli("list", "--format", "json", "--include-deleted")
    return [r["id"] for r in json.loads(listed.stdout)]


def test_a_bad_row_leaves_the_database_unchanged(cli: Invoke, tmp_path: Path) -> None:
    assert cli("import", str(_jsonl(tmp_path, _doc(1)))).exit_code == 0
    path = _jsonl(tmp_path, _doc(2), _doc(3, date="2023-02-30"), _doc(4), name="bad.jsonl")

    result = cli("import", str(path))

    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "bad.jsonl: line 2: date: invalid date '2023-02-30'" in result.stderr
    assert "nothing imported" in result.stderr
    assert _ids(cli) == ["FF-2023-0001"]
    assert not (tmp_path / "bad.jsonl.rejects.jsonl").exists()


def test_a_conflict_aborts_the_whole_import(cli: Invoke, tmp_path: Path) -> None:
    path = _jsonl(tmp_path, _doc(1), _doc(2), _doc(2, title="Other"))
    result = cli("import", str(path))
    assert result.exit_code == 4
    assert "line 3: id: FF-2023-0002 is already imported from line 2" in result.stderr
    assert _ids(cli) == []


def test_skip_invalid_writes_the_good_rows_and_a_rejects_file(cli: Invoke, tmp_path: Path) -> None:
    path = _jsonl(tmp_path, _doc(1), _doc(2, intent="accidental"), _doc(3))
    result = cli("import", str(path), "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert _ids(cli) == ["FF-2023-0001", "FF-2023-0003"]
    rejects = [
        json.loads(line)
        for line in (tmp_path / "in.jsonl.rejects.jsonl").read_text("utf-8").splitlines()
    ]
    assert len(rejects) == 1
    assert rejects[0]["line"] == 2 and rejects[0]["reason"].startswith("intent: Input should be")
    assert json.loads(rejects[0]["input"])["intent"] == "accidental"
    assert "1 invalid" in result.stderr and "2 new" in result.stderr


def test_reimport_is_unchanged_and_dry_run_reports_changes(cli: Invoke, tmp_path: Path) -> None:
    path = _jsonl(tmp_path, _doc(1), _doc(2))
    assert cli("import", str(path)).exit_code == 0
    again = cli("import", str(path), "--json")
    assert json.loads(again.stdout)["counts"]["unchanged"] == 2

    _jsonl(tmp_path, _doc(1), _doc(2, title="Renamed"), _doc(3))
    dry = cli("import", str(path), "--dry-run")
    assert dry.exit_code == 0
    assert "line 2\tchanged\tFF-2023-0002\ttitle" in dry.stdout
    assert "line 3\tnew\tFF-2023-0003" in dry.stdout
    assert "dry run" in dry.stderr
    assert _ids(cli) == ["FF-2023-0001", "FF-2023-0002"]

    assert cli("import", str(path)).exit_code == 0
    shown = json.loads(cli("show", "FF-2023-0002", "--format", "json").stdout)
    assert shown["title"] == "Renamed" and shown["version"] == 2
    history = json.loads(cli("history", "FF-2023-0002", "--format", "json").stdout)
    assert history[-1]["reason"] == "import" and "title" in history[-1]["changes"]


def test_flat_csv_imports_what_it_carries_and_reimports_unchanged(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    docs = [
        Incident.model_validate(_doc(1, title='=HYPERLINK("x")', weapons=["Su-34", "Ка-52"])),
        Incident.model_validate(_doc(2, title='Купянськ, "two"\nlines', notes="+1")),
    ]
    services.add_incidents(engine, docs, user="alice")
    records = list(services.list_incidents(engine, IncidentFilter()))
    path = tmp_path / "flat.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        write_csv(records, fh)

    same = cli("import", str(path), "--json")
    assert same.exit_code == 0, same.stderr
    assert json.loads(same.stdout)["counts"]["unchanged"] == 2

    other = tmp_path / "other.csv"
    other.write_text(path.read_text("utf-8").replace("FF-2023-", "FF-2024-"), encoding="utf-8")
    new = cli("import", str(other), "--json")
    assert json.loads(new.stdout)["counts"]["new"] == 2, new.stdout
    imported = services.get_incident(engine, "FF-2024-0002")
    assert imported.title == docs[1].title and imported.notes == "+1"
    assert imported.killed() == 3


def test_flat_csv_of_incidents_with_several_sources_imports(
    cli: Invoke, engine: Engine, new_engine: EngineFactory, tmp_path: Path
) -> None:
    """A flat (not lossless) export keeps every source: each further one gets a bare claim."""
    assert cli("add", str(ROOT / "data" / "sample_incidents.yaml")).exit_code == 0
    path = tmp_path / "flat.csv"
    assert cli("export", "--format", "csv", "-o", str(path)).exit_code == 0
    target = new_engine()
    import_file(target, path, user="bob")
    original = {r.id: r for r in services.list_incidents(engine, IncidentFilter())}
    stored = {r.id: r for r in services.list_incidents(target, IncidentFilter())}
    assert stored.keys() == original.keys()
    several = [r for r in stored.values() if len(r.sources) > 1]
    assert several, "the sample has an incident with two sources (Belgorod)"
    for record in stored.values():
        assert {c.source for c in record.claims} == {s.ref for s in record.sources}
        assert sorted(s.outlet for s in record.sources) == sorted(
            s.outlet for s in original[record.id].sources
        )
        assert record.killed() == original[record.id].killed()


def test_bad_csv_row_names_row_column_and_reason(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "title,date_start,sources,killed\nok,2023-01-01,Outlet,1\nbad,2023-01-02,Outlet,many\n"
    )
    result = cli("import", str(path))
    assert result.exit_code == 2
    assert "bad.csv: row 2 (line 3): killed: not a number: 'many'" in result.stderr
    assert _ids(cli) == []

    skipped = cli("import", str(path), "--skip-invalid", "--rejects", str(tmp_path / "r.csv"))
    assert skipped.exit_code == 0, skipped.stderr
    assert _ids(cli) == ["FF-2023-0001"]
    rejects = (tmp_path / "r.csv").read_text("utf-8").splitlines()
    assert rejects[0] == "title,date_start,sources,killed,reject_where,reject_reason"
    assert rejects[1].startswith("bad,2023-01-02,Outlet,many,row 2 (line 3),killed: not a number")


def test_unknown_format_and_missing_file_are_one_line_errors(cli: Invoke, tmp_path: Path) -> None:
    missing = cli("import", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    odd = tmp_path / "data.txt"
    odd.write_text("hello\n")
    result = cli("import", str(odd))
    assert result.exit_code == 2 and "give --format" in result.stderr


def test_sample_csv_round_trip_with_a_spreadsheet_edit(
    cli: Invoke, new_engine: EngineFactory, tmp_path: Path
) -> None:
    assert cli("add", str(ROOT / "data" / "sample_incidents.yaml")).exit_code == 0
    out = tmp_path / "sample.csv"
    result = cli("export", "--format", "csv", "--excel", "--lossless", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "Украинский" in text and "2023-04-20" in text
    rows = list(csv.DictReader(io.StringIO(text)))
    # A researcher corrects a title in the spreadsheet.
    rows[0]["title"] = "Corrected in LibreOffice"
    edited = tmp_path / "edited.csv"
    with edited.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    target = new_engine()
    target_url = target.url.render_as_string(hide_password=False)
    runner = CliRunner()
    imported = runner.invoke(
        app, ["--db", target_url, "import", str(edited)], catch_exceptions=False
    )
    assert imported.exit_code == 0, imported.stderr
    before = json.loads(cli("list", "--format", "json").stdout)
    after = json.loads(runner.invoke(app, ["--db", target_url, "list", "--format", "json"]).stdout)
    keep = set(Incident.model_fields) - {"title"}
    assert [{k: r[k] for k in keep} for r in after] == [{k: r[k] for k in keep} for r in before]
    assert after[0]["title"] == "Corrected in LibreOffice"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_and_saves_the_csv_without_loss(
    cli: Invoke, new_engine: EngineFactory, tmp_path: Path
) -> None:
    """Through a real spreadsheet: CSV -> LibreOffice .ods -> CSV, then import the result."""
    assert cli("add", str(ROOT / "data" / "sample_incidents.yaml")).exit_code == 0
    out = tmp_path / "sample.csv"
    assert cli("export", "--excel", "--lossless", "-o", str(out)).exit_code == 0
    env = {**os.environ, "HOME": str(tmp_path)}  # a fresh LibreOffice profile per test
    soffice = ["soffice", "--headless", "--norestore"]
    subprocess.run(
        [
            *soffice,
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=180,
    )
    back = tmp_path / "back"
    subprocess.run(
        [
            *soffice,
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false",
            "--outdir",
            str(back),
            str(tmp_path / "sample.ods"),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=180,
    )
    saved = (back / "sample.csv").read_text(encoding="utf-8-sig")
    original = out.read_text(encoding="utf-8-sig")
    for a, b in zip(
        csv.DictReader(io.StringIO(original)), csv.DictReader(io.StringIO(saved)), strict=True
    ):
        # Cyrillic, ISO dates and numbers come back as they went; only booleans are re-cased.
        assert {k: v for k, v in a.items() if k != "same_side"} == {
            k: v for k, v in b.items() if k != "same_side"
        }
    target = new_engine()
    url = target.url.render_as_string(hide_password=False)
    runner = CliRunner()
    assert runner.invoke(app, ["--db", url, "import", str(back / "sample.csv")]).exit_code == 0
    strip = {"version", "created_at", "updated_at"}
    before = [
        {k: v for k, v in r.items() if k not in strip}
        for r in json.loads(cli("list", "--format", "json").stdout)
    ]
    after = [
        {k: v for k, v in r.items() if k not in strip}
        for r in json.loads(runner.invoke(app, ["--db", url, "list", "--format", "json"]).stdout)
    ]
    assert after == before
