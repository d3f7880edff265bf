"""Who may do what: the one table of roles and their capabilities.

Routers ask for a capability (``Depends(require("housing.edit"))``), never for a list of roles;
``GET /auth/me`` tells the browser the signed-in user's capabilities, and the browser shows what
those allow. A role's capabilities are the rows that name it.
"""

from __future__ import annotations

from types import MappingProxyType

from bim_models.choices import Choice

__all__ = ["CAPABILITIES", "ROLES", "ROLE_CHOICES", "capabilities_of", "may"]

#: Roles of user accounts, most powerful first, with their labels.
ROLE_CHOICES = (
    Choice("admin", "平台管理员", "Platform administrator", "#b2182b"),
    Choice("housing_officer", "房管专员", "Housing officer", "#4575b4"),
    Choice("maintenance", "运维人员", "Maintenance", "#f46d43"),
    Choice("manager", "管理人员", "Manager", "#1a9850"),
    Choice("staff", "职工", "Staff member", "#74add1"),
    Choice("pool_admin", "公物仓管理员", "Asset pool administrator", "#8c510a"),
    Choice("security", "安保人员", "Security officer", "#542788"),
    Choice("viewer", "访客", "Viewer", "#999999"),
)
ROLES = tuple(c.value for c in ROLE_CHOICES)

_EVERYONE = ROLES
_HOUSING = ("admin", "housing_officer", "manager")
_MAINTENANCE = ("admin", "maintenance", "manager")
_OPERATORS = ("admin", "maintenance")
_STAFF = ("admin", "housing_officer", "maintenance", "manager", "staff", "pool_admin", "security")

#: capability -> the roles that have it.
CAPABILITIES = MappingProxyType({
    "portfolio.read": _EVERYONE,        # buildings, revisions, storeys, spaces, equipment, scene
    "portfolio.manage": ("admin",),     # upload models and revisions, delete buildings
    "readings.read": _EVERYONE,         # devices, live state, readings, the push stream
    "devices.manage": _OPERATORS,       # register and remove devices, dead letters, ingest
    "simulator.control": _OPERATORS,    # the demo's reading simulator and its faults
    "housing.read": _HOUSING,           # allocations, compliance, rectification
    "housing.edit": ("admin", "housing_officer"),  # import and edit allocations
    "maintenance.read": _MAINTENANCE,   # alarms, work orders, schedules, routes, impact
    "maintenance.act": _OPERATORS,      # acknowledge alarms, work orders, issue schedules
    "users.manage": ("admin",),         # accounts and device tokens
    "energy.read": ("admin", "maintenance", "manager"),   # meters, indicators, baselines
    "energy.manage": _OPERATORS,        # meter tree, tariffs, quotas
    "meetings.read": _STAFF,            # bookable rooms, calendars, availability
    "meetings.book": _STAFF,            # book rooms, one request with services and visitors
    "meetings.approve": ("admin", "manager"),  # approve requests, room policies
    "assets.read": _STAFF,              # the pool's catalogue and availability
    "assets.request": _STAFF,           # hand in, borrow, reserve, return
    "assets.approve": ("admin", "manager", "pool_admin"),  # approval steps of a chain
    "assets.manage": ("admin", "pool_admin"),  # register, inspect, transfer, dispose, audits
    "security.read": ("admin", "manager", "security"),  # events, doors, alarms, car parks
    "security.act": ("admin", "security"),  # allow-lists, dispatch, door commands
    "vehicles.book": _STAFF,            # official vehicle requests
    "vehicles.dispatch": ("admin", "security"),  # approve and dispatch, trips, fleet
})


def capabilities_of(role: str) -> list[str]:
    """The capabilities of ``role``, in the table's order (empty for an unknown role).

    Examples
    --------
    >>> capabilities_of("viewer")
    ['portfolio.read', 'readings.read']
    """
    return [name for name, roles in CAPABILITIES.items() if role in roles]


def may(role: str, capability: str) -> bool:
    """True when ``role`` has ``capability``.

    Raises
    ------
    KeyError
        For a capability that is not in :data:`CAPABILITIES` (a typo in a router).
    """
    return role in CAPABILITIES[capability]
