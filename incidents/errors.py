"""Domain exceptions. The CLI maps each to an exit code and one stderr line, once."""

from __future__ import annotations


class IncidentsError(Exception):
    """Base of every error the library raises on purpose; ``str(err)`` is one line."""

    exit_code = 1


class InputError(IncidentsError):
    """Input that cannot be accepted: malformed file, wrong type, impossible value."""

    exit_code = 2


class ValidationFailed(InputError):
    """Schema validation failed; the message names the field (and line or row)."""


class UnknownRegionError(InputError):
    """A region name that matches no admin1 region (suggestions in the message)."""


class UnknownPlaceError(InputError):
    """A place name the gazetteer and the user-added places do not know."""


class NotFoundError(IncidentsError):
    """A public id, source or place that is not in the database."""

    exit_code = 3


class ConflictError(IncidentsError):
    """A write that would duplicate or overwrite something that exists."""

    exit_code = 4


class DatabaseError(IncidentsError):
    """The database is unreachable, outdated or otherwise unusable."""

    exit_code = 5


class ProblemsFound(IncidentsError):
    """``incidents db check`` found problems; exit code 6 tells them from "cannot check" (5)."""

    exit_code = 6
