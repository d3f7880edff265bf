"""会议一件事 (meetings) in the running system: tables, service, router and commands. The logic is
:mod:`meetings`; routers and commands call the service."""

__all__: list[str] = []
