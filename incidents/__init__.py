"""incidents: a research database for friendly-fire and fratricide incidents."""

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
