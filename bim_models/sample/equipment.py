"""Equipment of the sample building and how it is connected.

Adds to a :class:`~bim_models.sample.plan.SamplePlan` (from ``plan_layout``):

* air: air-handling units in the basement plant room -> a supply duct main per unit -> a VAV
  box per zone (south and north band of each storey) -> an air terminal in every room;
* chilled water: a chiller -> two pumps -> a header pipe -> the air-handling units;
* power: the main distribution board -> an energy meter per storey -> the storey's board ->
  a light in every room; the main board -> an energy meter per air-handling unit -> the unit;
  the main board -> chiller and pumps;
* sensing: temperature, CO2 and occupancy sensors in every office and meeting room, a smoke
  detector in every room, access-control readers at the entrance and the plant room.

VAV boxes, distribution boards and storey meters are contained only in their storey in the
file (as many exports do); the parser has to place them by geometry. Everything else is
contained in its room.
"""

from __future__ import annotations

import math
import random

from bim_models.sample.plan import (
    CORRIDOR,
    EquipmentPlan,
    RoomPlan,
    SamplePlan,
    new_id_generator,
)

__all__ = ["SERIAL_PREFIXES", "plan_equipment"]

#: Serial number prefix per role.
SERIAL_PREFIXES = {
    "ahu": "AHU", "chiller": "CH", "pump": "PU", "main_board": "MDB", "board": "DB",
    "meter": "EM", "duct": "DU", "pipe": "PI", "vav": "VAV", "terminal": "AT", "light": "LT",
    "temperature": "TS", "co2": "CO2", "occupancy": "OS", "smoke": "SD",
    "access_reader": "AC",
}
SENSED_USES = ("office", "open_office", "meeting_small", "meeting_medium", "meeting_large")
NO_TERMINAL_USES = ("stair", "lift", "plant", "electrical")


class _Builder:
    """Collects equipment in writing order, naming and numbering it."""

    def __init__(self, plan: SamplePlan, seed: int) -> None:
        self.plan = plan
        self.new_id = new_id_generator(random.Random(seed * 7919 + 17))
        self.serials: dict[str, int] = {}
        self.items: dict[str, dict] = {}

    def add(self, role: str, name: str, *, storey: int, room: RoomPlan | None,
            position: tuple[float, float, float], system: str,
            in_file_space: bool = True) -> str:
        count = self.serials[role] = self.serials.get(role, 0) + 1
        self.items[name] = {
            "global_id": self.new_id(), "name": name, "role": role, "storey": storey,
            "room": room.number if room is not None else None,
            "in_file_space": in_file_space and room is not None,
            "position": tuple(round(v, 4) for v in position),
            "serial": f"{SERIAL_PREFIXES[role]}-{count:05d}", "system": system, "feeds": [],
        }
        return name

    def feed(self, upstream: str, downstream: str) -> None:
        self.items[upstream]["feeds"].append(downstream)

    def finish(self) -> None:
        self.plan.equipment = [
            EquipmentPlan(**{**item, "feeds": tuple(item["feeds"])})
            for item in self.items.values()
        ]


def _centre(room: RoomPlan, dx: float = 0.0, dy: float = 0.0) -> tuple[float, float]:
    x0, y0, x1, y1 = room.rect
    return ((x0 + x1) / 2 + dx, (y0 + y1) / 2 + dy)


def plan_equipment(plan: SamplePlan) -> SamplePlan:
    """Add equipment, its feeds and systems to ``plan`` (in place; also returned).

    Parameters
    ----------
    plan : SamplePlan
        From :func:`bim_models.sample.plan.plan_layout`.

    Returns
    -------
    SamplePlan
    """
    b = _Builder(plan, plan.seed)
    office_storeys = [s for s in plan.storeys if s.index >= 0]
    rooms_of = {s.index: [r for r in plan.rooms if r.storey == s.index] for s in plan.storeys}
    basement = plan.storey(-1)
    plant = next(r for r in rooms_of[-1] if r.use == "plant")
    px0, py0, px1, _ = plant.rect
    z_floor = basement.elevation
    ahu_count = 1 if len(office_storeys) < 2 else max(2, math.ceil(len(office_storeys) / 10))
    per_ahu = math.ceil(len(office_storeys) / ahu_count)

    mdb = b.add("main_board", "MDB-01", storey=-1, room=plant, system="Power",
                position=(px1 - 1.2, py0 + 0.6, z_floor + 1.0), in_file_space=False)
    chiller = b.add("chiller", "CH-01", storey=-1, room=plant, system="Chilled water",
                    position=(px0 + 2.0, py0 + 1.2, z_floor + 0.9))
    b.feed(mdb, chiller)
    header = b.add("pipe", "CHW-HEADER", storey=-1, room=plant, system="Chilled water",
                   position=(px0 + 5.5, py0 + 4.5, z_floor + 2.8))
    for n in (1, 2):
        pump = b.add("pump", f"PU-0{n}", storey=-1, room=plant, system="Chilled water",
                     position=(px0 + 4.0 + n, py0 + 1.0, z_floor + 0.4))
        b.feed(chiller, pump)
        b.feed(pump, header)
        b.feed(mdb, pump)
    ahus = []
    for k in range(ahu_count):
        ahu = b.add("ahu", f"AHU-{k + 1:02d}", storey=-1, room=plant,
                    system=f"Supply air AHU-{k + 1:02d}",
                    position=(px0 + 9.0 + 5.0 * k, py0 + 1.5, z_floor + 1.1))
        meter = b.add("meter", f"EM-AHU-{k + 1:02d}", storey=-1, room=plant, system="Power",
                      position=(px0 + 8.0 + 5.0 * k, py0 + 0.2, z_floor + 1.5))
        b.feed(header, ahu)
        b.feed(mdb, meter)
        b.feed(meter, ahu)
        duct = b.add("duct", f"SA-MAIN-{k + 1:02d}", storey=-1, room=plant,
                     system=f"Supply air AHU-{k + 1:02d}",
                     position=(px0 + 9.0 + 5.0 * k, py0 + 4.0, z_floor + 3.0))
        b.feed(ahu, duct)
        ahus.append(duct)
    for room in rooms_of[-1]:
        _room_devices(b, room, basement.elevation, light_feed=mdb)
    b.add("access_reader", "AC-PLANT", storey=-1, room=plant, system="Security",
          position=(px0 + 1.0, CORRIDOR[0] - 0.3, z_floor + 1.2))

    for n, storey in enumerate(office_storeys):
        rooms = rooms_of[storey.index]
        corridor = next(r for r in rooms if r.side == "corridor")
        store = next(r for r in rooms if r.use == "store")
        z = storey.elevation
        sx0, sy0, sx1, sy1 = store.rect
        meter = b.add("meter", f"EM-{storey.name}", storey=storey.index, room=store,
                      system="Power", position=(sx0 + 0.4, sy1 - 0.4, z + 1.5),
                      in_file_space=False)
        board = b.add("board", f"DB-{storey.name}", storey=storey.index, room=store,
                      system="Power", position=(sx0 + 1.2, sy1 - 0.4, z + 1.2),
                      in_file_space=False)
        b.feed(mdb, meter)
        b.feed(meter, board)
        duct = ahus[min(n // per_ahu, len(ahus) - 1)]
        system = b.items[duct]["system"]
        vavs = {}
        for side, fraction in (("south", 0.25), ("north", 0.75)):
            cx0, _, cx1, _ = corridor.rect
            vavs[side] = b.add("vav", f"VAV-{storey.name}-{side[0].upper()}",
                               storey=storey.index, room=corridor, system=system,
                               position=(cx0 + (cx1 - cx0) * fraction, sum(CORRIDOR) / 2,
                                         z + 2.6), in_file_space=False)
            b.feed(duct, vavs[side])
        for room in rooms:
            side = "south" if room.side == "south" else "north"
            _room_devices(b, room, z, light_feed=board, air_feed=vavs[side], system=system)
        if storey.index == 0:
            b.add("access_reader", "AC-ENTRANCE", storey=0, room=corridor, system="Security",
                  position=(0.6, CORRIDOR[0] + 0.3, z + 1.2))
    b.finish()
    return plan


def _room_devices(b: _Builder, room: RoomPlan, z: float, *, light_feed: str,
                  air_feed: str | None = None, system: str | None = None) -> None:
    """Light, smoke detector, air terminal and (offices, meeting rooms) sensors of a room."""
    tag = room.number
    cx, cy = _centre(room)
    top = z + room.height
    light = b.add("light", f"LT-{tag}", storey=room.storey, room=room, system="Lighting",
                  position=(cx + 0.8, cy, top - 0.1))
    b.feed(light_feed, light)
    b.add("smoke", f"SD-{tag}", storey=room.storey, room=room, system="Fire detection",
          position=(cx - 0.8, cy, top - 0.05))
    if air_feed is not None and room.use not in NO_TERMINAL_USES:
        terminal = b.add("terminal", f"AT-{tag}", storey=room.storey, room=room,
                         system=system or "Supply air", position=(cx, cy + 0.9, top - 0.1))
        b.feed(air_feed, terminal)
    if room.use in SENSED_USES:
        x0, y0, _, y1 = room.rect
        wall_y = (y0 + y1) / 2
        b.add("temperature", f"TS-{tag}", storey=room.storey, room=room,
              system="Building automation", position=(x0 + 0.1, wall_y - 0.3, z + 1.5))
        b.add("co2", f"CO2-{tag}", storey=room.storey, room=room,
              system="Building automation", position=(x0 + 0.1, wall_y + 0.3, z + 1.5))
        b.add("occupancy", f"OS-{tag}", storey=room.storey, room=room,
              system="Building automation", position=(cx, cy - 0.9, top - 0.05))
