"""incidents: a research database for friendly-fire and fratricide incidents.

The schema's models are re-exported lazily (PEP 562): ``import incidents`` stays cheap,
so the CLI starts without building the pydantic models it does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from incidents.schema import (
        Actor,
        ActorInvolvement,
        CasualtyFigure,
        Claim,
        Incident,
        IncidentDate,
        IncidentFilter,
        IncidentRecord,
        Location,
        Source,
    )

__version__ = "0.1.0"
__all__ = [
    "Actor",
    "ActorInvolvement",
    "CasualtyFigure",
    "Claim",
    "Incident",
    "IncidentDate",
    "IncidentFilter",
    "IncidentRecord",
    "Location",
    "Source",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("incidents.schema"), name)
    raise AttributeError(f"module 'incidents' has no attribute {name!r}")
