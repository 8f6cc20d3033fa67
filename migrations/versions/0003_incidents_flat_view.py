"""incidents_flat view

A view with exactly the flat CSV export's columns, for Datasette and SQL users. Column
names and order are a frozen copy of ``incidents.exchange.dictionary.FLAT_COLUMNS``; each column's SQL
is below, per dialect (SQLite ``group_concat``, PostgreSQL ``string_agg``). Deleted
incidents are left out, as in ``incidents export``. Views are not in the ORM metadata, so
autogenerate does not compare them.

A later revision that batch-alters a table this view reads must drop the view first and
recreate it after: SQLite refuses to rename the rebuilt table while a view refers to it.
When the flat columns change, add a revision that recreates the view; the test comparing
the view with the CSV header catches a forgotten one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# Frozen copies of the flat CSV spec at this revision: a migration must not change meaning
# when application code does later. tests/test_export.py checks they still agree.
SEPARATOR = " | "
CASUALTY_KINDS = ("killed", "wounded", "missing")
FLAT_COLUMNS = (
    "id",
    "title",
    "date_start",
    "date_end",
    "date_precision",
    "place_as_written",
    "place",
    "gazetteer_id",
    "country",
    "admin1",
    "latitude",
    "longitude",
    "location_precision",
    "intent",
    "mechanism",
    "context",
    "assessed_causes",
    "claimed_causes",
    "weapons",
    "firing",
    "firing_sides",
    "hit",
    "hit_sides",
    "same_side",
    "killed",
    "killed_low",
    "killed_high",
    "wounded",
    "wounded_low",
    "wounded_high",
    "missing",
    "missing_low",
    "missing_high",
    "verification",
    "review_status",
    "source_count",
    "sources",
    "claimants",
    "tags",
    "notes",
)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW = "incidents_flat"
_SEP = SEPARATOR.replace("'", "''")
_FIRING = "('firing', 'both')"
_HIT = "('hit', 'both')"


def _agg(dialect: str, values: str) -> str:
    """Join the ``v`` column of a ``(v, o)`` query, ordered by ``o``; NULL when empty."""
    if dialect == "postgresql":
        return f"(SELECT string_agg(v, '{_SEP}' ORDER BY o) FROM ({values}) AS s)"
    # SQLite keeps the order of an ordered subquery in group_concat.
    return f"(SELECT group_concat(v, '{_SEP}') FROM (SELECT v FROM ({values}) ORDER BY o))"


def _first_seen(values: str) -> str:
    """Distinct ``v`` of a ``(v, o)`` query, each at its first position."""
    return f"SELECT v, MIN(o) AS o FROM ({values}) AS d WHERE v IS NOT NULL GROUP BY v"


def _actors(role: str) -> str:
    return (
        "SELECT COALESCE(a.name, ia.name_as_written) AS v, ia.position AS o "
        "FROM incident_actors ia LEFT JOIN actors a ON a.id = ia.actor_id "
        f"WHERE ia.incident_id = i.id AND ia.role IN {role}"
    )


def _sides(role: str) -> str:
    return _first_seen(
        "SELECT side AS v, position AS o FROM incident_actors "
        f"WHERE incident_id = i.id AND role IN {role}"
    )


def _same_side() -> str:
    def role_where(role: str) -> str:
        return f"FROM incident_actors WHERE incident_id = i.id AND role IN {role}"

    return (
        "CASE "
        f"WHEN NOT EXISTS (SELECT 1 {role_where(_FIRING)}) "
        f"OR NOT EXISTS (SELECT 1 {role_where(_HIT)}) "
        f"OR EXISTS (SELECT 1 {role_where(_FIRING)} AND side IS NULL) "
        f"OR EXISTS (SELECT 1 {role_where(_HIT)} AND side IS NULL) THEN NULL "
        f"WHEN (SELECT COUNT(DISTINCT side) {role_where(_FIRING)}) = 1 "
        f"AND (SELECT COUNT(DISTINCT side) {role_where(_HIT)}) = 1 "
        f"AND (SELECT MIN(side) {role_where(_FIRING)}) = (SELECT MIN(side) {role_where(_HIT)}) "
        "THEN 'true' ELSE 'false' END"
    )


def _claimed_causes() -> str:
    return (
        "SELECT cc.cause AS v, c.position * 1000 + cc.position AS o "
        "FROM claims c JOIN claim_causes cc ON cc.claim_id = c.id WHERE c.incident_id = i.id"
    )


def _casualty(kind: str, bound: str) -> str:
    """One incident-level figure: per-claim sums, then MIN (low) or MAX (best, high)."""
    figure = {
        "low": "COALESCE(f.low, f.best, f.high)",
        "best": "COALESCE(f.best, f.low, f.high)",
        "high": "COALESCE(f.high, f.best, f.low)",
    }[bound]
    pick = "MIN" if bound == "low" else "MAX"
    return (
        f"(SELECT {pick}(t) FROM (SELECT SUM({figure}) AS t FROM claims c "
        "JOIN casualties f ON f.claim_id = c.id "
        f"WHERE c.incident_id = i.id AND c.stance <> 'denies' AND f.kind = '{kind}' "
        "GROUP BY c.id) AS per_claim)"
    )


def _sources(dialect: str) -> str:
    return _agg(
        dialect,
        "SELECT COALESCE(s.url, s.outlet) AS v, MIN(c.position) AS o "
        "FROM claims c JOIN sources s ON s.id = c.source_id "
        "WHERE c.incident_id = i.id GROUP BY s.id, s.url, s.outlet",
    )


def _date(dialect: str, column: str) -> str:
    return f"to_char(i.{column}, 'YYYY-MM-DD')" if dialect == "postgresql" else f"i.{column}"


def expressions(dialect: str) -> dict[str, str]:
    """The SQL of every column of the view, by column name."""
    exprs = {
        "id": "i.public_id",
        "title": "i.title",
        "date_start": _date(dialect, "date_start"),
        "date_end": _date(dialect, "date_end"),
        "date_precision": "i.date_precision",
        "place_as_written": "i.place_as_written",
        "place": "i.place_name",
        "gazetteer_id": "i.gazetteer_id",
        "country": "i.country",
        "admin1": "i.admin1",
        "latitude": "i.latitude",
        "longitude": "i.longitude",
        "location_precision": "i.location_precision",
        "intent": "i.intent",
        "mechanism": "i.mechanism",
        "context": "i.context",
        "assessed_causes": _agg(
            dialect,
            "SELECT cause AS v, position AS o FROM incident_causes WHERE incident_id = i.id",
        ),
        "claimed_causes": _agg(dialect, _first_seen(_claimed_causes())),
        "weapons": _agg(
            dialect,
            "SELECT weapon AS v, position AS o FROM incident_weapons WHERE incident_id = i.id",
        ),
        "firing": _agg(dialect, _actors(_FIRING)),
        "firing_sides": _agg(dialect, _sides(_FIRING)),
        "hit": _agg(dialect, _actors(_HIT)),
        "hit_sides": _agg(dialect, _sides(_HIT)),
        "same_side": _same_side(),
        "verification": "i.verification",
        "review_status": "i.review_status",
        "source_count": "(SELECT COUNT(DISTINCT source_id) FROM claims WHERE incident_id = i.id)",
        "sources": _sources(dialect),
        "claimants": _agg(
            dialect,
            _first_seen("SELECT claimant AS v, position AS o FROM claims WHERE incident_id = i.id"),
        ),
        "tags": _agg(
            dialect, "SELECT tag AS v, position AS o FROM incident_tags WHERE incident_id = i.id"
        ),
        "notes": "i.notes",
    }
    for kind in CASUALTY_KINDS:
        exprs[kind] = _casualty(kind, "best")
        exprs[f"{kind}_low"] = _casualty(kind, "low")
        exprs[f"{kind}_high"] = _casualty(kind, "high")
    return exprs


def view_sql(dialect: str) -> str:
    """CREATE VIEW with the flat columns in the export's order."""
    exprs = expressions(dialect)
    columns = ",\n  ".join(f'{exprs[name]} AS "{name}"' for name in FLAT_COLUMNS)
    return f"CREATE VIEW {VIEW} AS SELECT\n  {columns}\nFROM incidents i WHERE i.deleted_at IS NULL"


def upgrade() -> None:
    op.execute(view_sql(op.get_bind().dialect.name))


def downgrade() -> None:
    op.execute(f"DROP VIEW IF EXISTS {VIEW}")
