"""People, room allocations and IoT devices of the sample building, as plain data.

:func:`plan_people` staffs the offices of a plan and plants every case a housing officer meets;
:func:`sample_cases` names them. :func:`plan_devices` lists each sensor's, meter's and plant
item's readings with the profile :func:`bim_models.sample.profiles.value_at` evaluates.
"""

from __future__ import annotations

import csv
import datetime
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from bim_models.sample.catalogue import CITY_GRADE_LIMITS, LEADER_VARIANTS, ROOM_USES
from bim_models.sample.plan import EquipmentPlan, RoomPlan, SamplePlan
from bim_models.sample.profiles import DEVICE_KINDS, PROFILE_EPOCH, Device, write_devices

__all__ = [
    "ALLOCATION_COLUMNS", "CASE_NAMES", "DEPARTMENTS", "OPEN_PLAN_M2_PER_DESK", "ORGANISATION",
    "RECLAIM_DAYS", "SAMPLE_DATE", "Assignment", "Device", "allocation_row", "plan_devices",
    "plan_people", "room_capacity", "sample_cases", "write_allocations", "write_devices",
]

#: The fixed "today" of the sample data (never the wall clock).
SAMPLE_DATE = datetime.date(2026, 11, 1)
#: Rooms of transferred or retired staff must be taken back within this many days (2017 rules).
RECLAIM_DAYS = 31
#: Floor area of one desk in an open-plan office, m²: the sample's own copy of the bundled rule
#: sets' ``open_plan_m2_per_desk`` (bim_models may not import spaces; tests/test_rules.py checks
#: that the two agree). Sizes the open-plan staff and plants the ``under_used`` cases.
OPEN_PLAN_M2_PER_DESK = 9.0
ORGANISATION = "市机关事务管理局"
DEPARTMENTS = ("办公室", "综合处", "财务处", "人事处", "机关事务处", "信息中心", "法规处", "规划处")
LEADERSHIP = "局领导"
STAFF, DIRECTOR = "局(处)级以下", "正局(处)级"
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
             "许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢")
_GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红"
          "玲燕彬建国志宏文斌海波鹏辉宇浩晨阳思远欣怡涵轩雨桐佳琪嘉俊晓东立新春梅")
_LEADER_KEYS = {v.key for v in LEADER_VARIANTS}
_FIRST_DAY, _LAST_DAY = datetime.date(2015, 1, 1), datetime.date(2026, 6, 30)
#: Planted leavers: case -> (status, days before SAMPLE_DATE they left: from, to).
_LEAVERS = {"retired": ("retired", 75, 120), "transferred": ("transferred", 60, 110),
            "reclaimed": ("transferred", 60, 110)}


@dataclass(frozen=True, slots=True)
class Assignment:
    """One row of the allocation list: a person and one room assignment (or none).

    Dates are ISO strings; an empty ``assigned_to`` is an open assignment, empty room fields a
    person without a room. ``register_area`` is the area in the housing register, m², or None.
    """

    staff_id: str
    name: str
    department: str
    organisation: str
    tier: str
    subordinate: str
    grade: str
    status: str
    status_date: str
    room_number: str
    room_global_id: str
    assigned_from: str
    assigned_to: str
    register_area: float | None = None

    def is_open(self, on: datetime.date = SAMPLE_DATE) -> bool:
        """Whether this row holds a room on date ``on``."""
        day = on.isoformat()
        return bool(self.room_number) and self.assigned_from <= day and (
            not self.assigned_to or self.assigned_to > day)


#: Header of ``allocations.csv`` and of the ``allocations`` sheet.
#: CSV/XLSX header -> Assignment field. The first eleven columns are the compliance import
#: format (README, "Allocation import format"); the rest are extra columns it keeps.
_HEADER_FIELDS = {
    "person_id": "staff_id", "name": "name", "department": "department",
    "org_level": "tier", "subordinate": "subordinate", "grade": "grade", "status": "status",
    "status_date": "status_date", "room": "room_number", "from": "assigned_from",
    "to": "assigned_to", "room_global_id": "room_global_id", "organisation": "organisation",
    "register_area": "register_area",
}
ALLOCATION_COLUMNS = tuple(_HEADER_FIELDS)
if set(_HEADER_FIELDS.values()) != {f.name for f in fields(Assignment)}:
    raise RuntimeError("allocation headers and Assignment fields disagree")


def allocation_row(row: Assignment) -> list[str]:
    """The CSV cells of ``row`` in header order (``register_area`` with one decimal)."""
    cells = [getattr(row, _HEADER_FIELDS[h]) for h in ALLOCATION_COLUMNS[:-1]]
    return [*cells, "" if row.register_area is None else f"{row.register_area:.1f}"]


def room_capacity(room: RoomPlan) -> int:
    """Design capacity, persons: planned occupants, one per :data:`OPEN_PLAN_M2_PER_DESK` in
    open plan, 2 m² each in meetings."""
    if room.use == "office":
        return max(1, len(room.grades))
    if room.use.startswith("meeting"):
        return max(1, int(room.area // 2))
    return max(1, int(room.area // OPEN_PLAN_M2_PER_DESK))


class _Roster:
    """Hands out staff ids, unique names and dates; collects rows."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.rows, self.names, self.count = rng, [], set(), 0

    def day(self, first: datetime.date = _FIRST_DAY, last: datetime.date = _LAST_DAY) -> str:
        return (first + datetime.timedelta(self.rng.randrange((last - first).days + 1))
                ).isoformat()

    def person(self, grade: str, department: str, status: str = "active",
               status_date: str = "") -> dict:
        while True:
            given = "".join(self.rng.choice(_GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            name = self.rng.choice(_SURNAMES) + given
            if name not in self.names:
                break
        self.names.add(name)
        self.count += 1
        return {"staff_id": f"S{self.count:04d}", "name": name, "department": department,
                "organisation": ORGANISATION, "tier": "市", "subordinate": "no",
                "grade": grade, "status": status, "status_date": status_date}

    def add(self, person: dict, room: RoomPlan | None, start: str = "", end: str = "") -> None:
        self.rows.append({**person, "room_number": room.number if room else "",
                          "room_global_id": room.global_id if room else "",
                          "assigned_from": start if room else "", "assigned_to": end})


def _pick(plan: SamplePlan, rng: random.Random) -> dict[str, list[RoomPlan]]:
    """Rooms chosen for the planted cases (a case is left out where the plan has no room)."""
    singles = [r for r in plan.rooms if r.use == "office" and len(r.grades) == 1
               and r.variant not in _LEADER_KEYS and not (r.variant or "").endswith("-over")]
    picks: dict[str, list[RoomPlan]] = {}
    firsts = [r for r in singles if r.grades == (DIRECTOR,)]
    rng.shuffle(firsts)
    for first in firsts:
        seconds = [r for r in singles if r.storey != first.storey and r.area < first.area]
        if seconds:
            picks["two_offices"] = [first, rng.choice(seconds)]
            break
    rest = [r for r in singles if r not in picks.get("two_offices", ())]
    chosen = rng.sample(rest, min(len(rest), 5))
    for key, room in zip(("retired", "transferred", "reclaimed"), chosen, strict=False):
        picks[key] = [room]
    picks["empty"] = chosen[3:]  # may be short (or empty) on a small plan
    for key, use in (("meeting", "meeting_small"), ("store", "store")):
        rooms = [r for r in plan.rooms if r.use == use and r.storey >= 0]
        if rooms:
            picks[key] = [rng.choice(rooms)]
    return picks


def plan_people(plan: SamplePlan, *, seed: int | None = None) -> list[Assignment]:
    """Staff the building's offices and plant the housing cases (see :func:`sample_cases`).

    Parameters
    ----------
    plan : SamplePlan
        From :func:`bim_models.sample.plan.plan_layout`.
    seed : int, optional
        Seeds names, dates and the rooms chosen for each case; defaults to ``plan.seed``.

    Returns
    -------
    list of Assignment
        One row per (person, room assignment), ordered by staff id and start date.
    """
    rng = random.Random(plan.seed if seed is None else seed)
    picks = _pick(plan, rng)
    order = rng.sample(DEPARTMENTS, len(DEPARTMENTS))  # one per (storey, band): they cluster
    zones = sorted({(r.storey, r.side) for r in plan.rooms if r.storey >= 0})
    depts = {zone: order[i % len(order)] for i, zone in enumerate(zones)}
    by_number = {rooms[0].number: key for key, rooms in picks.items() if key != "empty"}
    skip = {r.number for r in picks["empty"] + picks.get("two_offices", [])[1:]}
    roster = _Roster(rng)
    for room in plan.rooms:
        case = by_number.get(room.number)
        if room.number in skip or room.use not in ("office", "open_office") and case is None:
            continue
        if room.use == "open_office":
            grades = (STAFF,) * max(1, int(room.area // OPEN_PLAN_M2_PER_DESK)
                                    - rng.choice((1, 2)))
        else:
            grades = room.grades or (STAFF,)
        dept = LEADERSHIP if room.variant in _LEADER_KEYS else depts[(room.storey, room.side)]
        for grade in grades:
            start, end, status, when = roster.day(), "", "active", ""
            if case in _LEAVERS:
                status, low, high = _LEAVERS[case]
                left = SAMPLE_DATE - datetime.timedelta(rng.randint(low, high))
                when = left.isoformat()
                if case == "reclaimed":
                    end = (left + datetime.timedelta(rng.randint(5, RECLAIM_DAYS - 3))).isoformat()
            person = roster.person(grade, dept, status, when)
            roster.add(person, room, start, end)
            if case == "two_offices":
                second = picks["two_offices"][1]
                first_day = datetime.date.fromisoformat(start) + datetime.timedelta(1)
                roster.add(person, second, roster.day(min(first_day, _LAST_DAY)))
    for _ in range(2):  # newcomers still waiting for a room
        roster.add(roster.person(STAFF, rng.choice(DEPARTMENTS)), None)
    return _with_register(plan, roster.rows, rng)


def _with_register(plan: SamplePlan, rows: list[dict], rng: random.Random) -> list[Assignment]:
    """Register areas for about a third of the rooms, two of them off by more than 1 m²."""
    numbers = sorted({r["room_number"] for r in rows if r["room_number"]})
    listed = sorted(rng.sample(numbers, max(3, len(numbers) // 3)))
    offices = [n for n in listed if plan.room(n).use == "office"]
    wrong = set(rng.sample(offices, min(2, len(offices))))
    register = {n: round(plan.room(n).area + (rng.choice((-1, 1)) * rng.uniform(1.6, 4.0)
                                              if n in wrong else 0.0), 1) for n in listed}
    result = [Assignment(**row, register_area=register.get(row["room_number"])) for row in rows]
    return sorted(result, key=lambda a: (a.staff_id, a.assigned_from))


#: Keys of :func:`sample_cases`.
CASE_NAMES = (
    "single_over", "single_within", "shared_within", "shared_over", "under_used_open_offices",
    "two_offices", "retired_open", "transferred_open", "transferred_reclaimed", "empty_offices",
    "non_office_use", "register_mismatch", "no_room")


def sample_cases(plan: SamplePlan, assignments: Sequence[Assignment]) -> dict[str, list[str]]:
    """The housing cases present in ``assignments`` on :data:`SAMPLE_DATE`, by true room area.

    A room's occupants are the people with an open assignment in it, whatever their status.
    Room cases list room numbers: ``single_over``/``single_within`` (one occupant against the
    limit), ``shared_within``/``shared_over`` (two or more against the sum of their limits),
    ``under_used_open_offices``, ``empty_offices``, ``non_office_use`` (not offices in the model
    but held), ``register_mismatch`` (register area off by > 1 m²). Person cases list staff ids:
    ``two_offices``, ``retired_open``/``transferred_open`` (still holding a room more than
    :data:`RECLAIM_DAYS` after leaving), ``transferred_reclaimed`` (given back in time: a negative
    case), ``no_room``. Each list is sorted.
    """
    cases: dict[str, set[str]] = {k: set() for k in CASE_NAMES}
    grades: dict[str, list[str]] = {}
    held: dict[str, int] = {}
    rows_of: dict[str, list[Assignment]] = {}
    rooms = {r.number: r for r in plan.rooms}
    for a in assignments:
        rows_of.setdefault(a.staff_id, []).append(a)
        if a.is_open():
            grades.setdefault(a.room_number, []).append(a.grade)
            held[a.staff_id] = held.get(a.staff_id, 0) + 1
        if a.register_area is not None and abs(a.register_area - rooms[a.room_number].area) > 1:
            cases["register_mismatch"].add(a.room_number)
    for room in plan.rooms:
        occupants = grades.get(room.number, [])
        if room.use in ("office", "open_office"):
            over = room.area > sum(CITY_GRADE_LIMITS[g] for g in occupants) + 1e-6
            kind = "single" if len(occupants) == 1 else "shared"
            key = f"{kind}_{'over' if over else 'within'}" if occupants else "empty_offices"
            cases[key].add(room.number)
            if room.use == "open_office" and \
                    0 < len(occupants) < room.area // OPEN_PLAN_M2_PER_DESK:
                cases["under_used_open_offices"].add(room.number)
        elif occupants and not ROOM_USES[room.use][1]:
            cases["non_office_use"].add(room.number)
    for staff_id, rows in rows_of.items():
        status, left = rows[0].status, rows[0].status_date
        if held.get(staff_id, 0) >= 2:
            cases["two_offices"].add(staff_id)
        if not any(r.room_number for r in rows):
            cases["no_room"].add(staff_id)
        if status == "active" or not left:
            continue
        late = [_days(left, r.assigned_to or SAMPLE_DATE.isoformat()) > RECLAIM_DAYS
                for r in rows if r.room_number]
        if staff_id in held and _days(left, SAMPLE_DATE.isoformat()) > RECLAIM_DAYS:
            cases[f"{status}_open"].add(staff_id)
        elif status == "transferred" and staff_id not in held and late and not any(late):
            cases["transferred_reclaimed"].add(staff_id)
    return {key: sorted(values) for key, values in cases.items()}


def _days(first: str, last: str) -> int:
    return (datetime.date.fromisoformat(last) - datetime.date.fromisoformat(first)).days


def write_allocations(assignments: Sequence[Assignment], folder: str | Path
                      ) -> tuple[Path, Path]:
    """Write ``allocations.csv`` (UTF-8 with BOM) and ``allocations.xlsx`` into ``folder``.

    The workbook's sheet ``allocations`` has dates as dates and areas as numbers; the sheet
    ``grades`` lists each 市级 grade with its limit, m². Returns the two paths.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = folder / "allocations.csv", folder / "allocations.xlsx"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(ALLOCATION_COLUMNS)
        writer.writerows(allocation_row(a) for a in assignments)
    book = Workbook()
    book.properties.created = book.properties.modified = datetime.datetime(2026, 11, 1)
    sheet = book.active
    sheet.title = "allocations"
    sheet.append(ALLOCATION_COLUMNS)
    dated = {"status_date", "from", "to"}
    for a in assignments:
        values = ((h, getattr(a, _HEADER_FIELDS[h])) for h in ALLOCATION_COLUMNS)
        sheet.append([(datetime.date.fromisoformat(v) if v else None) if h in dated else v
                      for h, v in values])
    grades = book.create_sheet("grades")
    for row in (("grade", "limit_m2 (市级)"), *CITY_GRADE_LIMITS.items()):
        grades.append(row)
    for ws, widths in ((sheet, (8, 8, 12, 18, 5, 11, 14, 12, 12, 12, 24, 12, 12, 13)),
                       (grades, (16, 16))):
        for cell, width in zip(ws[1], widths, strict=True):
            cell.font = Font(bold=True)
            ws.column_dimensions[cell.column_letter].width = width
        ws.freeze_panes = "A2"
    book.save(xlsx_path)
    return csv_path, xlsx_path


# --- devices -------------------------------------------------------------------------------

_ROLE_KINDS = {
    "temperature": ("temperature",), "co2": ("co2",), "occupancy": ("occupancy",),
    "smoke": ("smoke",), "access_reader": ("access_event",), "meter": ("energy", "power"),
    "ahu": ("status", "fault_code", "temperature"), "vav": ("damper_position",),
    "pump": ("status",), "chiller": ("status", "power"),
}
_PLANT_HOURS = {"start": "07:30", "end": "18:30"}
_FIXED = {
    "smoke": {"name": "constant", "value": 0}, "fault_code": {"name": "constant", "value": 0},
    "status": {"name": "status", **_PLANT_HOURS},
    "damper_position": {"name": "damper", "min_pct": 20, "max_pct": 90, **_PLANT_HOURS},
}


def plan_devices(plan: SamplePlan, *, assignments: Sequence[Assignment] | None = None
                 ) -> list[Device]:
    """The devices of the plan's equipment, in its order; ids are ``f"{serial}-{kind}"``.

    Lights, terminals, boards, ducts and pipes have none. With ``assignments``, office occupancy
    follows the people holding each room on :data:`SAMPLE_DATE` (empty offices read 0), else
    the planned occupants. The plan needs equipment (:mod:`bim_models.sample.equipment`).
    """
    rooms = {r.number: r for r in plan.rooms}
    held: dict[str, int] | None = None if assignments is None else {}
    for a in assignments or ():
        if a.is_open():
            held[a.room_number] = held.get(a.room_number, 0) + 1
    sensors = {(e.room, e.role): e.serial for e in plan.equipment}
    floor = {s.index: sum(r.area for r in plan.rooms if r.storey == s.index)
             for s in plan.storeys}
    devices = []
    for eq in plan.equipment:
        room = rooms.get(eq.room) if eq.room else None
        for kind in _ROLE_KINDS.get(eq.role, ()):
            unit, state_class, low, high = DEVICE_KINDS[kind]
            p = _profile(eq, kind, room, held, sensors, floor)
            if kind == "occupancy":
                high = 2.0 * room_capacity(room)
            elif kind == "power":
                high = max(10.0, 2.0 * p["peak_kw"])
            devices.append(Device(
                f"{eq.serial}-{kind}", kind, unit, state_class, float(low), float(high),
                eq.global_id, eq.name, room.global_id if room else "",
                room.number if room else "",
                json.dumps(p, ensure_ascii=False, separators=(",", ":"))))
    return devices


def _profile(eq: EquipmentPlan, kind: str, room: RoomPlan | None, held: dict | None,
             sensors: dict, floor: dict) -> dict:
    """Profile of one device (see :data:`bim_models.sample.profiles.PROFILES`)."""
    if kind in _FIXED:
        return _FIXED[kind]
    if kind == "temperature":
        base, amplitude, peak = (15.0, 1.0, 14) if eq.role == "ahu" or room is None else (
            22.5 if room.side == "south" else 21.5, 1.5, 15)
        return {"name": "diurnal", "base": base, "amplitude": amplitude, "peak_hour": peak,
                "noise": 0.1}
    if kind in ("occupancy", "co2"):
        if room.use.startswith("meeting"):
            p = {"name": "meeting_bookings", "capacity": room_capacity(room)}
        else:
            planned = room_capacity(room) - (room.use == "open_office")
            p = {"name": "working_hours", "capacity": room_capacity(room),
                 "occupants": planned if held is None else held.get(room.number, 0),
                 "start": "08:30", "end": "17:30"}
        return p if kind == "occupancy" else {
            "name": "follows_occupancy",
            "occupancy_device": f"{sensors[(room.number, 'occupancy')]}-occupancy",
            "occupancy": p, "outdoor": 420.0, "lag_minutes": 30,
            "ppm_per_person": round(min(400.0, max(20.0, 6000.0 / room.area)), 1)}
    epoch = PROFILE_EPOCH.isoformat()
    if kind == "access_event":
        return {"name": "events", "rate_per_hour": 60.0 if eq.name == "AC-ENTRANCE" else 2.0,
                "start": "08:00", "end": "18:00", "epoch": epoch}
    base, peak = (0.0, 150.0) if eq.role == "chiller" else (1.0, 25.0)  # chiller, AHU meters
    if eq.role == "meter" and not eq.name.startswith("EM-AHU"):
        base, peak = 2.0, round(0.03 * floor[eq.storey], 1)
    p = {"name": "power", "base_kw": base, "peak_kw": peak, "start": "08:00", "end": "18:00"}
    if kind == "energy":
        return {**p, "name": "cumulative", "epoch": epoch, "initial_kwh": 0.0}
    return {**p, "noise": 0.03}
