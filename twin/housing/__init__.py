"""Office-space management (数字房管) in the running system: stored allocations, compliance and
rectification of a building (``…/allocations``, ``…/compliance``, ``…/rectification``,
``twin compliance``, ``twin utilisation``). The logic is :mod:`spaces`; routers and commands
call :mod:`twin.housing.service`."""

__all__: list[str] = []
