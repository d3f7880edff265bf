"""The description table of device kinds (Home Assistant style): what a reading of each kind
means, its unit, state class, physical range and when a silent device counts as offline.

The table is plain data shared by every layer: the ingest validates readings against it, the
fault rules take their defaults from it, the viewer picks colour scales from it. Device
identity (a stable ``serial-key``) is kept apart from this: a device *has* a kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from bim_models.choices import Choice

__all__ = ["DEVICE_KINDS", "DEVICE_KIND_CHOICES", "IFC_SENSOR_KINDS", "STATE_CLASSES", "DeviceKind",
           "get_device_kind"]

#: Home Assistant's state classes: a level (``measurement``), a total that may go up and down
#: (``total``) and a counter that only grows, save for a reset (``total_increasing``).
STATE_CLASSES = ("measurement", "total", "total_increasing")


@dataclass(frozen=True, slots=True)
class DeviceKind:
    """One row of the description table.

    Attributes
    ----------
    key : str
        Stable name, e.g. ``"temperature"``.
    unit : str
        Unit of every reading of this kind (SI or the trade's customary one).
    state_class : str
        One of :data:`STATE_CLASSES`.
    minimum, maximum : float
        Physical range; readings outside are rejected. For a counter the maximum is its
        roll-over.
    offline_after_s : float
        A device of this kind that sent nothing for this long is offline.
    binary : bool
        Values are 0 or 1 (on/off, alarm).
    expects_change : bool
        A live sensor of this kind normally changes value; a long run of identical values is a
        stuck sensor.
    """

    key: str
    unit: str
    state_class: str
    minimum: float
    maximum: float
    offline_after_s: float = 900.0
    binary: bool = False
    expects_change: bool = False

    @property
    def is_counter(self) -> bool:
        """True for ``total_increasing`` kinds, whose readings may not go backwards."""
        return self.state_class == "total_increasing"


_KINDS = (
    DeviceKind("temperature", "°C", "measurement", -40.0, 85.0, expects_change=True),
    DeviceKind("humidity", "%", "measurement", 0.0, 100.0, expects_change=True),
    DeviceKind("co2", "ppm", "measurement", 0.0, 10_000.0, expects_change=True),
    DeviceKind("occupancy", "persons", "measurement", 0.0, 2_000.0),
    DeviceKind("power", "kW", "measurement", -10_000.0, 10_000.0),
    DeviceKind("energy", "kWh", "total_increasing", 0.0, 1e12),
    DeviceKind("water", "m³", "total_increasing", 0.0, 1e12),
    DeviceKind("flow", "m³/h", "measurement", 0.0, 100_000.0),
    DeviceKind("pressure", "Pa", "measurement", -100_000.0, 2_000_000.0),
    DeviceKind("damper_position", "%", "measurement", 0.0, 100.0),
    DeviceKind("valve_position", "%", "measurement", 0.0, 100.0),
    DeviceKind("status", "on/off", "measurement", 0.0, 1.0, binary=True),
    DeviceKind("fault_code", "code", "measurement", 0.0, 65_535.0),
    DeviceKind("smoke", "on/off", "measurement", 0.0, 1.0, binary=True),
    DeviceKind("access_event", "count", "total_increasing", 0.0, 1e12, offline_after_s=86_400.0),
    DeviceKind("gas", "m³", "total_increasing", 0.0, 1e12),
    DeviceKind("heat", "GJ", "total_increasing", 0.0, 1e12),
    DeviceKind("outdoor_temperature", "°C", "measurement", -50.0, 60.0, expects_change=True),
    # security devices report events (POST /events); a reading, where one is sent, is a state
    DeviceKind("access_reader", "state", "measurement", 0.0, 1.0, offline_after_s=86_400.0,
               binary=True),
    DeviceKind("door_contact", "open/closed", "measurement", 0.0, 1.0, offline_after_s=86_400.0,
               binary=True),
    DeviceKind("parking_bay", "state", "measurement", 0.0, 3.0, offline_after_s=86_400.0),
    DeviceKind("lpr_camera", "state", "measurement", 0.0, 1.0, offline_after_s=86_400.0,
               binary=True),
    DeviceKind("camera", "state", "measurement", 0.0, 1.0, offline_after_s=86_400.0,
               binary=True),
)

#: Every known kind by key.
DEVICE_KINDS: dict[str, DeviceKind] = {kind.key: kind for kind in _KINDS}

_LABELS = {
    "temperature": ("温度", "Temperature", "#d73027"),
    "humidity": ("湿度", "Humidity", "#4575b4"),
    "co2": ("二氧化碳", "CO₂", "#7f7f7f"),
    "occupancy": ("在室人数", "Occupancy", "#984ea3"),
    "power": ("功率", "Power", "#e67e22"),
    "energy": ("电能", "Energy", "#f1c40f"),
    "water": ("用水量", "Water", "#2e86c1"),
    "flow": ("流量", "Flow", "#16a085"),
    "pressure": ("压力", "Pressure", "#5d6d7e"),
    "damper_position": ("风阀开度", "Damper position", "#1abc9c"),
    "valve_position": ("水阀开度", "Valve position", "#3498db"),
    "status": ("启停状态", "On/off status", "#27ae60"),
    "fault_code": ("故障代码", "Fault code", "#b2182b"),
    "smoke": ("烟感", "Smoke", "#c0392b"),
    "access_event": ("门禁事件", "Door access", "#8e44ad"),
    "gas": ("燃气", "Gas", "#e74c3c"),
    "heat": ("热量", "Heat", "#c0392b"),
    "outdoor_temperature": ("室外温度", "Outdoor temperature", "#e84393"),
    "access_reader": ("门禁读卡器", "Access reader", "#542788"),
    "door_contact": ("门磁", "Door contact", "#8073ac"),
    "parking_bay": ("车位检测器", "Parking bay sensor", "#33a02c"),
    "lpr_camera": ("车牌识别摄像机", "Plate reader camera", "#1f78b4"),
    "camera": ("摄像机", "Camera", "#6a3d9a"),
}
#: The device kinds as a vocabulary (labels and colours), in the table's order.
DEVICE_KIND_CHOICES = tuple(Choice(kind.key, *_LABELS[kind.key]) for kind in _KINDS)

#: ``IfcSensorTypeEnum`` / ``IfcFlowMeterTypeEnum`` predefined types -> device kind.
IFC_SENSOR_KINDS = {
    "TEMPERATURESENSOR": "temperature", "HUMIDITYSENSOR": "humidity", "CO2SENSOR": "co2",
    "OCCUPANCYSENSOR": "occupancy", "SMOKESENSOR": "smoke", "PRESSURESENSOR": "pressure",
    "FLOWSENSOR": "flow", "MOVEMENTSENSOR": "occupancy", "ENERGYMETER": "energy",
    "WATERMETER": "water", "GASMETER": "gas", "OILMETER": "energy", "ENERGYSENSOR": "power",
}


def get_device_kind(key: str) -> DeviceKind:
    """The description of kind ``key``.

    Raises
    ------
    KeyError
        With the known kinds listed, for an unknown key.
    """
    try:
        return DEVICE_KINDS[key]
    except KeyError:
        raise KeyError(f"unknown device kind {key!r}; known: {', '.join(DEVICE_KINDS)}") from None
