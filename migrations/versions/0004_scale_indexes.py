"""scale indexes

An index in the default listing order (date, then public id), so `list` and `export`
stream rows in order without sorting the whole table first: PostgreSQL walks the index
behind its server-side cursor, SQLite skips its temporary sort B-tree. The region and
country filters already have composite indexes (admin1|country, date_start, date_end)
from 0001; tests/test_explain.py asserts the planners use them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 22:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE INDEX, not batch mode: batch would rebuild the table, which the
    # incidents_flat view refers to.
    op.create_index("ix_incidents_date_public_id", "incidents", ["date_start", "public_id"])


def downgrade() -> None:
    op.drop_index("ix_incidents_date_public_id", table_name="incidents")
