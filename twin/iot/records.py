"""Plain records of the IoT pipeline: registered devices, live state, state changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bim_models.device_kinds import DeviceKind

__all__ = ["DeviceRecord", "DeviceState", "StateChange", "iso_ms", "unix_s"]


def iso_ms(ms: int) -> str:
    """``ms`` since the epoch as an ISO 8601 UTC string (``...Z``), millisecond precision."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def unix_s(ts_ms: int) -> float:
    """Unix seconds of ``ts_ms`` (integer ms since the epoch, the store's unit).

    The fault rules take seconds (:class:`maintenance.readings.Reading`): stored readings go
    to them through this function only.

    Examples
    --------
    >>> unix_s(1_793_000_000_250)
    1793000000.25
    """
    return ts_ms / 1000


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A registered device as the ingest sees it.

    Attributes
    ----------
    id : int
        Primary key (``device_pk`` where other records refer to it; compact key of readings).
    key : str
        Stable serial key (``device_key`` elsewhere; never a name or address).
    building_id : int
        Building the device belongs to.
    kind : DeviceKind
        Its row of the description table.
    minimum, maximum : float
        Physical range of this device (the kind's, narrowed by the device's own).
    equipment, space, storey : str or None
        GlobalIds of what it measures and where it sits.
    """

    id: int
    key: str
    building_id: int
    kind: DeviceKind
    minimum: float
    maximum: float
    equipment: str | None
    space: str | None
    storey: str | None


@dataclass(slots=True)
class DeviceState:
    """Live state of one device (Home Assistant semantics), times in ms since the epoch.

    ``last_reported``: time of the newest reading; ``last_changed``: when the value last
    changed; ``last_updated``: when the value or the online flag last changed.
    """

    value: float
    last_changed: int
    last_reported: int
    last_updated: int
    online: bool = True


@dataclass(frozen=True, slots=True)
class StateChange:
    """What the event bus carries: a device's new state (value changed or online toggled)."""

    device: DeviceRecord
    state: DeviceState

    def to_json(self) -> dict:
        """The push-stream message of this change."""
        d, s = self.device, self.state
        return {"type": "state", "building": d.building_id, "device": d.key,
                "kind": d.kind.key, "unit": d.kind.unit, "space": d.space, "storey": d.storey,
                "equipment": d.equipment, "value": s.value, "online": s.online,
                "last_changed": iso_ms(s.last_changed), "last_reported": iso_ms(s.last_reported),
                "last_updated": iso_ms(s.last_updated)}
