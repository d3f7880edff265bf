"""Alarms: the lifecycle of a fault condition, de-duplicated and grouped through the MEP graph.

An :class:`AlarmBook` turns :class:`~maintenance.rule_engine.RuleEvent` s into :class:`Alarm` s:

* one open alarm per (rule, source) — a repeated raise counts up and moves ``last_seen``; a
  cleared alarm that fires again is raised again (``count`` + 1), a closed one is history and a
  new alarm starts;
* lifecycle ``raised -> acknowledged -> cleared -> closed`` (:data:`ALARM_TRANSITIONS`); the
  rules clear, people acknowledge and close; a refused change raises
  :class:`~maintenance.errors.InvalidTransitionError`;
* **suppression through the MEP graph**: ``served`` maps equipment to the spaces it serves
  (:func:`maintenance.impact.served_spaces`). A room-condition alarm (kinds
  ``consequence_kinds``: temperature, CO2, humidity) in a space served by equipment that has an
  open alarm — or one cleared less than ``grace_s`` ago, for the recovery transient — becomes a
  consequence (``parent_id``) of that alarm instead of standing on its own; when the
  equipment's alarm comes after the room alarms, the open room alarms are regrouped under it.
  Further alarms of the same equipment are grouped under its first open one too, so a failed
  AHU shows as one alarm.

Every change is appended to :attr:`AlarmBook.changes` (what the lead persists and pushes).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from maintenance.choices import ALARM_TRANSITIONS, OPEN_ALARM_STATES, severity_rank
from maintenance.errors import InvalidTransitionError, UnknownAlarmError
from maintenance.rule_engine import RuleEvent

__all__ = ["CONSEQUENCE_KINDS", "Alarm", "AlarmBook", "AlarmChange", "select_alarms"]

#: Device kinds whose alarms describe a room's condition (and so may be consequences).
CONSEQUENCE_KINDS = frozenset({"temperature", "co2", "humidity"})


@dataclass(slots=True)
class Alarm:
    """One alarm. Times are unix seconds; ``history`` holds (time, state, actor)."""

    alarm_id: str
    rule: str
    rule_type: str
    severity: str
    source: str
    device_id: str
    kind: str
    space_global_id: str | None
    state: str
    first_seen: float
    last_seen: float
    message: str
    value: float | None = None
    count: int = 1
    parent_id: str | None = None
    acknowledged_by: str | None = None
    cleared_at: float | None = None
    closed_at: float | None = None
    history: list[tuple[float, str, str | None]] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Raised or acknowledged: the condition has not been seen to end."""
        return self.state in OPEN_ALARM_STATES

    @property
    def key(self) -> tuple[str, str]:
        """(rule, source): at most one open alarm per key."""
        return self.rule, self.source

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {k: getattr(self, k) for k in self.__slots__ if k != "history"} | {
            "history": [list(h) for h in self.history]}


@dataclass(frozen=True, slots=True)
class AlarmChange:
    """What changed: ``action`` is one of ``raised`` (a new root alarm), ``consequence`` (a
    new alarm grouped under ``parent_id``), ``repeated``, ``reraised``, ``acknowledged``,
    ``cleared``, ``closed``, ``grouped`` (an existing alarm moved under a parent)."""

    action: str
    alarm_id: str
    ts: float
    actor: str | None = None
    parent_id: str | None = None


class AlarmBook:
    """In-memory alarms with lifecycle, de-duplication and grouping.

    Parameters
    ----------
    served : mapping of str to iterable of str, optional
        Equipment GlobalId -> GlobalIds of the spaces it serves (feeds, over any hops).
    consequence_kinds : iterable of str
        Device kinds whose alarms may be consequences of equipment alarms.
    grace_s : float, default 1800
        How long after an equipment alarm clears new room alarms still count as its
        consequences (rooms take a while to recover).
    new_id : callable, optional
        ``new_id() -> str``; default ``A-000001``, ``A-000002``, ...
    """

    def __init__(self, served: Mapping[str, Iterable[str]] | None = None, *,
                 consequence_kinds: Iterable[str] = CONSEQUENCE_KINDS, grace_s: float = 1800.0,
                 new_id: Callable[[], str] | None = None) -> None:
        self.served = {k: frozenset(v) for k, v in (served or {}).items()}
        self.served_by: dict[str, set[str]] = {}
        for equipment, spaces in self.served.items():
            for space in spaces:
                self.served_by.setdefault(space, set()).add(equipment)
        self.consequence_kinds = frozenset(consequence_kinds)
        self.grace_s = grace_s
        counter = itertools.count(1)
        self._new_id = new_id or (lambda: f"A-{next(counter):06d}")
        self.alarms: dict[str, Alarm] = {}
        self.changes: list[AlarmChange] = []
        self._open: dict[tuple[str, str], str] = {}
        self._latest: dict[tuple[str, str], str] = {}
        self._rules_of_source: dict[str, set[str]] = {}

    def restore(self, alarms: Iterable[Alarm]) -> None:
        """Load stored alarms (e.g. after a restart) without recording changes.

        The newest alarm of each (rule, source) counts for de-duplication; open ones stay open.
        """
        for alarm in sorted(alarms, key=lambda a: (a.first_seen, a.alarm_id)):
            self.alarms[alarm.alarm_id] = alarm
            self._latest[alarm.key] = alarm.alarm_id
            self._rules_of_source.setdefault(alarm.source, set()).add(alarm.rule)
            if alarm.is_open:
                self._open[alarm.key] = alarm.alarm_id
            else:
                self._open.pop(alarm.key, None)

    # -- queries ---------------------------------------------------------------------------
    def get(self, alarm_id: str) -> Alarm:
        """The alarm ``alarm_id``; :class:`UnknownAlarmError` if there is none."""
        try:
            return self.alarms[alarm_id]
        except KeyError:
            raise UnknownAlarmError(alarm_id) from None

    def open_alarms(self, *, roots_only: bool = False) -> list[Alarm]:
        """Open alarms, most severe first, then oldest."""
        found = [self.alarms[i] for i in self._open.values()]
        if roots_only:
            found = [a for a in found if a.parent_id is None]
        return sorted(found, key=lambda a: (-severity_rank(a.severity), a.first_seen))

    def consequences(self, alarm_id: str) -> list[Alarm]:
        """Alarms grouped under ``alarm_id``, oldest first."""
        self.get(alarm_id)
        return sorted((a for a in self.alarms.values() if a.parent_id == alarm_id),
                      key=lambda a: (a.first_seen, a.alarm_id))

    def is_active(self, alarm_id: str) -> bool:
        """True while the alarm is open (raised or acknowledged)."""
        return self.get(alarm_id).is_open

    # -- rule events -----------------------------------------------------------------------
    def apply(self, event: RuleEvent) -> list[AlarmChange]:
        """Turn one rule event into alarm changes (also appended to :attr:`changes`)."""
        before = len(self.changes)
        key = (event.rule, event.source)
        if event.action == "cleared":
            alarm_id = self._open.get(key)
            if alarm_id is not None:
                alarm = self.alarms[alarm_id]
                alarm.value, alarm.last_seen = event.value, event.ts
                self._move(alarm, "cleared", event.ts, None)
                alarm.cleared_at = event.ts
                del self._open[key]
        else:
            self._raise(event, key)
        return self.changes[before:]

    def apply_all(self, events: Iterable[RuleEvent]) -> list[AlarmChange]:
        """:meth:`apply` for each event; all changes in order."""
        before = len(self.changes)
        for event in events:
            self.apply(event)
        return self.changes[before:]

    def _raise(self, event: RuleEvent, key: tuple[str, str]) -> None:
        alarm_id = self._open.get(key)
        if alarm_id is not None:
            alarm = self.alarms[alarm_id]
            alarm.count += 1
            alarm.last_seen, alarm.value, alarm.message = event.ts, event.value, event.message
            self.changes.append(AlarmChange("repeated", alarm_id, event.ts))
            return
        latest = self._latest.get(key)
        if latest is not None and self.alarms[latest].state == "cleared":
            alarm = self.alarms[latest]
            alarm.count += 1
            alarm.last_seen, alarm.value, alarm.message = event.ts, event.value, event.message
            alarm.cleared_at = None
            self._open[key] = alarm.alarm_id
            self._move(alarm, "raised", event.ts, None, action="reraised")
            return
        alarm = Alarm(self._new_id(), event.rule, event.rule_type, event.severity,
                      event.source, event.device_id, event.kind, event.space_global_id,
                      "raised", event.ts, event.ts, event.message, event.value)
        alarm.history.append((event.ts, "raised", None))
        alarm.parent_id = self._parent_for(alarm, event.ts)
        self.alarms[alarm.alarm_id] = alarm
        self._open[key] = self._latest[key] = alarm.alarm_id
        self._rules_of_source.setdefault(alarm.source, set()).add(alarm.rule)
        action = "raised" if alarm.parent_id is None else "consequence"
        self.changes.append(AlarmChange(action, alarm.alarm_id, event.ts,
                                        parent_id=alarm.parent_id))
        if alarm.parent_id is None:
            self._regroup_under(alarm, event.ts)

    def _is_room_alarm(self, alarm: Alarm) -> bool:
        return alarm.kind in self.consequence_kinds and alarm.space_global_id is not None

    def _live_root(self, alarm: Alarm, ts: float) -> bool:
        if alarm.parent_id is not None:
            return False
        if alarm.is_open:
            return True
        return (alarm.state == "cleared" and alarm.cleared_at is not None
                and ts - alarm.cleared_at <= self.grace_s)

    def _parent_for(self, alarm: Alarm, ts: float) -> str | None:
        candidates = [a for a in self._roots_of(alarm.source, ts) if a.alarm_id != alarm.alarm_id]
        if not candidates and self._is_room_alarm(alarm):
            for equipment in self.served_by.get(alarm.space_global_id, ()):
                if equipment != alarm.source:
                    candidates += self._roots_of(equipment, ts)
        if not candidates:
            return None
        return min(candidates, key=lambda a: (a.first_seen, a.alarm_id)).alarm_id

    def _roots_of(self, source: str, ts: float) -> list[Alarm]:
        found = []
        for rule in self._rules_of_source.get(source, ()):
            alarm = self.alarms[self._latest[(rule, source)]]
            if self._live_root(alarm, ts):
                found.append(alarm)
        return found

    def _regroup_under(self, root: Alarm, ts: float) -> None:
        spaces = self.served.get(root.source, frozenset())
        for alarm_id in list(self._open.values()):
            alarm = self.alarms[alarm_id]
            if alarm is root or alarm.parent_id is not None:
                continue
            same_source = alarm.source == root.source and alarm.first_seen >= root.first_seen
            fed_room = self._is_room_alarm(alarm) and alarm.space_global_id in spaces
            if same_source or fed_room:
                for child in self.alarms.values():  # keep the tree one level deep
                    if child.parent_id == alarm.alarm_id:
                        child.parent_id = root.alarm_id
                        self.changes.append(AlarmChange("grouped", child.alarm_id, ts,
                                                        parent_id=root.alarm_id))
                alarm.parent_id = root.alarm_id
                self.changes.append(AlarmChange("grouped", alarm_id, ts,
                                                parent_id=root.alarm_id))

    # -- people ----------------------------------------------------------------------------
    def acknowledge(self, alarm_id: str, *, actor: str, ts: float) -> Alarm:
        """Mark an open alarm as seen by ``actor``."""
        alarm = self.get(alarm_id)
        self._move(alarm, "acknowledged", ts, actor)
        alarm.acknowledged_by = actor
        return alarm

    def close(self, alarm_id: str, *, actor: str, ts: float) -> Alarm:
        """Close an alarm for good (history); an open one is closed by hand."""
        alarm = self.get(alarm_id)
        self._move(alarm, "closed", ts, actor)
        alarm.closed_at = ts
        if self._open.get(alarm.key) == alarm_id:
            del self._open[alarm.key]
        return alarm

    def _move(self, alarm: Alarm, state: str, ts: float, actor: str | None, *,
              action: str | None = None) -> None:
        allowed = ALARM_TRANSITIONS[alarm.state]
        if state not in allowed:
            raise InvalidTransitionError("alarm", alarm.alarm_id, alarm.state, state, allowed)
        alarm.state = state
        alarm.history.append((ts, state, actor))
        self.changes.append(AlarmChange(action or state, alarm.alarm_id, ts, actor,
                                        alarm.parent_id))


def select_alarms(alarms: Iterable[Alarm], *, state: str = "open",
                  roots_only: bool = True) -> list[Alarm]:
    """The alarms to show: by ``state`` (``open``, ``all`` or one state), roots only unless
    asked otherwise; most severe first, then newest.

    The one filter the API and the CLI share.
    """
    found = [a for a in alarms
             if (state == "all" or (a.is_open if state == "open" else a.state == state))
             and not (roots_only and a.parent_id)]
    return sorted(found, key=lambda a: (-severity_rank(a.severity), -a.last_seen))
