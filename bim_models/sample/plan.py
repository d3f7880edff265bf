"""Plan of the sample office building: rooms, doors, stairs, equipment and their feeds.

The plan is plain data and is the generator's *truth*: the IFC writer turns it into a model,
the people and device lists are drawn from it, and tests compare what the parser reads back
with it. Same arguments and seed, same plan, GlobalIds included.

Layout of a storey (metres; x along the building, y across it)::

    y 14.4 +------+------+------+-----------+------+  north band: lift, toilets, tea room,
           | lift | WC   | tea  | meeting   | ...  |  storeroom, meeting rooms, offices
    y  8.4 +------+------+------+-----------+------+
           |              corridor                 |  y 6.2 .. 8.2 (entrance at x = 0)
    y  6.2 +------+------+------+-----------+------+
           | stair| off. | off. | open plan | stair|  south band: stair cores at both ends
    y  0.0 +------+------+------+-----------+------+

Spaces are separated by 0.2 m walls. Storey 0 is the ground floor; storey -1 the basement plant
level.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from bim_models.sample.catalogue import (
    LEADER_VARIANTS,
    OFFICE_VARIANTS,
    ROOM_DEPTH,
    ROOM_USES,
)

__all__ = [
    "BASEMENT_HEIGHT",
    "STOREY_HEIGHT",
    "WALL",
    "DoorPlan",
    "EquipmentPlan",
    "RoomPlan",
    "SamplePlan",
    "StairPlan",
    "StoreyPlan",
    "new_id_generator",
    "plan_layout",
]

WALL = 0.2
CORRIDOR_WIDTH = 2.0
STOREY_HEIGHT = 3.6
BASEMENT_HEIGHT = 4.0
ROOM_HEIGHT = 3.0
SOUTH = (0.0, ROOM_DEPTH)
CORRIDOR = (ROOM_DEPTH + WALL, ROOM_DEPTH + WALL + CORRIDOR_WIDTH)
NORTH = (round(CORRIDOR[1] + WALL, 6), round(CORRIDOR[1] + WALL + ROOM_DEPTH, 6))
#: Fixed rooms of an office storey (besides offices): use -> width along the corridor, m.
#: The storeroom comes last on its band and takes up the slack to the building's length.
SERVICE_ROOMS_NORTH = (("lift", 2.6), ("toilet", 3.0), ("toilet", 3.0), ("tea", 3.0),
                       ("meeting_small", 2.5), ("meeting_medium", 5.0), ("meeting_large", 10.0),
                       ("store", 2.6))
STAIR_WIDTH = 3.2
OPEN_OFFICE_WIDTH = 15.0


@dataclass(frozen=True, slots=True)
class StoreyPlan:
    """A storey: ``index`` (-1 basement, 0 ground...), elevation and ceiling height (m)."""

    index: int
    name: str
    elevation: float
    room_height: float
    global_id: str


@dataclass(frozen=True, slots=True)
class RoomPlan:
    """A space. ``rect`` is (x0, y0, x1, y1) in metres; ``area`` the true net floor area.

    ``qto_area`` is the ``NetFloorArea`` written to the file: equal to ``area`` except for the
    few rooms whose quantity is deliberately wrong (``qto_wrong``). ``variant`` names the office
    design (see :data:`~bim_models.sample.catalogue.OFFICE_VARIANTS`) for offices.
    """

    global_id: str
    number: str
    use: str
    storey: int
    rect: tuple[float, float, float, float]
    height: float
    qto_area: float
    variant: str | None = None
    grades: tuple[str, ...] = ()

    @property
    def long_name(self) -> str:
        """Long name written to ``IfcSpace.LongName``."""
        return ROOM_USES[self.use][0]

    @property
    def area(self) -> float:
        """True net floor area from the rectangle, m²."""
        x0, y0, x1, y1 = self.rect
        return (x1 - x0) * (y1 - y0)

    @property
    def qto_wrong(self) -> bool:
        """True when the written Qto area deliberately disagrees with the geometry."""
        return abs(self.qto_area - self.area) > 1e-6

    @property
    def side(self) -> str:
        """``"south"``, ``"north"`` or ``"corridor"``."""
        y0 = self.rect[1]
        return "south" if y0 < CORRIDOR[0] else "north" if y0 > CORRIDOR[1] else "corridor"


@dataclass(frozen=True, slots=True)
class DoorPlan:
    """A door at (x, y) in a wall along ``axis``, joining ``rooms`` (room numbers)."""

    global_id: str
    name: str
    storey: int
    x: float
    y: float
    width: float
    axis: str
    rooms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StairPlan:
    """A stair or the lift: footprint ``rect``, from storey ``bottom`` to storey ``top``."""

    global_id: str
    name: str
    kind: str
    rect: tuple[float, float, float, float]
    bottom: int
    top: int


@dataclass(frozen=True, slots=True)
class EquipmentPlan:
    """One item of equipment.

    Attributes
    ----------
    role : str
        Key of :data:`~bim_models.sample.catalogue.EQUIPMENT_ROLES`.
    room : str, optional
        Number of the room it is in (its true place).
    in_file_space : bool
        Whether the file contains it in that room (``True``) or only in the storey, so that
        the parser has to place it by geometry.
    feeds : tuple of str
        Names (tags) of the equipment it feeds, in port order.
    system : str
        Name of the distribution system it belongs to.
    """

    global_id: str
    name: str
    role: str
    storey: int
    room: str | None
    in_file_space: bool
    position: tuple[float, float, float]
    serial: str
    system: str
    feeds: tuple[str, ...] = ()


@dataclass
class SamplePlan:
    """The whole building. Lists are in writing order."""

    seed: int
    storeys: list[StoreyPlan] = field(default_factory=list)
    rooms: list[RoomPlan] = field(default_factory=list)
    doors: list[DoorPlan] = field(default_factory=list)
    stairs: list[StairPlan] = field(default_factory=list)
    equipment: list[EquipmentPlan] = field(default_factory=list)
    length: float = 0.0

    def room(self, number: str) -> RoomPlan:
        """The room with this number."""
        return self._rooms_by_number()[number]

    def _rooms_by_number(self) -> dict[str, RoomPlan]:
        return {r.number: r for r in self.rooms}

    def storey(self, index: int) -> StoreyPlan:
        """The storey with this index."""
        return next(s for s in self.storeys if s.index == index)

    @property
    def systems(self) -> dict[str, list[str]]:
        """System name -> names of its members."""
        result: dict[str, list[str]] = {}
        for item in self.equipment:
            result.setdefault(item.system, []).append(item.name)
        return result


def new_id_generator(rng: random.Random):
    """A callable returning deterministic GlobalIds drawn from ``rng``."""
    return _Ids(rng)


class _Ids:
    """Deterministic GlobalIds from a seeded generator (IFC's 22-character base64)."""

    _CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$"

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def __call__(self) -> str:
        number = uuid.UUID(int=self._rng.getrandbits(128)).int
        chars = [self._CHARS[(number >> (6 * i)) & 63] for i in range(21)]
        return self._CHARS[(number >> 126) & 3] + "".join(reversed(chars))


def _storey_name(index: int) -> str:
    return "B1" if index < 0 else "GF" if index == 0 else f"{index + 1}F"


def _band(rooms: list[tuple[str, float, object]], start: float, end: float
          ) -> list[tuple[str, float, float, object]]:
    """Lay ``(use, width, extra)`` rooms along x from ``start``; the last stretches to ``end``."""
    placed, x = [], start
    for i, (use, width, extra) in enumerate(rooms):
        x1 = end if i == len(rooms) - 1 else x + width
        placed.append((use, x, x1, extra))
        x = x1 + WALL
    return placed


def plan_layout(*, storeys: int = 6, rooms_per_storey: int = 20, seed: int = 1) -> SamplePlan:
    """Plan storeys, rooms, doors, stairs and the lift (equipment: :mod:`sample_equipment`).

    Parameters
    ----------
    storeys : int, default 6
        Storeys above ground (a basement plant level is always added).
    rooms_per_storey : int, default 20
        Rooms on each office storey besides the corridor: 2 stair cores, a lift, 2 toilets, a
        tea room, a storeroom, 3 meeting rooms, an open-plan office, and cellular offices for
        the rest (at least one).
    seed : int, default 1
        Seeds GlobalIds, the order of office designs and which Qto areas are wrong.

    Returns
    -------
    SamplePlan

    Raises
    ------
    ValueError
        If ``storeys < 1`` or ``rooms_per_storey < 12``.
    """
    if storeys < 1:
        raise ValueError(f"storeys must be at least 1, got {storeys}")
    fixed = 2 + len(SERVICE_ROOMS_NORTH) + 1
    if rooms_per_storey < fixed + 1:
        raise ValueError(f"rooms_per_storey must be at least {fixed + 1}, got {rooms_per_storey}")
    rng = random.Random(seed)
    new_id = new_id_generator(rng)
    plan = SamplePlan(seed=seed)
    office_count = rooms_per_storey - fixed
    # Split offices between the bands so that both come out about the same length.
    north_fixed = sum(w for _, w in SERVICE_ROOMS_NORTH)
    south_fixed = 2 * STAIR_WIDTH + OPEN_OFFICE_WIDTH
    mean_office = sum(v.area for v in OFFICE_VARIANTS) / len(OFFICE_VARIANTS) / ROOM_DEPTH
    south_offices = round((office_count * (mean_office + WALL) + north_fixed - south_fixed)
                          / (2 * (mean_office + WALL)))
    south_offices = max(0, min(office_count, south_offices))
    offset = rng.randrange(len(OFFICE_VARIANTS))
    wrong_every = max(7, rooms_per_storey // 2)

    for index in range(-1, storeys):
        elevation = -BASEMENT_HEIGHT if index < 0 else index * STOREY_HEIGHT
        plan.storeys.append(StoreyPlan(index, _storey_name(index), elevation,
                                       BASEMENT_HEIGHT - 0.6 if index < 0 else ROOM_HEIGHT,
                                       new_id()))
    top = storeys - 1
    designs = {}
    for index in range(0, storeys):
        variants = LEADER_VARIANTS if index == top and storeys > 1 else ()
        cycle = [OFFICE_VARIANTS[(offset + index * 3 + k) % len(OFFICE_VARIANTS)]
                 for k in range(office_count)]
        designs[index] = list(variants) + cycle[: office_count - len(variants)]
    length = _building_length(designs, south_offices)
    plan.length = length
    for storey in plan.storeys:
        _plan_storey(plan, storey, designs.get(storey.index), south_offices, length, new_id)
    _mark_wrong_qto(plan, rng, wrong_every)
    return plan


def _office_rows(designs, south_offices):
    south = [("office", v.area / ROOM_DEPTH, v) for v in designs[:south_offices]]
    north = [("office", v.area / ROOM_DEPTH, v) for v in designs[south_offices:]]
    return south, north


def _building_length(designs: dict[int, list], south_offices: int) -> float:
    lengths = []
    for offices in designs.values():
        south, north = _office_rows(offices, south_offices)
        lengths.append(sum(w + WALL for _, w, _ in south) + south_fixed_length())
        lengths.append(sum(w + WALL for _, w, _ in north)
                       + sum(w + WALL for _, w in SERVICE_ROOMS_NORTH) - WALL)
    return round(max(lengths) + 1.0, 1)


def south_fixed_length() -> float:
    """Length taken on the south band by the stair cores and the open-plan office."""
    return 2 * STAIR_WIDTH + OPEN_OFFICE_WIDTH + 2 * WALL


def _plan_storey(plan: SamplePlan, storey: StoreyPlan, offices, south_offices: int,
                 length: float, new_id) -> None:
    index = storey.index
    if offices is None:  # basement plant level
        south = [("stair", STAIR_WIDTH, None), ("plant", 0.0, None),
                 ("stair", STAIR_WIDTH, None)]
        north = [("lift", SERVICE_ROOMS_NORTH[0][1], None), ("electrical", 6.0, None),
                 ("store", 0.0, None)]
        south_placed = _band(south[:2], 0.0, length - STAIR_WIDTH - WALL)
        south_placed.append(("stair", length - STAIR_WIDTH, length, None))
    else:
        office_south, office_north = _office_rows(offices, south_offices)
        south = [("stair", STAIR_WIDTH, None), *office_south, ("open_office", 0.0, None)]
        services = [(use, w, None) for use, w in SERVICE_ROOMS_NORTH]
        north = services[:-1] + office_north + services[-1:]
        south_placed = _band(south, 0.0, length - STAIR_WIDTH - WALL)
        south_placed.append(("stair", length - STAIR_WIDTH, length, None))
    north_placed = _band(north, 0.0, length)
    counter = iter(range(1, 10_000))
    corridor_use = "entrance" if index == 0 else "corridor"
    rows = [(u, x0, x1, SOUTH, e) for u, x0, x1, e in south_placed]
    rows.append((corridor_use, 0.0, length, CORRIDOR, None))
    rows += [(u, x0, x1, NORTH, e) for u, x0, x1, e in north_placed]
    for use, x0, x1, (y0, y1), variant in rows:
        number = f"{storey.name}-{next(counter):03d}"
        area = (x1 - x0) * (y1 - y0)
        plan.rooms.append(RoomPlan(
            global_id=new_id(), number=number, use=use, storey=index,
            rect=(round(x0, 4), y0, round(x1, 4), y1), height=storey.room_height,
            qto_area=round(area, 4),
            variant=variant.key if variant is not None else None,
            grades=variant.grades if variant is not None else ()))
    _plan_doors(plan, storey, new_id)


def _plan_doors(plan: SamplePlan, storey: StoreyPlan, new_id) -> None:
    rooms = [r for r in plan.rooms if r.storey == storey.index]
    corridor = next(r for r in rooms if r.side == "corridor")
    for room in rooms:
        if room is corridor:
            continue
        x0, _, x1, _ = room.rect
        wide = room.use in ("open_office", "meeting_large", "plant")
        y = CORRIDOR[0] - WALL / 2 if room.side == "south" else CORRIDOR[1] + WALL / 2
        plan.doors.append(DoorPlan(new_id(), f"D-{room.number}", storey.index,
                                   round(min(x0 + 1.0, (x0 + x1) / 2), 4), y,
                                   1.8 if wide else 0.9, "x", (room.number, corridor.number)))
    if storey.index == 0:
        plan.doors.append(DoorPlan(new_id(), "D-ENTRANCE", 0, -WALL / 2, sum(CORRIDOR) / 2,
                                   1.8, "y", (corridor.number,)))
    stairs = sorted((r for r in rooms if r.use == "stair"), key=lambda r: r.rect[0])
    lift = next(r for r in rooms if r.use == "lift")
    top = plan.storeys[-1].index
    if storey.index < top:
        for n, room in enumerate(stairs, start=1):
            x0, y0, x1, y1 = room.rect
            plan.stairs.append(StairPlan(new_id(), f"Stair-{n} {storey.name}", "stair",
                                         (x0 + 0.3, y0 + 0.5, x1 - 0.3, y1 - 1.5),
                                         storey.index, storey.index + 1))
    if storey.index == -1:
        x0, y0, x1, y1 = lift.rect
        plan.stairs.append(StairPlan(new_id(), "Lift-1", "lift",
                                     (x0 + 0.3, y0 + 2.0, x1 - 0.3, y1 - 1.5), -1, top))


def _mark_wrong_qto(plan: SamplePlan, rng: random.Random, every: int) -> None:
    """Make a few Qto areas wrong, as exported models often are (about one room in ``every``)."""
    candidates = [i for i, r in enumerate(plan.rooms) if r.use in ("office", "meeting_medium")]
    count = max(3, len(plan.rooms) // every // 3)
    for i in sorted(rng.sample(candidates, min(count, len(candidates)))):
        room = plan.rooms[i]
        factor = rng.choice((1.12, 0.85, 1.25))
        plan.rooms[i] = RoomPlan(room.global_id, room.number, room.use, room.storey, room.rect,
                                 room.height, round(room.area * factor, 2), room.variant,
                                 room.grades)
