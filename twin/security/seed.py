"""The demo's security and parking set-up on the sample building (``twin demo``): readers and
door contacts at the entrance and the plant room (bound to the model's doors next to the
model's access-control readers), a contact on a stair fire door, cameras, a configured car
park of 60 bays with sensors and two gates with plate readers, eight fleet vehicles, staff and
visitor plates, a few bookings and last week's trips."""

from __future__ import annotations

import math
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twin.core.tables import Building, ElementRow
from twin.iot import registry
from twin.portfolio import service as portfolio
from twin.security.tables import (
    CarParkRow,
    FuelEntryRow,
    ParkingBayRow,
    ParkingGateRow,
    PlateEntryRow,
    VehicleBookingRow,
    VehicleRow,
    VehicleTripRow,
)

__all__ = ["DEMO_CAR_PARK", "DEMO_FLEET", "seed_security"]

DEMO_CAR_PARK = "P1"
_BAYS = 60
#: The fleet: plate, name, kind, seats.
DEMO_FLEET = (
    ("京A·G0001", "机要通信车", "sedan", 5), ("京A·G0002", "应急保障车", "suv", 7),
    ("京A·G0003", "公务用车 3", "sedan", 5), ("京A·G0004", "公务用车 4", "sedan", 5),
    ("京A·G0005", "公务用车 5", "sedan", 5), ("京A·G0006", "中型客车", "van", 14),
    ("京A·G0007", "新能源公务车 7", "ev", 5), ("京A·G0008", "新能源公务车 8", "ev", 5),
)


def _centroid(row: ElementRow) -> tuple[float, float] | None:
    point = (row.data or {}).get("centroid")
    return (float(point[0]), float(point[1])) if point else None


def _nearest_door(doors: list[ElementRow], storey: str | None,
                  point: tuple[float, float] | None) -> ElementRow | None:
    candidates = [d for d in doors if d.storey == storey and _centroid(d) is not None]
    if point is None or not candidates:
        return None
    return min(candidates, key=lambda d: math.dist(_centroid(d), point))


def _door_devices(session: Session, building: Building
                  ) -> tuple[list[dict[str, Any]], str | None]:
    """Readers, contacts and cameras placed at the model's doors, and the ground storey (of
    the entrance hall)."""
    revision = portfolio.latest_revision(session, building)
    elements = list(session.scalars(select(ElementRow).where(
        ElementRow.revision_id == revision.id,
        ElementRow.ifc_class.in_(("IfcDoor", "IfcSensor", "IfcSpace")))))
    doors = [e for e in elements if e.ifc_class == "IfcDoor"]
    specs: list[dict[str, Any]] = []
    for sensor in (e for e in elements if e.ifc_class == "IfcSensor"
                   and (e.name or "").startswith("AC-")):
        door = _nearest_door(doors, sensor.storey, _centroid(sensor))
        if door is None:
            continue
        tag = sensor.name.removeprefix("AC-")
        common = {"equipment": door.global_id, "space": sensor.space}
        specs += [{"key": f"RD-{tag}", "kind": "access_reader", "name": f"门禁 {tag}", **common},
                  {"key": f"DC-{tag}", "kind": "door_contact", "name": f"门磁 {tag}", **common},
                  {"key": f"CAM-{tag}", "kind": "camera", "name": f"摄像机 {tag}",
                   "space": sensor.space}]
    stairs = [e for e in elements if e.ifc_class == "IfcSpace"
              and (e.data or {}).get("object_type") == "stair"]
    ground = next((e.storey for e in elements if e.ifc_class == "IfcSpace"
                   and (e.data or {}).get("object_type") == "entrance"), None)
    for n, stair in enumerate(s for s in stairs if s.storey == ground):
        door = _nearest_door(doors, stair.storey, _centroid(stair))
        if door is not None and door.global_id not in {s.get("equipment") for s in specs}:
            specs.append({"key": f"DC-FIRE-{n + 1}", "kind": "door_contact",
                          "name": f"防火门门磁 {n + 1}", "equipment": door.global_id,
                          "space": stair.global_id})
    return specs, ground


def seed_security(session: Session, building_id: int, *, now: float | None = None) -> bool:
    """Set up the demo's security devices, car park, fleet and plates (once).

    Returns
    -------
    bool
        False when the car park exists already (nothing done).
    """
    if session.scalar(select(CarParkRow.id).where(CarParkRow.building_id == building_id,
                                                  CarParkRow.code == DEMO_CAR_PARK)):
        return False
    now = time.time() if now is None else now
    building = portfolio.get_building(session, building_id, None)
    specs, ground = _door_devices(session, building)
    specs += [{"key": f"{DEMO_CAR_PARK}-{n:03d}", "kind": "parking_bay",
               "name": f"车位 {DEMO_CAR_PARK}-{n:03d}"} for n in range(1, _BAYS + 1)]
    specs += [{"key": "LPR-GATE-IN", "kind": "lpr_camera", "name": "入口道闸车牌识别"},
              {"key": "LPR-GATE-OUT", "kind": "lpr_camera", "name": "出口道闸车牌识别"},
              {"key": "CAM-CARPARK", "kind": "camera", "name": "停车场摄像机"}]
    rows = registry.add_devices(session, building, specs, source="demo", actor="demo")
    for row in rows:  # the surface car park is not in the model: its devices sit on the
        row.storey = row.storey or ground  # ground storey, in no space
    park = CarParkRow(building_id=building_id, code=DEMO_CAR_PARK, name="地面停车场 P1",
                      max_stay_h=12.0)
    session.add(park)
    session.flush()
    session.add_all(ParkingBayRow(
        car_park_id=park.id, code=f"{DEMO_CAR_PARK}-{n:03d}", device=f"{DEMO_CAR_PARK}-{n:03d}",
        status="occupied" if (n * 37) % 100 < 62 else "free",
        since=int((now - 600 * (n % 17 + 1)) * 1000)) for n in range(1, _BAYS + 1))
    session.add_all([ParkingGateRow(car_park_id=park.id, name="入口道闸", device="LPR-GATE-IN",
                                    direction="in"),
                     ParkingGateRow(car_park_id=park.id, name="出口道闸", device="LPR-GATE-OUT",
                                    direction="out")])
    vehicles = [VehicleRow(building_id=building_id, plate=plate.replace("·", ""), name=name,
                           kind=kind, seats=seats, odometer_km=20_000.0 + 3_000 * n,
                           active=True)
                for n, (plate, name, kind, seats) in enumerate(DEMO_FLEET)]
    session.add_all(vehicles)
    session.add_all(PlateEntryRow(building_id=building_id, plate=f"京B{n:05d}", list="staff",
                                  holder=f"职工 {n}") for n in range(1, 6))
    session.add(PlateEntryRow(building_id=building_id, plate="京C12345", list="visitor",
                              holder="会议访客", valid_from=now - 3600, valid_to=now + 6 * 3600))
    session.add(PlateEntryRow(building_id=building_id, plate="京X00000", list="blocked",
                              holder="黑名单"))
    session.flush()
    day = now - now % 86400 - 8 * 3600  # local midnight (UTC+8)
    for n, vehicle in enumerate(vehicles[:5]):
        start = day + 86400 + (9 + n) * 3600
        session.add(VehicleBookingRow(
            building_id=building_id, vehicle_id=vehicle.id, requester="staff",
            purpose="公务出行", destination="市政务服务中心", start_ts=start,
            end_ts=start + 3 * 3600, state=("requested", "approved", "dispatched")[n % 3]))
        for back in range(1, 4):
            out = day - back * 86400 + (8 + n) * 3600
            session.add(VehicleTripRow(building_id=building_id, vehicle_id=vehicle.id,
                                       out_ts=out, in_ts=out + (2 + n % 3) * 3600,
                                       km=18.0 + 7 * n + back))
        session.add(FuelEntryRow(vehicle_id=vehicle.id, ts=day - 2 * 86400 + 10 * 3600,
                                 litres=35.0 + 2 * n, cost=(35.0 + 2 * n) * 7.9,
                                 odometer_km=vehicle.odometer_km))
    session.flush()
    return True
