"""The running system: the API, the CLI, storage, the ingest and each domain's service.

Shared parts live in :mod:`twin.core`; each domain's running parts in ``twin/<domain>/``
(service, tables, router, schemas, CLI); the FastAPI app is assembled in :mod:`twin.api.app`
and the ``twin`` command line in :mod:`twin.cli.app`.
"""

__all__: list[str] = []
