"""Visitor passes at the doors (会议一件事 → 数字安防): a reader that reads a visitor pass token
reports it as the event's subject (``"pass": "<token>"`` or ``"credential": "pass:<token>"``);
the twin, not the reader, decides whether it opens the door.

An ``access.*`` or ``visitor.checked_in`` event whose subject is a pass is checked with
:func:`twin.meetings.service.valid_pass` for the reader's storey at the event's time, in the
ingest's transaction:

* valid: the event is stored as ``access.granted`` (so the opening that follows is not forced);
  ``data`` names the visitor and the booking, and the pass is marked used;
* refused: stored as ``access.denied.pass_outside_window`` (before or after its window),
  ``access.denied.pass_wrong_storey`` or ``access.denied.unknown_credential`` (no such pass in
  this building), with the refusal in ``data.refusal`` (an opening that follows is forced).

What the reader reported is kept in ``data.reported_type``. Gate plate reads that no list
knows are the other end of the visitor flow: :func:`visitor_flow` lists them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from meetings.errors import PassRefusedError
from security.events import SecurityEvent
from twin.security.tables import SecurityEventRow

__all__ = ["PASS_EVENT_TYPES", "checked_passes", "visitor_flow"]

#: Event types whose pass subject the twin checks (the ``access.denied.*`` family included).
PASS_EVENT_TYPES = ("access.granted", "visitor.checked_in")


def _checks_pass(event: SecurityEvent) -> bool:
    return event.subject_kind == "pass" and bool(event.subject) and (
        event.type in PASS_EVENT_TYPES or event.type.startswith("access.denied."))


def _refusal_reason(session: Session, token: str, building_id: int, at: dt.datetime) -> str:
    """Why :func:`valid_pass` refused ``token``: a denial reason of the vocabulary."""
    from twin.meetings.tables import VisitorPassRow

    row = session.get(VisitorPassRow, token)
    if row is None or row.building_id != building_id:
        return "unknown_credential"
    if not row.valid_from <= at.timestamp() <= row.valid_to:
        return "pass_outside_window"
    return "pass_wrong_storey"


def _decided(session: Session, device: Any, event: SecurityEvent) -> SecurityEvent:
    from twin.meetings.service import valid_pass

    at = dt.datetime.fromtimestamp(event.ts, dt.UTC)
    extra = {**dict(event.extra), "reported_type": event.type}
    try:
        row = valid_pass(session, event.subject, device.building_id, device.storey, at)
    except PassRefusedError as refused:
        reason = _refusal_reason(session, event.subject, device.building_id, at)
        return dataclasses.replace(event, type=f"access.denied.{reason}",
                                   extra={**extra, "refusal": str(refused)})
    return dataclasses.replace(event, type="access.granted", extra={
        **extra, "visitor": row.visitor, "booking_id": row.booking_id,
        "organisation": row.organisation})


def checked_passes(connection: Connection, accepted: list[tuple[Any, SecurityEvent]]
                   ) -> list[tuple[Any, SecurityEvent]]:
    """``accepted`` with every visitor-pass event decided by the twin (see the module).

    Parameters
    ----------
    connection : Connection
        The ingest's transaction (a pass found valid is marked used in it).
    accepted : list of (DeviceRecord, SecurityEvent)
        Checked events of a batch, with their devices.

    Returns
    -------
    list of (DeviceRecord, SecurityEvent)
        The same pairs, in order; pass events retyped ``access.granted`` or
        ``access.denied.<reason>``.
    """
    if not any(_checks_pass(event) for _device, event in accepted):
        return accepted
    with Session(bind=connection, autoflush=False) as session:
        decided = [(device, _decided(session, device, event) if _checks_pass(event) else event)
                   for device, event in accepted]
        session.flush()  # the passes marked used, in the ingest's transaction
    return decided


def visitor_flow(session: Session, building_id: int, *, limit: int = 100
                 ) -> list[SecurityEventRow]:
    """Plate reads held at a gate for the visitor registration (an unknown or untrusted
    plate: ``gate.held`` with decision ``visitor_flow``), newest first.

    Parameters
    ----------
    session : Session
    building_id : int
    limit : int
        At most this many.

    Returns
    -------
    list of SecurityEventRow
    """
    rows = session.scalars(select(SecurityEventRow).where(
        SecurityEventRow.building_id == building_id, SecurityEventRow.type == "gate.held")
        .order_by(SecurityEventRow.ts.desc()).limit(limit * 4))
    return [r for r in rows if (r.data or {}).get("decision") == "visitor_flow"][:limit]
