"""The building graph as Brick (https://brickschema.org, 1.4): plain data in, an rdflib graph out.

What is written:

- the building, storeys, spaces and IFC zones as RealEstateCore locations (``rec:Building``,
  ``rec:Level``, ``rec:Room``, ``rec:Zone``: Brick 1.4 replaces its own location classes by
  these), joined by ``brick:hasPart``;
- equipment, its Brick class mapped from the IFC class and predefined type
  (:data:`EQUIPMENT_CLASSES`), located with ``brick:hasLocation`` in its room (else its storey);
- distribution systems (:data:`SYSTEM_CLASSES`) with ``rec:includes`` their members;
- ``brick:feeds`` between assets, following the port connections through duct and pipe
  segments (which are not written themselves);
- the registered devices as points (:data:`POINT_CLASSES`), ``brick:isPointOf`` their equipment
  (else their room), with ``brick:hasUnit`` a QUDT unit where the kind has one and a
  ``ref:TimeseriesReference`` holding the device key the readings are stored under;
- every element with a ``ref:IFCReference`` (``ref:ifcGlobalID``, ``ref:ifcName``, and the
  ``ref:ifcProject`` naming the model file);
- the QUDT units used, declared as ``qudt:Unit``.

Entities are named ``<namespace><GlobalId>`` (points ``<namespace>point/<device key>``).

The other way round, :func:`devices_from_brick` reads the points of a Brick model (the twin's
own export or an integrator's) as device specs for the registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import networkx as nx
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef

__all__ = ["BRICK", "EQUIPMENT_CLASSES", "POINT_CLASSES", "POINT_KINDS", "REC", "REF",
           "SYSTEM_CLASSES", "UNIT", "UNITS", "brick_class_of", "brick_graph",
           "devices_from_brick"]

BRICK = Namespace("https://brickschema.org/schema/Brick#")
REF = Namespace("https://brickschema.org/schema/Brick/ref#")
UNIT = Namespace("http://qudt.org/vocab/unit/")
REC = Namespace("https://w3id.org/rec#")
QUDT = Namespace("http://qudt.org/schema/qudt/")

#: (IFC class, predefined type or None for any) -> Brick class name.
EQUIPMENT_CLASSES: dict[tuple[str, str | None], str] = {
    ("IfcUnitaryEquipment", "AIRHANDLER"): "Air_Handling_Unit",
    ("IfcUnitaryEquipment", None): "HVAC_Equipment",
    ("IfcAirTerminalBox", None): "Variable_Air_Volume_Box",
    ("IfcAirTerminal", None): "Air_Diffuser",
    ("IfcChiller", None): "Chiller",
    ("IfcBoiler", None): "Boiler",
    ("IfcPump", None): "Pump",
    ("IfcFan", None): "Fan",
    ("IfcDamper", None): "Damper",
    ("IfcValve", None): "Valve",
    ("IfcCoil", None): "Coil",
    ("IfcFilter", None): "Filter",
    ("IfcTank", None): "Tank",
    ("IfcCoolingTower", None): "Cooling_Tower",
    ("IfcHeatExchanger", None): "Heat_Exchanger",
    ("IfcLightFixture", None): "Luminaire",
    ("IfcLamp", None): "Luminaire",
    ("IfcFlowMeter", "ENERGYMETER"): "Electrical_Meter",
    ("IfcFlowMeter", "WATERMETER"): "Water_Meter",
    ("IfcFlowMeter", None): "Meter",
    ("IfcElectricDistributionBoard", None): "Breaker_Panel",
    ("IfcSensor", "SMOKESENSOR"): "Smoke_Detector",
    ("IfcSensor", "IDENTIFIERSENSOR"): "Access_Reader",
    ("IfcSensor", None): "Sensor_Equipment",
    ("IfcController", None): "Controller",
    ("IfcAlarm", None): "Fire_Safety_Equipment",
    ("IfcTransportElement", None): "Elevator",
}
#: IFC distribution system predefined type -> Brick class name (default ``System``).
SYSTEM_CLASSES: dict[str, str] = {
    "VENTILATION": "Ventilation_Air_System", "AIRCONDITIONING": "HVAC_System",
    "CHILLEDWATER": "Chilled_Water_System", "HEATING": "Hot_Water_System",
    "ELECTRICAL": "Electrical_System", "LIGHTING": "Lighting_System",
    "FIREPROTECTION": "Fire_Safety_System", "DOMESTICCOLDWATER": "Water_System",
    "DOMESTICHOTWATER": "Water_System",
}
#: Device kind (:mod:`bim_models.device_kinds`) -> Brick point class name.
POINT_CLASSES: dict[str, str] = {
    "temperature": "Air_Temperature_Sensor", "humidity": "Relative_Humidity_Sensor",
    "co2": "CO2_Level_Sensor", "occupancy": "Occupancy_Count_Sensor",
    "power": "Active_Power_Sensor", "energy": "Electric_Energy_Sensor",
    "water": "Water_Usage_Sensor", "flow": "Flow_Sensor", "pressure": "Pressure_Sensor",
    "damper_position": "Damper_Position_Sensor", "valve_position": "Valve_Position_Sensor",
    "status": "On_Off_Status", "fault_code": "Fault_Status", "smoke": "Smoke_Detection_Alarm",
    "access_event": "Status",
}
#: Brick point class name -> device kind, for reading points back (the inverse of
#: :data:`POINT_CLASSES` and the common parent classes).
POINT_KINDS: dict[str, str] = {
    **{name: kind for kind, name in POINT_CLASSES.items() if name != "Status"},
    "Temperature_Sensor": "temperature", "Zone_Air_Temperature_Sensor": "temperature",
    "Humidity_Sensor": "humidity", "CO2_Sensor": "co2", "Occupancy_Sensor": "occupancy",
    "Power_Sensor": "power", "Electric_Power_Sensor": "power", "Energy_Sensor": "energy",
    "Water_Flow_Sensor": "flow", "Smoke_Detection_Alarm": "smoke",
}
#: The twin's unit strings -> QUDT units (kinds without one get no ``brick:hasUnit``).
UNITS: dict[str, str] = {
    "°C": "DEG_C", "%": "PERCENT", "ppm": "PPM", "kW": "KiloW", "kWh": "KiloW-HR",
    "m³": "M3", "m³/h": "M3-PER-HR", "Pa": "PA", "persons": "NUM",
}
_LOCATIONS = {"building": REC.Building, "storey": REC.Level, "space": REC.Room,
              "zone": REC.Zone}


def brick_class_of(ifc_class: str, predefined_type: str | None) -> str:
    """The Brick class name for an item of equipment (``Equipment`` when nothing fits)."""
    return (EQUIPMENT_CLASSES.get((ifc_class, predefined_type))
            or EQUIPMENT_CLASSES.get((ifc_class, None)) or "Equipment")


def _node(namespace: Namespace, global_id: str) -> URIRef:
    return namespace[quote(global_id, safe="")]


def _ifc_reference(out: Graph, subject: URIRef, global_id: str, data: Mapping[str, Any],
                   project: URIRef) -> None:
    reference = BNode()
    out.add((subject, REF.hasExternalReference, reference))
    out.add((reference, RDF.type, REF.IFCReference))
    out.add((reference, REF.hasIfcProjectReference, project))
    out.add((reference, REF.ifcGlobalID, Literal(global_id)))
    if data.get("name"):
        out.add((reference, REF.ifcName, Literal(str(data["name"]))))


def _asset_feeds(graph: nx.MultiDiGraph, assets: set[str]) -> set[tuple[str, str]]:
    """Asset -> asset ``feeds``, passing through connectors (segments, fittings)."""
    feeds_out: dict[str, list[str]] = {}
    for source, target, kind in graph.edges(keys=True):
        if kind == "feeds":
            feeds_out.setdefault(source, []).append(target)
    pairs = set()
    for start in assets:
        stack, seen = list(feeds_out.get(start, ())), {start}
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node in assets:
                pairs.add((start, node))
            else:
                stack.extend(feeds_out.get(node, ()))
    return pairs


def _locations(out: Graph, graph: nx.MultiDiGraph, ns: Namespace, project: URIRef) -> None:
    for global_id, data in graph.nodes(data=True):
        brick_class = _LOCATIONS.get(data["kind"])
        if brick_class is None:
            continue
        subject = _node(ns, global_id)
        out.add((subject, RDF.type, brick_class))
        out.add((subject, RDFS.label, Literal(str(data.get("name") or global_id))))
        _ifc_reference(out, subject, global_id, data, project)
    for source, target, kind in graph.edges(keys=True):
        kinds = (graph.nodes[source]["kind"], graph.nodes[target]["kind"])
        if kind == "contains" and kinds in (("building", "storey"), ("storey", "space")):
            out.add((_node(ns, source), BRICK.hasPart, _node(ns, target)))
        elif kind == "member_of" and kinds == ("space", "zone"):
            out.add((_node(ns, target), BRICK.hasPart, _node(ns, source)))


def _equipment(out: Graph, graph: nx.MultiDiGraph, ns: Namespace, project: URIRef
               ) -> set[str]:
    assets = set()
    for global_id, data in graph.nodes(data=True):
        if data["kind"] == "system":
            subject = _node(ns, global_id)
            name = SYSTEM_CLASSES.get(str(data.get("predefined_type")), "System")
            out.add((subject, RDF.type, BRICK[name]))
            out.add((subject, RDFS.label, Literal(str(data.get("name") or global_id))))
            _ifc_reference(out, subject, global_id, data, project)
        if data["kind"] != "equipment" or not data.get("is_asset", True):
            continue
        assets.add(global_id)
        subject = _node(ns, global_id)
        name = brick_class_of(data["ifc_class"], data.get("predefined_type"))
        out.add((subject, RDF.type, BRICK[name]))
        out.add((subject, RDFS.label, Literal(str(data.get("name") or global_id))))
        _ifc_reference(out, subject, global_id, data, project)
        where = data.get("space") or data.get("storey")
        if where and where in graph:
            out.add((subject, BRICK.hasLocation, _node(ns, where)))
    for source, target, kind in graph.edges(keys=True):
        if (kind == "member_of" and source in assets
                and graph.nodes[target]["kind"] == "system"):
            out.add((_node(ns, target), REC.includes, _node(ns, source)))
    for source, target in _asset_feeds(graph, assets):
        out.add((_node(ns, source), BRICK.feeds, _node(ns, target)))
    return assets


def _points(out: Graph, graph: nx.MultiDiGraph, ns: Namespace, assets: set[str],
            devices: Iterable[Mapping[str, Any]]) -> None:
    for device in devices:
        key = str(device["key"])
        subject = ns[f"point/{quote(key, safe='')}"]
        out.add((subject, RDF.type, BRICK[POINT_CLASSES.get(str(device["kind"]), "Point")]))
        out.add((subject, RDFS.label, Literal(str(device.get("name") or key))))
        unit = UNITS.get(str(device.get("unit") or ""))
        if unit:
            out.add((subject, BRICK.hasUnit, UNIT[unit]))
            out.add((UNIT[unit], RDF.type, QUDT.Unit))
            out.add((UNIT[unit], RDFS.label, Literal(str(device["unit"]))))
        equipment, space = device.get("equipment"), device.get("space")
        if equipment and equipment in assets:
            out.add((subject, BRICK.isPointOf, _node(ns, equipment)))
        elif space and space in graph:
            out.add((subject, BRICK.isPointOf, _node(ns, space)))
        series = BNode()
        out.add((subject, REF.hasExternalReference, series))
        out.add((series, RDF.type, REF.TimeseriesReference))
        out.add((series, REF.hasTimeseriesId, Literal(key)))


def brick_graph(graph: nx.MultiDiGraph, *, devices: Iterable[Mapping[str, Any]] = (),
                namespace: str = "urn:facility-twin:", model_id: str = "",
                model_location: str = "") -> Graph:
    """The building graph (:func:`spaces.build_graph`) and its devices as a Brick model.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The building graph.
    devices : iterable of mapping
        Registered devices: ``key``, ``kind``, ``unit``, optional ``name``, ``equipment`` and
        ``space`` (GlobalIds).
    namespace : str
        The prefix of the entities' IRIs (bound as ``bldg``).
    model_id, model_location : str
        The model's identity (e.g. its content hash) and where it is (file name or URL),
        written on the ``ref:ifcProject`` every IFC reference points to.

    Returns
    -------
    rdflib.Graph
        Brick triples; serialise with ``.serialize(format="turtle")``.
    """
    ns = Namespace(namespace)
    out = Graph()
    for prefix, bound in (("brick", BRICK), ("rec", REC), ("ref", REF), ("unit", UNIT),
                          ("qudt", QUDT), ("bldg", ns)):
        out.bind(prefix, bound)
    project = ns["ifc-project"]
    out.add((project, RDF.type, REF.ifcProject))
    out.add((project, REF.ifcProjectID, Literal(model_id)))
    out.add((project, REF.ifcFileLocation, Literal(model_location)))
    _locations(out, graph, ns, project)
    assets = _equipment(out, graph, ns, project)
    _points(out, graph, ns, assets, devices)
    return out


def _global_id_of(rdf: Graph, entity: URIRef) -> str | None:
    for reference in rdf.objects(entity, REF.hasExternalReference):
        value = rdf.value(reference, REF.ifcGlobalID)
        if value is not None:
            return str(value)
    return None


def _key_of(rdf: Graph, point: URIRef) -> str:
    for reference in rdf.objects(point, REF.hasExternalReference):
        value = rdf.value(reference, REF.hasTimeseriesId)
        if value is not None:
            return str(value)
    return str(point).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1]


def devices_from_brick(rdf: Graph, graph: nx.MultiDiGraph
                       ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The points of a Brick model as device specs of the building ``graph``.

    A point becomes a device when its class maps to a device kind (:data:`POINT_KINDS`) and it
    is ``brick:isPointOf`` (or the target ``brick:hasPoint`` it) an entity whose
    ``ref:IFCReference`` names equipment or a room of the graph. The serial key is the point's
    ``ref:hasTimeseriesId``, else the last segment of its IRI.

    Returns
    -------
    (specs, skipped)
        ``specs``: ``{"key", "kind", "name", "equipment" | "space"}`` for
        :func:`twin.iot.registry.add_devices`; ``skipped``: ``{"point", "reason"}``.
    """
    owners: dict[URIRef, URIRef] = {}
    for point, owner in rdf.subject_objects(BRICK.isPointOf):
        owners.setdefault(point, owner)
    for owner, point in rdf.subject_objects(BRICK.hasPoint):
        owners.setdefault(point, owner)
    specs, skipped = [], []
    for point, owner in sorted(owners.items()):
        kinds = {POINT_KINDS[str(c).removeprefix(str(BRICK))]
                 for c in rdf.objects(point, RDF.type)
                 if str(c).startswith(str(BRICK)) and str(c).removeprefix(str(BRICK))
                 in POINT_KINDS}
        if len(kinds) != 1:
            skipped.append({"point": str(point), "reason": "its class is no device kind"
                            if not kinds else f"its classes say {sorted(kinds)}"})
            continue
        global_id = _global_id_of(rdf, owner)
        if global_id is None or global_id not in graph:
            skipped.append({"point": str(point),
                            "reason": f"{owner} names no element of the model"})
            continue
        where = graph.nodes[global_id]["kind"]
        if where not in ("equipment", "space"):
            skipped.append({"point": str(point),
                            "reason": f"{global_id} is a {where}, not equipment or a room"})
            continue
        label = rdf.value(point, RDFS.label)
        specs.append({"key": _key_of(rdf, point), "kind": kinds.pop(),
                      "name": str(label) if label is not None else None,
                      where: global_id})
    return specs, skipped
