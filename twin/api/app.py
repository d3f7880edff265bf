"""The FastAPI application: one router per domain, assembled here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from twin.api import scopes, system
from twin.api.workers import join_cluster
from twin.assets import router as assets
from twin.assets.jobs import overdue_job
from twin.core.contract import declare_error_answers
from twin.core.database import Database, migrate
from twin.core.http_errors import install_error_handlers
from twin.core.limits import BodyGuard, SecurityHeaders
from twin.core.model_store import GraphStore
from twin.core.settings import Settings, get_settings
from twin.energy import router as energy
from twin.energy.watch import EnergyWatch
from twin.housing import router as housing
from twin.iot import router as iot
from twin.iot import simulator_router as simulator
from twin.iot.runtime import LiveRuntime
from twin.maintenance import router as maintenance
from twin.maintenance.service import MaintenanceService
from twin.meetings import router as meetings
from twin.meetings.live import NoShowJob
from twin.portal import router as portal
from twin.portfolio import elements_router as elements
from twin.portfolio import router as buildings
from twin.portfolio import space_uses_router as space_uses
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
        app.state.live.periodic.append(EnergyWatch(  # 数字节能 anomalies -> alarms
            app.state.database, app.state.maintenance, first_now=settings.simulate))
        app.state.live.periodic.append(overdue_job(app.state.database, app.state.ingestor.bus))
        app.state.live.periodic.append(NoShowJob(app.state.database,
                                                 app.state.ingestor.bus.publish))
        # after a building is deleted (committed): the rules forget it, the ingest reloads
        app.state.building_deleted = [app.state.maintenance.forget_building,
                                      lambda _building: app.state.ingestor.reload()]
        app.state.cluster = join_cluster(settings, app.state.live, app.state.maintenance)
        app.state.live.start()
        security.security_of(app.state)  # security events: MQTT, simulator, clock rules
        try:
            yield
        finally:
            app.state.live.stop()
            if app.state.cluster is not None:
                app.state.cluster.stop()
            app.state.maintenance.stop()
            app.state.database.dispose()

    app = FastAPI(title="Facility twin", version="0.1.0", lifespan=lifespan,
                  description="Government office buildings as a graph of spaces and "
                              "equipment: portfolio, model revisions, spaces, equipment.")
    app.state.settings = settings
    install_error_handlers(app)
    # the token before the body, the size before the body, security headers; CORS only
    # for the origins configured (closed by default)
    app.add_middleware(BodyGuard, max_body_mb=max(settings.upload_limit_mb,
                                                  settings.ingest_max_mb) + 1)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["*"], allow_headers=["Authorization",
                                                               "Content-Type"])
    app.add_middleware(SecurityHeaders)
    declare_error_answers(app)  # every error answer in /openapi.json, with its body
    for module in (system, scopes, buildings, elements, space_uses, housing, iot, simulator,
                   maintenance, scene, viewer_web, standards, energy, meetings, assets, security):
        app.include_router(module.router)
    app.include_router(portal.router)  # last: the portal's history fallback
    return app
