"""What the sample building is made of: room programme, grades, equipment roles.

Plain data, used by the layout planner (:mod:`bim_models.sample.plan`), the IFC writer
(:mod:`bim_models.sample.ifc_writer`) and the people and device lists
(:mod:`bim_models.sample.people`).
Areas follow the 2014 standard 《党政机关办公用房建设标准》 for a city-level (市级) body
(``shared/reference/office-space-standards.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CITY_GRADE_LIMITS",
    "EQUIPMENT_ROLES",
    "LEADER_VARIANTS",
    "OFFICE_VARIANTS",
    "ROOM_DEPTH",
    "ROOM_USES",
    "EquipmentRole",
    "OfficeVariant",
]

#: Depth of the rooms on each side of the corridor, metres (so width = area / depth).
ROOM_DEPTH = 6.0

#: 市级机关 office usable area per person, m², 2014 standard.
CITY_GRADE_LIMITS = {
    "市级正职": 42.0,
    "市级副职": 30.0,
    "正局(处)级": 24.0,
    "副局(处)级": 18.0,
    "局(处)级以下": 9.0,
}

#: Room uses: use -> (long name, is an office in the model).
ROOM_USES = {
    "office": ("Office", True),
    "open_office": ("Open-plan office", True),
    "meeting_small": ("Meeting room (small)", False),
    "meeting_medium": ("Meeting room (medium)", False),
    "meeting_large": ("Meeting room (large)", False),
    "corridor": ("Corridor", False),
    "entrance": ("Entrance hall and corridor", False),
    "stair": ("Stair core", False),
    "lift": ("Lift shaft", False),
    "toilet": ("Toilets", False),
    "tea": ("Tea room", False),
    "store": ("Storeroom", False),
    "plant": ("Plant room", False),
    "electrical": ("Electrical room", False),
}


@dataclass(frozen=True, slots=True)
class OfficeVariant:
    """A cellular office design: who it is for and how big it is.

    ``grades`` lists the planned occupants' grades; ``area`` is the room's net area, m². The
    compliance verdict the generator expects is ``area`` against the sum of the grades' limits.
    """

    key: str
    grades: tuple[str, ...]
    area: float

    @property
    def limit(self) -> float:
        """Sum of the planned occupants' limits, m²."""
        return sum(CITY_GRADE_LIMITS[g] for g in self.grades)


#: Cellular offices cycled through on every office storey: at, over and under the limit.
OFFICE_VARIANTS = (
    OfficeVariant("director-at", ("正局(处)级",), 24.0),
    OfficeVariant("deputy-at", ("副局(处)级",), 18.0),
    OfficeVariant("deputy-over", ("副局(处)级",), 21.6),
    OfficeVariant("staff2-at", ("局(处)级以下", "局(处)级以下"), 18.0),
    OfficeVariant("director-under", ("正局(处)级",), 21.0),
    OfficeVariant("staff2-over", ("局(处)级以下", "局(处)级以下"), 22.8),
    OfficeVariant("staff3-at", ("局(处)级以下",) * 3, 27.0),
    OfficeVariant("deputy-under", ("副局(处)级",), 15.0),
    OfficeVariant("director-over", ("正局(处)级",), 30.0),
)

#: Offices of the body's leaders, on the top storey.
LEADER_VARIANTS = (
    OfficeVariant("mayor-at", ("市级正职",), 42.0),
    OfficeVariant("vice-at", ("市级副职",), 30.0),
    OfficeVariant("vice-over", ("市级副职",), 36.0),
)


@dataclass(frozen=True, slots=True)
class EquipmentRole:
    """How one kind of equipment is written in each schema.

    Attributes
    ----------
    ifc4_class, predefined_type : str
        Occurrence class and predefined type in IFC4 and IFC4X3.
    ifc2x3_class : str
        Occurrence class in IFC2X3, typed by ``type_class`` (which carries the predefined type).
    type_class : str
        The type object's class (same name in every schema).
    is_asset : bool
        ``False`` for segments (counted as connectors, not FM assets).
    size : (3,) tuple of float
        Body box, metres.
    manufacturer, model : str
        Written on the type object (``Pset_ManufacturerTypeInformation``).
    """

    ifc4_class: str
    predefined_type: str
    ifc2x3_class: str
    type_class: str
    is_asset: bool
    size: tuple[float, float, float]
    manufacturer: str
    model: str


def _role(ifc4, pre, ifc2x3, type_class, size, manufacturer, model, is_asset=True):
    return EquipmentRole(ifc4, pre, ifc2x3, type_class, is_asset, size, manufacturer, model)


EQUIPMENT_ROLES = {
    "ahu": _role("IfcUnitaryEquipment", "AIRHANDLER", "IfcEnergyConversionDevice",
                 "IfcUnitaryEquipmentType", (4.0, 2.0, 2.2), "Gree", "AHU-ZK-40"),
    "chiller": _role("IfcChiller", "WATERCOOLED", "IfcEnergyConversionDevice", "IfcChillerType",
                     (3.0, 1.6, 1.8), "Midea", "LSBLG-600"),
    "pump": _role("IfcPump", "CIRCULATOR", "IfcFlowMovingDevice", "IfcPumpType",
                  (0.8, 0.6, 0.8), "Grundfos", "NBG-125"),
    "main_board": _role("IfcElectricDistributionBoard", "DISTRIBUTIONBOARD",
                        "IfcElectricDistributionPoint", "IfcElectricDistributionBoardType",
                        (1.6, 0.6, 2.0), "Schneider", "Okken-MDB"),
    "board": _role("IfcElectricDistributionBoard", "DISTRIBUTIONBOARD",
                   "IfcElectricDistributionPoint",
                   "IfcElectricDistributionBoardType", (0.8, 0.25, 1.2), "Schneider",
                   "Prisma-G"),
    "meter": _role("IfcFlowMeter", "ENERGYMETER", "IfcFlowController", "IfcFlowMeterType",
                   (0.2, 0.1, 0.3), "Acrel", "DTSD1352"),
    "duct": _role("IfcDuctSegment", "RIGIDSEGMENT", "IfcFlowSegment", "IfcDuctSegmentType",
                  (2.0, 0.6, 0.4), "Generic", "Galvanised duct", is_asset=False),
    "pipe": _role("IfcPipeSegment", "RIGIDSEGMENT", "IfcFlowSegment", "IfcPipeSegmentType",
                  (2.0, 0.2, 0.2), "Generic", "Steel pipe DN150", is_asset=False),
    "vav": _role("IfcAirTerminalBox", "VARIABLEFLOWPRESSUREDEPENDANT", "IfcFlowController",
                 "IfcAirTerminalBoxType", (1.0, 0.5, 0.35), "Trox", "TVR-250"),
    "terminal": _role("IfcAirTerminal", "DIFFUSER", "IfcFlowTerminal", "IfcAirTerminalType",
                      (0.6, 0.6, 0.1), "Trox", "ADLR-600"),
    "light": _role("IfcLightFixture", "POINTSOURCE", "IfcFlowTerminal", "IfcLightFixtureType",
                   (0.6, 0.6, 0.08), "Opple", "LED-Panel-36W"),
    "temperature": _role("IfcSensor", "TEMPERATURESENSOR", "IfcDistributionControlElement",
                         "IfcSensorType", (0.09, 0.03, 0.09), "Siemens", "QAA2061"),
    "co2": _role("IfcSensor", "CO2SENSOR", "IfcDistributionControlElement", "IfcSensorType",
                 (0.09, 0.03, 0.09), "Siemens", "QPA2062"),
    "occupancy": _role("IfcSensor", "MOVEMENTSENSOR", "IfcDistributionControlElement",
                       "IfcSensorType", (0.1, 0.1, 0.05), "Steinel", "HPD2-KNX"),
    "smoke": _role("IfcSensor", "SMOKESENSOR", "IfcDistributionControlElement",
                   "IfcSensorType", (0.12, 0.12, 0.05), "Bosch", "FAP-425"),
    "access_reader": _role("IfcSensor", "IDENTIFIERSENSOR", "IfcDistributionControlElement",
                           "IfcSensorType", (0.09, 0.03, 0.14), "HID", "iCLASS-SE-R40"),
}
