"""The device registry: devices imported from the sample's ``devices.csv``, from the model's
``IfcSensor`` / ``IfcFlowMeter`` elements, or created one by one through the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bim_models.device_kinds import DEVICE_KINDS, IFC_SENSOR_KINDS, STATE_CLASSES
from spaces.element_data import ElementData
from twin.core.accounts import record_audit
from twin.core.errors import ConflictError, InvalidInputError, NotFoundError
from twin.core.tables import Building, ElementRow
from twin.iot.tables import DeviceRow, DeviceStateRow, ReadingRow, RollupRow
from twin.portfolio import service as portfolio

__all__ = ["add_devices", "devices_from_csv", "devices_from_model", "get_device", "list_devices",
           "remove_device", "unit_of_kind"]

_KEY_LIMIT = 100


def _placement(session: Session, building: Building) -> dict[str, tuple[str | None, str | None]]:
    """GlobalId -> (space, storey) of every element of the latest revision."""
    revision = portfolio.latest_revision(session, building)
    rows = session.execute(select(ElementRow.global_id, ElementRow.space, ElementRow.storey)
                           .where(ElementRow.revision_id == revision.id))
    return {gid: (space, storey) for gid, space, storey in rows}


def _checked(spec: Mapping[str, Any], where: str) -> dict[str, Any]:
    # ``device_id`` is the serial-key column of the sample's devices.csv (a file format)
    key = str(spec.get("key") or spec.get("device_id") or "").strip()
    if not key or len(key) > _KEY_LIMIT or any(c in key for c in "/#+ \t"):
        raise InvalidInputError(f"{where}: a device needs a serial key of 1-{_KEY_LIMIT} "
                                f"characters without '/', '#', '+' or spaces (got {key!r})")
    kind_key = str(spec.get("kind") or "")
    kind = DEVICE_KINDS.get(kind_key)
    if kind is None:
        raise InvalidInputError(f"{where}: unknown device kind {kind_key!r}; known: "
                                f"{', '.join(DEVICE_KINDS)}")
    state_class = spec.get("state_class") or kind.state_class
    if state_class not in STATE_CLASSES:
        raise InvalidInputError(f"{where}: state class {state_class!r} is not one of "
                                f"{', '.join(STATE_CLASSES)}")
    try:
        low = float(spec["min"]) if spec.get("min") not in (None, "") else kind.minimum
        high = float(spec["max"]) if spec.get("max") not in (None, "") else kind.maximum
    except (TypeError, ValueError):
        raise InvalidInputError(f"{where}: min/max must be numbers") from None
    if high <= low:  # the sample writes 0..0 for "no limit of its own"
        low, high = kind.minimum, kind.maximum
    return {"key": key, "kind": kind.key, "unit": spec.get("unit") or kind.unit,
            "state_class": state_class, "minimum": low, "maximum": high,
            "equipment": spec.get("equipment") or spec.get("equipment_global_id") or None,
            "space": spec.get("space") or spec.get("space_global_id") or None,
            "name": spec.get("name") or spec.get("equipment_name") or None,
            "profile": spec.get("profile") or None,
            "parent": str(spec.get("parent") or "").strip() or None,
            "category": str(spec.get("category") or "").strip().lower() or None}


def add_devices(session: Session, building: Building, specs: Iterable[Mapping[str, Any]], *,
                source: str, actor: str, replace: bool = False) -> list[DeviceRow]:
    """Register devices of ``building``; every spec is checked before anything is written.

    Parameters
    ----------
    specs : iterable of mapping
        ``key`` (or ``device_id``), ``kind``, optional ``unit``, ``state_class``, ``min``,
        ``max``, ``equipment``, ``space``, ``name``, ``profile``.
    replace : bool
        Update devices whose key exists (in this building) instead of refusing them.

    Raises
    ------
    InvalidInputError
        A spec is wrong (its position is named); nothing is stored.
    ConflictError
        A key is registered already (in another building, or here without ``replace``).
    """
    checked = [_checked(spec, f"device {n}") for n, spec in enumerate(specs, start=1)]
    keys = [c["key"] for c in checked]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})[:5]
        raise InvalidInputError(f"serial keys given twice: {', '.join(twice)}")
    placement = _placement(session, building)
    existing = {d.key: d for d in session.scalars(select(DeviceRow))}
    rows = []
    for spec in checked:
        for field in ("equipment", "space"):
            if spec[field] and spec[field] not in placement:
                raise InvalidInputError(f"device {spec['key']}: {field} {spec[field]} is not "
                                        "in the building's model")
        space, storey = placement.get(spec["equipment"] or "", (None, None))
        spec["space"] = spec["space"] or space
        spec["storey"] = placement.get(spec["space"] or "", (None, storey))[1] or storey
        row = existing.get(spec["key"])
        if row is not None and (row.building_id != building.id or not replace):
            # another building's device is not named: the caller may not see that building
            raise ConflictError(f"device {spec['key']} is registered already"
                                + ("" if row.building_id == building.id else
                                   "; serial keys are unique across buildings"))
        if row is None:
            row = DeviceRow(building_id=building.id, source=source, **spec)
            session.add(row)
        else:
            for name, value in spec.items():
                setattr(row, name, value)
        rows.append(row)
    _check_meter_tree(session, building, rows)
    record_audit(session, actor=actor, action="devices.add", target=f"building {building.id}",
                 detail={"count": len(rows), "source": source})
    session.flush()
    return rows


def _check_meter_tree(session: Session, building: Building, rows: list[DeviceRow]) -> None:
    """Refuse parents and categories that make no meter tree (数字节能): an unknown category
    code, a parent that is not a meter of the building, a cycle."""
    if not any(r.parent or r.category for r in rows):
        return
    from energy.choices import METER_KINDS
    from energy.errors import MeterTreeError
    from energy.meters import Meter, check_tree

    given = {r.key: r for r in rows}
    stored = session.scalars(select(DeviceRow).where(DeviceRow.building_id == building.id))
    every = {r.key: r for r in stored} | given
    for row in rows:
        if (row.parent or row.category) and row.kind not in METER_KINDS:
            raise InvalidInputError(f"device {row.key}: only meters ({', '.join(METER_KINDS)}) "
                                    "have a parent meter or a category")
    try:
        check_tree([Meter(r.key, r.kind, r.parent, r.category) for r in every.values()
                    if r.kind in METER_KINDS])
    except MeterTreeError as error:
        raise InvalidInputError(str(error)) from None


def devices_from_csv(data: bytes | str | Path) -> list[dict[str, str]]:
    """Device specs from a ``devices.csv`` (the sample's columns; ``device_id`` is the key).

    Raises
    ------
    InvalidInputError
        Not UTF-8, or the ``device_id``/``key`` and ``kind`` columns are missing.
    """
    if isinstance(data, Path):
        data = data.read_bytes()
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise InvalidInputError("the device list is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or ())
    if not ({"device_id", "key"} & columns and "kind" in columns):
        raise InvalidInputError("the device list needs the columns device_id (or key) and kind;"
                                f" found: {', '.join(sorted(columns)) or 'none'}")
    return list(reader)


def devices_from_model(session: Session, building: Building) -> list[dict[str, Any]]:
    """Specs for the model's sensors and meters (``IfcSensor``, ``IfcFlowMeter``).

    The serial key is the element's serial number where it has one, else its GlobalId; the
    kind comes from the predefined type (sensors of an unknown type are left out).
    """
    revision = portfolio.latest_revision(session, building)
    rows = session.scalars(select(ElementRow).where(
        ElementRow.revision_id == revision.id,
        ElementRow.ifc_class.in_(("IfcSensor", "IfcFlowMeter"))))
    specs = []
    for row in rows:
        kind = IFC_SENSOR_KINDS.get(str(row.data.get(ElementData.PREDEFINED_TYPE) or "").upper())
        if kind is not None:
            specs.append({"key": row.data.get(ElementData.SERIAL_NUMBER) or row.global_id,
                          "kind": kind, "equipment": row.global_id, "name": row.name})
    return specs


def list_devices(session: Session, building: Building | None, *, kind: str | None = None,
                 space: str | None = None, storey: str | None = None) -> list[DeviceRow]:
    """Devices of ``building`` (None: of every building), filtered, by serial key.

    Parameters
    ----------
    building : Building or None
        Whose devices; None for all (the simulator drives every building's).
    kind, space, storey : str, optional
        Only devices of this kind, in this space, on this storey (GlobalIds).

    Returns
    -------
    list of DeviceRow
    """
    query = select(DeviceRow)
    if building is not None:
        query = query.where(DeviceRow.building_id == building.id)
    for attribute, value in ((DeviceRow.kind, kind), (DeviceRow.space, space),
                             (DeviceRow.storey, storey)):
        if value is not None:
            query = query.where(attribute == value)
    return list(session.scalars(query.order_by(DeviceRow.key)))


def get_device(session: Session, building: Building, device_key: str) -> DeviceRow:
    """The device of ``building`` with serial key ``device_key``.

    Raises
    ------
    NotFoundError
        No such device in this building.
    """
    row = session.scalar(select(DeviceRow).where(DeviceRow.key == device_key,
                                                 DeviceRow.building_id == building.id))
    if row is None:
        raise NotFoundError(f"no device {device_key!r} in building {building.id}")
    return row


def unit_of_kind(session: Session, building: Building, kind: str) -> str:
    """The unit the building's devices of ``kind`` report in.

    Raises
    ------
    NotFoundError
        The building has no device of this kind.
    """
    unit = session.scalar(select(DeviceRow.unit).where(DeviceRow.building_id == building.id,
                                                       DeviceRow.kind == kind).limit(1))
    if unit is None:
        raise NotFoundError(f"building {building.id} has no {kind} devices")
    return unit


def remove_device(session: Session, building: Building, device_key: str, *, actor: str) -> None:
    """Unregister a device and delete its readings, rollups and state.

    Raises
    ------
    NotFoundError
        No such device in this building.
    """
    row = get_device(session, building, device_key)
    for table in (ReadingRow, RollupRow, DeviceStateRow):
        session.execute(delete(table).where(table.device_pk == row.id))
    session.delete(row)
    record_audit(session, actor=actor, action="devices.remove", target=device_key)
