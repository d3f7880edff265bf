"""Live IoT readings: device registry, validation, ingest (HTTP, MQTT), storage with rollups,
live state, the in-process event bus, queries and the reading simulator."""

__all__: list[str] = []
