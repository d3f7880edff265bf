"""数字安防 and 数字车管 (security, parking and the official fleet): the domain logic,
on plain data (no
SQL, no HTTP); the running parts are in :mod:`twin.security`."""

__all__: list[str] = []
