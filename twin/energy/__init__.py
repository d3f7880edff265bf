"""数字节能 (energy) in the running system: tables, service, router and commands. The logic is
:mod:`energy`; routers and commands call the service."""

__all__: list[str] = []
