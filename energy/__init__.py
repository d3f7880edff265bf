"""数字节能 (energy): the domain logic, on plain data (no SQL, no HTTP); the running parts are in
:mod:`twin.energy`."""

__all__: list[str] = []
