"""公物仓 (the shared asset pool) in the running system: tables, service, router and commands. The
logic is :mod:`assets`; routers and commands call the service."""

__all__: list[str] = []
