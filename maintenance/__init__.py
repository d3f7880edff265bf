"""Maintenance: fault rules, alarms, work orders, preventive schedules and impact analysis.

Pure domain logic over plain data (no database, no web framework): the running system feeds
readings to :class:`RuleEvaluator`, turns its events into alarms with :class:`AlarmBook`, and
keeps work orders in :class:`WorkOrderBook`; it persists what they return.
"""

from maintenance.alarms import CONSEQUENCE_KINDS, Alarm, AlarmBook, AlarmChange
from maintenance.errors import (
    ActiveAlarmError,
    InvalidTransitionError,
    MaintenanceError,
    RuleConfigError,
    UnknownAlarmError,
    UnknownWorkOrderError,
)
from maintenance.fault_rules import (
    DEFAULT_RULES,
    RULE_TYPES,
    RuleConfig,
    RuleSpec,
    default_rule_config,
)
from maintenance.impact import Impact, impact, people_by_space, served_spaces
from maintenance.readings import DeviceInfo, Reading
from maintenance.rule_engine import RuleEvaluator, RuleEvent
from maintenance.schedules import (
    DueWork,
    EquipmentItem,
    Schedule,
    due_work_orders,
    equipment_from_graph,
    issue_due,
    overdue_work_orders,
    runtime_hours,
)
from maintenance.workorders import AutoCreatePolicy, WorkOrder, WorkOrderBook, WorkOrderChange

__all__ = [
    "CONSEQUENCE_KINDS",
    "DEFAULT_RULES",
    "RULE_TYPES",
    "ActiveAlarmError",
    "Alarm",
    "AlarmBook",
    "AlarmChange",
    "AutoCreatePolicy",
    "DeviceInfo",
    "DueWork",
    "EquipmentItem",
    "Impact",
    "InvalidTransitionError",
    "MaintenanceError",
    "Reading",
    "RuleConfig",
    "RuleConfigError",
    "RuleEvaluator",
    "RuleEvent",
    "RuleSpec",
    "Schedule",
    "UnknownAlarmError",
    "UnknownWorkOrderError",
    "WorkOrder",
    "WorkOrderBook",
    "WorkOrderChange",
    "default_rule_config",
    "due_work_orders",
    "equipment_from_graph",
    "impact",
    "issue_due",
    "overdue_work_orders",
    "people_by_space",
    "runtime_hours",
    "served_spaces",
]
