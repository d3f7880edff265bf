"""Named keys of the ``data`` of an element row (:func:`spaces.element_index`), which the server
stores per model revision and reads for filters, room facts, diffs and device registration.

Readers use these names instead of string literals, so that a renamed key fails loudly in one
place. ``ElementData`` members are ``str``: ``row.data[ElementData.AREA_QTO]`` works on the plain
JSON dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

__all__ = ["ElementData", "area_of"]


class ElementData(StrEnum):
    """Keys of an element row's ``data``, by the kinds that carry them."""

    # storey
    ELEVATION = "elevation"
    # storey, space
    LONG_NAME = "long_name"
    # space
    OBJECT_TYPE = "object_type"
    AREA_QTO = "area_qto"
    AREA_GEOMETRY = "area_geometry"
    AREA_PROPERTY = "area_property"  # an authoring tool's own area (Revit's PSet_Revit_Dimensions)
    HEIGHT = "height"
    USE = "use"  # spaces.space_use: what the space is used for, its confidence, source, evidence
    USE_CONFIDENCE = "use_confidence"
    USE_SOURCE = "use_source"
    USE_EVIDENCE = "use_evidence"
    # door
    WIDTH = "width"
    EXTERIOR = "exterior"
    # stair
    VERTICAL_KIND = "vertical_kind"
    # stair, equipment, system
    PREDEFINED_TYPE = "predefined_type"
    # equipment
    IS_ASSET = "is_asset"
    TYPE_NAME = "type_name"
    MANUFACTURER = "manufacturer"
    MODEL_LABEL = "model_label"
    SERIAL_NUMBER = "serial_number"
    PROVENANCE = "provenance"
    CONFIDENCE = "confidence"
    SYSTEMS = "systems"
    # system, zone
    MEMBERS = "members"
    # space, door, stair, equipment
    CENTROID = "centroid"


def area_of(data: Mapping[str, Any]) -> float | None:
    """The area a space counts with: its geometry area, else its Qto area (m²), else None.

    Examples
    --------
    >>> area_of({"area_geometry": None, "area_qto": 12.5})
    12.5
    """
    geometry = data.get(ElementData.AREA_GEOMETRY)
    return geometry if geometry is not None else data.get(ElementData.AREA_QTO)
