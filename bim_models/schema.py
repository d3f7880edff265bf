"""Where IFC2X3, IFC4 and IFC4X3 differ, in one place.

Every other module asks this one instead of branching on the schema itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import ifcopenshell

__all__ = [
    "ASSET_EXCLUDED_CLASSES",
    "EQUIPMENT_ROOT_CLASSES",
    "SUPPORTED_SCHEMAS",
    "VERTICAL_CLASSES",
    "by_type",
    "get_port_element",
    "get_predefined_type",
    "normalise_schema",
]

#: Schema families this product reads, by ``ifcopenshell.file.schema``.
SUPPORTED_SCHEMAS = ("IFC2X3", "IFC4", "IFC4X3")

#: Roots of the equipment classes (the FM asset list, as COBie counts it).
EQUIPMENT_ROOT_CLASSES = ("IfcDistributionElement", "IfcFurnishingElement")

#: Subclasses of ``IfcDistributionElement`` kept as connectors, not counted as assets.
ASSET_EXCLUDED_CLASSES = ("IfcFlowSegment", "IfcFlowFitting")

#: Vertical circulation: class -> kind.
VERTICAL_CLASSES = {"IfcStair": "stair", "IfcRamp": "ramp", "IfcTransportElement": "transport"}


def normalise_schema(model: ifcopenshell.file) -> str | None:
    """Return the schema family of ``model`` if supported, else ``None``.

    ``IFC4X3_ADD2`` and the other IFC4X3 addenda are reported as ``"IFC4X3"``.
    """
    family = model.schema
    return family if family in SUPPORTED_SCHEMAS else None


def by_type(model: ifcopenshell.file, ifc_class: str) -> list[ifcopenshell.entity_instance]:
    """``model.by_type`` with subtypes, returning ``[]`` for a class the schema lacks.

    Examples
    --------
    ``IfcDistributionSystem`` does not exist in IFC2X3; ``by_type(f, "IfcDistributionSystem")``
    is then empty instead of raising.
    """
    try:
        return model.by_type(ifc_class)
    except RuntimeError:
        return []


def get_predefined_type(element: ifcopenshell.entity_instance) -> str | None:
    """The element's predefined type, ``ObjectType`` for ``USERDEFINED``, else ``None``.

    IFC2X3 distribution elements have no ``PredefinedType`` attribute; their type object may.
    """
    value = getattr(element, "PredefinedType", None)
    if value == "USERDEFINED":
        return getattr(element, "ObjectType", None) or value
    if value in (None, "NOTDEFINED"):
        for type_object in _type_relations(element):
            type_value = getattr(type_object, "PredefinedType", None)
            if type_value == "USERDEFINED":
                return getattr(type_object, "ElementType", None) or type_value
            if type_value not in (None, "NOTDEFINED"):
                return type_value
        function = getattr(element, "DistributionPointFunction", None)  # IFC2X3 boards
        if function not in (None, "NOTDEFINED"):
            return function
    return value


def _type_relations(element: ifcopenshell.entity_instance) -> Iterator:
    # IFC4+: IsTypedBy; IFC2X3: IsDefinedBy holds IfcRelDefinesByType among the property rels.
    for rel in getattr(element, "IsTypedBy", None) or ():
        yield rel.RelatingType
    for rel in getattr(element, "IsDefinedBy", None) or ():
        if rel.is_a("IfcRelDefinesByType"):
            yield rel.RelatingType


def get_port_element(port: ifcopenshell.entity_instance) -> ifcopenshell.entity_instance | None:
    """The element a port belongs to, in any schema.

    IFC2X3 ties ports to elements with ``IfcRelConnectsPortToElement`` (inverse
    ``ContainedIn``); IFC4 and later nest them (``IfcRelNests``, inverse ``Nests``), and still
    accept the IFC2X3 relation, so both are tried.
    """
    for rel in getattr(port, "ContainedIn", None) or ():
        if rel.is_a("IfcRelConnectsPortToElement"):
            return rel.RelatedElement
    for rel in getattr(port, "Nests", None) or ():
        return rel.RelatingObject
    return None

