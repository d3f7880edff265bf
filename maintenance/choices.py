"""Status vocabularies of maintenance, with their allowed transitions and display colours.

One place for every choice set (NetBox's ``choices.py``), each value with a Chinese and an
English label and a ``#rrggbb`` colour (:class:`bim_models.choices.Choice`): the API serves them
at ``GET /vocabularies``, and the CLI, the snapshots and the browser read labels and colours
from here; the state machines in :mod:`maintenance.alarms` and
:mod:`maintenance.workorders` read the transition tables.
"""

from __future__ import annotations

from types import MappingProxyType

from bim_models.choices import Choice, choice_of

__all__ = [
    "ALARM_STATES",
    "ALARM_TRANSITIONS",
    "IMPACT_EVIDENCE",
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


SEVERITIES = (
    Choice("info", "提示", "Info", "#abd9e9"),
    Choice("minor", "次要", "Minor", "#fee090"),
    Choice("major", "重要", "Major", "#f46d43"),
    Choice("critical", "紧急", "Critical", "#b2182b"),
)

ALARM_STATES = (
    Choice("raised", "告警中", "Raised", "#d73027"),
    Choice("acknowledged", "已确认", "Acknowledged", "#fdae61"),
    Choice("cleared", "已恢复", "Cleared", "#1a9850"),
    Choice("closed", "已关闭", "Closed", "#999999"),
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
    Choice("open", "待派单", "Open", "#4575b4"),
    Choice("assigned", "已派单", "Assigned", "#74add1"),
    Choice("in_progress", "处理中", "In progress", "#fdae61"),
    Choice("on_hold", "挂起", "On hold", "#fee090"),
    Choice("done", "已完成", "Done", "#1a9850"),
    Choice("verified", "已验收", "Verified", "#006837"),
    Choice("cancelled", "已取消", "Cancelled", "#999999"),
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
    Choice("low", "低", "Low", "#999999"),
    Choice("normal", "普通", "Normal", "#4575b4"),
    Choice("high", "高", "High", "#f46d43"),
    Choice("urgent", "紧急", "Urgent", "#b2182b"),
)
WORK_ORDER_ORIGINS = (
    Choice("alarm", "告警生成", "From an alarm", "#d73027"),
    Choice("manual", "人工创建", "By hand", "#4575b4"),
    Choice("schedule", "预防性维护计划", "Preventive schedule", "#1a9850"),
)

#: What an impact answer rests on (:data:`maintenance.impact.EVIDENCE`, same order).
IMPACT_EVIDENCE = (
    Choice("ports-with-direction", "端口连接（含流向）", "Ports with flow direction", "#1a9850"),
    Choice("ports-without-direction", "端口连接（无流向）", "Ports without direction", "#fdae61"),
    Choice("system-groups", "系统分组/回路", "System groups and circuits", "#4575b4"),
    Choice("geometry", "几何推断位置", "Placed by geometry", "#999999"),
)

_SEVERITY_RANK = {c.value: i for i, c in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    """0 for ``info`` .. 3 for ``critical``; raises ``KeyError`` for an unknown one."""
    return _SEVERITY_RANK[severity]
