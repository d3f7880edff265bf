"""The portfolio in the running system: buildings, model revisions and their diff, element
queries and the graph of a building (``/buildings``, ``twin inspect``, ``graph``, ``plan``,
``sample``). Routers and commands call :mod:`twin.portfolio.service` and
:mod:`twin.portfolio.elements`."""

__all__: list[str] = []
