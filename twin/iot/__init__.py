"""Live IoT readings: device registry, validation, ingest (HTTP, MQTT), storage with rollups,
live state, the in-process event bus, queries and the reading simulator. Routers, CLI commands
and the demo call :mod:`twin.iot.service`; bodies are in :mod:`twin.iot.schemas`."""

__all__: list[str] = []
