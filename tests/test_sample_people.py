"""People, allocations, devices, profiles and faults of the sample building."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys

import pytest

from bim_models.sample.catalogue import CITY_GRADE_LIMITS, ROOM_USES
from bim_models.sample.equipment import plan_equipment
from bim_models.sample.people import (
    ALLOCATION_COLUMNS,
    CASE_NAMES,
    OPEN_PLAN_M2_PER_DESK,
    RECLAIM_DAYS,
    SAMPLE_DATE,
    allocation_row,
    plan_devices,
    plan_people,
    room_capacity,
    sample_cases,
    write_allocations,
)
from bim_models.sample.plan import plan_layout
from bim_models.sample.profiles import (
    DEVICE_COLUMNS,
    DEVICE_KINDS,
    PROFILES,
    Fault,
    make_ahu_failure,
    rooms_fed_by,
    sample_faults,
    value_at,
    write_devices,
    write_faults,
)

MONDAY = dt.datetime(2026, 11, 2)
SATURDAY = dt.datetime(2026, 11, 7)


@pytest.fixture(scope="module")
def plan():
    return plan_equipment(plan_layout(storeys=6, rooms_per_storey=20, seed=1))


@pytest.fixture(scope="module")
def rows(plan):
    return plan_people(plan)


@pytest.fixture(scope="module")
def cases(plan, rows):
    return sample_cases(plan, rows)


@pytest.fixture(scope="module")
def devices(plan, rows):
    return plan_devices(plan, assignments=rows)


def _open_rows(rows, number):
    return [r for r in rows if r.room_number == number and r.is_open()]


def _days_before(iso: str, day: dt.date = SAMPLE_DATE) -> int:
    return (day - dt.date.fromisoformat(iso)).days


# --- allocations -----------------------------------------------------------------------------


def test_every_case_is_present(cases):
    assert set(cases) == set(CASE_NAMES)
    assert [name for name in CASE_NAMES if not cases[name]] == []
    assert len(cases["empty_offices"]) >= 2
    assert len(cases["non_office_use"]) == 2
    assert 1 <= len(cases["register_mismatch"]) <= 2


def test_rows_are_well_formed(plan, rows):
    rooms = {r.number: r for r in plan.rooms}
    for r in rows:
        assert re.fullmatch(r"S\d{4}", r.staff_id)
        assert r.grade in CITY_GRADE_LIMITS
        assert (r.organisation, r.tier, r.subordinate) == ("市机关事务管理局", "市", "no")
        assert r.status in ("active", "transferred", "retired")
        assert (r.status == "active") == (r.status_date == "")
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", r.name)
        for day in (r.status_date, r.assigned_from, r.assigned_to):
            assert day == "" or dt.date.fromisoformat(day) <= SAMPLE_DATE
        if r.room_number:
            assert rooms[r.room_number].global_id == r.room_global_id and r.assigned_from
        else:
            assert r.room_global_id == r.assigned_from == r.assigned_to == ""
    names = {(r.staff_id, r.name) for r in rows}
    assert len(names) == len({n for _, n in names}) == len({s for s, _ in names})


def test_single_over_rooms_are_the_over_variants_and_really_over(plan, rows, cases):
    expected = {r.number for r in plan.rooms if r.use == "office" and len(r.grades) == 1
                and r.variant.endswith("-over") and _open_rows(rows, r.number)}
    assert set(cases["single_over"]) == expected
    for number in cases["single_over"]:
        (holder,) = _open_rows(rows, number)
        assert plan.room(number).area > CITY_GRADE_LIMITS[holder.grade]
    for number in cases["single_within"]:
        (holder,) = _open_rows(rows, number)
        assert plan.room(number).area <= CITY_GRADE_LIMITS[holder.grade] + 1e-6


def test_shared_rooms_against_the_sum_of_limits(plan, rows, cases):
    for key, over in (("shared_within", False), ("shared_over", True)):
        for number in cases[key]:
            holders = _open_rows(rows, number)
            limit = sum(CITY_GRADE_LIMITS[h.grade] for h in holders)
            assert len(holders) >= 2
            assert (plan.room(number).area > limit + 1e-6) is over, number
    # over-standard shared rooms are not only the under-used open-plan offices
    assert any(plan.room(n).variant == "staff2-over" for n in cases["shared_over"])


def test_open_offices_are_under_used(plan, rows, cases):
    open_plan = [r for r in plan.rooms if r.use == "open_office"]
    assert sorted(r.number for r in open_plan) == cases["under_used_open_offices"]
    for room in open_plan:
        staff = _open_rows(rows, room.number)
        desks = room.area // OPEN_PLAN_M2_PER_DESK
        assert desks - 2 <= len(staff) <= desks - 1
        assert {s.grade for s in staff} == {"局(处)级以下"}


def test_one_person_holds_two_offices(plan, rows, cases):
    (staff_id,) = cases["two_offices"]
    held = [r for r in rows if r.staff_id == staff_id and r.is_open()]
    assert len(held) == 2
    assert {(r.status, r.grade) for r in held} == {("active", "正局(处)级")}
    first, second = (plan.room(r.room_number) for r in held)
    assert first.storey != second.storey and second.area < first.area
    assert held[0].assigned_from < held[1].assigned_from


@pytest.mark.parametrize("status", ["retired", "transferred"])
def test_leavers_still_hold_their_room(rows, cases, status):
    (staff_id,) = cases[f"{status}_open"]
    (row,) = [r for r in rows if r.staff_id == staff_id]
    assert row.status == status and row.is_open() and row.assigned_to == ""
    assert _days_before(row.status_date) > RECLAIM_DAYS
    assert {r.status for r in rows if r.status != "active"} == {"retired", "transferred"}


def test_reclaimed_room_is_a_negative_case(plan, rows, cases):
    (staff_id,) = cases["transferred_reclaimed"]
    assert staff_id not in cases["transferred_open"]
    (row,) = [r for r in rows if r.staff_id == staff_id]
    assert row.status == "transferred" and not row.is_open()
    left, back = dt.date.fromisoformat(row.status_date), dt.date.fromisoformat(row.assigned_to)
    assert 0 < (back - left).days <= RECLAIM_DAYS < _days_before(row.status_date)
    assert row.room_number in cases["empty_offices"]


def test_empty_offices_have_no_open_assignment(plan, rows, cases):
    for number in cases["empty_offices"]:
        assert plan.room(number).use in ("office", "open_office")
        assert _open_rows(rows, number) == []
    never = [n for n in cases["empty_offices"] if not any(r.room_number == n for r in rows)]
    assert len(never) >= 2


def test_rooms_used_as_offices_that_are_not_offices(plan, rows, cases):
    uses = sorted(plan.room(n).use for n in cases["non_office_use"])
    assert uses == ["meeting_small", "store"]
    for number in cases["non_office_use"]:
        assert not ROOM_USES[plan.room(number).use][1]
        assert len(_open_rows(rows, number)) == 1


def test_register_areas(plan, rows, cases):
    register = {r.room_number: r.register_area for r in rows if r.register_area is not None}
    held = {r.room_number for r in rows if r.room_number}
    assert len(held) // 4 <= len(register) <= len(held) // 2
    for r in rows:  # one value per room
        assert r.register_area in (None, register.get(r.room_number))
    for number, area in register.items():
        true = plan.room(number).area
        if number in cases["register_mismatch"]:
            assert abs(area - true) > 1.0
        else:
            assert area == round(true, 1)


def test_departments_cluster_by_storey_and_band(plan, rows, cases):
    zones: dict[tuple[int, str], set[str]] = {}
    second = max(r.assigned_from for r in rows if r.staff_id in cases["two_offices"])
    for r in rows:  # the second office of the two-office person lies in another department's zone
        if r.room_number and r.department != "局领导" and r.assigned_from != second:
            room = plan.room(r.room_number)
            zones.setdefault((room.storey, room.side), set()).add(r.department)
    assert all(len(d) == 1 for d in zones.values())
    assert len(set().union(*zones.values())) >= 6


def test_csv_is_deterministic_and_follows_the_seed(plan, rows, tmp_path):
    first, _ = write_allocations(rows, tmp_path / "a")
    again, _ = write_allocations(plan_people(plan), tmp_path / "b")
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes().startswith(b"\xef\xbb\xbf")
    with first.open(encoding="utf-8-sig", newline="") as stream:
        table = list(csv.reader(stream))
    assert tuple(table[0]) == ALLOCATION_COLUMNS
    assert table[1:] == [allocation_row(r) for r in rows]
    other = plan_people(plan, seed=2)
    assert {r.name for r in other} != {r.name for r in rows}
    assert plan_people(plan, seed=1) == rows


def test_xlsx_has_the_rows_of_the_csv(rows, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    csv_path, xlsx_path = write_allocations(rows, tmp_path)
    with csv_path.open(encoding="utf-8-sig", newline="") as stream:
        table = list(csv.reader(stream))
    book = openpyxl.load_workbook(xlsx_path)
    sheet = book["allocations"]

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        return f"{value:.1f}" if isinstance(value, int | float) else str(value)

    assert [[text(v) for v in row] for row in sheet.iter_rows(values_only=True)] == table
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["K"].width > 20
    grades = list(book["grades"].iter_rows(min_row=2, values_only=True))
    assert dict(grades) == CITY_GRADE_LIMITS


def test_openpyxl_is_imported_lazily():
    code = "import sys, bim_models.sample.people; print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- devices ---------------------------------------------------------------------------------


def test_devices_belong_to_the_plan(plan, devices, tmp_path):
    equipment = {e.global_id: e for e in plan.equipment}
    rooms = {r.global_id: r for r in plan.rooms}
    assert len({d.device_id for d in devices}) == len(devices)
    for d in devices:
        eq = equipment[d.equipment_global_id]
        assert eq.name == d.equipment_name and d.device_id == f"{eq.serial}-{d.kind}"
        assert d.space_global_id in rooms and rooms[d.space_global_id].number == d.room_number
        assert (d.unit, d.state_class) == DEVICE_KINDS[d.kind][:2] and d.min < d.max
        assert json.loads(d.profile)["name"] in PROFILES
        if d.kind == "occupancy":
            assert d.max == 2 * room_capacity(rooms[d.space_global_id])
    with_devices = {equipment[d.equipment_global_id].role for d in devices}
    assert with_devices == {"temperature", "co2", "occupancy", "smoke", "access_reader",
                            "meter", "ahu", "vav", "pump", "chiller"}
    path = write_devices(devices, tmp_path)
    with path.open(encoding="utf-8", newline="") as stream:
        table = list(csv.DictReader(stream))
    assert tuple(table[0]) == DEVICE_COLUMNS and len(table) == len(devices)
    t = MONDAY.replace(hour=11)
    assert [value_at(row, t) for row in table[:40]] == [value_at(d, t) for d in devices[:40]]


def _device(devices, kind, room=None, name=None):
    return next(d for d in devices if d.kind == kind and (room is None or d.room_number == room)
                and (name is None or json.loads(d.profile)["name"] == name))


def test_temperature_is_warmer_in_the_afternoon(devices):
    for d in (d for d in devices if d.kind == "temperature"):
        assert value_at(d, MONDAY.replace(hour=15)) > value_at(d, MONDAY.replace(hour=4))


def test_occupancy_follows_working_hours(plan, rows, cases, devices):
    staffed = next(n for n in cases["single_within"] if _open_rows(rows, n))
    sensor = _device(devices, "occupancy", staffed)
    assert value_at(sensor, MONDAY.replace(hour=3)) == 0
    assert value_at(sensor, MONDAY.replace(hour=10)) > 0
    assert value_at(sensor, SATURDAY.replace(hour=10)) == 0
    empty = _device(devices, "occupancy", cases["empty_offices"][0])
    assert value_at(empty, MONDAY.replace(hour=10)) == 0


def test_meeting_rooms_follow_bookings(devices):
    meeting = [d for d in devices if d.kind == "occupancy" and "meeting_bookings" in d.profile]
    for sensor in meeting[:6]:
        capacity = json.loads(sensor.profile)["capacity"]
        day = [value_at(sensor, MONDAY + dt.timedelta(minutes=15 * k)) for k in range(96)]
        booked_hours = sum(1 for v in day if v) / 4  # 2-4 meetings of 1-2 h
        assert 2 <= booked_hours <= 8 and all(v == 0 or 3 <= v <= capacity for v in day)
        assert day[:36] == [0.0] * 36 and day[72:] == [0.0] * 24  # none before 9:00, after 18:00
        assert value_at(sensor, SATURDAY.replace(hour=11)) == 0


def test_co2_rises_with_occupancy(cases, devices):
    co2 = _device(devices, "co2", cases["shared_within"][0])
    source = json.loads(co2.profile)["occupancy_device"]
    night, day = (value_at(co2, MONDAY.replace(hour=h)) for h in (3, 11))
    assert night < 450 < day
    low, high = (value_at(co2, MONDAY.replace(hour=3), state={"overrides": {source: n}})
                 for n in (1, 3))
    assert low + 100 < high


def test_energy_and_access_counters_never_decrease(devices):
    times = [MONDAY + dt.timedelta(minutes=15 * k) for k in range(48 * 4 + 1)]
    for kind in ("energy", "access_event"):
        for d in (d for d in devices if d.kind == kind):
            values = [value_at(d, t) for t in times]
            assert all(b >= a for a, b in zip(values, values[1:], strict=False))
            assert values[-1] > values[0]
    meter = _device(devices, "energy")
    peak = json.loads(meter.profile)["peak_kw"]
    assert value_at(meter, MONDAY.replace(hour=11)) - value_at(
        meter, MONDAY.replace(hour=10)) == pytest.approx(peak)


def test_stuck_drift_and_offline(devices):
    sensor = _device(devices, "temperature", name="diurnal")
    start = MONDAY.replace(hour=6)
    stuck = Fault("stuck", sensor.device_id, start, MONDAY.replace(hour=20))
    frozen = value_at(sensor, start)
    for hour in (6, 9, 15, 19):
        assert value_at(sensor, MONDAY.replace(hour=hour), faults=[stuck]) == frozen
    assert value_at(sensor, MONDAY.replace(hour=21), faults=[stuck]) == value_at(
        sensor, MONDAY.replace(hour=21))
    drift = Fault("drift", sensor.equipment_name, start, None, {"rate_per_hour": 0.5})
    t = MONDAY.replace(hour=10)
    assert value_at(sensor, t, faults=[drift]) == pytest.approx(value_at(sensor, t) + 2.0)
    offline = Fault("offline", sensor.device_id, start, MONDAY.replace(hour=8))
    assert value_at(sensor, MONDAY.replace(hour=7), faults=[offline]) is None
    assert value_at(sensor, MONDAY.replace(hour=8), faults=[offline]) is not None


def test_ahu_failure_warms_only_the_rooms_it_feeds(plan, devices):
    fed_1, fed_2 = rooms_fed_by(plan, "AHU-01"), rooms_fed_by(plan, "AHU-02")
    assert fed_1 and fed_2 and not fed_1 & fed_2
    assert fed_1 | fed_2 == {e.room for e in plan.equipment if e.role == "terminal"}
    start = MONDAY.replace(hour=9)
    fault = make_ahu_failure(plan, devices, "AHU-01", start, MONDAY.replace(hour=18))
    later = start + dt.timedelta(hours=3)
    hit = _device(devices, "temperature", sorted(fed_1 & {d.room_number for d in devices})[0])
    spared = _device(devices, "temperature", sorted(fed_2 & {d.room_number for d in devices})[0])
    assert value_at(hit, later, faults=[fault]) > value_at(hit, later) + 3.0
    assert value_at(spared, later, faults=[fault]) == value_at(spared, later)
    status = next(d for d in devices if d.equipment_name == "AHU-01" and d.kind == "status")
    code = next(d for d in devices if d.equipment_name == "AHU-01" and d.kind == "fault_code")
    assert (value_at(status, later), value_at(status, later, faults=[fault])) == (1.0, 0.0)
    assert value_at(code, later, faults=[fault]) == 1.0


def test_sample_faults_cover_every_kind_and_round_trip(plan, devices, tmp_path):
    faults = sample_faults(plan, devices)
    assert sorted(f.kind for f in faults) == ["ahu_failure", "drift", "offline", "stuck"]
    ids = {d.device_id for d in devices}
    assert all(f.target in ids for f in faults if f.kind != "ahu_failure")
    path = write_faults(faults, tmp_path)
    assert [Fault.from_dict(x) for x in json.loads(path.read_text())] == faults
    assert sample_faults(plan, devices) == faults
