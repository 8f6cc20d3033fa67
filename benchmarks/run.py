"""Every benchmark of docs/performance.md in one command, each beside the engine's own tool.

Usage:
    python benchmarks/run.py --db /tmp/scale/bench.db [--size N --generate]
        [--postgres postgresql://postgres@127.0.0.1:5432/bench_scale] [--workdir DIR]
        [--only list,export,import,startup,extract] [--import-on sqlite,postgres]
        [--json results.json]

Each line times our command and the baseline in the same run, as separate processes under
``/usr/bin/time`` (wall time and peak RSS of the process), and prints the ratio. Queries
are run three times and the median kept (the page cache is warm after the first); exports
and imports once. With ``--postgres`` the SQLite database is first copied into the
PostgreSQL database (``COPY``; same rows, same ids), and the list and export benchmarks run
there against ``psql``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REGION_SQL = (
    "SELECT * FROM incidents_flat WHERE admin1 = 'UA-63' AND date_end >= '2023-01-01' "
    "AND date_start <= '2023-12-31' ORDER BY date_start, id"
)
EXPORT_SQL = "SELECT * FROM incidents_flat ORDER BY date_start, id"
REGION_ARGS = ["--region", "Kharkiv Oblast", "--since", "2023-01-01", "--until", "2023-12-31"]
# Rows of the import benchmark (`--import-rows`); the figure is the whole export.
IMPORT_ROWS = 1_000_000


@dataclass
class Run:
    """One timed process."""

    command: str
    seconds: float
    peak_rss_mb: float
    # user + system CPU seconds: steadier than wall time on a shared machine.
    cpu_seconds: float = 0.0


@dataclass
class Result:
    """Our command against the baseline."""

    name: str
    ours: Run
    baseline: Run | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Our time over the baseline's."""
        return self.ours.seconds / self.baseline.seconds if self.baseline else None


def timed(
    argv: Sequence[str],
    *,
    stdout: Path | None = None,
    stdin: Path | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """Run a process under /usr/bin/time; wall seconds, CPU seconds and peak RSS."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        out = stdout.open("wb") if stdout else subprocess.DEVNULL
        inp = stdin.open("rb") if stdin else subprocess.DEVNULL
        start = time.perf_counter()
        try:
            done = subprocess.run(
                ["/usr/bin/time", "-f", "%M %U %S", "-o", report.name, *argv],
                stdout=out,
                stdin=inp,
                stderr=subprocess.PIPE,
                env={**os.environ, "INCIDENTS_USER": "bench", **(env or {})},
            )
        finally:
            elapsed = time.perf_counter() - start
            if stdout:
                out.close()  # type: ignore[union-attr]
            if stdin:
                inp.close()  # type: ignore[union-attr]
        if done.returncode != 0:
            raise SystemExit(f"failed: {shlex.join(argv)}\n{done.stderr.decode()[-2000:]}")
        kb, user, system = Path(report.name).read_text().split()[-3:]
    # Our own clock: /usr/bin/time reports wall time in hundredths only.
    return Run(shlex.join(argv), elapsed, int(kb) / 1024, float(user) + float(system))


def median_run(argv: Sequence[str], repeat: int, **kw: Any) -> Run:
    """The median of ``repeat`` runs (by wall time)."""
    runs = sorted((timed(argv, **kw) for _ in range(repeat)), key=lambda r: r.seconds)
    return runs[len(runs) // 2]


def incidents(db: str, *args: str) -> list[str]:
    """argv of the installed CLI against ``db``."""
    return [str(BIN / "incidents"), "--db", db, *args]


def rows(path: Path) -> int:
    """Data rows of a CSV file (header excluded)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


# --------------------------------------------------------------------------- benchmarks


def bench_list(db: str, pg: str | None, work: Path) -> list[Result]:
    """Item 1: the region + year query as CSV."""
    ours_out, base_out = work / "list_ours.csv", work / "list_base.csv"
    argv = incidents(db, "list", *REGION_ARGS, "--format", "csv")
    results = [
        Result(
            "list --region 'Kharkiv Oblast' 2023 (SQLite)",
            median_run(argv, 3, stdout=ours_out),
            median_run(["sqlite3", "-csv", "-header", db, REGION_SQL], 3, stdout=base_out),
        )
    ]
    results[-1].note = f"{rows(ours_out)} rows; same rows as sqlite3: {_same(ours_out, base_out)}"
    if pg:
        argv = incidents(pg, "list", *REGION_ARGS, "--format", "csv")
        copy = f"\\copy ({REGION_SQL}) TO STDOUT CSV HEADER"
        results.append(
            Result(
                "list --region 'Kharkiv Oblast' 2023 (PostgreSQL)",
                median_run(argv, 3, stdout=ours_out),
                median_run(["psql", "-X", "-q", _libpq(pg), "-c", copy], 3, stdout=base_out),
            )
        )
        results[-1].note = f"{rows(ours_out)} rows; same rows as psql: {_same(ours_out, base_out)}"
    return results


def _same(ours: Path, base: Path) -> bool:
    """The same cells (sqlite3/psql print no formula guard and may format floats alike)."""
    with ours.open(newline="") as a, base.open(newline="") as b:
        ra, rb = list(csv.reader(a)), list(csv.reader(b))
    return len(ra) == len(rb) and [r[0] for r in ra] == [r[0] for r in rb]


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def bench_export(db: str, pg: str | None, work: Path) -> list[Result]:
    """Item 2: every incident as CSV."""
    ours_out, base_out = work / "export_ours.csv", work / "export_base.csv"
    results = [
        Result(
            "export --format csv, all incidents (SQLite)",
            timed(incidents(db, "export", "--format", "csv", "-o", str(ours_out))),
            timed(["sqlite3", "-csv", "-header", db, EXPORT_SQL], stdout=base_out),
        )
    ]
    results[-1].note = f"{rows(ours_out)} rows; same rows as sqlite3: {_same(ours_out, base_out)}"
    if pg:
        pg_out = work / "export_pg.csv"
        copy = f"\\copy ({EXPORT_SQL}) TO '{base_out}' CSV HEADER"
        results.append(
            Result(
                "export --format csv, all incidents (PostgreSQL)",
                timed(incidents(pg, "export", "--format", "csv", "-o", str(pg_out))),
                timed(["psql", "-X", "-q", _libpq(pg), "-c", copy]),
            )
        )
        results[-1].note = f"{rows(pg_out)} rows; same rows as psql: {_same(pg_out, base_out)}"
    return results


def bench_import(db: str, pg: str | None, work: Path, rows: int, engines: set[str]) -> list[Result]:
    """Item 3: ``rows`` exported incidents into a fresh database.

    The export is JSON Lines, the lossless format. The baselines load the very same file,
    one line per row, into a one-column table. ``engines`` picks SQLite, PostgreSQL or
    both: at a million rows each engine's import is half an hour or more.
    """
    part = work / "import.jsonl"
    flt = ["--limit", str(rows), "--sort", "id"]
    timed(incidents(db, "export", "--format", "jsonl", *flt, "-o", str(part)))
    with part.open(encoding="utf-8") as fh:
        n_rows = sum(1 for _ in fh)
    results: list[Result] = []
    if "sqlite" in engines:
        results.append(_import_sqlite(part, n_rows, work))
    if pg and "postgres" in engines:
        results.append(_import_postgres(part, n_rows, pg, work))
    return results


def _import_sqlite(part: Path, n_rows: int, work: Path) -> Result:
    target = work / "imported.db"
    base_db = work / "sqlite_import.db"
    for f in (target, base_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{f}{suffix}").unlink(missing_ok=True)
    subprocess.run(incidents(str(target), "init"), check=True, capture_output=True)
    ours = timed(incidents(str(target), "import", str(part)), stdout=work / "import_report.txt")
    # Tab-separated, no quoting: a JSON line holds no raw tab, so it stays one field.
    load = f'.mode ascii\n.separator "\\t" "\\n"\n.import {part} docs\n'
    script = work / "sqlite_import.sql"
    script.write_text("CREATE TABLE docs (doc TEXT);\n" + load, encoding="utf-8")
    base = timed(["sqlite3", str(base_db)], stdin=script)
    return Result(
        f"import of {n_rows:,} exported incidents, JSONL (SQLite)",
        ours,
        base,
        note=f"{n_rows / ours.seconds:,.0f} incidents/s; sqlite3 .import of the lines",
    )


def _import_postgres(part: Path, n_rows: int, pg: str, work: Path) -> Result:
    fresh = _fresh_pg(pg, "bench_import")
    subprocess.run(incidents(fresh, "init"), check=True, capture_output=True)
    ours = timed(incidents(fresh, "import", str(part)), stdout=work / "import_report_pg.txt")
    subprocess.run(
        ["psql", "-X", "-q", _libpq(fresh), "-c", "CREATE TABLE docs (doc text)"], check=True
    )
    # CSV with quote and delimiter bytes JSON never holds: each line is one value, verbatim.
    copy = f"\\copy docs FROM '{part}' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
    base = timed(["psql", "-X", "-q", _libpq(fresh), "-c", copy])
    return Result(
        f"import of {n_rows:,} exported incidents, JSONL (PostgreSQL, COPY)",
        ours,
        base,
        note=f"{n_rows / ours.seconds:,.0f} incidents/s; psql \\copy of the lines",
    )


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh))


def _fresh_pg(url: str, name: str) -> str:
    base = _libpq(url).rsplit("/", 1)[0]
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", "-X", "-q", f"{base}/postgres", "-c", sql], check=True)
    return f"{base}/{name}"


def bench_startup(db: str, work: Path) -> list[Result]:
    """Item 4: `--help` and a one-row `show`, each a fresh process."""
    first = sqlite3.connect(db).execute("SELECT public_id FROM incidents LIMIT 1").fetchone()[0]
    python = [sys.executable, "-c", "pass"]
    return [
        Result(
            "incidents --help",
            median_run([str(BIN / "incidents"), "--help"], 9),
            median_run(python, 9),
            note="baseline: an empty Python process",
        ),
        Result(
            f"incidents show {first} (cold process)",
            median_run(incidents(db, "show", first, "--format", "json"), 7),
            median_run(["sqlite3", db, f"SELECT * FROM incidents WHERE public_id = '{first}'"], 7),
            note="baseline: the row in sqlite3",
        ),
        Result(
            f"incidents show {first} (first run: empty cache directory)",
            # Each run gets a new, empty cache directory: the derived tables are rebuilt.
            min(
                (
                    timed(
                        incidents(db, "show", first, "--format", "json"),
                        env={"INCIDENTS_CACHE_DIR": tempfile.mkdtemp(dir=work)},
                    )
                    for _ in range(3)
                ),
                key=lambda run: run.seconds,
            ),
            None,
            note="once per installation: region names and ISO codes are derived and cached",
        ),
    ]


def bench_extract(work: Path) -> list[Result]:
    """Item 5: extraction throughput."""
    out = work / "extract.txt"
    run = timed([sys.executable, str(ROOT / "benchmarks" / "extract_speed.py")], stdout=out)
    figures = json.loads(out.read_text().strip().splitlines()[-1])
    return [Result("extraction (benchmarks/extract_speed.py)", run, None, note=json.dumps(figures))]


# --------------------------------------------------------------------------- PostgreSQL copy


def copy_to_postgres(sqlite_path: str, pg_url: str) -> None:
    """Load the SQLite benchmark database into PostgreSQL with COPY (same rows and ids)."""
    import psycopg

    from incidents.db import migrate
    from incidents.db.engine import make_engine
    from incidents.db.models import Base

    engine = make_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    migrate.upgrade(engine)
    engine.dispose()
    source = sqlite3.connect(sqlite_path)
    with psycopg.connect(_libpq(pg_url)) as conn:
        tables = [t.name for t in Base.metadata.sorted_tables]
        conn.execute("TRUNCATE " + ", ".join(tables) + " CASCADE")
        for table in tables:
            columns = [c.name for c in Base.metadata.tables[table].columns]
            names = ", ".join(f'"{c}"' for c in columns)
            cursor = source.execute(f"SELECT {names} FROM {table} ORDER BY id")
            with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                while batch := cursor.fetchmany(10_000):
                    for row in batch:
                        copy.write_row(row)
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT max(id) FROM {table}), 1))"
            )
            print(f"copied {table}", file=sys.stderr)
        conn.execute("ANALYZE")


# --------------------------------------------------------------------------- main


ENGINES = ("sqlite", "postgres")
BENCHMARKS = ("list", "export", "import", "startup", "extract")


def _subset(choices: Sequence[str]) -> Callable[[str], set[str]]:
    """A parser of a comma-separated subset of ``choices``: a typo is an error, not a no-op."""

    def parse(value: str) -> set[str]:
        names = {name.strip() for name in value.split(",") if name.strip()}
        if not names or names - set(choices):
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated list of {', '.join(choices)}; got {value!r}"
            )
        return names

    return parse


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/scale/bench.db", help="SQLite benchmark database")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--generate", action="store_true", help="generate --size incidents first")
    parser.add_argument("--postgres", help="PostgreSQL database URL to copy into and time")
    parser.add_argument("--skip-copy", action="store_true", help="PostgreSQL already loaded")
    parser.add_argument("--workdir", default="/tmp/scale/work")
    parser.add_argument("--only", type=_subset(BENCHMARKS), default=set(BENCHMARKS))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument(
        "--import-rows", type=int, default=IMPORT_ROWS, help="rows exported, then imported"
    )
    parser.add_argument(
        "--import-on",
        type=_subset(ENGINES),
        help="engines the import benchmark loads, of sqlite,postgres "
        "(default: sqlite, and postgres when --postgres is given)",
    )
    args = parser.parse_args(argv)
    only: set[str] = args.only
    import_on: set[str] = args.import_on or {"sqlite", *(["postgres"] if args.postgres else [])}
    if "import" in only and "postgres" in import_on and not args.postgres:
        parser.error("--import-on postgres needs --postgres URL (the database to import into)")
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    if args.generate:
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(args.size)]
            + ["--db", args.db],
            check=True,
        )
    subprocess.run(incidents(args.db, "db", "upgrade"), check=True, capture_output=True)
    if args.postgres and not args.skip_copy:
        copy_to_postgres(args.db, args.postgres)
    results: list[Result] = []
    steps: list[tuple[str, Callable[[], list[Result]]]] = [
        ("list", lambda: bench_list(args.db, args.postgres, work)),
        ("export", lambda: bench_export(args.db, args.postgres, work)),
        (
            "import",
            lambda: bench_import(args.db, args.postgres, work, args.import_rows, import_on),
        ),
        ("startup", lambda: bench_startup(args.db, work)),
        ("extract", lambda: bench_extract(work)),
    ]
    print(
        f"{'benchmark':58} {'ours s':>8} {'cpu s':>7} {'RSS MB':>7} "
        f"{'base s':>8} {'cpu s':>7} {'RSS MB':>7} {'ratio':>7}"
    )
    for name, step in steps:
        if name not in only:
            continue
        # Printed (and saved) as each finishes: a late failure keeps the earlier figures.
        for r in step():
            results.append(r)
            _print(r)
            if args.json:
                data = [{**asdict(x), "ratio": x.ratio} for x in results]
                Path(args.json).write_text(json.dumps(data, indent=2), encoding="utf-8")


def _print(r: Result) -> None:
    base = r.baseline
    print(
        f"{r.name:58} {r.ours.seconds:8.3f} {r.ours.cpu_seconds:7.2f} {r.ours.peak_rss_mb:7.0f} "
        + (
            f"{base.seconds:8.3f} {base.cpu_seconds:7.2f} {base.peak_rss_mb:7.0f} "
            if base
            else f"{'-':>8} {'-':>7} {'-':>7} "
        )
        + (f"{r.ratio:7.2f}" if r.ratio else f"{'-':>7}"),
        flush=True,
    )
    if r.note:
        print(f"    {r.note}", flush=True)


if __name__ == "__main__":
    main()
