"""What every domain of the running system uses: settings, the database and shared tables,
accounts, roles and capabilities, audit, HTTP dependencies and error mapping, the event bus,
model files and the graph store, and the CLI's consoles. Nothing here imports a domain."""

__all__: list[str] = []
