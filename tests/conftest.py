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
