"""The FastAPI application: one router per domain, assembled here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from twin.api import system
from twin.assets import router as assets
from twin.core.database import Database, migrate
from twin.core.http_errors import install_error_handlers
from twin.core.model_store import GraphStore
from twin.core.settings import Settings, get_settings
from twin.energy import router as energy
from twin.housing import router as housing
from twin.iot import router as iot
from twin.iot import simulator_router as simulator
from twin.iot.runtime import LiveRuntime
from twin.maintenance import router as maintenance
from twin.maintenance.service import MaintenanceService
from twin.meetings import router as meetings
from twin.portal import router as portal
from twin.portfolio import elements_router as elements
from twin.portfolio import router as buildings
from twin.portfolio.elements import graph_loader
from twin.scene import router as scene
from twin.scene import web_router as viewer_web
from twin.security import router as security
from twin.standards import router as standards

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
        app.state.graphs = GraphStore(settings)
        app.state.live = LiveRuntime(settings, app.state.database)
        app.state.ingestor = app.state.live.ingestor
        app.state.maintenance = MaintenanceService(
            app.state.database, app.state.ingestor,
            graph_loader(app.state.database, app.state.graphs)).start()
        app.state.live.periodic.append(app.state.maintenance.check_stale)
        app.state.live.start()
        try:
            yield
        finally:
            app.state.live.stop()
            app.state.maintenance.stop()
            app.state.database.dispose()

    app = FastAPI(title="Facility twin", version="0.1.0", lifespan=lifespan,
                  description="Government office buildings as a graph of spaces and "
                              "equipment: portfolio, model revisions, spaces, equipment.")
    app.state.settings = settings
    install_error_handlers(app)
    for module in (system, buildings, elements, housing, iot, simulator, maintenance,
                   scene, viewer_web, standards, energy, meetings, assets, security):
        app.include_router(module.router)
    app.include_router(portal.router)  # last: the portal's history fallback
    return app
