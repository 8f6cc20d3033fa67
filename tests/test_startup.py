"""Start-up work: what the CLI loads, the cached derived tables and the fast revision check.

Speed itself is measured in benchmarks/run.py; these tests pin the means (what is imported,
what is read from the cache) and that the cached data equals what pycountry gives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pycountry
import pytest
from sqlalchemy import Engine, text

from incidents import derived, iso, regions
from incidents.db import migrate
from tests.conftest import ROOT


def _modules_after(code: str, *watched: str, env: dict[str, str] | None = None) -> list[str]:
    """Which of ``watched`` are imported after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {watched!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert out.returncode == 0, out.stderr
    return list(json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"')))


HEAVY = ("pydantic", "incidents.schema", "sqlalchemy", "alembic", "rich", "yaml", "pycountry")


def test_help_builds_every_command_without_the_schema_or_database_stack() -> None:
    code = (
        "import sys\nfrom incidents.cli import app\n"
        "sys.argv = ['incidents', '--help']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    # Typer may render the help with Rich (by version and terminal); nothing else heavy loads.
    assert set(_modules_after(code, *HEAVY)) <= {"rich"}


@pytest.mark.parametrize(
    ("args", "absent"),
    [
        (["list", "--format", "csv"], ("rich", "alembic", "pycountry", "yaml")),
        (["show", "FF-2023-0001", "--format", "json"], ("rich", "alembic", "pycountry", "yaml")),
    ],
)
def test_commands_load_only_what_they_use(
    cli: Any, db_url: str, args: list[str], absent: tuple[str, ...], tmp_path: Path
) -> None:
    """A database at the latest revision is used without Alembic; CSV and JSON need no Rich."""
    cli("add", str(ROOT / "data" / "sample_incidents.yaml"))
    cache = tmp_path / "cache"
    env = {**os.environ, "INCIDENTS_CACHE_DIR": str(cache)}
    code = "from incidents.cli import app\nimport sys\nsys.argv = ['incidents', *{argv!r}]\n"
    code += "try:\n    app()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code"
    argv = ["--db", db_url, *args]
    _modules_after(code.format(argv=argv), *absent, env=env)  # fills the cache
    assert _modules_after(code.format(argv=argv), *absent, env=env) == []


def test_package_import_is_lazy_but_reexports_the_models() -> None:
    assert _modules_after("import incidents", *HEAVY) == []
    import incidents
    from incidents.schema import Incident

    assert incidents.Incident is Incident
    with pytest.raises(AttributeError):
        _ = incidents.NoSuchModel


def test_codebook_enums_are_the_schemas() -> None:
    from incidents import codebook, schema

    for name, enum in codebook.CODEBOOK.items():
        assert schema.CODEBOOK[name] is enum
    assert schema.Cause is codebook.Cause


# --------------------------------------------------------------------- revision check


def test_head_revision_constant_matches_the_migrations() -> None:
    assert migrate.HEAD_REVISION == migrate.head_revision() == migrate.revisions()[-1]


def test_current_database_is_recognised_without_alembic(db_url: str, tmp_path: Path) -> None:
    from incidents.db.engine import make_engine

    engine = make_engine(db_url)
    migrate.upgrade(engine)
    engine.dispose()
    code = (
        "from incidents.db.engine import make_engine\nfrom incidents.db import migrate\n"
        f"assert migrate.ensure_current(make_engine({db_url!r})) is None"
    )
    assert _modules_after(code, "alembic") == []


def test_stale_database_still_upgrades_through_alembic(engine: Engine) -> None:
    migrate.downgrade(engine, "0003")
    assert "upgraded the database from revision 0003" in (migrate.ensure_current(engine) or "")
    assert migrate.current_revision(engine) == migrate.HEAD_REVISION


def test_two_version_rows_take_alembics_path(engine: Engine) -> None:
    # A damaged version table is not taken for "current" by the fast check.
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0003')"))
    assert migrate._stored_revision(engine) is None


# ------------------------------------------------------------------------ derived data


def _pair() -> list[int]:
    return [1, 2]


def _same(value: Any) -> Any:
    return value


def test_cached_json_builds_once_then_reads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INCIDENTS_CACHE_DIR", str(tmp_path))
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"a": 1}

    def get(inputs: list[str]) -> dict[str, int]:
        return derived.cached_json("t", inputs, build, dump=dict, load=dict)

    assert get(["x"]) == {"a": 1} and get(["x"]) == {"a": 1}
    assert len(calls) == 1
    assert get(["y"]) == {"a": 1}  # another input: another file, built again
    assert len(calls) == 2
    assert len(list(tmp_path.glob("t-*.json"))) == 2


def test_damaged_cache_is_rebuilt_and_replaced(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INCIDENTS_CACHE_DIR", str(tmp_path))
    derived.cached_json("t", ["x"], _pair, dump=_same, load=_same)
    (path,) = tmp_path.glob("t-*.json")
    path.write_text('{"trunc', encoding="utf-8")
    assert derived.cached_json("t", ["x"], _pair, dump=_same, load=_same) == [1, 2]
    assert json.loads(path.read_text(encoding="utf-8")) == [1, 2]


def test_unwritable_cache_directory_is_not_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("INCIDENTS_CACHE_DIR", str(blocker / "cache"))
    assert derived.cached_json("t", ["x"], _pair, dump=_same, load=_same) == [1, 2]


def test_package_file_stamp_changes_with_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "stamped_pkg"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    data = package / "data" / "table.json"
    data.write_text("[1]", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = derived.package_file_stamp("stamped_pkg", "data/table.json")
    assert "missing" not in before
    data.write_text("[1, 2]", encoding="utf-8")  # an upgrade replaces the data file
    assert derived.package_file_stamp("stamped_pkg", "data/table.json") != before
    assert "missing" in derived.package_file_stamp("stamped_pkg", "data/nope.json")
    assert derived.package_file_stamp("no_such_package_x") == "no_such_package_x:missing"


def test_cached_region_index_equals_a_fresh_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INCIDENTS_CACHE_DIR", str(tmp_path))
    fresh = regions._build_index()
    regions._index.cache_clear()
    try:
        first = regions._index()  # builds and stores
        regions._index.cache_clear()
        monkeypatch.setattr(regions, "_build_index", lambda: pytest.fail("rebuilt"))
        again = regions._index()  # must come from the file
    finally:
        regions._index.cache_clear()
    for index in (first, again):
        assert index.regions == fresh.regions
        assert index.names == fresh.names
        assert index.codes_by_key == fresh.codes_by_key
    assert again.regions["UA-63"].english_name == "Kharkiv Oblast"


def test_region_by_code_reads_only_the_small_table(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INCIDENTS_CACHE_DIR", str(tmp_path))
    fresh = regions._build_index()
    regions._index.cache_clear()
    regions._regions.cache_clear()
    try:
        assert regions._regions() == fresh.regions  # built (with the index) and stored
        regions._index.cache_clear()
        regions._regions.cache_clear()
        monkeypatch.setattr(regions, "_index", lambda: pytest.fail("name index loaded"))
        assert regions.get_region("ua-63") == fresh.regions["UA-63"]
        assert [r.code for r in regions.find_regions("RU-ROS")] == ["RU-ROS"]
        assert regions._regions() == fresh.regions
    finally:
        regions._regions.cache_clear()


def test_iso_codes_agree_with_pycountry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INCIDENTS_CACHE_DIR", str(tmp_path))
    iso._codes.cache_clear()
    try:
        for round_ in range(2):  # built, then read back from the cache
            iso._codes.cache_clear()
            for country in pycountry.countries:
                assert iso.country_alpha2(country.alpha_2) == country.alpha_2
                assert iso.country_alpha2(country.alpha_3) == country.alpha_2
            assert iso.country_alpha2("XX") is None and iso.country_alpha2("ua") is None
            expected = {
                lang.alpha_2 for lang in pycountry.languages if getattr(lang, "alpha_2", None)
            }
            assert {c for c in expected if iso.is_language(c)} == expected
            assert not iso.is_language("xx") and not iso.is_language("eng")
            assert len(list(tmp_path.glob("iso-codes-*.json"))) == 1, round_
    finally:
        iso._codes.cache_clear()
