"""Maintenance: fault rules, alarms, work orders, preventive schedules and impact analysis.

Pure domain logic over plain data (no database, no web framework): the running system feeds
readings to :class:`RuleEvaluator`, turns its events into alarms with :class:`AlarmBook`, and
keeps work orders in :class:`WorkOrderBook`; it persists what they return.

The public names are imported from their submodules on first use (PEP 562), so that
``import maintenance`` (or its errors) does not load networkx or the building graph.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from bim_models.lazy import lazy_exports, submodule_of

if TYPE_CHECKING:
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

#: The public names of each submodule.
_EXPORTS = {
    "maintenance.alarms": ("CONSEQUENCE_KINDS", "Alarm", "AlarmBook", "AlarmChange"),
    "maintenance.errors": (
        "ActiveAlarmError", "InvalidTransitionError", "MaintenanceError", "RuleConfigError",
        "UnknownAlarmError", "UnknownWorkOrderError",
    ),
    "maintenance.fault_rules": (
        "DEFAULT_RULES", "RULE_TYPES", "RuleConfig", "RuleSpec", "default_rule_config",
    ),
    "maintenance.impact": ("Impact", "impact", "people_by_space", "served_spaces"),
    "maintenance.readings": ("DeviceInfo", "Reading"),
    "maintenance.rule_engine": ("RuleEvaluator", "RuleEvent"),
    "maintenance.schedules": (
        "DueWork", "EquipmentItem", "Schedule", "due_work_orders", "equipment_from_graph",
        "issue_due", "overdue_work_orders", "runtime_hours",
    ),
    "maintenance.workorders": ("AutoCreatePolicy", "WorkOrder", "WorkOrderBook", "WorkOrderChange"),
}
_SUBMODULE_OF = submodule_of(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _SUBMODULE_OF, globals())


#: Public names that are also the name of their submodule (``maintenance.impact``).
_SHADOWED = frozenset(name for name, module in _SUBMODULE_OF.items()
                      if module == f"{__name__}.{name}")


class _Package(ModuleType):
    """The ``maintenance`` package, whose ``impact`` stays the function.

    Importing the submodule ``maintenance.impact`` (from anywhere) sets the package's attribute
    ``impact`` to that submodule; the eager ``from maintenance.impact import impact`` of an
    ``__init__`` rebinds it to the function, and so does this class, whenever it is imported.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, ModuleType) \
                and value.__name__ == f"{self.__name__}.{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
