"""Status vocabularies of maintenance, with their allowed transitions and display colours.

One place for every choice set (NetBox's ``choices.py``): the API, the CLI and the viewer read
labels and colours from here; the state machines in :mod:`maintenance.alarms` and
:mod:`maintenance.workorders` read the transition tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ALARM_STATES",
    "ALARM_TRANSITIONS",
    "OPEN_ALARM_STATES",
    "PRIORITIES",
    "SEVERITIES",
    "WORK_ORDER_ORIGINS",
    "WORK_ORDER_STATES",
    "WORK_ORDER_TRANSITIONS",
    "Choice",
    "choice_of",
    "severity_rank",
]


@dataclass(frozen=True, slots=True)
class Choice:
    """One value of a vocabulary: stored ``value``, human ``label``, display ``colour``."""

    value: str
    label: str
    colour: str


SEVERITIES = (
    Choice("info", "Info", "gray"),
    Choice("minor", "Minor", "yellow"),
    Choice("major", "Major", "orange"),
    Choice("critical", "Critical", "red"),
)

ALARM_STATES = (
    Choice("raised", "Raised", "red"),
    Choice("acknowledged", "Acknowledged", "orange"),
    Choice("cleared", "Cleared", "green"),
    Choice("closed", "Closed", "gray"),
)
#: An alarm in one of these states counts as open (one per rule and source).
OPEN_ALARM_STATES = frozenset({"raised", "acknowledged"})
#: state -> states it may move to. ``cleared`` is set by the rules (the condition ended);
#: a cleared alarm that fires again returns to ``raised``; ``closed`` is final.
ALARM_TRANSITIONS = MappingProxyType({
    "raised": ("acknowledged", "cleared", "closed"),
    "acknowledged": ("cleared", "closed"),
    "cleared": ("raised", "closed"),
    "closed": (),
})

WORK_ORDER_STATES = (
    Choice("open", "Open", "blue"),
    Choice("assigned", "Assigned", "cyan"),
    Choice("in_progress", "In progress", "orange"),
    Choice("on_hold", "On hold", "yellow"),
    Choice("done", "Done", "green"),
    Choice("verified", "Verified", "teal"),
    Choice("cancelled", "Cancelled", "gray"),
)
WORK_ORDER_TRANSITIONS = MappingProxyType({
    "open": ("assigned", "cancelled"),
    "assigned": ("in_progress", "open", "cancelled"),
    "in_progress": ("on_hold", "done", "cancelled"),
    "on_hold": ("in_progress", "cancelled"),
    "done": ("verified", "in_progress"),
    "verified": (),
    "cancelled": (),
})

PRIORITIES = (
    Choice("low", "Low", "gray"),
    Choice("normal", "Normal", "blue"),
    Choice("high", "High", "orange"),
    Choice("urgent", "Urgent", "red"),
)
WORK_ORDER_ORIGINS = (
    Choice("alarm", "From an alarm", "red"),
    Choice("manual", "By hand", "blue"),
    Choice("schedule", "Preventive schedule", "green"),
)

_SEVERITY_RANK = {c.value: i for i, c in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    """0 for ``info`` .. 3 for ``critical``; raises ``KeyError`` for an unknown one."""
    return _SEVERITY_RANK[severity]


def choice_of(choices: tuple[Choice, ...], value: str) -> Choice:
    """The :class:`Choice` of ``value`` in ``choices``.

    Raises
    ------
    ValueError
        With the valid values listed.
    """
    for choice in choices:
        if choice.value == value:
            return choice
    raise ValueError(f"unknown value {value!r}; expected one of "
                     f"{', '.join(c.value for c in choices)}")
