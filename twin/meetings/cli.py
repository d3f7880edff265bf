"""Commands of 会议一件事 (meetings): ``twin meetings rooms``, ``twin meetings book``,
``twin meetings list``, ``twin meetings release`` and ``twin meetings purge-visitors`` on
the server's database."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
import json
from typing import Annotated

import typer

from twin.core.console import Commands, open_database, reports_errors, stdout

__all__ = ["commands"]

commands = Commands()
group = commands.group("meetings", "会议一件事: bookable rooms, bookings, no-show release.")

Building = Annotated[int, typer.Argument(help="Building id on the server's database.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _local(seconds: float) -> str:
    from meetings.recurrence import DEFAULT_TZ
    from twin.meetings.service import to_utc

    return to_utc(seconds).astimezone(DEFAULT_TZ).strftime("%Y-%m-%d %H:%M")


@group.command("rooms")
@reports_errors
def rooms_command(building: Building, as_json: AsJson = False) -> None:
    """The bookable rooms: number, name, storey, capacity (and where it comes from),
    equipment features, policy."""
    from rich.table import Table

    from twin.meetings.catalogue import room_entries
    from twin.portfolio.service import get_building

    with open_database() as database, database.session() as session:
        entries = room_entries(session, get_building(session, building, None))
        rows = [{"global_id": e.room.global_id, "number": e.room.number, "name": e.room.name,
                 "storey": e.room.storey_name, "capacity": e.room.capacity,
                 "capacity_source": e.room.capacity_source, "features": list(e.room.features),
                 "auto_accept": e.policy.auto_accept} for e in entries]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"Bookable rooms of building {building}")
    for column in ("number", "name", "storey", "seats", "from", "features", "auto-accept"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["number"], r["name"], r["storey"] or "", str(r["capacity"]),
                      r["capacity_source"], ",".join(r["features"]), str(r["auto_accept"]))
    stdout.print(table)


@group.command("book")
@reports_errors
def book_command(
    building: Building,
    room: Annotated[str, typer.Option("--room", help="Room number or GlobalId.")],
    start: Annotated[str, typer.Option("--start", help="ISO 8601 (local time without an "
                                       "offset), e.g. 2026-12-07T14:00.")],
    end: Annotated[str, typer.Option("--end", help="ISO 8601.")],
    title: Annotated[str, typer.Option("--title", help="What the meeting is.")],
    attendees: Annotated[int, typer.Option("--attendees", help="How many people.")],
    rrule: Annotated[str | None, typer.Option("--rrule", help="RFC 5545 RRULE, e.g. "
                                              "FREQ=WEEKLY;BYDAY=MO;COUNT=4.")] = None,
    exdate: Annotated[list[str] | None, typer.Option("--exdate", help="A date to leave out "
                                                     "(repeatable).")] = None,
    user: Annotated[str, typer.Option("--as", help="The organiser's account.")] = "admin",
    as_json: AsJson = False,
) -> None:
    """Book a room as a user (the same decision as the API: policy, capacity, conflicts)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from twin.core.errors import NotFoundError
    from twin.core.tables import User
    from twin.meetings import service
    from twin.portfolio.service import get_building

    with open_database() as database, database.session() as session:
        account = session.scalar(select(User).where(User.username == user))
        if account is None:
            raise NotFoundError(f"no user {user!r}")
        row = service.book(session, get_building(session, building, account), account,
                           service.BookingRequest(room, start, end, title, attendees, rrule,
                                                  list(exdate or [])), datetime.now(UTC))
        occurrences = service.occurrence_rows(session, row.id)
        result = {"id": row.id, "state": row.state, "room": row.data.get("room_number"),
                  "occurrences": [_local(o.start) for o in occurrences]}
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    stdout.print(f"{result['id']} {result['state']}: room {result['room']}, "
                 f"{len(result['occurrences'])} occurrence(s) from {result['occurrences'][0]}")


@group.command("list")
@reports_errors
def list_command(
    building: Building,
    room: Annotated[str | None, typer.Option("--room", help="Room number or GlobalId.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="ISO 8601 (default: today).")
                     ] = None,
    end: Annotated[str | None, typer.Option("--end", help="ISO 8601 (default: a week on).")
                   ] = None,
    as_json: AsJson = False,
) -> None:
    """The occurrences of a building's bookings in a window, by start."""
    from datetime import UTC, datetime

    from rich.table import Table

    from twin.meetings import live, service
    from twin.portfolio.service import get_building

    with open_database() as database, database.session() as session:
        b = get_building(session, building, None)
        first, last = live.parse_window(start, end, datetime.now(UTC))
        rooms = [service.entry_of(session, b, room).room.global_id] if room else None
        rows = [{"id": f"{o.booking_id}/{o.seq}", "room": bk.data.get("room_number", o.room),
                 "start": _local(o.start), "end": _local(o.end), "title": bk.title,
                 "organiser": bk.organiser, "attendees": bk.attendees, "state": o.state}
                for o, bk in service.occurrences_in(session, b.id, first, last, rooms=rooms)]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"Bookings of building {building} (Asia/Shanghai)")
    for column in ("id", "room", "start", "end", "title", "organiser", "people", "state"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["id"], r["room"], r["start"], r["end"][11:], r["title"],
                      r["organiser"], str(r["attendees"]), r["state"])
    stdout.print(table)


@group.command("release")
@reports_errors
def release_command(as_json: AsJson = False) -> None:
    """Run the no-show release once now (the server runs it periodically)."""
    from datetime import UTC, datetime

    from twin.meetings.live import release_no_shows

    with open_database() as database, database.session() as session:
        notices = [n.to_json() for n in release_no_shows(session, datetime.now(UTC))]
    if as_json:
        print(json.dumps(notices, ensure_ascii=False))
        return
    for n in notices:
        stdout.print(f"{n['action']}: {n['id']} ({n.get('title', '')})")
    stdout.print(f"{len(notices)} change(s)")


@group.command("purge-visitors")
@reports_errors
def purge_visitors_command(
    days: Annotated[int, typer.Option("--days", min=0, help="Keep visitor records of meetings "
                                      "that ended within this many days.")] = 180,
) -> None:
    """Retention: forget the visitors, passes and plates of meetings older than ``--days``."""
    from datetime import UTC, datetime, timedelta

    from twin.meetings.service import purge_visitors

    with open_database() as database, database.session() as session:
        purged = purge_visitors(session, datetime.now(UTC) - timedelta(days=days))
    stdout.print(f"purged the visitors of {purged} booking(s) older than {days} days")
