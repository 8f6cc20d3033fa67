"""Backups and restores: SQLite online-backup copies and engine-neutral snapshots.

Two kinds of backup file:

- a **SQLite copy**, written with SQLite's online backup API while other connections may
  be writing; it is itself an incidents database (journal mode DELETE, one file);
- a **snapshot**: gzip-compressed JSON Lines. Line 1 is a header (format name and version,
  Alembic revision, creation time, source dialect, each table's columns with a type tag and
  row count); every further line is ``{"table": NAME, "row": {COLUMN: VALUE}}``, parents
  before children. All rows are read in one REPEATABLE READ (PostgreSQL) or one read
  transaction (SQLite), so the snapshot is consistent. Values are engine-neutral: dates and
  UTC datetimes as ISO 8601 text, JSON columns as their stored JSON text (so SQL NULL and
  JSON ``null`` stay apart), floats in shortest round-trip form.

Restoring reads either kind as a stream of rows and writes them into the target in one
transaction: the target is brought to the backup's revision, loaded, checked against the
header's row counts, its sequences (PostgreSQL) or full-text index (SQLite) brought in step,
and then upgraded to the newest revision. Any error rolls everything back.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from incidents import __version__
from incidents.config import mask_url
from incidents.db import migrate
from incidents.db.models import UNMANAGED_PREFIXES, UNMANAGED_TABLES
from incidents.errors import ConflictError, DatabaseError, InputError

FORMAT_NAME = "incidents-snapshot"
FORMAT_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"
BATCH_SIZE = 500

Kind = Literal["sqlite", "snapshot"]
ValueKind = Literal["int", "float", "bool", "date", "datetime", "json", "text"]


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class BackupReport:
    """What ``backup`` wrote."""

    path: Path
    kind: Kind
    revision: str
    rows: dict[str, int]
    size: int

    @property
    def incidents(self) -> int:
        """Incidents in the backup (deleted ones included)."""
        return self.rows.get("incidents", 0)


@dataclass(frozen=True)
class RestoreReport:
    """What ``restore`` loaded."""

    path: Path
    kind: Kind
    revision: str
    upgraded_to: str | None
    rows: dict[str, int]
    replaced: int

    @property
    def incidents(self) -> int:
        """Incidents restored (deleted ones included)."""
        return self.rows.get("incidents", 0)


# --------------------------------------------------------------------------- snapshot header


class TableHeader(BaseModel):
    """One table of a snapshot: its columns (name, type tag) in order and its row count."""

    model_config = ConfigDict(extra="forbid")

    name: str
    columns: list[tuple[str, ValueKind]]
    rows: int = Field(ge=0)


class SnapshotHeader(BaseModel):
    """Line 1 of a snapshot."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["incidents-snapshot"]
    version: int = Field(ge=1)
    revision: str
    created_at: datetime
    dialect: str
    incidents_version: str
    tables: list[TableHeader]


@dataclass
class _Source:
    """A backup opened for reading: its header and its rows as (where, table, row)."""

    header: SnapshotHeader
    rows: Iterator[tuple[str, str, dict[str, Any]]]


# --------------------------------------------------------------------------- values


def _value_kind(type_: Any) -> ValueKind:
    # Order matters: DateTime before Date is not needed (siblings), JSON before String is.
    if isinstance(type_, JSON):
        return "json"
    if isinstance(type_, Boolean):
        return "bool"
    if isinstance(type_, Integer):
        return "int"
    if isinstance(type_, Float):
        return "float"
    if isinstance(type_, DateTime):
        return "datetime"
    if isinstance(type_, Date):
        return "date"
    return "text"


def _utc(value: datetime) -> datetime:
    # SQLite keeps the UTC wall-clock time without an offset (as the application writes it).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _encode(kind: ValueKind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return _utc(value).isoformat()
    if kind == "date":
        return value.isoformat()
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "bool":
        return bool(value)
    return str(value)


def _decode(kind: ValueKind, value: Any) -> Any:
    """The Python value for ``value`` read from a snapshot; ValueError says what is wrong."""
    if value is None:
        return None
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {value!r}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {value!r}")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "datetime":
        return _utc(datetime.fromisoformat(value))
    if kind == "json":
        json.loads(value)  # stored verbatim, but it must be JSON
    return value


# --------------------------------------------------------------------------- reading a database


def _content_tables(conn: Connection) -> list[Table]:
    """The database's data tables, parents first (no Alembic or full-text bookkeeping)."""
    names = [
        name
        for name in inspect(conn).get_table_names()
        if name != "alembic_version"
        and name not in UNMANAGED_TABLES
        and not name.startswith(UNMANAGED_PREFIXES)
        and not name.startswith("sqlite_")
    ]
    meta = MetaData()
    meta.reflect(conn, only=names)
    return list(meta.sorted_tables)


def _revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _read_database(conn: Connection, *, where: str) -> _Source:
    """Header and rows of the database on ``conn``, which must already be in a transaction."""
    revision = _revision(conn)
    if revision is None:
        raise DatabaseError(f"{where} has no incidents schema; nothing to back up")
    tables = _content_tables(conn)
    headers = [
        TableHeader(
            name=t.name,
            columns=[(c.name, _value_kind(c.type)) for c in t.columns],
            rows=conn.scalar(select(func.count()).select_from(t)) or 0,
        )
        for t in tables
    ]
    header = SnapshotHeader(
        format=FORMAT_NAME,
        version=FORMAT_VERSION,
        revision=revision,
        created_at=datetime.now(UTC),
        dialect=conn.dialect.name,
        incidents_version=__version__,
        tables=headers,
    )

    def rows() -> Iterator[tuple[str, str, dict[str, Any]]]:
        for table, spec in zip(tables, headers, strict=True):
            # JSON as stored text: decoding would merge SQL NULL with JSON null.
            cols: list[ColumnElement[Any]] = [
                cast(c, Text).label(c.name) if kind == "json" else c
                for c, (_, kind) in zip(table.columns, spec.columns, strict=True)
            ]
            query = select(*cols).order_by(*table.primary_key.columns)
            result = conn.execution_options(yield_per=1000).execute(query)
            for n, values in enumerate(result, start=1):
                row = {
                    name: _encode(kind, v)
                    for (name, kind), v in zip(spec.columns, values, strict=True)
                }
                yield f"{table.name} row {n}", table.name, row

    return _Source(header=header, rows=rows())


@contextmanager
def _snapshot_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one consistent read transaction."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with conn.begin():
            yield conn


# --------------------------------------------------------------------------- backup


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise InputError(f"{mask_url(str(engine.url))}: only a SQLite file can be copied")
    return Path(database).expanduser().resolve()


def _write_sqlite_copy(engine: Engine, tmp: Path) -> None:
    with engine.connect() as conn:
        source = conn.connection.driver_connection
        assert isinstance(source, sqlite3.Connection)
        target = sqlite3.connect(tmp)
        try:
            # pages=-1 copies in one step under one read lock: a consistent copy, and
            # writers are not blocked in WAL mode.
            source.backup(target, pages=-1)
            # One self-contained file: a WAL-mode copy would need -wal/-shm files to be read.
            target.execute("PRAGMA journal_mode = DELETE")
            check = target.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise DatabaseError(f"the copy failed its integrity check: {check}")
        finally:
            target.close()


def _write_snapshot(source: _Source, tmp: Path) -> None:
    with gzip.open(tmp, "wt", encoding="utf-8", newline="\n") as out:
        out.write(source.header.model_dump_json() + "\n")
        for _, table, row in source.rows:
            out.write(json.dumps({"table": table, "row": row}, ensure_ascii=False) + "\n")


def backup(
    engine: Engine, path: Path, *, kind: Kind | None = None, force: bool = False
) -> BackupReport:
    """Write a consistent backup of ``engine``'s database to ``path``.

    ``kind`` defaults to a SQLite copy for SQLite and a snapshot for PostgreSQL. An existing
    ``path`` is replaced only with ``force``; the file appears only once it is complete.
    """
    dialect = engine.dialect.name
    kind = kind or ("sqlite" if dialect == "sqlite" else "snapshot")
    if kind == "sqlite" and dialect != "sqlite":
        raise InputError(
            f"a {dialect} database cannot be copied as a SQLite file; use --format snapshot"
            " (or pg_dump -Fc)"
        )
    if path.exists() and not force:
        raise ConflictError(f"{path} exists; pass --force to overwrite it")
    if kind == "sqlite" and _sqlite_file(engine) == path.resolve():
        raise InputError(f"{path} is the database itself; choose another file")
    tmp = _temporary(path)
    try:
        if kind == "sqlite":
            with _snapshot_transaction(engine) as conn:
                if _revision(conn) is None:
                    raise DatabaseError(
                        f"{mask_url(str(engine.url))} has no incidents schema; nothing to back up"
                    )
            _write_sqlite_copy(engine, tmp)
            with _open_sqlite_backup(tmp) as copy:
                header = copy.header
        else:
            with _snapshot_transaction(engine) as conn:
                source = _read_database(conn, where=mask_url(str(engine.url)))
                header = source.header
                _write_snapshot(source, tmp)
        os.replace(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()
    return BackupReport(
        path=path,
        kind=kind,
        revision=header.revision,
        rows={t.name: t.rows for t in header.tables},
        size=path.stat().st_size,
    )


# --------------------------------------------------------------------------- reading a backup


def detect_kind(path: Path) -> Kind:
    """Whether ``path`` is a SQLite copy or a snapshot (gzip or plain JSON Lines)."""
    try:
        with path.open("rb") as f:
            start = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if start == SQLITE_MAGIC:
        return "sqlite"
    if start.startswith(GZIP_MAGIC) or start.lstrip().startswith(b"{"):
        return "snapshot"
    raise InputError(
        f"{path}: line 1: not an incidents backup (neither a SQLite database nor a snapshot)"
    )


@contextmanager
def _open_sqlite_backup(path: Path) -> Iterator[_Source]:
    """Read a SQLite copy (read-only) as a stream of rows."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with engine.connect() as conn:
            try:
                check = conn.exec_driver_sql("PRAGMA quick_check").scalar()
                if check != "ok":
                    raise InputError(f"{path}: damaged SQLite database: {check}")
                if not inspect(conn).has_table("alembic_version"):
                    raise InputError(f"{path}: a SQLite database, but not an incidents database")
                source = _read_database(conn, where=str(path))
            except DatabaseError as exc:
                raise InputError(f"{path}: {exc}") from None
            except SQLAlchemyError as exc:
                raise InputError(f"{path}: {_reason(exc)}") from None

            def guarded() -> Iterator[tuple[str, str, dict[str, Any]]]:
                # Only errors reading the copy are the file's fault; the caller's are its own.
                try:
                    yield from source.rows
                except SQLAlchemyError as exc:
                    raise InputError(f"{path}: {_reason(exc)}") from None

            yield _Source(header=source.header, rows=guarded())
    finally:
        engine.dispose()


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text_ = str(orig if orig is not None else exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


@contextmanager
def _open_snapshot(path: Path) -> Iterator[_Source]:
    """Read a snapshot (gzip or plain JSON Lines); errors name the line."""
    with path.open("rb") as raw:
        gzipped = raw.read(2) == GZIP_MAGIC
    opener: Callable[[], Any] = (
        (lambda: gzip.open(path, "rt", encoding="utf-8"))
        if gzipped
        else (lambda: path.open(encoding="utf-8"))
    )
    with opener() as f:
        lineno = 0

        def lines() -> Iterator[tuple[int, str]]:
            nonlocal lineno
            try:
                for lineno, line in enumerate(f, start=1):
                    yield lineno, line
            except (EOFError, OSError, zlib.error, UnicodeDecodeError) as exc:
                what = (
                    "truncated or corrupt"
                    if not isinstance(exc, UnicodeDecodeError)
                    else "not UTF-8"
                )
                raise InputError(f"{path}: line {lineno + 1}: {what} ({exc})") from None

        stream = lines()
        first = next(stream, None)
        if first is None:
            raise InputError(f"{path}: line 1: empty file, not an incidents snapshot")
        header = _parse_header(path, first[1])
        columns = {t.name: [name for name, _ in t.columns] for t in header.tables}

        def rows() -> Iterator[tuple[str, str, dict[str, Any]]]:
            for n, line in stream:
                if not line.strip():
                    continue
                where = f"line {n}"
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: {where}: not JSON: {exc.msg}") from None
                if not isinstance(item, dict) or set(item) != {"table", "row"}:
                    raise InputError(f'{path}: {where}: expected {{"table": ..., "row": {{...}}}}')
                table, row = item["table"], item["row"]
                if table not in columns:
                    raise InputError(f"{path}: {where}: unknown table {table!r}")
                if not isinstance(row, dict):
                    raise InputError(f"{path}: {where}: {table}: row is not an object")
                unknown = sorted(set(row) - set(columns[table]))
                if unknown:
                    raise InputError(f"{path}: {where}: {table}: unknown column {unknown[0]!r}")
                missing = [c for c in columns[table] if c not in row]
                if missing:
                    raise InputError(f"{path}: {where}: {table}: missing column {missing[0]!r}")
                yield where, table, row

        yield _Source(header=header, rows=rows())


def _parse_header(path: Path, line: str) -> SnapshotHeader:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        raise InputError(f"{path}: line 1: not an incidents snapshot (no JSON header)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise InputError(
            f"{path}: line 1: not an incidents snapshot (format is not {FORMAT_NAME!r})"
        )
    if isinstance(data.get("version"), int) and data["version"] > FORMAT_VERSION:
        raise InputError(
            f"{path}: line 1: snapshot format version {data['version']} is newer than this"
            f" incidents understands ({FORMAT_VERSION}); upgrade the incidents package"
        )
    try:
        return SnapshotHeader.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "header"
        raise InputError(f"{path}: line 1: {field}: {first['msg']}") from None


# --------------------------------------------------------------------------- restore


def _insert_statement(conn: Connection, table: Table, kinds: dict[str, ValueKind]) -> Any:
    values: dict[str, Any] = {}
    for c in table.columns:
        if kinds[c.name] == "json":
            param = bindparam(f"p_{c.name}", type_=Text)
            # PostgreSQL wants json, not text; SQLite stores the text as it is.
            values[c.name] = cast(param, c.type) if conn.dialect.name == "postgresql" else param
        else:
            values[c.name] = bindparam(f"p_{c.name}", type_=c.type)
    return table.insert().values(values)


class _Loader:
    """Batched inserts that can still name the one row a database error is about."""

    def __init__(
        self,
        conn: Connection,
        path: Path,
        tables: dict[str, Table],
        kinds: dict[str, dict[str, ValueKind]],
    ) -> None:
        self.conn, self.path, self.tables, self.kinds = conn, path, tables, kinds
        self.statements: dict[str, Any] = {}
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self.table: str | None = None
        self.counts: dict[str, int] = dict.fromkeys(tables, 0)

    def add(self, where: str, table: str, row: dict[str, Any]) -> None:
        if table != self.table or len(self.pending) >= BATCH_SIZE:
            self.flush()
            self.table = table
        kinds = self.kinds[table]
        params: dict[str, Any] = {}
        for name, value in row.items():
            try:
                params[f"p_{name}"] = _decode(kinds[name], value)
            except ValueError as exc:
                raise InputError(f"{self.path}: {where}: {table}.{name}: {exc}") from None
        self.pending.append((where, params))

    def flush(self) -> None:
        if not self.pending or self.table is None:
            return
        table, batch = self.table, self.pending
        self.pending = []
        if table not in self.statements:
            self.statements[table] = _insert_statement(
                self.conn, self.tables[table], self.kinds[table]
            )
        stmt = self.statements[table]
        try:
            with self.conn.begin_nested():
                self.conn.execute(stmt, [params for _, params in batch])
        except DBAPIError:
            # Find the offending row so the message can name its line.
            for where, params in batch:
                try:
                    with self.conn.begin_nested():
                        self.conn.execute(stmt, params)
                except DBAPIError as exc:
                    raise InputError(f"{self.path}: {where}: {table}: {_reason(exc)}") from None
            raise
        self.counts[table] += len(batch)


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Point each serial primary key's sequence past the restored ids."""
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        seq = conn.scalar(
            text("SELECT pg_get_serial_sequence(:t, :c)"),
            {"t": conn.dialect.identifier_preparer.quote(table.name), "c": pk[0].name},
        )
        if seq is None:
            continue
        highest = conn.scalar(select(func.max(pk[0])))
        # setval(seq, 1, false): the next value is 1 when the table is empty.
        conn.execute(
            text("SELECT setval(:s, :v, :called)"),
            {"s": seq, "v": highest or 1, "called": highest is not None},
        )


def _count_incidents(conn: Connection) -> int:
    if not inspect(conn).has_table("incidents"):
        return 0
    return conn.scalar(text("SELECT count(*) FROM incidents")) or 0


def restore(engine: Engine, path: Path, *, force: bool = False) -> RestoreReport:
    """Load a backup into ``engine``'s database, all or nothing.

    The target must hold no incidents unless ``force`` (its content is then replaced). A
    backup from an older revision is loaded at that revision and upgraded; one from a
    revision this version does not know is refused.
    """
    kind = detect_kind(path)
    if kind == "sqlite" and engine.dialect.name == "sqlite":
        with suppress(InputError):
            if _sqlite_file(engine) == path.resolve():
                raise InputError(f"{path} is the target database itself")
    opened = _open_sqlite_backup(path) if kind == "sqlite" else _open_snapshot(path)
    where = mask_url(str(engine.url))
    with opened as source:
        header = source.header
        order = migrate.revisions()
        if header.revision not in order:
            raise DatabaseError(
                f"{path} is at revision {header.revision}, which this version of incidents"
                " does not know; upgrade the incidents package"
            )
        with engine.begin() as conn:
            current = _revision(conn)
            if current is not None and current not in order:
                raise DatabaseError(f"{where} is at unknown revision {current}")
            existing = _content_tables(conn) if current is not None else []
            if conn.dialect.name == "postgresql" and existing:
                # Nobody writes between the emptiness check and the end of the restore.
                names = ", ".join(conn.dialect.identifier_preparer.quote(t.name) for t in existing)
                conn.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
            replaced = _count_incidents(conn)
            if replaced and not force:
                raise ConflictError(
                    f"{where} already holds {replaced} incidents; restore into an empty"
                    " database, or pass --force to replace its content"
                )
            for table in reversed(existing):
                conn.execute(table.delete())
            if current is None or order.index(current) < order.index(header.revision):
                migrate.migrate_connection(conn, "upgrade", header.revision)
            elif order.index(current) > order.index(header.revision):
                migrate.migrate_connection(conn, "downgrade", header.revision)
            tables = {t.name: t for t in _content_tables(conn)}
            kinds = _check_columns(path, header, tables)
            loader = _Loader(conn, path, tables, kinds)
            for row_where, table, row in source.rows:
                loader.add(row_where, table, row)
            loader.flush()
            for spec in header.tables:
                if loader.counts[spec.name] != spec.rows:
                    raise InputError(
                        f"{path}: table {spec.name} has {loader.counts[spec.name]} rows,"
                        f" the header says {spec.rows}: the file is incomplete"
                    )
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, list(tables.values()))
            elif inspect(conn).has_table("incidents_fts"):
                conn.exec_driver_sql("INSERT INTO incidents_fts(incidents_fts) VALUES ('rebuild')")
            upgraded_to = None
            if header.revision != order[-1]:
                migrate.migrate_connection(conn, "upgrade", "head")
                upgraded_to = order[-1]
    return RestoreReport(
        path=path,
        kind=kind,
        revision=header.revision,
        upgraded_to=upgraded_to,
        rows={
            name: n for name, n in loader.counts.items() if name in {t.name for t in header.tables}
        },
        replaced=replaced,
    )


def _check_columns(
    path: Path, header: SnapshotHeader, tables: dict[str, Table]
) -> dict[str, dict[str, ValueKind]]:
    """Type tags of the target's columns; every table and column of the backup must exist."""
    kinds: dict[str, dict[str, ValueKind]] = {}
    for spec in header.tables:
        table = tables.get(spec.name)
        if table is None:
            raise InputError(
                f"{path}: line 1: table {spec.name!r} is not in the schema at revision {header.revision}"
            )
        kinds[spec.name] = {}
        for name, kind in spec.columns:
            column: Column[Any] | None = table.columns.get(name)
            if column is None:
                raise InputError(f"{path}: line 1: {spec.name}: unknown column {name!r}")
            target_kind = _value_kind(column.type)
            if target_kind != kind:
                raise InputError(
                    f"{path}: line 1: {spec.name}.{name}: {kind} in the backup, {target_kind} here"
                )
            kinds[spec.name][name] = kind
    return kinds
