"""The one event envelope of security devices, its checks, and subject masking.

An incoming event is a JSON object ``{"device", "ts", "type", ...}``; the optional fields are
``subject`` (text, or an object with one of ``credential`` / ``plate`` / ``person`` /
``pass``), the shortcuts ``credential``, ``plate``, ``person`` and ``pass`` (a visitor pass
token; a credential ``pass:<token>`` is one too), ``confidence`` (0..1), ``media`` (a URL or a
list of URLs: snapshots or clips, never video), ``correlation_id``, ``direction`` (``in`` /
``out``) and ``status`` (of a parking bay). Where the device sits (building, storey, space, door)
comes from its registration, not from the message.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from security.choices import BAY_STATES, event_type_known
from security.errors import EventRefused

__all__ = ["PASS_PREFIX", "SUBJECT_KINDS", "SecurityEvent", "mask_subject", "parse_event"]

#: What a subject may be: ``pass`` is a visitor pass token of 会议一件事 (sent as ``"pass":
#: "<token>"`` or ``"credential": "pass:<token>"``), checked by the twin at the reader.
SUBJECT_KINDS = ("credential", "plate", "person", "pass")
#: How a reader marks a credential that is a visitor pass token.
PASS_PREFIX = "pass:"
_BAY_STATES = frozenset(c.value for c in BAY_STATES)
_TEXT_LIMIT = 200


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """One checked event.

    Attributes
    ----------
    device : str
        Serial key of the device that reported it.
    ts_ms : int
        Milliseconds since the epoch (UTC).
    type : str
        A type of :data:`security.choices.EVENT_TYPES` (``access.denied.<reason>`` included).
    subject, subject_kind : str or None
        Credential number, plate or person, and which of :data:`SUBJECT_KINDS` it is.
    confidence : float or None
        0..1, from cameras and plate readers.
    media : tuple of str
        Snapshot or clip references.
    correlation_id : str or None
    direction : str or None
        ``in`` or ``out`` (readers of an anti-passback area, gate cameras).
    status : str or None
        New state of a parking bay (:data:`security.choices.BAY_STATES`).
    extra : mapping
        Any other fields, kept as sent.
    """

    device: str
    ts_ms: int
    type: str
    subject: str | None = None
    subject_kind: str | None = None
    confidence: float | None = None
    media: tuple[str, ...] = ()
    correlation_id: str | None = None
    direction: str | None = None
    status: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ts(self) -> float:
        """Unix seconds (the unit of the correlation rules and of alarms)."""
        return self.ts_ms / 1000.0


def _timestamp_ms(raw: Any) -> int:
    if isinstance(raw, bool) or raw is None:
        raise EventRefused("malformed", "'ts' is missing or not a time")
    if isinstance(raw, int | float):
        if not math.isfinite(raw) or not -1e11 < raw < 1e11:
            raise EventRefused("malformed", f"timestamp {raw!r} is not Unix seconds")
        return round(raw * 1000)
    if isinstance(raw, str):
        try:
            parsed = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            raise EventRefused("malformed", f"timestamp {raw!r} is not ISO 8601") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return round(parsed.timestamp() * 1000)
    raise EventRefused("malformed", f"timestamp {raw!r} is neither ISO 8601 nor Unix seconds")


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise EventRefused("malformed", f"'{name}' must be text")
    return str(value).strip()[:_TEXT_LIMIT]


def _pass_or(value: str, kind: str) -> tuple[str, str]:
    """A credential written ``pass:<token>`` is a visitor pass (kind ``pass``)."""
    if kind in ("credential", "pass") and value[:len(PASS_PREFIX)].lower() == PASS_PREFIX:
        value, kind = value[len(PASS_PREFIX):].strip(), "pass"
        if not value:
            raise EventRefused("malformed", "a 'pass:' credential needs the pass token")
    return value, kind


def _subject(item: Mapping[str, Any]) -> tuple[str | None, str | None]:
    raw = item.get("subject")
    if isinstance(raw, Mapping):
        item = raw
    elif raw is not None:
        text = _text(item, "subject")
        return _pass_or(text, "plate" if item.get("type") == "lpr.read" else "credential")
    for kind in SUBJECT_KINDS:
        value = _text(item, kind)
        if value is not None:
            if kind == "plate":
                return value.upper().replace(" ", ""), kind
            return _pass_or(value, kind)
    return None, None


def _media(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    refs = [raw] if isinstance(raw, str) else raw
    if not isinstance(refs, list) or not all(isinstance(r, str) and r for r in refs):
        raise EventRefused("malformed", "'media' must be a URL or a list of URLs")
    return tuple(r[:500] for r in refs[:10])


_KNOWN_FIELDS = frozenset({"device", "ts", "type", "subject", "credential", "plate", "person",
                           "pass", "confidence", "media", "correlation_id", "direction", "status"})


def _checked_fields(item: Mapping[str, Any], event_type: str) -> dict[str, Any]:
    confidence = item.get("confidence")
    if confidence is not None and (isinstance(confidence, bool)
                                   or not isinstance(confidence, int | float)
                                   or not 0.0 <= confidence <= 1.0):
        raise EventRefused("malformed", f"confidence {confidence!r} is not a number in [0, 1]")
    direction = item.get("direction")
    if direction is not None and direction not in ("in", "out"):
        raise EventRefused("malformed", f"direction {direction!r} is not 'in' or 'out'")
    status = item.get("status")
    if event_type == "parking.spot.changed" and status not in _BAY_STATES:
        raise EventRefused("malformed", f"a parking.spot.changed event needs a status "
                           f"({', '.join(sorted(_BAY_STATES))}), not {status!r}")
    return {"confidence": None if confidence is None else float(confidence),
            "direction": direction, "status": status}


def parse_event(item: Any, *, now_ms: int, future_tolerance_ms: int) -> SecurityEvent:
    """Check one incoming event.

    Parameters
    ----------
    item : Any
        As decoded from JSON.
    now_ms : int
        The clock, ms since the epoch.
    future_tolerance_ms : int
        How far ahead of the clock a timestamp may be.

    Raises
    ------
    EventRefused
        With ``reason`` ``malformed``, ``unknown_type`` or ``future_timestamp`` (the reasons
        of the dead-letter table) and a precise detail.

    Examples
    --------
    >>> parse_event({"device": "R1", "ts": 10, "type": "door.opened"}, now_ms=20_000,
    ...             future_tolerance_ms=0).ts_ms
    10000
    """
    if not isinstance(item, Mapping):
        raise EventRefused("malformed", "each event must be an object")
    device = item.get("device")
    if not isinstance(device, str) or not device.strip():
        raise EventRefused("malformed", "'device' (the serial key, text) is missing")
    event_type = item.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise EventRefused("malformed", "'type' is missing", device)
    try:
        ts_ms = _timestamp_ms(item.get("ts"))
        if not event_type_known(event_type):
            raise EventRefused("unknown_type", f"event type {event_type!r} is not in the "
                               "vocabulary (GET /vocabularies: security_event_types)")
        if ts_ms > now_ms + future_tolerance_ms:
            raise EventRefused("future_timestamp", f"{(ts_ms - now_ms) / 1000:.0f} s in the "
                               f"future (tolerance {future_tolerance_ms / 1000:.0f} s)")
        subject, subject_kind = _subject(item)
        checked = _checked_fields(item, event_type)
        media = _media(item.get("media"))
        correlation = _text(item, "correlation_id")
    except EventRefused as refused:
        raise EventRefused(refused.reason, refused.detail, device) from None
    extra = {k: v for k, v in item.items() if k not in _KNOWN_FIELDS}
    return SecurityEvent(device, ts_ms, event_type, subject, subject_kind,
                         checked["confidence"], media, correlation, checked["direction"],
                         checked["status"], extra)


def mask_subject(subject: str | None, kind: str | None) -> str | None:
    """``subject`` as a person without the right to see it reads it.

    Plates keep their first two and last two characters, credentials their last four, a
    person's name its first character.

    Examples
    --------
    >>> mask_subject("京A12345", "plate"), mask_subject("0012345678", "credential")
    ('京A***45', '******5678')
    >>> mask_subject("张三丰", "person"), mask_subject(None, None)
    ('张**', None)
    """
    if not subject:
        return subject
    if kind == "plate":
        return subject[:2] + "*" * max(len(subject) - 4, 1) + subject[-2:] \
            if len(subject) > 4 else "*" * len(subject)
    if kind == "person":
        return subject[0] + "*" * (len(subject) - 1)
    return "*" * max(len(subject) - 4, 0) + subject[-4:] if len(subject) > 4 \
        else "*" * len(subject)
