"""公物仓 (the shared asset pool): the domain logic, on plain data (no SQL, no HTTP); the running
parts are in :mod:`twin.assets`."""

__all__: list[str] = []
