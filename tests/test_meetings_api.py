"""会议一件事 through the running system: the API contract (book, clash, list, room ICS),
series with exceptions and a cancelled range, bad input refused with nothing stored, the
one-step request with visitors (approval, passes, parking), no-show release by occupancy
readings under a controllable clock, finding a room, the door panel, utilisation, feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from http_helpers import auth, sign_in_all
from sqlalchemy import select

from meetings.ics import read_occurrences
from twin.api import create_app
from twin.iot.tables import DeviceRow, ReadingRow
from twin.meetings import service
from twin.meetings.live import NoShowJob

# a Monday four weeks ahead, 00:00 UTC: far from the demo's own week of bookings
_today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
T0 = _today + timedelta(days=28 - _today.weekday())


def _at(days: float, hours: float = 0.0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


@pytest.fixture(scope="module")
def setup(demo_copy):
    settings, state = demo_copy
    with TestClient(create_app(settings.model_copy(update={"simulate": False}))) as client:
        clock = {"now": T0}
        client.app.state.meetings_clock = lambda: clock["now"]
        tokens = sign_in_all(client)
        rooms = client.get(f"/buildings/{state.building_id}/meeting-rooms",
                           headers=auth(tokens, "staff")).json()
        yield client, tokens, state.building_id, {r["number"]: r for r in rooms}, clock


def _book(client, tokens, building, user="staff", **body):
    return client.post(f"/buildings/{building}/bookings", json=body,
                       headers=auth(tokens, user))


def test_bookable_rooms_come_from_the_model(setup):
    client, tokens, building, rooms, _clock = setup
    assert len(rooms) == 18 and {r["capacity"] for r in rooms.values()} == {7, 15, 30}
    assert rooms["2F-017"]["name"] == "Meeting room (large)"
    assert rooms["2F-017"]["policy"]["window_days"] == 180
    assert client.get(f"/buildings/{building}/meeting-rooms",
                      headers=auth(tokens, "viewer")).status_code == 403


def test_book_clash_list_and_room_calendar(setup):
    client, tokens, building, rooms, _clock = setup
    body = {"room": "3F-016", "start": _at(1, 2).isoformat(), "end": _at(1, 3).isoformat(),
            "title": "预算评审", "attendees": 8}
    first = _book(client, tokens, building, **body)
    assert first.status_code == 201, first.text
    booking = first.json()
    assert booking["state"] == "confirmed" and booking["start"].endswith("+08:00")
    clash = _book(client, tokens, building, **(body | {
        "room": rooms["3F-016"]["global_id"], "start": _at(1, 2.5).isoformat(),
        "end": _at(1, 4).isoformat()}))
    assert clash.status_code == 409
    assert booking["id"] in clash.json()["error"]["message"]
    assert clash.json()["error"]["detail"]["clashes"][0]["booking"] == f"{booking['id']}/0"
    listed = client.get(f"/buildings/{building}/bookings", headers=auth(tokens, "staff"),
                        params={"room": "3F-016", "start": _at(1).isoformat(),
                                "end": _at(2).isoformat()}).json()
    assert [o["booking_id"] for o in listed] == [booking["id"]]
    ics = client.get(f"/buildings/{building}/rooms/3F-016/calendar.ics",
                     headers=auth(tokens, "staff"))
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert [(e.start, e.end) for e in read_occurrences(ics.content)
            if e.uid.startswith(booking["id"])] == [(_at(1, 2), _at(1, 3))]


def test_series_with_exception_moved_and_cancelled_range_round_trips(setup):
    client, tokens, building, _rooms, _clock = setup
    made = _book(client, tokens, building, room="4F-016", title="周例会", attendees=10,
                 start=_at(0, 1).isoformat(), end=_at(0, 2).isoformat(),
                 rrule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8",
                 exdates=[(_at(2)).date().isoformat()])
    assert made.status_code == 201, made.text
    series = made.json()
    assert len(series["occurrences"]) == 7
    bid = series["id"]
    local = [o["start"][:10] for o in series["occurrences"]]
    assert local[:3] == [_at(0).date().isoformat(), _at(7).date().isoformat(),
                         _at(9).date().isoformat()]
    cancelled = client.post(f"/buildings/{building}/bookings/{bid}/cancel",
                            headers=auth(tokens, "staff"),
                            json={"first": _at(7).date().isoformat(),
                                  "last": _at(13).date().isoformat()})
    assert cancelled.status_code == 200
    assert [o["state"] for o in cancelled.json()["occurrences"]][:4] == [
        "confirmed", "cancelled", "cancelled", "confirmed"]
    moved = client.post(f"/buildings/{building}/bookings/{bid}/occurrences/3/move",
                        headers=auth(tokens, "staff"),
                        json={"start": _at(14, 5).isoformat(), "end": _at(14, 6).isoformat()})
    assert moved.status_code == 200, moved.text
    active = [(datetime.fromisoformat(o["start"]).astimezone(UTC),
               datetime.fromisoformat(o["end"]).astimezone(UTC))
              for o in client.get(f"/buildings/{building}/bookings/{bid}",
                                  headers=auth(tokens, "staff")).json()["occurrences"]
              if o["state"] == "confirmed"]
    ics = client.get(f"/buildings/{building}/rooms/4F-016/calendar.ics",
                     headers=auth(tokens, "staff")).content
    assert b"RRULE:FREQ=WEEKLY" in ics and b"EXDATE" in ics and b"RECURRENCE-ID" in ics
    assert sorted((e.start, e.end) for e in read_occurrences(ics)
                  if e.uid.startswith(bid)) == sorted(active)
    assert (_at(14, 5), _at(14, 6)) in active and len(active) == 5


@pytest.mark.parametrize(("change", "status", "message"), [
    ({"rrule": "FREQ=HOURLY;COUNT=3"}, 422, "FREQ=HOURLY is not supported"),
    ({"end": "START"}, 422, "is not after the start"),
    ({"start": "PAST", "end": "PAST1"}, 422, "is in the past"),
    ({"attendees": 40}, 422, "40 attendees exceed the capacity of room 5F-016 (15 seats)"),
    ({"room": "9F-999"}, 404, "no bookable room '9F-999'"),
    ({"start": "tomorrow"}, 422, "is not an ISO 8601 date-time"),
    ({"visitors": [{"name": "x", "plate": "??"}]}, 422, "is not a vehicle plate"),
    ({"start": "FAR", "end": "FAR1"}, 422, "beyond the booking window of 180 days"),
])
def test_bad_input_is_refused_precisely_and_stores_nothing(setup, change, status, message):
    client, tokens, building, _rooms, _clock = setup
    values = {"START": _at(3, 2).isoformat(), "PAST": _at(-1).isoformat(),
              "PAST1": _at(-1, 1).isoformat(), "FAR": _at(200).isoformat(),
              "FAR1": _at(200, 1).isoformat()}
    body = {"room": "5F-016", "start": _at(3, 2).isoformat(), "end": _at(3, 3).isoformat(),
            "title": "x", "attendees": 5} | {k: values.get(v, v) if isinstance(v, str) else v
                                             for k, v in change.items()}
    before = client.get(f"/buildings/{building}/bookings", headers=auth(tokens, "staff"),
                        params={"start": _at(-2).isoformat(), "end": _at(210).isoformat(),
                                "room": "5F-016"}).json()
    answer = _book(client, tokens, building, **body)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]["message"]
    after = client.get(f"/buildings/{building}/bookings", headers=auth(tokens, "staff"),
                       params={"start": _at(-2).isoformat(), "end": _at(210).isoformat(),
                               "room": "5F-016"}).json()
    assert after == before


def test_one_request_with_visitors_passes_and_parking(setup):
    client, tokens, building, rooms, clock = setup
    made = _book(client, tokens, building, room="2F-017", title="项目评审会", attendees=12,
                 start=_at(4, 2).isoformat(), end=_at(4, 4).isoformat(),
                 services={"av": True, "tea": 12, "signage": "评审会"},
                 visitors=[{"name": "王明", "id_number": "110101198803071234",
                            "organisation": "市发改委", "plate": "京A 99887"},
                           {"name": "李娜", "id_number": "310104199112052345"}])
    assert made.status_code == 201, made.text
    bid = made.json()["id"]
    assert made.json()["state"] == "requested"
    assert client.post(f"/buildings/{building}/bookings/{bid}/approve", json={},
                       headers=auth(tokens, "staff")).status_code == 403
    pending = client.get(f"/buildings/{building}/approvals", headers=auth(tokens, "manager"))
    assert bid in [b["id"] for b in pending.json()]
    approved = client.post(f"/buildings/{building}/bookings/{bid}/approve", json={},
                           headers=auth(tokens, "manager"))
    assert approved.status_code == 200 and approved.json()["state"] == "confirmed"
    detail = client.get(f"/buildings/{building}/bookings/{bid}",
                        headers=auth(tokens, "staff")).json()
    assert [v["id_number"] for v in detail["visitors"]] == ["1101**********1234",
                                                            "3101**********2345"]
    assert "110101198803071234" not in str(detail)
    assert detail["parking"] == ["京A99887"] and len(detail["passes"]) == 2
    card = detail["passes"][0]
    assert card["qr_svg"].startswith("<svg") and card["storey"] == rooms["2F-017"]["storey"]
    assert datetime.fromisoformat(card["valid_from"]) == _at(4, 1.5)
    hidden = client.get(f"/buildings/{building}/bookings/{bid}",
                        headers=auth(tokens, "housing")).json()
    assert hidden["visitors"] is None and hidden["passes"] is None
    check = f"/buildings/{building}/visitor-passes/check"
    ok = client.post(check, headers=auth(tokens, "security"),
                     json={"token": card["token"], "storey": card["storey"],
                           "at": _at(4, 1.6).isoformat()})
    assert ok.status_code == 200 and ok.json()["visitor"] == card["visitor"]
    early = client.post(check, headers=auth(tokens, "security"),
                        json={"token": card["token"], "storey": card["storey"],
                              "at": _at(4, 1.4).isoformat()})
    assert early.status_code == 403 and early.json()["error"]["code"] == "pass_refused"
    elsewhere = client.post(check, headers=auth(tokens, "security"),
                            json={"token": card["token"], "storey": "elsewhere",
                                  "at": _at(4, 2).isoformat()})
    assert elsewhere.status_code == 403 and "opens storey" in elsewhere.text
    with client.app.state.database.session() as session:
        assert service.parking_plates(session, building, _at(4, 3)) >= {"京A99887"}
        assert "京A99887" not in service.parking_plates(session, building, _at(4, 5))
    invitation = client.get(f"/buildings/{building}/bookings/{bid}/invitation.ics",
                            headers=auth(tokens, "staff"))
    assert [(e.start, e.end) for e in read_occurrences(invitation.content)] == [
        (_at(4, 2), _at(4, 4))]
    with client.app.state.database.session() as session:  # retention: forget the visitors
        assert service.purge_visitors(session, _at(4, 5)) >= 1
    after = client.get(f"/buildings/{building}/bookings/{bid}",
                       headers=auth(tokens, "staff")).json()
    assert after["visitors"] == [] and after["passes"] == [] and after["parking"] == []


def _sensor(database, room_gid: str) -> int:
    with database.session() as session:
        return session.scalar(select(DeviceRow.id).where(DeviceRow.space == room_gid,
                                                         DeviceRow.kind == "occupancy"))


def test_no_show_released_by_occupancy_readings_while_an_occupied_room_is_not(setup):
    client, tokens, building, rooms, clock = setup
    start, end = _at(5, 1), _at(5, 2)
    ids = {}
    for number in ("6F-015", "6F-016"):
        made = _book(client, tokens, building, room=number, title="会", attendees=3,
                     start=start.isoformat(), end=end.isoformat())
        ids[number] = made.json()["id"]
    series = _book(client, tokens, building, room="6F-017", title="晨会", attendees=3,
                   start=_at(5, 1).isoformat(), end=_at(5, 1.5).isoformat(),
                   rrule="FREQ=DAILY;COUNT=6").json()["id"]
    database = client.app.state.database
    with database.session() as session:
        session.add(ReadingRow(device_pk=_sensor(database, rooms["6F-016"]["global_id"]),
                               ts=int((start + timedelta(minutes=3)).timestamp() * 1000),
                               value=4.0))
    notices = []
    unsubscribe = client.app.state.ingestor.bus.subscribe(notices.append)
    moments = iter([start + timedelta(minutes=5), start + timedelta(minutes=11)] +
                   [_at(5 + k, 1) + timedelta(minutes=11) for k in (1, 2)])
    job = NoShowJob(database, client.app.state.ingestor.bus.publish,
                    clock=lambda: next(moments))
    ours = (*ids.values(), series)
    try:
        early = [n for n in job() if n.object_id.startswith(ours)]
        assert early == []  # 5 minutes in: nobody released yet
        released = [n for n in job() if n.object_id.startswith(ours)]
        job(), job()
    finally:
        unsubscribe()
    assert {n.object_id for n in released} == {f"{ids['6F-015']}/0", f"{series}/0"}
    assert all(n.to_json()["type"] == "meeting" and n.organiser == "staff" for n in released)
    states = {o["booking_id"]: o["state"] for o in client.get(
        f"/buildings/{building}/bookings", headers=auth(tokens, "staff"),
        params={"start": start.isoformat(), "end": end.isoformat()}).json()}
    assert states[ids["6F-015"]] == "released" and states[ids["6F-016"]] == "checked_in"
    detail = client.get(f"/buildings/{building}/bookings/{series}",
                        headers=auth(tokens, "staff")).json()
    assert detail["state"] == "cancelled"
    assert [o["state"] for o in detail["occurrences"]] == ["released"] * 3 + ["cancelled"] * 3
    assert "series_cancelled" in [n.action for n in notices]


def test_find_a_room_door_panel_and_check_in(setup):
    client, tokens, building, rooms, clock = setup
    marked = client.patch(f"/buildings/{building}/meeting-rooms/GF-017",
                          headers=auth(tokens, "manager"), json={"features": ["video"]})
    assert marked.status_code == 200 and marked.json()["features"] == ["video"]
    assert client.patch(f"/buildings/{building}/meeting-rooms/GF-017",
                        headers=auth(tokens, "staff"), json={"capacity": 3}).status_code == 403
    window = {"start": _at(6, 6).isoformat(), "end": _at(6, 8).isoformat()}
    found = client.get("/meetings/find", headers=auth(tokens, "staff"),
                       params={"attendees": 10, "features": "video"} | window).json()
    assert [r["number"] for r in found] == ["GF-017"]
    assert _book(client, tokens, building, room="GF-017", title="视频会", attendees=10,
                 **window).status_code == 201
    assert client.get("/meetings/find", headers=auth(tokens, "staff"),
                      params={"attendees": 10, "features": "video"} | window).json() == []
    clock["now"] = _at(6, 6.05)
    panel = client.get(f"/buildings/{building}/rooms/GF-017/panel",
                       headers=auth(tokens, "staff")).json()
    assert panel["state"] == "booked" and panel["current"]["title"] == "视频会"
    key = panel["current"]
    done = client.post(f"/buildings/{building}/bookings/{key['booking_id']}/occurrences/"
                       f"{key['seq']}/check-in", headers=auth(tokens, "staff"))
    assert done.status_code == 200 and done.json()["state"] == "checked_in"
    states = {s["global_id"]: s["state"] for s in client.get(
        f"/buildings/{building}/meeting-rooms/states", headers=auth(tokens, "staff")).json()}
    assert states[rooms["GF-017"]["global_id"]] == "in_use"
    clock["now"] = T0


def test_demo_week_utilisation_has_a_ghost_rate_and_feeds(setup):
    client, tokens, building, _rooms, _clock = setup
    now = datetime.now(UTC)
    use = client.get(f"/buildings/{building}/meetings/utilisation",
                     headers=auth(tokens, "manager"),
                     params={"start": (now - timedelta(days=7)).isoformat(),
                             "end": now.isoformat()}).json()
    assert use["booked_hours"] > 50 and 0.05 < use["ghost_rate"] < 0.5
    assert len(use["rooms"]) == 18
    feed = client.get("/meetings/feed", headers=auth(tokens, "staff")).json()["url"]
    calendar = client.get(feed)
    assert calendar.status_code == 200 and len(read_occurrences(calendar.content)) > 5
    assert client.get("/meetings/feeds/not-a-token.ics").status_code == 401
    mine = client.get("/meetings/mine", headers=auth(tokens, "staff")).json()
    assert mine and all(o["organiser"] == "staff" for o in mine)


def test_a_release_reaches_the_organiser_on_the_push_stream(setup):
    client, tokens, building, _rooms, _clock = setup
    start = _at(20, 2)
    made = _book(client, tokens, building, room="3F-015", title="推送测试", attendees=2,
                 start=start.isoformat(), end=(start + timedelta(hours=1)).isoformat()).json()
    job = NoShowJob(client.app.state.database, client.app.state.ingestor.bus.publish,
                    clock=lambda: start + timedelta(minutes=12))
    with client.websocket_connect(f"/buildings/{building}/stream?token={tokens['staff']}"
                                  "&types=meeting") as ws:
        assert ws.receive_json()["filters"]["types"] == ["meeting"]
        job()
        message = ws.receive_json()
        while message["id"] != f"{made['id']}/0":  # earlier test bookings may come first
            message = ws.receive_json()
    assert message == message | {"type": "meeting", "action": "released",
                                 "organiser": "staff", "title": "推送测试"}
