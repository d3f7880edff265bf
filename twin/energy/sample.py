"""The sample building's meter tree (计量树) and a year of hourly history, written in bulk.

:func:`seed_sample_energy` registers, on the demo building, a main meter, a board meter per
storey with its lighting-and-sockets (a1) and air-conditioning terminal (b2) sub-meters, the
chiller plant (b1), the air-handling units (b2), the lifts (c1) and the server room (d1), a
water main and an outdoor temperature sensor; every meter has a ``metered`` profile
(:mod:`bim_models.sample.energy_profiles`), so the backfill and the live simulator give the
same numbers. Two faults are planted: the third storey's lighting and sockets draw 3x the
night load of their neighbours, and a socket sub-meter on the fourth storey is wired on the
lighting circuit and double counts it.

The history is hourly counter readings from ``days`` ago to a day before now (the simulator
catches up on the last day); rows go straight into ``readings`` (the last 60 days: older raw
readings would be pruned by retention anyway) and ``rollups`` (hour and day buckets), in
bulk. No live state is written: a meter is watched for silence (offline alarms) from its first
live reading on, as the sample's other devices are.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bim_models.sample.energy_profiles import metered_counter, outdoor_temperature
from twin.core.tables import Building
from twin.iot.registry import add_devices
from twin.iot.tables import DeviceRow

__all__ = ["NIGHT_LOAD_STOREY_INDEX", "SAMPLE_PREFIX", "seed_sample_energy"]

SAMPLE_PREFIX = "EN-"
#: Index (in storey order of the sample's storey meters) of the storey with 3x night load.
NIGHT_LOAD_STOREY_INDEX = 2
_DOUBLE_COUNT_STOREY_INDEX = 3
_RAW_DAYS = 60


def _light(area_m2: float, night_factor: float = 1.0) -> dict[str, Any]:
    return {"base_kw": round(0.8 * night_factor, 2), "peak_kw": round(0.012 * area_m2, 1),
            "start_h": 8, "end_h": 18}


def _terminal(area_m2: float) -> dict[str, Any]:
    return {"base_kw": 0.3, "peak_kw": round(0.004 * area_m2, 1), "start_h": 8, "end_h": 18,
            "cool_kw_per_k": round(0.0008 * area_m2, 2), "cool_c": 22.0,
            "heat_kw_per_k": round(0.0005 * area_m2, 2), "heat_c": 14.0}


_PLANT = {
    "chiller": {"base_kw": 0.0, "peak_kw": 6.0, "start_h": 7, "end_h": 18,
                "cool_kw_per_k": 9.0, "cool_c": 18.0},
    "pumps": {"base_kw": 0.2, "peak_kw": 3.0, "start_h": 7, "end_h": 18,
              "cool_kw_per_k": 0.6, "cool_c": 18.0},
    "ahu": {"base_kw": 0.5, "peak_kw": 7.0, "start_h": 7, "end_h": 18,
            "cool_kw_per_k": 0.4, "cool_c": 20.0, "heat_kw_per_k": 0.6, "heat_c": 14.0},
    "lifts": {"base_kw": 0.8, "peak_kw": 6.0, "start_h": 8, "end_h": 18},
    "servers": {"base_kw": 4.0, "peak_kw": 4.5, "start_h": 8, "end_h": 18},
    "other": {"base_kw": 1.5, "peak_kw": 4.0, "start_h": 8, "end_h": 18},
    "water": {"base_kw": 0.05, "peak_kw": 1.2, "start_h": 8, "end_h": 18},
}


def _storeys(session: Session, building: Building) -> list[tuple[str, str, float, str]]:
    """(storey label, storey GlobalId, floor area, the meter's space) of the sample's storey
    meters."""
    from twin.housing.store import room_facts_of

    area: dict[str | None, float] = {}
    for room in room_facts_of(session, building):
        area[room.storey] = area.get(room.storey, 0.0) + (room.area_qto or
                                                          room.area_geometry or 0.0)
    rows = session.scalars(select(DeviceRow).where(
        DeviceRow.building_id == building.id, DeviceRow.kind == "energy",
        DeviceRow.name.like("EM-%"), DeviceRow.name.notlike("EM-AHU%")).order_by(DeviceRow.key))
    storeys = []
    from twin.core.tables import ElementRow
    names = dict(session.execute(select(ElementRow.global_id, ElementRow.name).where(
        ElementRow.kind == "storey")).all())
    for row in rows:
        label = (row.name or "")[3:]
        storeys.append((label, row.storey, area.get(names.get(row.storey), 0.0) or 800.0,
                        row.space))
    return storeys


def _equipment(session: Session, building: Building, name: str) -> str | None:
    return session.scalar(select(DeviceRow.equipment).where(
        DeviceRow.building_id == building.id, DeviceRow.name == name).limit(1))


def _plan(session: Session, building: Building, epoch: str) -> list[dict[str, Any]]:
    """The device specs of the tree, each with its ``loads``."""
    p = SAMPLE_PREFIX
    specs: list[dict[str, Any]] = []
    boards = []
    for n, (label, _storey, area, space) in enumerate(_storeys(session, building)):
        night = 3.0 if n == NIGHT_LOAD_STOREY_INDEX else 1.0
        light, terminal = _light(area, night), _terminal(area)
        board = f"{p}{label}-BOARD"
        children = [(f"{p}{label}-LS", "a1", [light], f"{label} 照明插座"),
                    (f"{p}{label}-AC", "b2", [terminal], f"{label} 空调末端")]
        if n == _DOUBLE_COUNT_STOREY_INDEX:  # wired on the lighting circuit: counts it twice
            children.append((f"{p}{label}-SOCKET", "a1", [light], f"{label} 插座 (接线错误)"))
        specs.append({"key": board, "parent": f"{p}MAIN", "category": None, "loads":
                      [light, terminal], "space": space, "name": f"{label} 楼层配电箱"})
        boards.append([light, terminal])
        specs.extend({"key": key, "parent": board, "category": cat, "loads": loads,
                      "space": space, "name": name} for key, cat, loads, name in children)
    plant = [
        (f"{p}CHILLER", "b1", [_PLANT["chiller"]], "冷水机组", "CH-01"),
        (f"{p}PUMPS", "b1", [_PLANT["pumps"]], "冷冻水泵", None),
        (f"{p}AHU-01", "b2", [_PLANT["ahu"]], "空调机组 AHU-01", "EM-AHU-01"),
        (f"{p}AHU-02", "b2", [_PLANT["ahu"]], "空调机组 AHU-02", "EM-AHU-02"),
        (f"{p}LIFTS", "c1", [_PLANT["lifts"]], "电梯", None),
        (f"{p}SERVERS", "d1", [_PLANT["servers"]], "信息机房", None),
    ]
    plant_room = session.scalar(select(DeviceRow.space).where(
        DeviceRow.building_id == building.id, DeviceRow.name == "CH-01").limit(1))
    for key, cat, loads, name, equipment_name in plant:
        equipment = _equipment(session, building, equipment_name) if equipment_name else None
        specs.append({"key": key, "parent": f"{p}MAIN", "category": cat, "loads": loads,
                      "name": name, "equipment": equipment,
                      "space": None if equipment else plant_room})
    every = [load for b in boards for load in b] + \
        [load for _k, _c, loads, _n, _e in plant for load in loads] + [_PLANT["other"]]
    specs.insert(0, {"key": f"{p}MAIN", "parent": None, "category": None, "loads": every,
                     "name": "总进线 (main incomer)", "space": plant_room})
    for spec in specs:
        spec["kind"] = "energy"
    specs.append({"key": f"{p}WATER-MAIN", "kind": "water", "parent": None, "category": None,
                  "loads": [_PLANT["water"]], "name": "总水表 (water main)",
                  "space": plant_room})
    for spec in specs:
        spec["profile"] = json.dumps({"name": "metered", "epoch": epoch,
                                      "initial_kwh": 10_000.0, "loads": spec.pop("loads")},
                                     separators=(",", ":"))
    specs.append({"key": f"{p}OUTDOOR", "kind": "outdoor_temperature", "name": "室外温度",
                  "profile": json.dumps({"name": "outdoor"}), "space": plant_room})
    return specs


def seed_sample_energy(session: Session, building: Building, *, days: int,
                       now_s: float | None = None) -> int:
    """Register the sample's meter tree and backfill ``days`` of hourly history.

    Does nothing when the building has the meters already. Returns the readings written.
    """
    if session.scalar(select(DeviceRow.id).where(DeviceRow.building_id == building.id,
                                                 DeviceRow.key == f"{SAMPLE_PREFIX}MAIN")):
        return 0
    now_s = time.time() if now_s is None else now_s
    end_h = int(now_s // 3600) - 24
    start_h = (end_h - 24 * days) // 24 * 24
    epoch = np.datetime_as_string(np.datetime64(start_h * 3600, "s"), unit="s")
    rows = add_devices(session, building, _plan(session, building, str(epoch)),
                       source="sample", actor="demo")
    if days <= 0:
        return 0
    return _backfill(session, rows, start_h, end_h)


def _backfill(session: Session, rows: list[DeviceRow], start_h: int, end_h: int) -> int:
    hours = np.arange(start_h, end_h + 1, dtype=np.int64) * 3600
    raw_from = hours[-1] - _RAW_DAYS * 86400
    readings, hourly, daily = [], [], []
    for row in rows:
        params = json.loads(row.profile)
        values = (np.round(outdoor_temperature(hours), 2) if params["name"] == "outdoor"
                  else np.round(metered_counter(params, hours), 4))
        ts_ms = (hours * 1000).tolist()
        vals = values.tolist()
        readings.extend((row.id, t, v) for t, v, h in zip(ts_ms, vals, hours.tolist(),
                                                          strict=True) if h >= raw_from)
        hourly.extend((row.id, 3600, h, 1, v, v, v, v, t, v, t)
                      for h, t, v in zip(hours.tolist(), ts_ms, vals, strict=True))
        days = hours // 86400
        starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
        ends = np.r_[starts[1:], len(days)] - 1
        counts = np.diff(np.r_[starts, len(days)])
        daily.extend(zip([row.id] * len(starts), [86400] * len(starts),
                         (days[starts] * 86400).tolist(), counts.tolist(),
                         np.minimum.reduceat(values, starts).tolist(),
                         np.maximum.reduceat(values, starts).tolist(),
                         np.add.reduceat(values, starts).tolist(), values[starts].tolist(),
                         (hours[starts] * 1000).tolist(), values[ends].tolist(),
                         (hours[ends] * 1000).tolist(), strict=True))
    connection = session.connection()
    mark = "?" if connection.dialect.name == "sqlite" else "%s"

    def insert(table: str, columns: str, rows: list[tuple]) -> None:
        marks = ", ".join([mark] * (columns.count(",") + 1))
        connection.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    insert("readings", "device_id, ts, value", readings)
    insert("rollups", "device_id, resolution, bucket, count, min, max, sum, first, first_ts, "
           "last, last_ts", hourly + daily)
    return len(readings)
