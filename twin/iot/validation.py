"""Parsing and checking of incoming readings (pure): each item is accepted as
``(device, ts_ms, value)`` or rejected with one of :data:`REASONS` and a precise detail."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twin.iot.records import DeviceRecord

__all__ = ["EARLIEST_MS", "REASONS", "Rejected", "check_value", "parse_item", "parse_timestamp",
           "parse_value"]

#: Why a reading is refused.
REASONS = {
    "malformed": "not an object with 'device', 'ts' and 'value', or a timestamp not understood",
    "unknown_device": "no device with this serial key is registered",
    "not_permitted": "the token may not send readings for this device",
    "wrong_type": "the value is not a number (or on/off for a binary kind)",
    "out_of_range": "the value is outside the physical range of the device",
    "future_timestamp": "the timestamp is further in the future than the tolerance allows",
    "counter_backwards": "a total_increasing counter went down",
    "unknown_type": "a security event type not in the vocabulary (POST /events)",
}
#: The earliest reading accepted (2000-01-01 UTC, ms): -1 or year 1 is a broken clock.
EARLIEST_MS = 946_684_800_000
_BINARY_WORDS = {"on": 1.0, "off": 0.0, "true": 1.0, "false": 0.0, "open": 1.0, "closed": 0.0}


@dataclass(frozen=True, slots=True)
class Rejected:
    """A refused reading: why, and what came in."""

    reason: str
    detail: str
    device: str | None
    payload: Any

    def payload_text(self, limit: int = 2000) -> str:
        """The refused payload as JSON text, cut to ``limit`` characters."""
        try:
            text = json.dumps(self.payload, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(self.payload)
        except RecursionError:
            text = "<nested too deeply>"
        return text[:limit]


def parse_timestamp(raw: Any) -> int:
    """Milliseconds since the epoch from a number (Unix seconds) or an ISO 8601 string.

    A string without an offset is taken as UTC.

    Raises
    ------
    ValueError
        For anything else.
    """
    if isinstance(raw, bool):
        raise ValueError("a timestamp cannot be true/false")
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            raise ValueError("the timestamp is not finite")
        return round(raw * 1000)
    if isinstance(raw, str):
        parsed = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return round(parsed.timestamp() * 1000)
    raise ValueError(f"a timestamp must be ISO 8601 text or Unix seconds, not {raw!r}")


def parse_value(raw: Any, *, binary: bool) -> float:
    """A reading's value as float: numbers, true/false, and on/off words for binary kinds.

    Raises
    ------
    ValueError
        For text, NaN, infinities and anything else.
    """
    if isinstance(raw, bool):
        if not binary:
            raise ValueError(f"{str(raw).lower()} is not a measurement of this kind")
        return 1.0 if raw else 0.0
    if isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:
            raise ValueError("the value is too large to be a number") from None
        if not math.isfinite(value):
            raise ValueError(f"the value {raw!r} is not a finite number")
        return value
    if binary and isinstance(raw, str) and raw.strip().lower() in _BINARY_WORDS:
        return _BINARY_WORDS[raw.strip().lower()]
    raise ValueError(f"the value {raw!r} is not a number")


def parse_item(item: Any) -> tuple[str, int, Any] | Rejected:
    """``(device key, ts_ms, raw value)`` of one incoming item, or why it is malformed."""
    if not isinstance(item, Mapping):
        return Rejected("malformed", "each reading must be an object", None, item)
    device, ts, value = item.get("device"), item.get("ts"), item.get("value", ...)
    if not isinstance(device, str) or not device.strip():
        return Rejected("malformed", "'device' (the serial key, text) is missing", None, item)
    if ts is None or value is ...:
        return Rejected("malformed", f"'{'ts' if ts is None else 'value'}' is missing", device,
                        item)
    try:
        ts_ms = parse_timestamp(ts)
    except (ValueError, OverflowError) as error:
        return Rejected("malformed", f"timestamp {str(ts)[:40]!r}: {error}", device, item)
    if ts_ms < EARLIEST_MS:
        return Rejected("malformed", f"timestamp {str(ts)[:40]!r} is before 2000-01-01",
                        device, item)
    return device, ts_ms, value


def check_value(device: DeviceRecord, raw: Any, ts_ms: int, *, now_ms: int,
                future_tolerance_ms: int, previous: float | None, item: Any
                ) -> float | Rejected:
    """The checked value of a reading of ``device``, or why it is refused.

    ``previous`` is the device's newest earlier value, for the counter check.
    """
    try:
        value = parse_value(raw, binary=device.kind.binary)
    except ValueError as error:
        return Rejected("wrong_type", str(error), device.key, item)
    if not device.minimum <= value <= device.maximum:
        return Rejected("out_of_range", f"{value:g} {device.kind.unit} is outside "
                        f"[{device.minimum:g}, {device.maximum:g}] for a {device.kind.key} "
                        "device", device.key, item)
    if ts_ms > now_ms + future_tolerance_ms:
        return Rejected("future_timestamp", f"{(ts_ms - now_ms) / 1000:.0f} s in the future "
                        f"(tolerance {future_tolerance_ms / 1000:.0f} s)", device.key, item)
    if device.kind.is_counter and previous is not None and value < previous:
        return Rejected("counter_backwards", f"{value:g} after {previous:g} "
                        f"{device.kind.unit}", device.key, item)
    return value
