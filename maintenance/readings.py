"""Plain data the fault rules read: one reading, and what is known about its device."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DeviceInfo", "Reading"]


@dataclass(frozen=True, slots=True)
class Reading:
    """One value of one device, as the fault rules take it.

    Times at the ingest → fault-rules seam are float Unix seconds (UTC), like every time in
    this package. The ingest stores integer milliseconds; it converts once, where it hands
    stored readings over (``twin.iot.ingest.StoredReadings.by_device``).

    Attributes
    ----------
    device_id : str
        Stable device identity: the serial key (e.g. ``"TS-00037-temperature"``).
    at_s : float
        Time of the measurement, Unix seconds (UTC).
    value : float
        In the unit of the device's kind.
    """

    device_id: str
    at_s: float
    value: float


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What the rules need to know about a device.

    Attributes
    ----------
    device_id : str
        As in :class:`Reading`.
    kind : str
        Key of :data:`bim_models.device_kinds.DEVICE_KINDS` (``"temperature"``, ...).
    equipment_global_id : str or None
        The equipment the device belongs to (a sensor, an AHU, a meter); alarms are keyed by it.
    space_global_id : str or None
        The space the device measures or sits in.
    """

    device_id: str
    kind: str
    equipment_global_id: str | None = None
    space_global_id: str | None = None

    @property
    def source(self) -> str:
        """What an alarm of this device is about: its equipment, else the device itself."""
        return self.equipment_global_id or self.device_id
