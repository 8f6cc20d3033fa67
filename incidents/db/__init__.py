"""Storage: ORM tables, engine set-up, migrations and queries."""
