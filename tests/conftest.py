"""Shared fixtures: the real models in ../shared/ifc and their truth, parsed once per session."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pg_server import postgres_url  # noqa: F401 - the session fixture of a real PostgreSQL

REPO = Path(__file__).resolve().parent.parent
SHARED_IFC = Path(os.environ.get("TWIN_SHARED_IFC", REPO.parent / "shared" / "ifc"))


def _truth() -> dict:
    path = SHARED_IFC / "truth.json"
    if not path.is_file():
        raise RuntimeError(
            f"the shared IFC models are missing: {path} not found. Tests run against the real "
            f"models in ../shared/ifc (set TWIN_SHARED_IFC to point elsewhere).")
    return json.loads(path.read_text())


TRUTH = _truth()
SHARED_FILES = sorted(TRUTH)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own model cache, never the user's."""
    monkeypatch.setenv("TWIN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def shared_models():
    """``{file name: BuildingModel}`` for every shared model, parsed without cache once."""
    from bim_models import parse_model

    return {name: parse_model(SHARED_IFC / name) for name in SHARED_FILES}


@pytest.fixture(scope="session")
def shared_graphs(shared_models):
    """``{file name: graph}`` for every shared model."""
    from spaces import build_graph

    return {name: build_graph(model) for name, model in shared_models.items()}


@pytest.fixture(scope="session")
def compliance_sample(tmp_path_factory):
    """The sample building with its allocations and compliance report, built once.

    A dict with ``plan``, ``files``, ``model``, ``graph``, ``rooms``, ``allocations`` (checked
    against the rule set), ``report``, ``cases`` (what the generator planted) and ``tmp``.
    """
    from bim_models.sample import generate_sample
    from bim_models.sample.people import SAMPLE_DATE, plan_people, sample_cases
    from spaces import open_building
    from spaces.allocations import read_allocations
    from spaces.area_standards import rule_set_for
    from spaces.compliance import assess, room_facts, room_labels

    tmp = tmp_path_factory.mktemp("compliance")
    plan, files = generate_sample(tmp / "office.ifc")
    model, graph = open_building(files.ifc, cache_dir=tmp / "cache")
    rooms = room_facts(model)
    rule_set = rule_set_for(SAMPLE_DATE)

    def check(grade, org_level, subordinate):
        rule_set.limit(grade, org_level, subordinate=subordinate)

    allocations = read_allocations(files.allocations_csv, rooms=room_labels(rooms),
                                   check_grade=check)
    report = assess(rooms, allocations, rule_set, day=SAMPLE_DATE)
    return {"plan": plan, "files": files, "model": model, "graph": graph, "rooms": rooms,
            "allocations": allocations, "report": report,
            "cases": sample_cases(plan, plan_people(plan)), "tmp": tmp}


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """A data folder prepared by ``twin demo`` (sample building, users, devices), made once per
    session; copy it with :func:`demo_copy` rather than changing it."""
    from twin.core.settings import Settings
    from twin.demo import prepare_demo

    folder = tmp_path_factory.mktemp("demo-template")
    state = prepare_demo(Settings(data_dir=folder))
    return folder, state


@pytest.fixture(scope="module")
def demo_copy(demo_template, tmp_path_factory):
    """A private copy of the demo data folder for one test module: ``(Settings, DemoState)``."""
    import dataclasses
    import shutil

    from twin.core.settings import Settings

    source, state = demo_template
    folder = tmp_path_factory.mktemp("demo") / "data"
    shutil.copytree(source, folder)
    moved = dataclasses.replace(state, model_path=folder / state.model_path.relative_to(source))
    return Settings(data_dir=folder), moved


@pytest.fixture(scope="module")
def demo_database(demo_copy):
    """The :class:`~twin.core.database.Database` of the module's demo copy."""
    from twin.core.database import Database

    settings, _state = demo_copy
    database = Database(settings.resolved_database_url)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def demo_client(demo_copy):
    """A ``TestClient`` of the API on the module's demo copy, the simulator off."""
    from fastapi.testclient import TestClient

    from twin.api import create_app

    settings, _state = demo_copy
    with TestClient(create_app(settings.model_copy(update={"simulate": False}))) as client:
        yield client


@pytest.fixture(scope="session")
def portal_server(tmp_path_factory, demo_template):
    """One demo server (no simulator) with the built portal, shared by the domains' browser
    tests (energy, meetings, assets, security): a copy of ``demo_template``."""
    from browser import QuietServer, build_portal

    build_portal()
    live = QuietServer(tmp_path_factory.mktemp("portal-server") / "data")
    live.prepare_from(demo_template)
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module."""
    from browser import launch_chromium
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
