"""Recurring bookings: the RFC 5545 subset we accept (``FREQ`` DAILY / WEEKLY / MONTHLY,
``INTERVAL``, ``BYDAY``, ``BYMONTHDAY``, ``COUNT``, ``UNTIL``, ``WKST``; ``EXDATE``), expanded
with :mod:`dateutil.rrule` in the building's time zone and returned in UTC.

A weekly meeting at 09:00 in Shanghai stays at 09:00 local time whatever the UTC offset does;
the stored times are UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from meetings.errors import InvalidRecurrenceError

__all__ = [
    "DEFAULT_TZ",
    "MAX_OCCURRENCES",
    "Slot",
    "expand",
    "local_day_bounds",
    "normalise_rule",
    "parse_exdate",
    "parse_instant",
]

#: The time zone bookings are shown in unless the building says otherwise.
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
#: The most occurrences one series may have.
MAX_OCCURRENCES = 1000

_FREQS = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY}
_DAYS = {"MO": du.MO, "TU": du.TU, "WE": du.WE, "TH": du.TH, "FR": du.FR, "SA": du.SA,
         "SU": du.SU}
_PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST")
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


@dataclass(frozen=True, order=True)
class Slot:
    """One occurrence's time: ``start`` and ``end``, aware datetimes in UTC."""

    start: datetime
    end: datetime


def parse_instant(text: str | datetime, tz: tzinfo = DEFAULT_TZ) -> datetime:
    """An aware UTC datetime from ISO 8601 (a time without offset is in ``tz``).

    Examples
    --------
    >>> parse_instant("2026-12-07T09:00").isoformat()
    '2026-12-07T01:00:00+00:00'
    """
    if isinstance(text, datetime):
        value = text
    else:
        try:
            value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidRecurrenceError(
                f"{text!r} is not an ISO 8601 date-time (like 2026-12-07T09:00+08:00)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def parse_exdate(text: str | date | datetime, tz: tzinfo = DEFAULT_TZ) -> date | datetime:
    """An excluded date (a whole local day) or date-time (one occurrence's start, UTC)."""
    if isinstance(text, datetime):
        return parse_instant(text, tz)
    if isinstance(text, date):
        return text
    raw = str(text).strip()
    if re.fullmatch(r"\d{4}-?\d{2}-?\d{2}", raw):
        return date.fromisoformat(raw if "-" in raw else f"{raw[:4]}-{raw[4:6]}-{raw[6:]}")
    if re.fullmatch(r"\d{8}T\d{6}Z?", raw):
        raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:11]}:{raw[11:13]}:{raw[13:]}"
    return parse_instant(raw, tz)


def _split(text: str) -> dict[str, str]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for item in filter(None, body.split(";")):
        key, sep, value = item.partition("=")
        key = key.strip().upper()
        if not sep or not value.strip():
            raise InvalidRecurrenceError(f"RRULE part {item!r} is not NAME=VALUE")
        if key not in _PARTS:
            raise InvalidRecurrenceError(
                f"RRULE part {key} is not supported; use {', '.join(_PARTS)}")
        if key in parts:
            raise InvalidRecurrenceError(f"RRULE part {key} is given twice")
        parts[key] = value.strip().upper()
    if "FREQ" not in parts:
        raise InvalidRecurrenceError("RRULE needs FREQ (DAILY, WEEKLY or MONTHLY)")
    if parts["FREQ"] not in _FREQS:
        raise InvalidRecurrenceError(
            f"RRULE FREQ={parts['FREQ']} is not supported; use DAILY, WEEKLY or MONTHLY")
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidRecurrenceError("RRULE may have COUNT or UNTIL, not both (RFC 5545)")
    return parts


def _positive(parts: dict[str, str], key: str, most: int) -> int | None:
    if key not in parts:
        return None
    if not parts[key].isdigit() or not 1 <= int(parts[key]) <= most:
        raise InvalidRecurrenceError(f"RRULE {key}={parts[key]} must be a number from 1 to {most}")
    return int(parts[key])


def _weekdays(text: str | None, freq: str) -> list | None:
    if text is None:
        return None
    days = []
    for item in text.split(","):
        match = _BYDAY.match(item.strip())
        if match is None:
            raise InvalidRecurrenceError(f"RRULE BYDAY value {item!r} is not like MO or 1MO")
        if match.group(1) and freq != "MONTHLY":
            raise InvalidRecurrenceError(f"RRULE BYDAY={item} with a number needs FREQ=MONTHLY")
        day = _DAYS[match.group(2)]
        days.append(day(int(match.group(1))) if match.group(1) else day)
    return days


def _until(text: str | None, tz: tzinfo) -> datetime | None:
    if text is None:
        return None
    try:
        value = parse_exdate(text, tz)
    except InvalidRecurrenceError:
        raise InvalidRecurrenceError(f"RRULE UNTIL={text} is not a date or UTC date-time"
                                     ) from None
    if isinstance(value, datetime):
        return value.astimezone(tz)
    return datetime.combine(value, time(23, 59, 59), tz)


def _month_days(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        days = [int(v) for v in text.split(",")]
    except ValueError:
        raise InvalidRecurrenceError(f"RRULE BYMONTHDAY={text} must be day numbers") from None
    if any(not 1 <= abs(d) <= 31 for d in days):
        raise InvalidRecurrenceError(f"RRULE BYMONTHDAY={text} must be within 1..31 or -31..-1")
    return days


def _rule(text: str, dtstart: datetime, tz: tzinfo) -> du.rrule:
    parts = _split(text)
    freq = parts["FREQ"]
    wkst = parts.get("WKST")
    if wkst is not None and wkst not in _DAYS:
        raise InvalidRecurrenceError(f"RRULE WKST={wkst} is not a weekday (MO..SU)")
    return du.rrule(_FREQS[freq], dtstart=dtstart,
                    interval=_positive(parts, "INTERVAL", 99) or 1,
                    count=_positive(parts, "COUNT", MAX_OCCURRENCES),
                    until=_until(parts.get("UNTIL"), tz),
                    byweekday=_weekdays(parts.get("BYDAY"), freq),
                    bymonthday=_month_days(parts.get("BYMONTHDAY")),
                    wkst=_DAYS[wkst] if wkst else None)


def normalise_rule(text: str) -> str:
    """The rule as stored and written to ICS: upper case, parts in a fixed order, no
    ``RRULE:`` prefix.

    Raises
    ------
    InvalidRecurrenceError
        Not in the supported subset.

    Examples
    --------
    >>> normalise_rule("rrule:byday=MO,WE;freq=weekly;count=4")
    'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4'
    """
    parts = _split(text)
    return ";".join(f"{k}={parts[k]}" for k in _PARTS if k in parts)


def expand(start: datetime, end: datetime, rule: str | None = None,
           exdates: Iterable[date | datetime] = (), *, tz: tzinfo = DEFAULT_TZ,
           horizon: datetime | None = None) -> list[Slot]:
    """The occurrences of a booking, in UTC, in order.

    Parameters
    ----------
    start, end : datetime
        The first occurrence (aware).
    rule : str, optional
        RFC 5545 RRULE text (subset); None for a single meeting.
    exdates : iterable of date or datetime
        Excluded local days, or excluded occurrence starts.
    tz : tzinfo
        The building's time zone: the rule repeats in its local time.
    horizon : datetime, optional
        Stop before this instant (an unbounded series needs it).

    Raises
    ------
    InvalidRecurrenceError
        A rule outside the subset, an unbounded rule without ``horizon``, or more than
        :data:`MAX_OCCURRENCES` occurrences.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> s = expand(datetime(2026, 12, 7, 1, tzinfo=UTC), datetime(2026, 12, 7, 2, tzinfo=UTC),
    ...            "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3")
    >>> [x.start.day for x in s]
    [7, 9, 14]
    """
    duration = end - start
    if rule is None:
        slots = [Slot(start.astimezone(UTC), end.astimezone(UTC))]
    else:
        recurrence = _rule(rule, start.astimezone(tz), tz)
        if recurrence._count is None and recurrence._until is None and horizon is None:
            raise InvalidRecurrenceError("RRULE needs COUNT or UNTIL (an endless series)")
        slots = []
        for local in recurrence:
            if horizon is not None and local >= horizon:
                break
            if len(slots) >= MAX_OCCURRENCES:
                raise InvalidRecurrenceError(
                    f"the series has more than {MAX_OCCURRENCES} occurrences; shorten UNTIL")
            slots.append(Slot(local.astimezone(UTC), (local + duration).astimezone(UTC)))
        if not slots:
            raise InvalidRecurrenceError("the RRULE gives no occurrence at all")
    days = {d for d in exdates if not isinstance(d, datetime)}
    instants = {d.astimezone(UTC) for d in exdates if isinstance(d, datetime)}
    return [s for s in slots if s.start not in instants
            and s.start.astimezone(tz).date() not in days]


def local_day_bounds(day: date, tz: tzinfo = DEFAULT_TZ) -> tuple[datetime, datetime]:
    """The UTC instants where local ``day`` starts and the next one starts."""
    first = datetime.combine(day, time(0), tz)
    return first.astimezone(UTC), (first + timedelta(days=1)).astimezone(UTC)
