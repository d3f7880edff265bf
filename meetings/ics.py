"""ICS (RFC 5545) calendars of bookings, written and read with :mod:`icalendar`.

A series is one VEVENT with its RRULE, an EXDATE for every occurrence of the rule
that is excluded, cancelled or released and a VEVENT with RECURRENCE-ID for every moved
one; a single meeting is one VEVENT. :func:`read_occurrences` expands such a calendar
back, so a feed round-trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import icalendar

from meetings.bookings import Occurrence
from meetings.recurrence import DEFAULT_TZ, expand

__all__ = ["CalendarEntry", "Series", "calendar_ics", "read_occurrences"]

_PRODID = "-//facility-twin//meetings//ZH"


@dataclass(frozen=True)
class Series:
    """A booking as a calendar shows it: its rule and its occurrences."""

    booking_id: str
    title: str
    room: str
    location: str
    organiser: str
    rule: str | None
    occurrences: Sequence[Occurrence]
    description: str = ""
    tentative: bool = False


@dataclass(frozen=True, order=True)
class CalendarEntry:
    """An occurrence read back from a calendar: ``uid``, ``start``, ``end`` (UTC)."""

    start: datetime
    end: datetime
    uid: str


def _uid(booking_id: str) -> str:
    return f"{booking_id}@facility-twin"


def _event(series: Series, start: datetime, end: datetime, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", _uid(series.booking_id))
    event.add("dtstamp", stamp)
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", series.title)
    event.add("location", series.location)
    event.add("status", "TENTATIVE" if series.tentative else "CONFIRMED")
    if series.description:
        event.add("description", series.description)
    event.add("organizer", f"mailto:{series.organiser}@facility-twin.local")
    return event


def calendar_ics(series_list: Iterable[Series], *, name: str, now: datetime | None = None
                 ) -> bytes:
    """An ICS document of these bookings.

    Cancelled, rejected and released occurrences of a series become EXDATEs; a series
    whose every occurrence is gone is left out.
    """
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    calendar = icalendar.Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for series in series_list:
        items = sorted(series.occurrences, key=lambda o: o.seq)
        live = [o for o in items if o.active]
        if not live:
            continue
        if series.rule is None:
            calendar.add_component(_event(series, live[0].start, live[0].end, stamp))
            continue
        first = items[0]
        anchor = first.original_start or first.start
        master = _event(series, anchor, anchor + (first.end - first.start), stamp)
        master.add("rrule", icalendar.vRecur.from_ical(series.rule))
        kept = {o.original_start or o.start for o in live}
        gone = [s.start for s in expand(anchor, anchor + (first.end - first.start),
                                        series.rule) if s.start not in kept]
        if gone:
            master.add("exdate", [g.astimezone(UTC) for g in gone])
        calendar.add_component(master)
        for moved in (o for o in live if o.moved):
            override = _event(series, moved.start, moved.end, stamp)
            override.add("recurrence-id", moved.original_start.astimezone(UTC))
            calendar.add_component(override)
    return calendar.to_ical()


def _utc(value) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _exdates(event) -> list[datetime]:
    raw = event.get("exdate")
    if raw is None:
        return []
    groups = raw if isinstance(raw, list) else [raw]
    return [_utc(d.dt) for g in groups for d in g.dts]


def read_occurrences(data: bytes | str, *, tz: tzinfo = DEFAULT_TZ) -> list[CalendarEntry]:
    """Every occurrence of an ICS document, series expanded, EXDATEs removed, overrides
    (RECURRENCE-ID) applied, in order."""
    calendar = icalendar.Calendar.from_ical(data)
    masters, overrides = [], {}
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("uid"))
        if event.get("recurrence-id") is not None:
            overrides[(uid, _utc(event.decoded("recurrence-id")))] = (
                _utc(event.decoded("dtstart")), _utc(event.decoded("dtend")))
        else:
            masters.append(event)
    entries = []
    for event in masters:
        uid = str(event.get("uid"))
        start, end = _utc(event.decoded("dtstart")), _utc(event.decoded("dtend"))
        rule = event.get("rrule")
        text = rule.to_ical().decode() if rule is not None else None
        for slot in expand(start, end, text, _exdates(event), tz=tz):
            start_end = overrides.get((uid, slot.start), (slot.start, slot.end))
            entries.append(CalendarEntry(start_end[0], start_end[1], uid))
    return sorted(entries)
