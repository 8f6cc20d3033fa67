"""Hostile input: hypothesis fuzzes every parser of outside data, on SQLite and PostgreSQL.

The property, for ``add`` (YAML/JSON), ``import`` (JSONL, flat CSV) and ``extract`` (article
text): the input is either stored as valid records that read back (``get_incident``, the
function behind ``show``), or refused with one ``IncidentsError`` line naming the file
(and line, row and field where there is one), with every table exactly as before. Any other
exception is a crash. The property tests call the library functions the CLI calls (one CLI
call costs a migration check, ~0.5 s); ``test_cli_*`` run the same checks through the CLI.

Examples per run and database (``FUZZ_CASES``, quoted in ``docs/limits.md``); reproduce with
``CI=true pytest tests/test_fuzz.py -q``. Crashes found are kept as ``test_regression_*``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from incidents import limits, services
from incidents.db.models import Base
from incidents.errors import IncidentsError, InputError
from incidents.exchange.documents import dump_yaml, load_file, load_incidents
from incidents.exchange.flat import FLAT_COLUMNS
from incidents.exchange.importer import Action, import_file
from incidents.extract.pipeline import Extractor, check_article
from incidents.schema import Incident
from tests.conftest import ROOT, Invoke

FUZZ_CASES: dict[str, int] = {
    "add_random_bytes": 40,
    "add_mutated_documents": 50,
    "add_hostile_valid_text": 30,
    "import_jsonl": 40,
    "import_csv": 40,
    "import_random_bytes": 30,
    "extract_articles": 8,
    "cli_end_to_end": 4,
}


def _settings(name: str) -> Callable[[Any], Any]:
    return settings(
        max_examples=FUZZ_CASES[name],
        deadline=None,
        # One database per test function; every example checks it is left as it was.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# --------------------------------------------------------------------------- hostile text

SQL = "'; DROP TABLE incidents; --"
HOSTILE_TEXT = [
    SQL,
    "Robert'); DELETE FROM sources WHERE ('1'='1",
    '" OR 1=1 --',
    '=HYPERLINK("http://evil.invalid","click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\u200bzero\u200cwidth\u200d\ufeff",
    "\u202eRTL override\u202c and \u2067isolate\u2069",
    "عربي עברית mixed",
    "emoji 😀 and astral 𝔘𝔫𝔦",
    "line\u2028separator\u2029paragraph\x85next",
    "del\x7f c1\x9f",
    "yes",
    "~",
    "null",
    "- a",
    "&anchor *alias !!str",
    "#comment",
    "%TAG",
    "a: b",
    "{}[]",
    "back\\slash \\u0000 \\n",
    "Ünïcödé Ærø",
    "ÐÐ°ÑÐ½ÐºÐ° (mojibake)",
]
_chars = st.characters(codec="utf-8", exclude_characters="\x00")
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(_chars, min_size=1, max_size=60),
    st.tuples(st.sampled_from("=+-@"), st.sampled_from(HOSTILE_TEXT)).map("".join),
).filter(lambda s: bool(s.strip()))

GOOD: dict[str, Any] = {
    "title": "Test incident",
    "date": "2023-04-20",
    "location": {"country": "UA", "admin1": "UA-63", "precision": "admin1"},
    "weapons": ["Su-34"],
    "actors": [{"name_as_written": "Russian Su-34 jet", "side": "RU", "role": "firing"}],
    "sources": [
        {
            "ref": "t1",
            "outlet": "Outlet",
            "published": "2023-04-21",
            "text": "The jet dropped a bomb on its own town.",
        }
    ],
    "claims": [
        {
            "claimant": "General Staff",
            "claimant_side": "RU",
            "casualties": [{"kind": "killed", "population": "military", "low": 2, "best": 3}],
            "quote": "dropped a bomb",
        }
    ],
    "evidence": [{"field": "title", "start": 4, "end": 7, "quote": "jet"}],
    "notes": "notes",
}
PATHS: list[tuple[str | int, ...]] = [
    ("title",),
    ("date",),
    ("location",),
    ("location", "country"),
    ("location", "admin1"),
    ("location", "latitude"),
    ("location", "gazetteer_id"),
    ("weapons",),
    ("weapons", 0),
    ("actors", 0, "name_as_written"),
    ("actors", 0, "role"),
    ("actors", 0, "quote"),
    ("sources", 0, "ref"),
    ("sources", 0, "outlet"),
    ("sources", 0, "url"),
    ("sources", 0, "text"),
    ("claims", 0, "claimant"),
    ("claims", 0, "casualties", 0, "best"),
    ("claims", 0, "quote"),
    ("evidence", 0, "start"),
    ("evidence", 0, "field"),
    ("notes",),
    ("id",),
    ("tags",),
]


def _copy(doc: Any) -> Any:
    return json.loads(json.dumps(doc))


def _set(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _nested(depth: int) -> str:
    """A placeholder ``_expand`` turns into lists nested ``depth`` deep (json.dumps and
    yaml.safe_dump would themselves hit the recursion limit on the real thing)."""
    return f"__DEEP_{depth}__"


def _expand(text: str) -> str:
    return re.sub(r'"?__DEEP_(\d+)__"?', lambda m: "[" * int(m[1]) + "]" * int(m[1]), text)


weird_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**40),
    st.floats(),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from(
        [
            "x" * (limits.SHORT_TEXT_CHARS + 1),
            "q" * (limits.MAX_QUOTE_CHARS + 1),
            "FF-2023-" + "1" * 20,
            "FF-２０２３-０００１",
            "user:" + "a" * 100,
            "\x00",
            "a\x00b",
            "\ud800",
            "2023-02-30",
            10**12,
            float("nan"),
            float("inf"),
        ]
    ),
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    """GOOD with one to three fields dropped, retyped, blown up or nested too deep."""
    doc = _copy(GOOD)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        kind = draw(st.sampled_from(["drop", "value", "deep", "many", "huge"]))
        try:
            if kind == "drop":
                target: Any = doc
                for key in path[:-1]:
                    target = target[key]
                del target[path[-1]]
            elif kind == "value":
                _set(doc, path, draw(weird_values))
            elif kind == "deep":
                _set(doc, path, _nested(draw(st.sampled_from([5, 33, 200, 10_000]))))
            elif kind == "many":
                _set(doc, path, ["w"] * (limits.MAX_LIST_ITEMS + 1))
            else:
                # Over the short-text limit; over the long one is an @example (slow to scan).
                _set(doc, path, "h" * (limits.SHORT_TEXT_CHARS + 1))
        except (KeyError, IndexError, TypeError):
            pass  # the path is gone after an earlier mutation
    return doc  # type: ignore[no-any-return]


YAML_TRICKS = [
    "title: duplicate\n",
    "x: !!python/object/apply:os.system ['echo hacked']\n",
    "x: !!python/name:os.system\n",
    "x: !custom tag\n",
    "x: &a [1, 2]\ny: *a\n",
    "<<: {title: merged}\n",
    "x: 1" + "0" * 5000 + "\n",
    "x: 2023-13-45\n",
    "x: 2001-12-14t21:59:43.10-05:00\n",
    "? [complex, key]\n: 1\n",
    "true: 1\n",
    "null: 1\n",
    "x: .nan\n",
    "x: !!binary aGVsbG8=\n",
    "x: !!set {a, b}\n",
    "---\ntitle: second document\n",
    "x: 'unterminated\n",
    "\tx: tab\n",
]
BILLION_LAUGHS = "".join(
    [
        'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
        *(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10)),
    ]
)


def _serialise(doc: Any, style: str) -> str:
    if style == "json":
        return _expand(json.dumps(doc, ensure_ascii=True))
    if style == "json-utf8":
        return _expand(json.dumps(doc, ensure_ascii=False, indent=1))
    return _expand(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100))


@st.composite
def document_bytes(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, file bytes): a mutated document, maybe with YAML tricks and byte damage."""
    style = draw(st.sampled_from(["yaml", "json", "json-utf8"]))
    doc = draw(st.one_of(mutated_documents(), st.just(_copy(GOOD))))
    text = _serialise(doc, style)
    suffix = ".json" if style.startswith("json") and draw(st.booleans()) else ".yaml"
    if style == "yaml" and draw(st.booleans()):
        text += draw(st.sampled_from([*YAML_TRICKS, BILLION_LAUGHS]))
    raw = text.encode("utf-8", errors="surrogatepass")
    damage = draw(
        st.sampled_from(["none", "bom", "utf16", "latin1", "truncate", "insert", "nul", "deep"])
    )
    if damage == "bom":
        raw = codecs.BOM_UTF8 + raw
    elif damage == "utf16":
        raw = text.encode("utf-16", errors="surrogatepass")
    elif damage == "latin1":
        raw = text.encode("latin-1", errors="replace") + "é".encode("latin-1")
    elif damage == "truncate":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif damage == "insert":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    elif damage == "nul":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + b"\x00" + raw[at:]
    elif damage == "deep":
        depth = draw(st.sampled_from([33, 1_000, 10_000]))
        raw = (b"[" * depth + b"]" * depth) if suffix == ".json" else b"a: " + b"[" * depth
    return suffix, raw


# --------------------------------------------------------------------------- harness


def _dump(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, comparable before and after an operation."""
    with engine.connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def db(engine: Engine) -> Engine:
    """The migrated per-test database with the actor lexicon and one stored incident."""
    services.seed_actors(engine)
    services.add_incidents(engine, [Incident.model_validate(GOOD)], user="tester")
    return engine


def _one_line_error(exc: IncidentsError, name: str) -> str:
    message = str(exc)
    assert "\n" not in message and "\r" not in message, message
    assert name in message, message
    assert "Traceback" not in message
    return message


def _refused(engine: Engine, before: dict[str, list[str]], exc: IncidentsError, name: str) -> str:
    message = _one_line_error(exc, name)
    assert _dump(engine) == before, f"the database changed on error: {message}"
    return message


def _readable(engine: Engine, public_ids: list[str]) -> list[Incident]:
    """Every reported id reads back as a valid record (what `show` prints)."""
    docs = []
    for public_id in public_ids:
        record = services.get_incident(engine, public_id)
        docs.append(Incident.model_validate(record.document().model_dump()))
    return docs


def _add_file(engine: Engine, path: Path) -> list[str]:
    """What `incidents add FILE` does, minus the CLI."""
    return services.add_incidents(engine, load_file(path), user="fuzz").added


def _write(tmp_path: Path, suffix: str, raw: bytes) -> Path:
    path = tmp_path / f"{uuid.uuid4().hex[:10]}{suffix}"
    path.write_bytes(raw)
    return path


def _check_add(engine: Engine, path: Path) -> tuple[list[str], str | None]:
    before = _dump(engine)
    try:
        ids = _add_file(engine, path)
    except IncidentsError as exc:
        return [], _refused(engine, before, exc, path.name)
    _readable(engine, ids)
    return ids, None


# --------------------------------------------------------------------------- add


@_settings("add_random_bytes")
@given(raw=st.binary(max_size=400), suffix=st.sampled_from([".yaml", ".json", ".yml"]))
def test_add_random_bytes(db: Engine, tmp_path: Path, raw: bytes, suffix: str) -> None:
    _check_add(db, _write(tmp_path, suffix, raw))


@_settings("add_mutated_documents")
@given(case=document_bytes())
@example(case=(".json", ("[" * 10_000 + "]" * 10_000).encode()))
@example(case=(".yaml", ("a: " + "[" * 10_000).encode()))
@example(case=(".yaml", BILLION_LAUGHS.encode()))
@example(case=(".json", json.dumps({**GOOD, "notes": "h" * (limits.LONG_TEXT_CHARS + 1)}).encode()))
def test_add_mutated_documents(db: Engine, tmp_path: Path, case: tuple[str, bytes]) -> None:
    suffix, raw = case
    path = _write(tmp_path, suffix, raw)
    _ids, error = _check_add(db, path)
    if error is not None:
        # file[:line]: [field: ]reason
        assert re.match(rf"{re.escape(str(path))}(:\d+)?: \S", error), error


@_settings("add_hostile_valid_text")
@given(
    title=hostile_text,
    notes=hostile_text,
    claimant=hostile_text,
    style=st.sampled_from(["yaml", "json", "json-utf8"]),
)
@example(title=SQL, notes="=1+1", claimant="@SUM(A1)", style="yaml")
# Caught: `show --format yaml` wrote NEL and U+2028 raw, and reading folded them to spaces.
@example(title="a\u2028b", notes="c\x85d", claimant="x", style="yaml")
# Caught: YAML 1.1 read JSON's escaped astral characters as two lone surrogates.
@example(title="emoji 😀", notes="𝔘", claimant="x", style="json")
# Caught: a raw DEL or C1 character, valid in JSON, crashed the YAML reader.
@example(title="del\x7f", notes="c1\x9f", claimant="x", style="json-utf8")
def test_add_stores_hostile_but_valid_text_verbatim(
    db: Engine, tmp_path: Path, title: str, notes: str, claimant: str, style: str
) -> None:
    doc = _copy(GOOD)
    doc.update(title=title, notes=notes)
    doc["claims"][0]["claimant"] = claimant
    suffix = ".yaml" if style == "yaml" else ".json"
    # YAML the way `show --format yaml` writes it: a raw NEL or U+2028 in a plain scalar
    # is a line break to YAML 1.1, so text holding one must be quoted to survive.
    text = dump_yaml([Incident.model_validate(doc)]) if style == "yaml" else _serialise(doc, style)
    path = _write(tmp_path, suffix, text.encode("utf-8"))

    ids, error = _check_add(db, path)

    assert error is None, error
    (stored,) = _readable(db, ids)
    # Short text is stripped on the way in; long text is kept to the character.
    assert (stored.title, stored.notes) == (title.strip(), notes)
    assert stored.claims[0].claimant == claimant.strip()


# --------------------------------------------------------------------------- import


def _check_import(
    engine: Engine, path: Path, *, skip_invalid: bool = False
) -> tuple[list[str], str | None]:
    before = _dump(engine)
    try:
        report = import_file(engine, path, user="fuzz", skip_invalid=skip_invalid)
    except IncidentsError as exc:
        message = _refused(engine, before, exc, path.name)
        if "nothing imported" in message:
            assert re.search(r"(line|row) \d+", message), message
        return [], message
    stored = [
        o.id
        for o in report.outcomes
        if o.action in (Action.NEW, Action.CHANGED, Action.UNCHANGED) and o.id
    ]
    _readable(engine, stored)
    for outcome in report.outcomes:
        if outcome.action in (Action.INVALID, Action.CONFLICT):
            assert outcome.reason and "\n" not in outcome.reason
    return stored, None


def _good_line(n: int, **changes: Any) -> dict[str, Any]:
    doc = _copy(GOOD)
    doc["sources"][0]["ref"] = f"j{n}"
    doc["sources"][0]["text"] = f"[{n}] The jet dropped a bomb on its own town."
    doc["evidence"] = []
    doc.update(changes)
    return doc  # type: ignore[no-any-return]


@st.composite
def jsonl_lines(draw: st.DrawFn, n: int) -> str:
    """One JSONL line: valid, mutated, truncated, not an object, huge numbers, NaN, deep."""
    kind = draw(
        st.sampled_from(["good", "mutated", "truncated", "scalar", "number", "nan", "deep", "text"])
    )
    if kind == "good":
        return json.dumps(_good_line(n, title=draw(hostile_text)), ensure_ascii=draw(st.booleans()))
    if kind == "mutated":
        return json.dumps(draw(mutated_documents()), ensure_ascii=draw(st.booleans()))
    if kind == "truncated":
        line = json.dumps(_good_line(n))
        return line[: draw(st.integers(1, len(line) - 1))]
    if kind == "scalar":
        return json.dumps(
            draw(st.one_of(st.lists(st.integers()), st.text(), st.none(), st.floats()))
        )
    if kind == "number":
        big = draw(st.sampled_from(["1" + "0" * 5000, "1e999", "-1e999", "123456789012345678901"]))
        return json.dumps(_good_line(n)).replace('"best": 3', f'"best": {big}')
    if kind == "nan":
        token = draw(st.sampled_from(["NaN", "Infinity", "-Infinity"]))
        return json.dumps(_good_line(n)).replace('"best": 3', f'"best": {token}')
    if kind == "deep":
        depth = draw(st.sampled_from([40, 10_000]))
        return _expand(json.dumps({**_good_line(n), "notes": _nested(depth)}))
    return draw(st.text(_chars, max_size=40).filter(lambda s: "\n" not in s and "\r" not in s))


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    lines = [draw(jsonl_lines(n)) for n in range(draw(st.integers(1, 4)))]
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(lines) + draw(st.sampled_from(["", end, end + end]))
    raw = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        raw = codecs.BOM_UTF8 + raw
    return raw


@_settings("import_jsonl")
@given(raw=jsonl_files(), skip_invalid=st.booleans())
@example(raw=_expand(json.dumps(_good_line(1, notes=_nested(10_000)))).encode(), skip_invalid=False)
@example(
    raw=json.dumps(_good_line(1)).replace('"best": 3', '"best": 1' + "0" * 5000).encode(),
    skip_invalid=False,
)
def test_import_jsonl(db: Engine, tmp_path: Path, raw: bytes, skip_invalid: bool) -> None:
    _check_import(db, _write(tmp_path, ".jsonl", raw), skip_invalid=skip_invalid)


def _flat_value(column: str, n: int) -> str:
    return {
        "title": f"Row {n}",
        "date_start": "2023-04-20",
        "sources": f"Outlet {n}",
        "country": "UA",
        "killed": "3",
        "latitude": "49.7",
        "longitude": "37.6",
        "intent": "unintentional",
        "weapons": "Su-34 | FAB-500",
        "notes": "notes",
    }.get(column, "")


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """Flat CSV: real or wrong headers, ragged rows, hostile and huge cells, bad quoting."""
    base = ["title", "date_start", "sources"]
    extra = draw(st.lists(st.sampled_from(FLAT_COLUMNS), max_size=6, unique=True))
    header = list(dict.fromkeys(base + extra))
    header_fault = draw(st.sampled_from(["none", "none", "unknown", "missing", "garbage"]))
    if header_fault == "unknown":
        header.append(draw(st.sampled_from(["evil", SQL, "=cmd", "title\x00"])))
    elif header_fault == "missing":
        header.remove(draw(st.sampled_from(base)))
    elif header_fault == "garbage":
        header = draw(st.lists(st.text(_chars, max_size=10), min_size=1, max_size=4))
    rows = []
    for n in range(draw(st.integers(0, 4))):
        row = [_flat_value(c, n) for c in header]
        for _ in range(draw(st.integers(0, 2))):
            if not row:
                break
            at = draw(st.integers(0, len(row) - 1))
            row[at] = draw(
                st.one_of(
                    hostile_text,
                    weird_values.map(str),
                    st.sampled_from(
                        [
                            "x" * 140_000,  # over the csv module's default cell limit
                            'unbalanced "quote',
                            '"',
                            "embedded\rCR",
                            "embedded\r\nCRLF",
                            "nul\x00cell",
                            "many",
                            "2023-02-30",
                        ]
                    ),
                )
            )
        ragged = draw(st.sampled_from(["none", "none", "short", "long"]))
        if ragged == "short" and row:
            row = row[: draw(st.integers(0, len(row) - 1))]
        elif ragged == "long":
            row += ["extra"] * draw(st.integers(1, 3))
        rows.append(row)
    out = io.StringIO(newline="")
    if draw(st.booleans()):
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    else:
        # Unquoted: commas, quotes and line breaks inside cells break the structure.
        out.write("\n".join(",".join(r) for r in [header, *rows]) + "\n")
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


@_settings("import_csv")
@given(raw=csv_files(), skip_invalid=st.booleans())
def test_import_csv(db: Engine, tmp_path: Path, raw: bytes, skip_invalid: bool) -> None:
    _check_import(db, _write(tmp_path, ".csv", raw), skip_invalid=skip_invalid)


@_settings("import_random_bytes")
@given(raw=st.binary(max_size=300), suffix=st.sampled_from([".jsonl", ".csv", ".txt"]))
def test_import_random_bytes(db: Engine, tmp_path: Path, raw: bytes, suffix: str) -> None:
    _check_import(db, _write(tmp_path, suffix, raw))


# --------------------------------------------------------------------------- extract

SEED = (ROOT / "data" / "seeds" / "001_f11a628f6fb2b156.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    """One pipeline for every example (opening the gazetteer takes a while)."""
    return Extractor()


@st.composite
def articles(draw: st.DrawFn) -> str:
    """The seed article with hostile text spliced in, random text, or nothing but noise."""
    kind = draw(st.sampled_from(["seed", "seed", "random", "hostile"]))
    if kind == "random":
        return draw(st.text(st.characters(codec="utf-8"), max_size=300))
    if kind == "hostile":
        return " ".join(draw(st.lists(hostile_text, min_size=1, max_size=8)))
    text = SEED
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.one_of(hostile_text, st.sampled_from(["\x00", "\ufeff", "\r", "\u0301"])))
        text = text[:at] + piece + text[at:]
    return text


@_settings("extract_articles")
@given(text=articles())
@example(text="x" * (limits.MAX_ARTICLE_CHARS + 1))
@example(text=SEED.replace("Russian", SQL, 1))
def test_extract_then_add(db: Engine, extractor: Extractor, text: str, tmp_path: Path) -> None:
    """Drafts from any article are valid, and their YAML is what `add` stores unchanged."""
    before = _dump(db)
    try:
        check_article(text)
        drafts = extractor.extract(text, outlet="Fuzz").drafts
    except InputError as exc:
        assert "\n" not in str(exc)
        assert _dump(db) == before
        return
    if not drafts:
        return
    reloaded = load_incidents(dump_yaml(drafts), name="draft.yaml")
    assert reloaded == drafts
    ids = services.add_incidents(db, reloaded, user="fuzz").added
    stored = _readable(db, ids)
    assert [s.sources[0].text for s in stored] == [text] * len(ids)


# --------------------------------------------------------------------------- CLI end to end


def _cli_refused(result: Any, name: str) -> str:
    """Exit code of a domain error, exactly one stderr line naming the input, no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code in (2, 3, 4), (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    # `extract` does not pass the file name to check_article yet (cli/extract.py).
    assert name in lines[0] or lines[0].startswith("Error: the article"), lines[0]
    return str(lines[0])


@pytest.fixture
def cli_db(cli: Invoke, db_url: str) -> Iterator[tuple[Invoke, Engine]]:
    """The CLI on an initialised database, and an engine to dump it."""
    from incidents.db.engine import make_engine

    assert cli("init").exit_code == 0
    engine = make_engine(db_url)
    yield cli, engine
    engine.dispose()


@_settings("cli_end_to_end")
@given(case=document_bytes(), command=st.sampled_from(["add", "import", "extract"]))
def test_cli_end_to_end(
    cli_db: tuple[Invoke, Engine], tmp_path: Path, case: tuple[str, bytes], command: str
) -> None:
    cli, engine = cli_db
    suffix, raw = case
    if command == "import":
        suffix = ".jsonl"
        raw = raw.replace(b"\n", b" ")
    path = _write(tmp_path, suffix if command != "extract" else ".txt", raw)
    before = _dump(engine)
    result = cli(command, str(path))
    if result.exit_code == 0:
        if command == "add":
            for public_id in result.stdout.split():
                shown = cli("show", public_id, "--format", "json")
                assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == public_id
        return
    _cli_refused(result, path.name)
    assert _dump(engine) == before


def test_cli_sql_and_formula_text_round_trip_and_export_neutralises(
    cli: Invoke, tmp_path: Path
) -> None:
    doc = _copy(GOOD)
    doc.update(title=SQL, notes='=HYPERLINK("http://evil.invalid")')
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    added = cli("add", str(path))
    assert added.exit_code == 0, added.stderr
    (public_id,) = added.stdout.split()

    shown = json.loads(cli("show", public_id, "--format", "json").stdout)
    assert (shown["title"], shown["notes"]) == (doc["title"], doc["notes"])
    assert [r["id"] for r in json.loads(cli("list", "--format", "json").stdout)] == [public_id]

    guarded = next(csv.DictReader(io.StringIO(cli("export").stdout)))
    raw = next(csv.DictReader(io.StringIO(cli("export", "--raw").stdout)))
    assert guarded["notes"] == "'" + doc["notes"] and raw["notes"] == doc["notes"]
    assert guarded["title"] == raw["title"] == SQL


# --------------------------------------------------------------------------- regressions


def test_regression_deep_json_names_the_limit(cli: Invoke, tmp_path: Path) -> None:
    # Caught: 10,000 nested arrays raised RecursionError out of json.loads and PyYAML.
    path = tmp_path / "deep.json"
    path.write_text("[" * 10_000 + "]" * 10_000)
    message = _cli_refused(cli("add", str(path)), "deep.json")
    assert f"nested deeper than {limits.MAX_NESTING_DEPTH} levels" in message


def test_regression_deep_yaml_names_the_line(tmp_path: Path) -> None:
    # Caught: the recursive YAML composer hit Python's recursion limit.
    path = tmp_path / "deep.yaml"
    path.write_text("title: x\nnotes:\n  " + "[" * 10_000)
    with pytest.raises(InputError, match=r"deep\.yaml:3: nested deeper than 32 levels"):
        load_file(path)


def test_regression_yaml_alias_expansion_is_bounded(tmp_path: Path) -> None:
    # Caught: a 10-line billion-laughs document expanded to 10^9 values in memory.
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    with pytest.raises(InputError, match=r"laughs\.yaml:\d+: aliases expand to more than 100000"):
        load_file(path)
    # What PyYAML writes for a shared object is still read.
    doc = _copy(GOOD)
    doc["claims"] = [doc["claims"][0]] * 3
    path.write_text(yaml.safe_dump(doc))
    assert "&id001" in path.read_text() and len(load_file(path)[0].claims) == 3


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # Caught: PyYAML builds timestamps with datetime, whose ValueError escaped.
        ("date: 2023-02-30", r"x\.yaml:2: date: cannot read '2023-02-30': day is out of range"),
        ("notes: 2001-13-14t21:59:43.10-05:00", r"x\.yaml:2: notes: cannot read .*month must"),
        # Caught: int() refuses over 4,300 digits with a ValueError that escaped.
        ("notes: 1" + "0" * 5000, r"x\.yaml:2: notes: cannot read .*4300 digits"),
        # Caught: a key error said "line 2" without the file name.
        ("[a, b]: 1", r"x\.yaml:2: document: keys must be text"),
        # Caught: `true:` as a key passed as the integer 1.
        ("true: 1", r"x\.yaml:2: document: keys must be text"),
        # Caught: a raw DEL character crashed the YAML reader before its try block.
        ("notes: a\x7fb", r"x\.yaml: malformed YAML/JSON: unacceptable character"),
    ],
)
def test_regression_yaml_values_python_cannot_build(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("title: t\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=expected):
        load_file(path)


def test_regression_json_escapes_and_raw_characters_load(tmp_path: Path) -> None:
    # Caught: json.dumps' "\ud83d\ude00" became two lone surrogates, and raw DEL, C1
    # controls and tabs (valid JSON) were refused, because JSON was read as YAML 1.1.
    doc = _good_line(1, title="😀 \x7f\x9f", notes="𝔘\u2028x")
    text = json.dumps(doc).replace(', "', ',\t"', 1)
    (tmp_path / "a.json").write_text(text, encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    for name in ("a.json", "b.json"):
        (incident,) = load_file(tmp_path / name)
        assert (incident.title, incident.notes) == ("😀 \x7f\x9f", "𝔘\u2028x")


REFUSED_VALUES: list[tuple[tuple[str | int, ...], Any, str]] = [
    # Caught: non-ASCII digits matched \d and were stored as a public id.
    (("id",), "FF-２０２３-０００１", "id: 'FF-２０２３-０００１': use ASCII digits"),
    # Caught: PostgreSQL refused ids, gazetteer ids and evidence fields longer than their
    # columns, and offsets past 32 bits, with a DataError traceback (SQLite stored them).
    (("id",), "FF-2023-" + "1" * 20, "id: FF-2023-11111111111111111111 is longer than 20"),
    (("location", "gazetteer_id"), "user:" + "a" * 90, "ASCII, at most 80 characters"),
    (("evidence", 0, "field"), "a" * 201, "evidence.0: field is longer than 200"),
    (
        ("evidence", 0),
        {"field": "title", "start": 10**12, "end": 10**12, "quote": ""},
        "evidence.0: end 1000000000000 is past the longest text",
    ),
    (("claims",), [{"claimant": "x"}] * 1001, "claims: 1001 items; the limit is 1000"),
    (("claims", 0, "quote"), "q" * 10_001, "claims.0.quote: 10001 characters"),
]


def test_regression_unknown_key_with_a_line_break_stays_one_line(
    db: Engine, tmp_path: Path
) -> None:
    # Caught: an unknown key "a\nb" went raw into the field path, splitting the error line.
    doc = _good_line(1, location={"a\nb": 1})
    _ids, error = _check_add(db, _write(tmp_path, ".json", json.dumps(doc).encode()))
    assert error is not None and "location.'a\\nb': Extra inputs are not permitted" in error
    _ids, error = _check_import(db, _write(tmp_path, ".jsonl", json.dumps(doc).encode()))
    assert error is not None and "line 1: location.'a\\nb': Extra inputs" in error


def test_regression_values_the_database_cannot_hold(db: Engine, tmp_path: Path) -> None:
    for path, value, expected in REFUSED_VALUES:
        doc = _copy(GOOD)
        _set(doc, path, value)
        target = _write(tmp_path, ".json", json.dumps(doc).encode())
        _ids, error = _check_add(db, target)
        assert error is not None and expected in error, error


def test_regression_import_reader(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incidents.exchange import importer

    # Caught: RecursionError and int()'s ValueError escaped json.loads in the JSONL reader.
    deep = _expand(json.dumps(_good_line(1, notes=_nested(10_000))))
    huge = json.dumps(_good_line(2)).replace('"best": 3', '"best": 1' + "0" * 5000)
    _ids, error = _check_import(db, _write(tmp_path, ".jsonl", f"{deep}\n{huge}\n".encode()))
    assert error is not None and "line 1: json: nested deeper than 32 levels" in error
    assert "(and 1 more invalid)" in error

    # Caught: a cell over 131,072 characters (csv.field_size_limit's default) failed the
    # whole file, so a lossless export with a long archived article could not come back.
    notes = "n" * 200_000
    text = f"title,date_start,sources,notes\r\nLong,2023-04-20,Outlet,{notes}\r\n"
    ids, error = _check_import(db, _write(tmp_path, ".csv", text.encode()))
    assert error is None and _readable(db, ids)[0].notes == notes

    # Caught: bytes that are not UTF-8 in a CSV's first line escaped detect_format.
    bad = b"title,date_start,sources\r\n\xff\xfe,2023,x\r\n"
    _ids, error = _check_import(db, _write(tmp_path, ".csv", bad))
    assert error is not None and re.search(r"\.csv:2: not UTF-8 text \(byte 26", error), error
    _ids, error = _check_import(db, _write(tmp_path, ".csv", b"\xfftitle\r\n"))
    assert error is not None and ".csv:1: not UTF-8 text" in error

    # The limits, lowered so that a test can reach them.
    monkeypatch.setattr(importer, "MAX_CSV_CELL_CHARS", 100)
    text = "title,date_start,sources,notes\r\nA,2023-04-20,Outlet," + "n" * 101 + "\r\n"
    path = tmp_path / "wide.csv"
    path.write_text(text)
    _ids, error = _check_import(db, path)
    assert error is not None
    assert "wide.csv: row 1 (line 2): notes: 101 characters; the limit is 100" in error
    lines = [json.dumps(_good_line(n)).encode() for n in range(3)]
    path = _write(tmp_path, ".jsonl", b"\n".join(lines))
    monkeypatch.setattr(importer, "MAX_IMPORT_ROWS", 2)
    _ids, error = _check_import(db, path)
    assert error is not None and "line 3: more than 2 rows in one import" in error
    monkeypatch.setattr(importer, "MAX_IMPORT_BYTES", 10)
    _ids, error = _check_import(db, path)
    assert error is not None and "bytes is over the 10 byte limit" in error


# --------------------------------------------------------------------------- docs


def test_limits_doc_lists_every_limit_with_its_value() -> None:
    doc = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| ([\d,]+) (\w+) \|", doc, re.MULTILINE)
    documented = {name: (int(value.replace(",", "")), unit) for name, value, unit in rows}
    assert documented == {lim.name: (lim.value, lim.unit) for lim in limits.LIMITS}
    for lim in limits.LIMITS:
        assert getattr(limits, lim.name) == lim.value
    for name, count in FUZZ_CASES.items():
        assert re.search(rf"^\| `{name}` \| {count} \|", doc, re.MULTILINE), name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/limits.md" in readme
