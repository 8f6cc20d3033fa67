"""Sharing PostgreSQL safely: analyst/editor roles, the acting user, masked passwords.

The role tests connect to the real server as freshly created login roles (pg_hba trusts
127.0.0.1, so no password is needed); every role name carries a uuid suffix because roles
are cluster-wide, and the fixture drops them again.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from typer.testing import CliRunner, Result

from incidents.cli import State, app
from incidents.config import acting_user, mask_url, redact, url_passwords
from incidents.db import migrate
from incidents.db.engine import make_engine
from incidents.db.roles import Group, RolePlan, check_role_name, plan_sql, script
from incidents.errors import InputError
from tests.conftest import _pg_schema_url

PASSWORD = "S3cr3tPw"


def run(db: str, *args: str, user: str | None = None, input: str | None = None) -> Result:
    """Invoke the CLI on ``db``; ``user`` sets INCIDENTS_USER (None: unset)."""
    env = {"INCIDENTS_USER": user, "INCIDENTS_DATABASE_URL": None}
    return CliRunner().invoke(app, ["--db", db, *args], input=input, env=env)


def _login_url(login: str, schema: str, password: str | None = None) -> str:
    secret = f":{password}" if password else ""
    return (
        f"postgresql+psycopg://{login}{secret}@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    )


def _role_exists(admin: Engine, name: str) -> bool:
    with admin.connect() as conn:
        return bool(
            conn.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :n"), {"n": name})
        )


def _snapshot(admin: Engine, schema: str) -> dict[str, str]:
    """A digest of every table's rows (the owner's view), to show nothing changed."""
    with admin.connect() as conn:
        tables = conn.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
            {"s": schema},
        ).all()
        return {
            table: conn.scalar(
                text(
                    f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' "
                    f'ORDER BY t::text)), \'\') FROM "{schema}"."{table}" t'
                )
            )
            for table in tables
        }


def _one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# --------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    "name",
    ["x; DROP TABLE incidents", 'a"b', "a'b", "1abc", "a b", "ab$$", "", "a" * 64, "ä"],
)
def test_role_names_that_could_inject_sql_are_refused(name: str) -> None:
    with pytest.raises(InputError, match="--analyst: .* is not a valid role name"):
        check_role_name(name, "--analyst")


def test_plan_quotes_server_names_and_grants_the_chosen_group() -> None:
    plan = RolePlan(
        database='we"ird', schema="my schema", grant_to=("alice", "Bob"), group=Group.EDITOR
    )
    sql = "\n".join(plan_sql(plan))
    assert 'GRANT CONNECT ON DATABASE "we""ird" TO "incidents_analyst"' in sql
    assert 'GRANT SELECT ON ALL TABLES IN SCHEMA "my schema" TO "incidents_analyst"' in sql
    assert 'GRANT "incidents_editor" TO "alice"' in sql and 'TO "Bob"' in sql
    # The editor never gets DDL: no CREATE on the schema, no ownership, no TRUNCATE.
    assert "CREATE ON SCHEMA" not in sql and "TRUNCATE" not in sql and "OWNER" not in sql
    assert script(plan).startswith("-- ") and script(plan).rstrip().endswith("COMMIT;")


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/test",
            "postgresql://postgres:***@127.0.0.1:5432/test",
        ),
        (f"postgresql://u:{PASSWORD}@h:notaport/d", "postgresql://u:***@h:notaport/d"),
        (f"postgresql://u:p@{PASSWORD}@h/d", "postgresql://u:***@h/d"),
        (
            f"postgresql://h/d?user=u&password={PASSWORD}&x=1",
            "postgresql://h/d?user=u&password=***&x=1",
        ),
        ("sqlite:////tmp/a:b@c.db", "sqlite:////tmp/a:b@c.db"),
        (
            "postgresql://u@h/d?options=-csearch_path%3Ds",
            "postgresql://u@h/d?options=-csearch_path%3Ds",
        ),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    for password in url_passwords(url):
        assert password not in mask_url(url)
        assert password not in redact(f"oops: {url} and {password}", url)


def test_state_resolves_the_user_without_connecting_when_it_can(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Port 1 refuses connections: any attempt to ask the server would raise.
    unreachable = f"postgresql+psycopg://nobody:{PASSWORD}@127.0.0.1:1/test"
    monkeypatch.delenv("INCIDENTS_USER", raising=False)
    assert State(url=unreachable, user_option="alice").user == "alice"
    monkeypatch.setenv("INCIDENTS_USER", "from-env")
    assert State(url=unreachable).user == "from-env"
    assert PASSWORD not in repr(State(url=unreachable))
    monkeypatch.delenv("INCIDENTS_USER")
    monkeypatch.setenv("LOGNAME", "os-login")
    assert acting_user(None, None) == "os-login"
    assert acting_user(None, "db-user") == "db-user"


def test_roles_on_sqlite_are_refused_without_creating_the_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    result = run(f"sqlite:///{path}", "db", "roles")
    assert result.exit_code == 5
    assert "SQLite has no users or roles" in _one_error_line(result)
    assert "file permissions" in result.stderr
    assert not path.exists()


# --------------------------------------------------------------------------- acting user


def _last_user(db: str, public_id: str) -> str:
    result = run(db, "history", public_id, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return str(json.loads(result.stdout)[-1]["user"])


def test_history_records_the_acting_user(
    db_url: str, three_yaml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "os-login-xyz")
    result = run(db_url, "add", str(three_yaml))
    assert result.exit_code == 0, result.stderr
    first = result.stdout.split()[0]
    if db_url.startswith("postgresql"):
        engine = make_engine(db_url)
        with engine.connect() as conn:
            fallback = str(conn.scalar(text("SELECT session_user")))
        engine.dispose()
        assert fallback != "os-login-xyz"
    else:
        fallback = "os-login-xyz"
    assert _last_user(db_url, first) == fallback

    assert run(db_url, "delete", first, "--reason", "dup", user="env-user").exit_code == 0
    assert _last_user(db_url, first) == "env-user"
    result = run(db_url, "--user", "cli-user", "restore", first, user="env-user")
    assert result.exit_code == 0, result.stderr
    assert _last_user(db_url, first) == "cli-user"
    assert run(db_url, "delete", first, "--reason", "dup again").exit_code == 0
    assert _last_user(db_url, first) == fallback


# --------------------------------------------------------------------------- roles on PostgreSQL


@dataclass
class Shared:
    """A migrated schema with three incidents, and unique names for the roles."""

    admin: Engine
    schema: str
    owner_url: str
    analyst: str
    editor: str
    reader: str  # a login granted the analyst group
    writer: str  # a login granted the editor group

    def url(self, login: str, password: str | None = None) -> str:
        return _login_url(login, self.schema, password)

    def roles(self, *args: str) -> Result:
        return run(
            self.owner_url, "db", "roles", "--analyst", self.analyst, "--editor", self.editor, *args
        )


@pytest.fixture
def shared(pg_admin: Engine, three_yaml: Path) -> Iterator[Shared]:
    schema, owner_url = _pg_schema_url(pg_admin)
    suffix = uuid.uuid4().hex[:10]
    names = [f"{kind}_{suffix}" for kind in ("ia", "ie", "la", "le")]
    env = Shared(pg_admin, schema, owner_url, *names)
    try:
        owner = make_engine(owner_url)
        migrate.upgrade(owner)
        owner.dispose()
        added = run(owner_url, "add", str(three_yaml), user="owner")
        assert added.exit_code == 0, added.stderr
        yield env
    finally:
        with pg_admin.connect() as conn:
            existing = [name for name in names if _role_exists(pg_admin, name)]
            if existing:
                # Revokes the grants (database, schema, default privileges) before DROP ROLE.
                conn.execute(text(f"DROP OWNED BY {', '.join(existing)}"))
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            for name in existing:
                conn.execute(text(f"DROP ROLE {name}"))


def _logins(shared: Shared) -> None:
    with shared.admin.connect() as conn:
        for login in (shared.reader, shared.writer):
            conn.execute(text(f"CREATE ROLE {login} LOGIN"))
    assert shared.roles("--grant-to", shared.reader).exit_code == 0
    assert shared.roles("--grant-to", shared.writer, "--group", "editor").exit_code == 0


@pytest.mark.postgres
def test_print_shows_the_sql_without_running_it(shared: Shared) -> None:
    result = shared.roles("--print")
    assert result.exit_code == 0, result.stderr
    assert f'CREATE ROLE "{shared.analyst}" NOLOGIN' in result.stdout
    assert (
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{shared.schema}" GRANT SELECT ON TABLES '
        f'TO "{shared.analyst}"'
    ) in result.stdout
    assert not _role_exists(shared.admin, shared.analyst)
    # The printed script is valid SQL as it stands, and idempotent.
    for _ in range(2):
        with shared.admin.connect() as conn:
            conn.exec_driver_sql(result.stdout)
    assert _role_exists(shared.admin, shared.analyst) and _role_exists(shared.admin, shared.editor)


@pytest.mark.postgres
def test_roles_are_created_once_and_rerunning_is_harmless(shared: Shared) -> None:
    first = shared.roles()
    assert first.exit_code == 0, first.stderr
    assert f"created role {shared.analyst}: read-only on schema {shared.schema}" in first.stderr
    assert f"created role {shared.editor}" in first.stderr
    again = shared.roles()
    assert again.exit_code == 0, again.stderr
    assert f"refreshed role {shared.analyst}" in again.stderr
    with shared.admin.connect() as conn:
        row = conn.execute(
            text(
                "SELECT rolcanlogin, pg_has_role(:e, :a, 'MEMBER') FROM pg_roles WHERE rolname = :e"
            ),
            {"a": shared.analyst, "e": shared.editor},
        ).one()
    assert tuple(row) == (False, True)  # a group (NOLOGIN) that includes the analyst


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--analyst", "x; DROP ROLE postgres"], "--analyst"),
        (["--grant-to", "bob'--"], "--grant-to"),
        (["--grant-to", "nobody_7f3e2a91"], "--grant-to"),
        (["--group", "admin"], "--group"),
    ],
)
def test_bad_role_arguments_are_refused_and_change_nothing(
    shared: Shared, args: list[str], field: str
) -> None:
    result = shared.roles(*args)
    assert result.exit_code == 2
    assert _one_error_line(result).startswith(f"Error: {field}: ")
    # The roles that would have been created first are rolled back with the failure.
    assert not _role_exists(shared.admin, shared.analyst)
    assert not _role_exists(shared.admin, shared.editor)


@pytest.mark.postgres
def test_analyst_reads_but_every_write_is_refused(shared: Shared, tmp_path: Path) -> None:
    _logins(shared)
    reader = shared.url(shared.reader)
    listed = run(reader, "list", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    ids = [item["id"] for item in json.loads(listed.stdout)]
    assert len(ids) == 3
    shown = run(reader, "show", ids[0], "--format", "yaml")
    assert shown.exit_code == 0 and f"id: {ids[0]}" in shown.stdout
    exported = run(reader, "export", "-o", str(tmp_path / "all.csv"))
    assert exported.exit_code == 0, exported.stderr
    assert len((tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()) == 4
    assert run(reader, "history", ids[0], "--format", "json").exit_code == 0

    edited = tmp_path / "edit.yaml"
    edited.write_text(re.sub(r"(?m)^title: .*$", "title: Retitled", shown.stdout, count=1))
    jsonl = tmp_path / "changed.jsonl"
    jsonl.write_text(
        run(shared.owner_url, "list", "--format", "jsonl").stdout.replace(
            "Kupyansk", "Kupiansk", 1
        ),
        encoding="utf-8",
    )
    before = _snapshot(shared.admin, shared.schema)
    writes = [
        ["add", str(Path(__file__).parent / "fixtures" / "three.yaml")],
        ["edit", ids[0], "--file", str(edited), "--reason", "r"],
        ["delete", ids[1], "--reason", "duplicate"],
        ["places", "add", "Test range", "--lat", "47.1", "--lon", "39.9", "--country", "RU"],
        ["import", str(jsonl)],
    ]
    for args in writes:
        result = run(reader, *args)
        assert result.exit_code == 5, (args, result.output)
        line = _one_error_line(result)
        assert line.startswith(
            f"Error: permission denied: the database user '{shared.reader}' may not write to "
            "incidents (permission denied for table "
        ), line
        assert f"--grant-to {shared.reader} --group editor" in line
    assert _snapshot(shared.admin, shared.schema) == before


@pytest.mark.postgres
def test_editor_writes_but_cannot_change_the_schema(shared: Shared, tmp_path: Path) -> None:
    _logins(shared)
    writer = shared.url(shared.writer)
    added = run(writer, "add", str(Path(__file__).parent / "fixtures" / "three.yaml"))
    assert added.exit_code == 0, added.stderr
    new_id = added.stdout.split()[0]
    # No --user and no INCIDENTS_USER: history names the database login.
    assert _last_user(writer, new_id) == shared.writer
    doc = run(writer, "show", new_id, "--format", "yaml").stdout
    path = tmp_path / "edit.yaml"
    path.write_text(doc.replace("verification: single_adversary_claim", "verification: contested"))
    edited = run(writer, "--user", "alice", "edit", new_id, "--file", str(path), "--reason", "r")
    assert edited.exit_code == 0, edited.stderr
    assert _last_user(writer, new_id) == "alice"

    before = _snapshot(shared.admin, shared.schema)
    down = run(writer, "db", "downgrade", "base", "--yes")
    assert down.exit_code == 5
    assert _one_error_line(down).startswith(
        f"Error: permission denied: the database user '{shared.writer}' may not change the "
        "schema of incidents (must be owner of "
    )
    assert _snapshot(shared.admin, shared.schema) == before

    # An outdated database: the owner steps back one revision; nobody else can upgrade it.
    scripts = ScriptDirectory(str(files("incidents.migrations")))
    previous = str(scripts.get_revision(migrate.head_revision()).down_revision)
    assert run(shared.owner_url, "db", "downgrade", previous, "--yes").exit_code == 0
    up = run(writer, "db", "upgrade")
    assert up.exit_code == 5
    assert "may not change the schema" in _one_error_line(up)
    listed = run(shared.url(shared.reader), "list")
    assert listed.exit_code == 5
    assert _one_error_line(listed) == (
        f"Error: the database needs upgrading to revision {migrate.head_revision()}, but the "
        f"database user '{shared.reader}' may not change its schema; ask its owner to run "
        "`incidents db upgrade`"
    )
    assert run(shared.owner_url, "db", "current").stdout.startswith(previous)

    # Tables and views the owner creates later are covered by the default privileges.
    assert run(shared.owner_url, "db", "upgrade").exit_code == 0
    reader = make_engine(shared.url(shared.reader))
    with reader.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM incidents_flat")) == 6
    reader.dispose()


# --------------------------------------------------------------------------- masked passwords


def _assert_masked(result: Result, caplog: pytest.LogCaptureFixture) -> None:
    assert PASSWORD not in result.stdout
    assert PASSWORD not in result.stderr
    assert PASSWORD not in caplog.text
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        shown = "".join(traceback.format_exception(result.exception))
        assert PASSWORD not in shown


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every SQLAlchemy, Alembic, psycopg and incidents log record, down to DEBUG."""
    for name in ("sqlalchemy.engine", "sqlalchemy.pool", "alembic", "psycopg", "incidents", ""):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test", "Connection refused"),
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/no_such_db_x", "does not exist"),
        (f"mysql://root:{PASSWORD}@127.0.0.1/incidents", "unsupported database"),
        (f"oracle+nodriver://root:{PASSWORD}@127.0.0.1/x", "unsupported database or driver"),
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:notaport/test", "invalid database URL"),
        (f"post gres://postgres:{PASSWORD}@127.0.0.1/test", "invalid database URL"),
        (f"postgresql://127.0.0.1:5432/test?user=nobody_7f3e&password={PASSWORD}", "nobody_7f3e"),
    ],
)
@pytest.mark.parametrize("command", [["list"], ["db", "current"], ["db", "upgrade"]], ids=" ".join)
def test_failing_urls_never_show_the_password(
    url: str,
    message: str,
    command: list[str],
    logs: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    if ":5432/" in url:
        request.getfixturevalue("pg_admin")  # these reach the server: it must be there
    result = run(url, *command)
    assert result.exit_code == 5, result.output
    assert message in _one_error_line(result)
    assert "***" in result.stderr
    _assert_masked(result, logs)


@pytest.mark.postgres
def test_working_commands_never_show_the_password(
    pg_admin: Engine, three_yaml: Path, tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    schema, _ = _pg_schema_url(pg_admin)
    login = f"lm_{uuid.uuid4().hex[:10]}"
    url = _login_url("postgres", schema, PASSWORD).replace("+psycopg", "")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("title: x\ndate: not-a-date\n")
    try:
        steps: list[tuple[list[str], int]] = [
            (["db", "upgrade"], 0),
            (["db", "current"], 0),
            (["add", str(three_yaml)], 0),
            (["list", "--format", "json"], 0),
            (["show", "FF-1999-0001"], 3),  # fails mid-command, after connecting
            (["add", str(bad_yaml)], 2),
            (["db", "roles", "--analyst", f"ia_{login}", "--editor", f"ie_{login}"], 0),
            (["db", "downgrade", "base"], 1),  # declined at the prompt
        ]
        for args, code in steps:
            result = run(url, *args, user="tester", input="n\n")
            assert result.exit_code == code, (args, result.output)
            _assert_masked(result, logs)
        # The same, with the URL from the environment and refused as a read-only login.
        with pg_admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {login} LOGIN IN ROLE ia_{login}"))
        reader = _login_url(login, schema, PASSWORD)
        result = CliRunner().invoke(
            app,
            ["delete", "FF-2023-0001", "--reason", "x"],
            env={"INCIDENTS_DATABASE_URL": reader, "INCIDENTS_USER": None},
        )
        assert result.exit_code == 5 and "permission denied" in result.stderr
        _assert_masked(result, logs)
        assert "SELECT session_user" in logs.text  # the loggers really were on
    finally:
        with pg_admin.connect() as conn:
            roles = [r for r in (login, f"ia_{login}", f"ie_{login}") if _role_exists(pg_admin, r)]
            if roles:
                conn.execute(text(f"DROP OWNED BY {', '.join(roles)}"))
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            for role in roles:
                conn.execute(text(f"DROP ROLE {role}"))
