"""数字安防 / 车管 pure logic: event envelope, masking, each correlation rule with its negative
case, parking counts, plate decisions, vehicle bookings, trips and disclosure."""

from __future__ import annotations

import pytest

from security.choices import event_type_known
from security.errors import BookingClashError, EventRefused, InvalidBookingError, RuleDataError
from security.events import SecurityEvent, mask_subject, parse_event
from security.parking import PlateEntry, bay_counts, decide_gate
from security.rules import CorrelationEngine, DeviceRef, load_rules
from security.vehicles import (
    Booking,
    Trip,
    check_clash,
    check_move,
    disclosure_summary,
    trips_from_reads,
    utilisation,
)

READER = DeviceRef("R1", "access_reader", door="DOOR1", space="S1")
CONTACT = DeviceRef("DC1", "door_contact", door="DOOR1", space="S1")
PLANT_READER = DeviceRef("R2", "access_reader", door="DOOR2", space="P1", space_use="plant")
# 2026-12-02 (a Wednesday) 10:00 and 23:00 in UTC+8
DAY, NIGHT = 1796176800.0, 1796223600.0


def event(device, ts, kind, **fields):
    return SecurityEvent(device.key, int(ts * 1000), kind, **fields)


def rules_of(findings):
    return [(f.rule, f.action) for f in findings]


def test_vocabulary_and_envelope():
    assert event_type_known("access.denied.passback") and not event_type_known("door.melted")
    parsed = parse_event({"device": "R1", "ts": "2026-12-02T02:00:00Z", "type": "lpr.read",
                          "plate": "京a 12345", "confidence": 0.9, "media": "http://x/1.jpg",
                          "direction": "in", "lane": 2}, now_ms=int(DAY * 1000),
                         future_tolerance_ms=0)
    assert (parsed.subject, parsed.subject_kind, parsed.media) == ("京A12345", "plate",
                                                                   ("http://x/1.jpg",))
    assert parsed.extra == {"lane": 2} and parsed.ts_ms == int(DAY * 1000)
    for bad, reason in (({"device": "R1", "ts": DAY, "type": "door.melted"}, "unknown_type"),
                        ({"device": "R1", "ts": DAY + 3600, "type": "door.opened"},
                         "future_timestamp"),
                        ({"device": "R1", "ts": "yesterday", "type": "door.opened"},
                         "malformed"),
                        ({"device": "B1", "ts": DAY, "type": "parking.spot.changed"},
                         "malformed"),
                        ({"ts": DAY, "type": "door.opened"}, "malformed"),
                        ([1, 2], "malformed")):
        with pytest.raises(EventRefused) as refused:
            parse_event(bad, now_ms=int(DAY * 1000), future_tolerance_ms=300_000)
        assert refused.value.reason == reason


def test_masking():
    assert mask_subject("京A12345", "plate") == "京A***45"
    assert mask_subject("0012345678", "credential") == "******5678"
    assert mask_subject("李四", "person") == "李*"


def test_forced_door_and_its_negative_case():
    engine = CorrelationEngine()
    assert engine.feed(READER, event(READER, DAY, "access.granted", subject="C1")) == []
    assert engine.feed(CONTACT, event(CONTACT, DAY + 2, "door.opened")) == []  # granted first
    assert engine.feed(CONTACT, event(CONTACT, DAY + 5, "door.closed")) == []
    found = engine.feed(CONTACT, event(CONTACT, DAY + 100, "door.opened"))  # grant too old
    assert rules_of(found) == [("door_forced", "raised")]
    assert found[0].source == "DOOR1" and found[0].severity == "critical"


def test_a_door_without_reader_is_never_forced_only_held_open():
    engine = CorrelationEngine()
    fire = DeviceRef("DC-FIRE", "door_contact", door="FIRE1", controlled=False)
    assert engine.feed(fire, event(fire, DAY, "door.opened")) == []
    assert rules_of(engine.feed(fire, event(fire, DAY + 240, "door.closed"))) == \
        [("door_held_open", "raised"), ("door_held_open", "cleared")]


def test_held_open_raised_by_the_clock_and_cleared_on_close():
    engine = CorrelationEngine()
    engine.feed(READER, event(READER, DAY, "access.granted"))
    engine.feed(CONTACT, event(CONTACT, DAY + 1, "door.opened"))
    assert engine.tick(DAY + 50) == []  # not yet 60 s
    assert rules_of(engine.tick(DAY + 62)) == [("door_held_open", "raised")]
    assert engine.tick(DAY + 90) == []  # once
    assert rules_of(engine.feed(CONTACT, event(CONTACT, DAY + 95, "door.closed"))) == \
        [("door_held_open", "cleared")]
    # negative: opened and closed within the minute
    engine.feed(READER, event(READER, DAY + 200, "access.granted"))
    engine.feed(CONTACT, event(CONTACT, DAY + 201, "door.opened"))
    assert engine.feed(CONTACT, event(CONTACT, DAY + 230, "door.closed")) == []
    assert engine.tick(DAY + 400) == []


def test_five_denials_in_a_minute_and_four_are_not():
    engine = CorrelationEngine()
    for n in range(4):
        assert engine.feed(READER, event(READER, DAY + n * 10, "access.denied.pin")) == []
    found = engine.feed(READER, event(READER, DAY + 45, "access.denied.unknown_credential"))
    assert rules_of(found) == [("repeated_denials", "raised")]
    other = CorrelationEngine()  # five spread over more than a minute
    assert not any(other.feed(READER, event(READER, DAY + n * 20, "access.denied.pin"))
                   for n in range(5))


def test_restricted_space_out_of_hours_only():
    engine = CorrelationEngine()
    assert engine.feed(PLANT_READER, event(PLANT_READER, DAY, "access.granted")) == []
    assert engine.feed(READER, event(READER, NIGHT, "access.granted")) == []  # not restricted
    assert rules_of(engine.feed(PLANT_READER, event(PLANT_READER, NIGHT, "access.granted",
                                                    subject="C9"))) == \
        [("restricted_after_hours", "raised")]


def test_anti_passback():
    engine = CorrelationEngine()
    gate_in = DeviceRef("RIN", "access_reader", door="D9", direction="in")
    gate_out = DeviceRef("ROUT", "access_reader", door="D9", direction="out")
    for device, ts in ((gate_in, DAY), (gate_out, DAY + 60), (gate_in, DAY + 120)):
        assert engine.feed(device, event(device, ts, "access.granted", subject="C1")) == []
    assert rules_of(engine.feed(gate_in, event(gate_in, DAY + 180, "access.granted",
                                               subject="C1"))) == [("anti_passback", "raised")]


def test_device_reported_alarms_and_overstay():
    engine = CorrelationEngine()
    assert rules_of(engine.feed(CONTACT, event(CONTACT, DAY, "door.forced"))) == \
        [("door_forced", "raised")]
    assert rules_of(engine.feed(CONTACT, event(CONTACT, DAY, "door.tamper"))) == \
        [("door_tamper", "raised")]
    bay = DeviceRef("BAY-1", "parking_bay")
    engine.feed(bay, event(bay, DAY, "parking.spot.changed", status="occupied"))
    assert engine.tick(DAY + 3600) == []
    assert rules_of(engine.tick(DAY + 13 * 3600)) == [("parking_overstay", "raised")]
    assert rules_of(engine.feed(bay, event(bay, DAY + 14 * 3600, "parking.spot.changed",
                                           status="free"))) == [("parking_overstay", "cleared")]


def test_rules_are_data():
    rules = load_rules(text='[[rules]]\nname="f"\ntype="forced_door"\nseverity="major"\n'
                            'window_s=30\n')
    engine = CorrelationEngine(rules)
    engine.feed(READER, event(READER, DAY, "access.granted"))
    assert engine.feed(CONTACT, event(CONTACT, DAY + 20, "door.opened")) == []
    with pytest.raises(RuleDataError, match="severity"):
        load_rules(text='[[rules]]\nname="x"\ntype="forced_door"\nseverity="loud"\n')


def test_parking_counts_and_gate():
    assert bay_counts(["free", "occupied", "occupied", "weird"]) == {
        "free": 1, "occupied": 2, "closed": 0, "unknown": 1, "total": 4, "available": 1}
    entries = [PlateEntry("京A00001", "fleet"), PlateEntry("京B77777", "blocked"),
               PlateEntry("京C12345", "visitor", "meeting 7", DAY - 600, DAY + 3600)]
    assert decide_gate("京C12345", "in", entries, DAY).list == "visitor"
    assert decide_gate("京C12345", "in", entries, DAY + 7200).action == "visitor_flow"
    assert decide_gate("京B77777", "in", entries, DAY).action == "refuse"
    assert decide_gate("京a00001", "in", entries, DAY).action == "open"
    assert decide_gate("京A00001", "in", entries, DAY, confidence=0.3).action == "visitor_flow"
    assert decide_gate("沪X", "out", entries, DAY).action == "open"


def test_vehicle_bookings_trips_and_disclosure():
    booked = [Booking(1, "京A1", DAY, DAY + 7200, "approved"),
              Booking(2, "京A1", DAY + 9000, DAY + 9900, "cancelled")]
    check_clash(Booking(3, "京A1", DAY + 7200, DAY + 9999), booked)  # back to back, cancelled
    check_clash(Booking(3, "京A2", DAY, DAY + 60), booked)  # another vehicle
    with pytest.raises(BookingClashError, match="booking 1"):
        check_clash(Booking(3, "京A1", DAY + 3600, DAY + 9000), booked)
    with pytest.raises(InvalidBookingError):
        check_clash(Booking(3, "京A1", DAY, DAY), booked)
    check_move("requested", "approved")
    with pytest.raises(InvalidBookingError, match="cannot become"):
        check_move("completed", "approved")
    trips = trips_from_reads([("京A1", DAY, "out"), ("京A1", DAY + 18000, "in"),
                              ("京A2", DAY + 100, "in")])
    assert trips == [Trip("京A1", DAY, DAY + 18000)]
    assert utilisation(["京A1", "京A2"], trips, DAY, DAY + 86400, now=DAY + 86400) == \
        {"京A1": 0.5, "京A2": 0.0}
    summary = disclosure_summary({"京A1": "Sedan", "京A2": "Van"},
                                 [Trip("京A1", DAY, DAY + 3600, 42.0)],
                                 [("京A1", DAY + 10, 30.0, 240.0)], DAY - 10, DAY + 86400,
                                 now=DAY + 86400)
    assert (summary["vehicles"], summary["trips"], summary["km"], summary["fuel_cost"]) == \
        (2, 1, 42.0, 240.0)
