"""GeoJSON (RFC 7946): a FeatureCollection of points with the flat columns as properties.

Written feature by feature, so memory stays flat. An incident without coordinates is a
Feature with ``"geometry": null`` (valid GeoJSON; QGIS and GeoPandas load it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from incidents.exchange.flat import flat_row
from incidents.schema import IncidentRecord

_HEAD = '{"type": "FeatureCollection", "features": [\n'
_TAIL = "\n]}\n"


def feature(record: IncidentRecord) -> dict[str, Any]:
    """One incident as a GeoJSON Feature: a [longitude, latitude] point and flat properties."""
    props = flat_row(record)
    lat, lon = props["latitude"], props["longitude"]
    geometry = None if lat is None or lon is None else {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "id": record.id, "geometry": geometry, "properties": props}


def write_geojson(records: Iterable[IncidentRecord], out: TextIO) -> int:
    """Stream a FeatureCollection to ``out``; return how many incidents were written."""
    out.write(_HEAD)
    count = 0
    for record in records:
        if count:
            out.write(",\n")
        out.write(json.dumps(feature(record), ensure_ascii=False))
        count += 1
    out.write(_TAIL)
    return count
