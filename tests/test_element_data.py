"""Element rows speak the named keys of ``spaces.element_data``: every key ``element_index``
writes is an ``ElementData`` member, so readers never depend on a string literal."""

from __future__ import annotations

from spaces import element_index
from spaces.element_data import ElementData, area_of


def test_every_key_written_for_the_shared_models_is_named(shared_models, shared_graphs):
    assert shared_models
    named = {key.value for key in ElementData}
    for name, model in shared_models.items():
        rows = element_index(model, shared_graphs[name])
        assert {r["kind"] for r in rows} >= {"storey", "space", "door"}, name
        written = {key for row in rows for key in row["data"]}
        assert written <= named, (name, sorted(written - named))
        assert ElementData.AREA_QTO in written and ElementData.CENTROID in written, name


def test_the_area_used_is_geometry_then_qto():
    assert area_of({ElementData.AREA_GEOMETRY: 20.0, ElementData.AREA_QTO: 18.0}) == 20.0
    assert area_of({"area_geometry": None, "area_qto": 18.0}) == 18.0
    assert area_of({}) is None
