"""``twin demo``: the sample building, its users and the server, from nothing, in one command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bim_models.sample import generate_sample
from spaces import open_building
from spaces.allocations import read_allocations
from spaces.compliance import room_labels
from twin.core import accounts
from twin.core.database import Database, migrate
from twin.core.model_store import ParsedRevision, store_model_file
from twin.core.settings import Settings
from twin.core.tables import Building, User
from twin.energy.sample import seed_sample_energy
from twin.housing import store as housing
from twin.iot import service as iot
from twin.portfolio import service as portfolio
from viewer.scene import cached_scene

__all__ = ["DEMO_BUILDING", "DEMO_USERS", "DemoState", "prepare_demo"]

DEMO_BUILDING = "Municipal office building (sample)"
#: Demo accounts: username -> (role, password). For the local demo only.
DEMO_USERS = {
    "admin": ("admin", "admin-demo-2026"),
    "housing": ("housing_officer", "housing-demo-2026"),
    "maintenance": ("maintenance", "maintenance-demo-2026"),
    "manager": ("manager", "manager-demo-2026"),
    "staff": ("staff", "staff-demo-2026"),
    "pool": ("pool_admin", "pool-demo-2026"),
    "security": ("security", "security-demo-2026"),
    "viewer": ("viewer", "viewer-demo-2026"),
}


@dataclass(frozen=True)
class DemoState:
    """What :func:`prepare_demo` set up."""

    building_id: int
    model_path: Path
    created: bool


def prepare_demo(settings: Settings, *, schema: str = "IFC4",
                 step: Callable[[str], None] = lambda _m: None) -> DemoState:
    """Make sure the data folder holds the sample building, loaded, and the demo users.

    The first run generates the building, parses it and loads it; later runs find it there
    and only check (fast, from the model cache).
    """
    model_path = settings.data_dir / "sample" / f"office-{schema.lower()}.ifc"
    if not model_path.is_file():
        step("generating the sample building")
        generate_sample(model_path, schema=schema, progress=step)
    step("migrating the database")
    migrate(settings.resolved_database_url)
    database = Database(settings.resolved_database_url)
    try:
        with database.session() as session:
            building = session.scalar(select(Building).where(Building.name == DEMO_BUILDING))
            created = building is None
            if created:
                step("parsing the sample building")
                model, graph = open_building(model_path,
                                             cache_dir=settings.resolved_cache_dir)
                store_model_file(model_path, model.sha256, settings)
                from bim_models.standards.ids import check_model, parse_blocking

                quality = check_model(model_path,
                                      blocking=parse_blocking(settings.ids_blocking))
                parsed = ParsedRevision.of_building(model, graph, quality)
                building = portfolio.create_building(session, name=DEMO_BUILDING,
                                                     parsed=parsed, filename=model_path.name,
                                                     actor="demo")
                session.flush()
                step("importing the allocations")
                allocations = read_allocations(
                    model_path.parent / "allocations.csv",
                    rooms=room_labels(housing.room_facts_of(session, building)))
                housing.replace_allocations(session, building, allocations, actor="demo")
            if not iot.list_devices(session, building.id, None):
                step("registering the sample's devices")
                iot.import_devices(session, building.id, None, source="csv", actor="demo",
                                   data=model_path.parent / "devices.csv")
            seed_sample_energy(session, building, days=settings.energy_backfill_days)
            from twin.meetings.demo import seed_week

            if seed_week(session, building):
                step("booking a week of meetings (会议)")
            sha256 = portfolio.latest_revision(session, building).sha256
            for username, (role, password) in DEMO_USERS.items():
                if session.scalar(select(User).where(User.username == username)) is None:
                    accounts.add_user(session, username=username, password=password,
                                      role=role, actor="demo")
                    session.flush()
                    if role != "admin":
                        accounts.set_user_buildings(session, username, [building.id],
                                                    actor="demo")
            from twin.assets.seed import seed_asset_pool

            if seed_asset_pool(session, building.id):
                step("filling the asset pool (公物仓)")
            from twin.security.seed import seed_security

            if seed_security(session, building.id):
                step("setting up doors, the car park and the fleet (安防/车管)")
            building_id = building.id
    finally:
        database.dispose()
    if created:  # the 3D scene now, so that the first /viewer visit does not wait for it
        step("building the 3D scene")
        cached_scene(model_path, cache_dir=settings.resolved_cache_dir, sha256=sha256)
    return DemoState(building_id=building_id, model_path=model_path, created=created)
