"""Maintenance (运维) in the running system: every stored reading through the fault rules,
alarms and work orders kept, saved and announced, schedules, routes, rounds and impact
(``…/alarms``, ``…/work-orders``, ``twin alarms``, ``twin route`` ...). The logic is
:mod:`maintenance`; routers and commands call :mod:`twin.maintenance.service`."""

__all__: list[str] = []
