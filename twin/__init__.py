"""The running system: CLI today; settings, storage, ingest and the API in later releases."""

__all__: list[str] = []
