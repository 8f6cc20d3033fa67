"""Alembic migration scripts, shipped inside the package as ``incidents.migrations``."""
