"""Correlation rules of 数字安防, as data (``security/rules.toml``), and the engine that runs
them over the event stream.

The engine is fed events in time order per device (:meth:`CorrelationEngine.feed`) and ticked
with the clock (:meth:`CorrelationEngine.tick`) for the rules that fire on silence (a door held
open, a bay occupied too long). It answers :class:`Finding` objects: a condition began
(``raised``) or ended (``cleared``) on a door, reader or bay; the running system turns them
into alarms of the maintenance alarm lifecycle.
"""

from __future__ import annotations

import tomllib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from security.choices import SECURITY_RULE_TYPES
from security.errors import RuleDataError
from security.events import SecurityEvent

__all__ = ["DEFAULT_RULES_PATH", "CorrelationEngine", "DeviceRef", "Finding", "SecurityRule",
           "load_rules"]

#: The rules shipped with the package.
DEFAULT_RULES_PATH = Path(__file__).with_name("rules.toml")
_RULE_TYPES = frozenset(c.value for c in SECURITY_RULE_TYPES)
_SEVERITIES = ("info", "minor", "major", "critical")


@dataclass(frozen=True, slots=True)
class SecurityRule:
    """One rule: ``name`` (the alarm's rule), ``type``, ``severity`` and its parameters."""

    name: str
    type: str
    severity: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def number(self, key: str, default: float) -> float:
        """A numeric parameter."""
        return float(self.params.get(key, default))


def load_rules(path: Path | None = None, *, text: str | None = None) -> tuple[SecurityRule, ...]:
    """The rules of a TOML file (default: the shipped ``rules.toml``), or of ``text``.

    Raises
    ------
    RuleDataError
        Not TOML, a rule without name, an unknown type or severity, a name used twice.
    """
    try:
        data = tomllib.loads(text if text is not None else
                             (path or DEFAULT_RULES_PATH).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError) as error:
        raise RuleDataError(f"security rules: {error}") from None
    rules, seen = [], set()
    for n, entry in enumerate(data.get("rules", []), start=1):
        name, kind, severity = entry.get("name"), entry.get("type"), entry.get("severity")
        if not name or name in seen:
            raise RuleDataError(f"security rule {n}: a unique 'name' is needed (got {name!r})")
        if kind not in _RULE_TYPES:
            raise RuleDataError(f"security rule {name}: type {kind!r} is not one of "
                                f"{', '.join(sorted(_RULE_TYPES))}")
        if severity not in _SEVERITIES:
            raise RuleDataError(f"security rule {name}: severity {severity!r} is not one of "
                                f"{', '.join(_SEVERITIES)}")
        seen.add(name)
        rules.append(SecurityRule(name, kind, severity,
                                  {k: v for k, v in entry.items()
                                   if k not in ("name", "type", "severity")}))
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class DeviceRef:
    """Where a security device sits, as the rules need it.

    Attributes
    ----------
    key, kind : str
        Serial key and device kind (``access_reader``, ``door_contact``, ``parking_bay`` ...).
    door : str or None
        GlobalId of the door it is bound to (readers, door contacts).
    space, storey : str or None
        GlobalIds.
    space_use : str or None
        Use of its space (``plant``, ``office`` ...), for restricted areas.
    direction : str or None
        ``in`` / ``out`` for readers of an anti-passback area.
    door_name : str or None
        The door's name, for messages.
    controlled : bool
        The door has a reader: an opening needs a granted access (else it is forced). A door
        without one (a fire exit) is watched for being held open only.
    """

    key: str
    kind: str
    door: str | None = None
    space: str | None = None
    storey: str | None = None
    space_use: str | None = None
    direction: str | None = None
    door_name: str | None = None
    controlled: bool = True

    @property
    def source(self) -> str:
        """What an alarm is about: the door, else the device."""
        return self.door or self.key

    @property
    def label(self) -> str:
        """The door's name (else its GlobalId, else the device) for messages."""
        return self.door_name or self.source


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's condition began (``raised``) or ended (``cleared``)."""

    action: str
    rule: str
    rule_type: str
    severity: str
    device: str
    source: str
    space: str | None
    ts: float
    message: str


@dataclass
class _Door:
    open_since: float | None = None
    last_grant: float | None = None
    held: bool = False
    forced: bool = False
    reporter: DeviceRef | None = None


def _minutes(text: str) -> int:
    hours, _, minutes = str(text).partition(":")
    return int(hours) * 60 + int(minutes or 0)


class CorrelationEngine:
    """Runs the rules over events; keeps per door, reader, credential and bay what they need.

    Parameters
    ----------
    rules : iterable of SecurityRule
        Default: :func:`load_rules`.

    Examples
    --------
    >>> engine = CorrelationEngine()
    >>> contact = DeviceRef("DC-1", "door_contact", door="D1")
    >>> [f.rule for f in engine.feed(contact, SecurityEvent("DC-1", 1000, "door.opened"))]
    ['door_forced']
    """

    def __init__(self, rules: Iterable[SecurityRule] | None = None) -> None:
        rules = tuple(load_rules() if rules is None else rules)
        self.by_type: dict[str, SecurityRule] = {}
        for rule in rules:
            self.by_type.setdefault(rule.type, rule)
        self.doors: dict[str, _Door] = {}
        self.denials: dict[str, deque[float]] = {}
        self.denial_raised: dict[str, float] = {}
        self.inside: dict[str, str] = {}  # credential -> last direction
        self.bays: dict[str, tuple[str, float, DeviceRef]] = {}  # key -> status, since, device
        self.overstayed: set[str] = set()

    def _finding(self, rule: SecurityRule, action: str, device: DeviceRef, ts: float,
                 message: str) -> Finding:
        return Finding(action, rule.name, rule.type, rule.severity, device.key, device.source,
                       device.space, ts, message)

    def feed(self, device: DeviceRef, event: SecurityEvent) -> list[Finding]:
        """The findings of one event of ``device`` (events of a door in time order)."""
        kind = event.type
        if kind.startswith("access."):
            return self._access(device, event)
        if kind.startswith("door.") or kind == "intrusion":
            return self._door_event(device, event)
        if kind == "parking.spot.changed":
            return self._bay(device, event)
        return []

    # -- readers -------------------------------------------------------------------------

    def _access(self, device: DeviceRef, event: SecurityEvent) -> list[Finding]:
        found: list[Finding] = []
        ts = event.ts
        if event.type == "access.granted":
            if device.door:
                self.doors.setdefault(device.door, _Door()).last_grant = ts
            found += self._after_hours(device, event)
            found += self._passback(device, event)
            return found
        rule = self.by_type.get("denials")
        if rule is None:
            return found
        window, count = rule.number("window_s", 60.0), int(rule.number("count", 5))
        times = self.denials.setdefault(device.key, deque())
        times.append(ts)
        while times and times[0] < ts - window:
            times.popleft()
        last = self.denial_raised.get(device.key)
        if len(times) >= count and (last is None or ts - last > window):
            self.denial_raised[device.key] = ts
            found.append(self._finding(rule, "raised", device, ts,
                                       f"{len(times)} denials at reader {device.key} within "
                                       f"{window:g} s"))
        return found

    def _after_hours(self, device: DeviceRef, event: SecurityEvent) -> list[Finding]:
        rule = self.by_type.get("after_hours")
        if rule is None or device.space_use not in rule.params.get("restricted_uses", ()):
            return []
        local = event.ts + rule.number("utc_offset_h", 8.0) * 3600
        days, seconds = divmod(local, 86400)
        weekday = (int(days) + 3) % 7 + 1  # 1970-01-01 was a Thursday; Monday = 1
        minute = int(seconds // 60)
        working = weekday in rule.params.get("weekdays", (1, 2, 3, 4, 5)) and \
            _minutes(rule.params.get("start", "07:00")) <= minute < \
            _minutes(rule.params.get("end", "20:00"))
        if working:
            return []
        who = event.subject or "unknown credential"
        return [self._finding(rule, "raised", device, event.ts,
                              f"{who} entered restricted {device.space_use} space out of hours "
                              f"at {minute // 60:02d}:{minute % 60:02d}")]

    def _passback(self, device: DeviceRef, event: SecurityEvent) -> list[Finding]:
        rule = self.by_type.get("passback")
        direction = event.direction or device.direction
        if rule is None or direction is None or not event.subject:
            return []
        before = self.inside.get(event.subject)
        self.inside[event.subject] = direction
        if before == direction == "in":
            return [self._finding(rule, "raised", device, event.ts,
                                  f"credential {event.subject} entered twice without leaving")]
        return []

    # -- doors ---------------------------------------------------------------------------

    def _door_event(self, device: DeviceRef, event: SecurityEvent) -> list[Finding]:
        door_key = device.door or device.key
        door = self.doors.setdefault(door_key, _Door())
        ts, kind = event.ts, event.type
        if kind == "door.opened":
            return self._opened(door, device, ts)
        if kind == "door.closed":
            return self._closed(door, device, ts)
        if kind == "door.forced":
            rule = self.by_type.get("forced_door")
            door.forced = True
            return [] if rule is None else [self._finding(
                rule, "raised", device, ts, f"door {device.label} reported forced open")]
        if kind == "door.held_open":
            rule = self.by_type.get("held_open")
            if rule is None or door.held:
                return []
            door.held = True
            return [self._finding(rule, "raised", device, ts,
                                  f"door {device.label} reported held open")]
        rule = self.by_type.get("device_alarm")
        if rule is not None and kind in rule.params.get("events", ("door.tamper", "intrusion")):
            return [self._finding(rule, "raised", device, ts, f"{kind} at {device.label}")]
        return []

    def _opened(self, door: _Door, device: DeviceRef, ts: float) -> list[Finding]:
        if door.open_since is None:
            door.open_since, door.reporter = ts, device
        rule = self.by_type.get("forced_door")
        if rule is None or not device.controlled:
            return []
        window = rule.number("window_s", 5.0)
        if door.last_grant is not None and 0.0 <= ts - door.last_grant <= window:
            return []
        door.forced = True
        return [self._finding(rule, "raised", device, ts,
                              f"door {device.label} opened with no access granted within "
                              f"{window:g} s")]

    def _closed(self, door: _Door, device: DeviceRef, ts: float) -> list[Finding]:
        found = []
        rule = self.by_type.get("held_open")
        if rule is not None and door.open_since is not None and not door.held \
                and ts - door.open_since > rule.number("after_s", 60.0):
            found.append(self._finding(rule, "raised", device, ts,
                                       f"door {device.label} was open "
                                       f"{ts - door.open_since:.0f} s"))
            door.held = True
        if door.held and rule is not None:
            found.append(self._finding(rule, "cleared", device, ts,
                                       f"door {device.label} closed"))
        door.open_since, door.held, door.forced = None, False, False
        return found

    # -- bays ----------------------------------------------------------------------------

    def _bay(self, device: DeviceRef, event: SecurityEvent) -> list[Finding]:
        status = event.status or "unknown"
        before = self.bays.get(device.key)
        if before is None or before[0] != status:
            self.bays[device.key] = (status, event.ts, device)
        rule = self.by_type.get("overstay")
        if status != "occupied" and device.key in self.overstayed and rule is not None:
            self.overstayed.discard(device.key)
            return [self._finding(rule, "cleared", device, event.ts,
                                  f"bay {device.key} is {status}")]
        return []

    # -- the clock -----------------------------------------------------------------------

    def tick(self, now: float) -> list[Finding]:
        """The findings that silence makes: doors still open, bays still occupied."""
        found = []
        rule = self.by_type.get("held_open")
        if rule is not None:
            after = rule.number("after_s", 60.0)
            for door in self.doors.values():
                if door.open_since is not None and not door.held \
                        and now - door.open_since > after and door.reporter is not None:
                    door.held = True
                    found.append(self._finding(rule, "raised", door.reporter, now,
                                               f"door {door.reporter.label} open for "
                                               f"{now - door.open_since:.0f} s"))
        rule = self.by_type.get("overstay")
        if rule is not None:
            after = rule.number("after_s", 43200.0)
            for key, (status, since, device) in self.bays.items():
                if status == "occupied" and key not in self.overstayed and now - since > after:
                    self.overstayed.add(key)
                    found.append(self._finding(rule, "raised", device, now,
                                               f"bay {key} occupied for "
                                               f"{(now - since) / 3600:.1f} h"))
        return found
