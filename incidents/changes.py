"""What changed since a moment: every history entry after it, with its incident.

``changes_since`` reads the history table joined with the incidents, so a collaborator can
bring a copy up to date: which incidents were created, edited (including merged reports,
recorded as edits), deleted (with the reason) or restored. Returns schema objects.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from incidents.db.engine import session_scope
from incidents.db.repository import history_since
from incidents.errors import InputError


class ChangeEntry(BaseModel):
    """One change to one incident: when, who, what kind, why and which fields."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="public id of the incident")
    title: str = Field(description="the incident's current title")
    at: datetime
    user: str
    action: str = Field(description="create, update, delete or restore")
    reason: str | None = None
    fields: list[str] = Field(
        default_factory=list, description="top-level fields an update changed"
    )
    deleted: bool = Field(description="whether the incident is deleted now")


def parse_since(text: str) -> datetime:
    """An ISO date or date-time; naive values are UTC, dates mean their midnight."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"--since: {text!r} is not a date or date-time (e.g. 2024-05-01 or 2024-05-01T12:00)"
        ) from None
    if len(value) == 10:
        parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC values; PostgreSQL aware ones.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _changed_fields(action: str, changes: dict[str, Any]) -> list[str]:
    if action != "update":
        return []
    return list(dict.fromkeys(path.split(".", 1)[0] for path in changes))


def changes_since(engine: Engine, since: datetime) -> list[ChangeEntry]:
    """Every recorded change after ``since`` (UTC if naive), oldest first."""
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    with session_scope(engine) as session:
        return [
            ChangeEntry(
                id=incident.public_id,
                title=incident.title,
                at=_aware(history.at),
                user=history.user,
                action=history.action,
                reason=history.reason,
                fields=_changed_fields(history.action, history.changes),
                deleted=incident.deleted_at is not None,
            )
            for history, incident in history_since(session, since.astimezone(UTC))
        ]
