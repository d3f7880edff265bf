"""The pure logic of 会议一件事 (meetings/): recurrence, conflicts, policy, ICS round trip,
no-show release under a controllable clock, visitor passes, utilisation, bookable rooms."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from meetings import (
    BookingConflictError,
    InvalidBookingError,
    InvalidRecurrenceError,
    Occurrence,
    PassRefusedError,
    PolicyError,
    RoomPolicy,
    RoomSchedule,
    Slot,
    cancel_range,
    expand,
    parse_instant,
)
from meetings.bookings import check_policy, check_times, naive_clashes
from meetings.ics import Series, calendar_ics, read_occurrences
from meetings.noshow import no_show_decisions, series_to_cancel
from meetings.recurrence import DEFAULT_TZ, normalise_rule, parse_exdate
from meetings.rooms import EquipmentFacts, SpaceFacts, bookable_rooms
from meetings.utilisation import summarise
from meetings.visitors import Pass, Visitor, check_pass, mask_id_number, pass_window

START = parse_instant("2026-12-07T09:00+08:00")  # a Monday
END = START + timedelta(hours=1)


def _local(slots):
    return [s.start.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d %H:%M") for s in slots]


def _series(rule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8", exdates=()):
    return [Occurrence("BK-1", i, "R1", s.start, s.end, original_start=s.start)
            for i, s in enumerate(expand(START, END, rule, exdates))]


def test_weekly_series_with_exception_and_cancelled_range_round_trips_through_ics():
    occurrences = _series(exdates=[parse_exdate("2026-12-09")])
    assert _local(occurrences)[:4] == ["2026-12-07 09:00", "2026-12-14 09:00",
                                       "2026-12-16 09:00", "2026-12-21 09:00"]
    assert len(occurrences) == 7  # 8 by COUNT, one excluded
    # stored in UTC, shown at 09:00 Shanghai
    assert occurrences[0].start == datetime(2026, 12, 7, 1, tzinfo=UTC)
    cancelled = {o.seq: o for o in cancel_range(occurrences, date(2026, 12, 14),
                                                date(2026, 12, 20))}
    assert sorted(cancelled) == [1, 2]
    book = [cancelled.get(o.seq, o) for o in occurrences]
    moved = replace(book[3], start=book[3].start + timedelta(hours=5),
                    end=book[3].end + timedelta(hours=5))
    book[3] = moved
    ics = calendar_ics([Series("BK-1", "周例会", "R1", "2F 会议室", "staff",
                               "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8", book)], name="R1")
    back = read_occurrences(ics)
    expected = sorted((o.start, o.end) for o in book if o.active)
    assert [(e.start, e.end) for e in back] == expected
    assert (moved.start, moved.end) in [(e.start, e.end) for e in back]
    assert len(back) == 5


@pytest.mark.parametrize(("rule", "expected"), [
    ("FREQ=DAILY;COUNT=3", ["2026-12-07", "2026-12-08", "2026-12-09"]),
    ("FREQ=DAILY;INTERVAL=2;UNTIL=20261211", ["2026-12-07", "2026-12-09", "2026-12-11"]),
    ("FREQ=MONTHLY;BYDAY=1MO;COUNT=3", ["2026-12-07", "2027-01-04", "2027-02-01"]),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;COUNT=2", ["2026-12-11", "2026-12-25"]),
])
def test_rules_of_the_subset(rule, expected):
    assert [s[:10] for s in _local(expand(START, END, rule))] == expected


@pytest.mark.parametrize(("rule", "message"), [
    ("FREQ=YEARLY;COUNT=2", "FREQ=YEARLY is not supported"),
    ("FREQ=WEEKLY;BYHOUR=9;COUNT=2", "BYHOUR is not supported"),
    ("FREQ=WEEKLY;BYDAY=XX", "BYDAY value 'XX'"),
    ("FREQ=WEEKLY", "needs COUNT or UNTIL"),
    ("COUNT=3", "needs FREQ"),
    ("FREQ=DAILY;COUNT=2;UNTIL=20270101", "COUNT or UNTIL, not both"),
    ("FREQ=DAILY;COUNT=5000", "COUNT=5000"),
])
def test_invalid_rules_are_refused_precisely(rule, message):
    with pytest.raises(InvalidRecurrenceError, match=message):
        expand(START, END, rule)


def test_normalised_rule():
    assert normalise_rule("RRULE:count=2;freq=daily") == "FREQ=DAILY;COUNT=2"


def test_conflicts_on_the_interval_index_agree_with_a_naive_scan():
    occurrences = _series()
    schedule = RoomSchedule.of("R1", occurrences)
    clash = Slot(START + timedelta(minutes=30), END + timedelta(minutes=30))
    free = Slot(END, END + timedelta(hours=1))
    assert [o.key for o in schedule.clashes(clash)] == ["BK-1/0"]
    assert [o.key for o in naive_clashes(occurrences, "R1", clash)] == ["BK-1/0"]
    assert schedule.free_at(free) and not naive_clashes(occurrences, "R1", free)
    with pytest.raises(BookingConflictError, match=r"already booked by BK-1/0 from "
                                                   r"2026-12-07T09:00\+08:00"):
        schedule.refuse_clashes([free, clash])
    schedule.refuse_clashes([clash], ignore="BK-1")  # its own series does not clash


def test_policy_and_times():
    now = START - timedelta(days=1)
    policy = RoomPolicy()
    slots = expand(START, END)
    check_policy(policy, slots, 8, 10, now, "R1")
    with pytest.raises(PolicyError, match="12 attendees exceed the capacity of room R1"):
        check_policy(policy, slots, 12, 10, now, "R1")
    with pytest.raises(PolicyError, match="outside room R1's limits"):
        check_policy(RoomPolicy(max_minutes=30), slots, 2, 10, now, "R1")
    with pytest.raises(PolicyError, match="beyond the booking window of 180 days"):
        check_policy(policy, slots, 2, 10, START - timedelta(days=200), "R1")
    with pytest.raises(InvalidBookingError, match="is not after the start"):
        check_times(END, START, now)
    with pytest.raises(InvalidBookingError, match="is in the past"):
        check_times(START, END, START + timedelta(hours=1))
    with pytest.raises(PolicyError, match="use 5 to 20"):
        RoomPolicy(release_after_minutes=30)


def test_no_show_released_by_the_clock_while_an_occupied_room_is_checked_in():
    a = Occurrence("BK-A", 0, "R1", START, END)
    b = Occurrence("BK-B", 0, "R2", START, END)
    readings = {"R2": [START + timedelta(minutes=3)]}

    def presence(room, since, until):
        return next((t for t in readings.get(room, []) if since <= t <= until), None)

    def policy_of(_room):
        return RoomPolicy(release_after_minutes=10)

    assert no_show_decisions([a, b], START + timedelta(minutes=2), policy_of, presence) == []
    decisions = no_show_decisions([a, b], START + timedelta(minutes=10), policy_of, presence)
    assert [(d.occurrence.booking_id, d.action) for d in decisions] == [
        ("BK-A", "released"), ("BK-B", "checked_in")]
    assert decisions[1].at == START + timedelta(minutes=3)


def test_three_misses_cancel_a_series():
    occurrences = [replace(o, state="released") if o.seq < 3 else o for o in _series()]
    assert series_to_cancel(occurrences, {"BK-1"}, lambda _b: 3) == {"BK-1"}
    assert series_to_cancel(occurrences, {"BK-1"}, lambda _b: 4) == set()


def test_visitor_pass_window_and_storey():
    visitor = Visitor.of("王五", "110101199001011234", "市财政局", "京 a12345")
    assert visitor.id_number == "1101**********1234" and visitor.plate == "京A12345"
    assert mask_id_number(visitor.id_number) == visitor.id_number
    opens, closes = pass_window(START, END)
    card = Pass("t", "BK-1", visitor.name, "S2", opens, closes)
    check_pass(card, "S2", START - timedelta(minutes=20))
    with pytest.raises(PassRefusedError, match="is valid from"):
        check_pass(card, "S2", START - timedelta(minutes=31))
    with pytest.raises(PassRefusedError, match="opens storey S2, not S3"):
        check_pass(card, "S3", START)
    with pytest.raises(InvalidBookingError, match="not a vehicle plate"):
        Visitor.of("x", plate="??")


def test_utilisation_ghost_rate_and_fill():
    held = Occurrence("BK-A", 0, "R1", START, END, state="checked_in")
    ghost = Occurrence("BK-B", 0, "R1", END, END + timedelta(hours=1), state="released")
    samples = {"R1": [(START + timedelta(minutes=m), 4.0 if m < 60 else 0.0)
                      for m in range(0, 125, 5)]}
    day = START - timedelta(hours=9)
    summary = summarise({"R1": 8}, [held, ghost], samples, day, day + timedelta(days=1))
    room = summary.rooms[0]
    assert (room.meetings, room.ghosts, room.ghost_rate) == (2, 1, 0.5)
    assert room.booked_hours == 2.0 and room.occupied_hours == 1.0
    assert room.fill == 0.5 and summary.peak_hour == "Mon 09:00"


def test_bookable_rooms_from_model_facts():
    spaces = [SpaceFacts("A", "2.05", "Meeting room (small)", storey="S2", area=21.0),
              SpaceFacts("B", "2.06", "Office", storey="S2", area=18.0),
              SpaceFacts("C", "3.01", "会议室", storey="S3", area=60.0, occupancy_number=24)]
    equipment = [EquipmentFacts("E", "A", "IfcAudioVisualAppliance", "Projector P1"),
                 EquipmentFacts("F", "C", "IfcCommunicationsAppliance", "Video codec")]
    rooms = bookable_rooms(spaces, equipment, marked={"B": True}, capacities={"B": 6})
    assert [(r.number, r.capacity, r.capacity_source, r.features) for r in rooms] == [
        ("2.05", 10, "area", ("projector",)), ("2.06", 6, "admin", ()),
        ("3.01", 24, "ifc", ("video",))]
