"""数字安防 and 数字车管 (security, parking and the official fleet) in the running system: tables,
service, router and commands. The logic is :mod:`security`; routers and commands call the
service."""

__all__: list[str] = []
