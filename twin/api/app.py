"""The FastAPI application: one router per domain, assembled here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from twin.api.errors import install_error_handlers
from twin.api.routers import buildings, elements, housing, system
from twin.settings import Settings, get_settings
from twin.storage.database import Database, migrate

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for ``settings`` (default: from the environment).

    The database is migrated to the latest schema when the application starts.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        migrate(settings.resolved_database_url)
        app.state.database = Database(settings.resolved_database_url)
        app.state.graphs = elements.GraphStore(settings)
        yield
        app.state.database.dispose()

    app = FastAPI(title="Facility twin", version="0.1.0", lifespan=lifespan,
                  description="Government office buildings as a graph of spaces and "
                              "equipment: portfolio, model revisions, spaces, equipment.")
    app.state.settings = settings
    install_error_handlers(app)
    for module in (system, buildings, elements, housing):
        app.include_router(module.router)
    return app
