"""Issue 21, defect 7: floor plans of storeys without rooms are drawn from walls, slabs and
equipment, framed on what is drawn; a storey with nothing to draw is an error (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from authored import write_two_room, write_without_spaces
from authored_mep import write_storey_without_rooms
from PIL import Image

from bim_models import authoring, parse_model
from spaces import build_graph
from viewer import render_storey_plan, world_to_pixel
from viewer.errors import RenderError

WALL_RGB = (0x4D, 0x4D, 0x4D)


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    path = write_storey_without_rooms(tmp_path_factory.mktemp("plant"))
    model = parse_model(path)
    return path, model, build_graph(model)


def _pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=int)


def _rgb_at(path, image, x, y):
    col, row = world_to_pixel(path, x, y)
    return tuple(image[int(round(row)), int(round(col))])


def test_a_storey_without_rooms_is_drawn_from_its_walls_and_framed_on_them(plant, tmp_path):
    path, model, graph = plant
    out = render_storey_plan(model, graph, "Technik", tmp_path / "plant.png")
    image = _pixels(out)
    height, width = image.shape[:2]
    # the plant room (x 20..32, y 10..18) and its equipment lie inside the picture
    for x, y in ((20, 10), (32, 18), (23, 14), (29, 14)):
        col, row = world_to_pixel(out, x, y)
        assert 0 < col < width and 0 < row < height
    # walls on the outline, not an empty frame at 0..10 m
    assert _rgb_at(out, image, 26, 10) == WALL_RGB
    assert _rgb_at(out, image, 20, 14) == WALL_RGB
    col, _ = world_to_pixel(out, 5, 14)
    assert col < 0  # the frame starts near the drawn geometry, not at the origin
    dark = np.all(image < 120, axis=-1).mean()
    assert dark > 0.01


def test_a_storey_with_only_equipment_is_framed_on_the_equipment(tmp_path):
    model = parse_model(write_without_spaces(tmp_path, "IFC4"))
    out = render_storey_plan(model, build_graph(model), "Plant", tmp_path / "terminal.png")
    image = _pixels(out)
    col, row = world_to_pixel(out, 1.0, 1.0)  # the air terminal
    assert 0 < col < image.shape[1] and 0 < row < image.shape[0]
    span = world_to_pixel(out, 3.0, 1.0)[0] - col
    assert span > 500  # a frame of a few metres at the plan scale, not 10 m on an 8-inch page


def test_a_storey_with_nothing_to_draw_is_an_error(tmp_path):
    model = authoring.new_model(schema="IFC4")
    authoring.add_storey(model, name="Leer", elevation=0.0)
    authoring.add_storey(model, name="OG", elevation=3.0)
    path = tmp_path / "empty.ifc"
    model.write(str(path))
    parsed = parse_model(path)
    out = tmp_path / "empty.png"
    with pytest.raises(RenderError, match="nothing to draw on storey 'Leer'"):
        render_storey_plan(parsed, build_graph(parsed), "Leer", out)
    assert not out.exists()
    env = {k: v for k, v in os.environ.items() if k != "TWIN_DEBUG"}
    env["TWIN_CACHE_DIR"] = str(tmp_path / "cache")
    run = subprocess.run([sys.executable, "-m", "twin.cli", "plan", str(path), "--storey",
                          "Leer", "--out", str(out)], capture_output=True, text=True, env=env,
                         timeout=300, check=False)
    assert run.returncode == 2 and "nothing to draw" in run.stderr
    assert not out.exists()


# -- issue 21, item 8: the PDF's plans and organisation; room heights, areas, tiny rooms ------

@pytest.fixture(scope="module")
def two_room(tmp_path_factory):
    model = parse_model(write_two_room(tmp_path_factory.mktemp("two-room"), "IFC4", "m"))
    return model, build_graph(model)


def _small_report(model):
    from datetime import date

    from spaces.allocations import Allocations, Person
    from spaces.compliance import ComplianceReport, RoomVerdict

    people = {f"p{i}": Person(f"p{i}", f"name {i}", "办公室", "市", False, "局(处)级以下",
                              "active", None) for i in range(12)}
    rooms = []
    for i, space in enumerate(s for s in model.spaces.values() if s.name in ("101", "102")):
        rooms.append(RoomVerdict(space.global_id, space.name, model.storeys[space.storey].name,
                                 "over", (f"p{i}",), 30.0, 12.0, "geometry", {}, 18.0, 150.0,
                                 "over the limit", (), ()))
    return (ComplianceReport(day=date(2026, 3, 1), rule_set="cn-2014", rooms=rooms, people=[]),
            Allocations(people=people))


def test_pdf_plans_fill_their_page_and_no_organisation_is_invented(two_room, tmp_path,
                                                                   monkeypatch):
    from twin.housing import report_files

    model, graph = two_room
    report, allocations = _small_report(model)
    texts, plan_heights = [], []
    original_text, original_new = report_files._Pages.text, report_files._Pages.new

    def text(self, x, y, s, **kw):
        texts.append(str(s))
        return original_text(self, x, y, s, **kw)

    def new(self, landscape=False):
        if self.fig is not None and self.fig.axes:  # the page just finished holds a plan
            plan_heights.append(self.fig.axes[-1].get_position().height * self.h)
        return original_new(self, landscape)

    monkeypatch.setattr(report_files._Pages, "text", text)
    monkeypatch.setattr(report_files._Pages, "new", new)
    path = report_files.write_pdf(report, allocations, tmp_path / "r.pdf", model=model,
                                  graph=graph)
    assert path.read_bytes().startswith(b"%PDF")
    joined = "\n".join(texts)
    assert "市机关事务管理局" not in joined  # never given: not printed
    assert "报送单位 Organisation" in joined
    assert plan_heights and min(plan_heights) > 5.0  # inches of an A4 landscape page


def test_the_organisation_comes_from_the_allocations_when_they_name_one():
    from spaces.allocations import Allocations, Person
    from twin.housing.report_files import _organisation_of

    def person(pid, body):
        return Person(pid, pid, "d", "市", False, "g", "active", None,
                      extra={"organisation": body} if body else {})

    assert _organisation_of(Allocations(people={"a": person("a", None)})) is None
    assert _organisation_of(Allocations(people={"a": person("a", "某局"),
                                                "b": person("b", "某局")})) == "某局"
    assert _organisation_of(Allocations(people={"a": person("a", "某局"),
                                                "b": person("b", "他局")})) is None


def test_revit_area_of_the_duplex_is_read():
    from conftest import SHARED_IFC

    from bim_models import load_model
    from spaces.summary import property_area

    areas = [property_area(s) for s in load_model(SHARED_IFC / "duplex.ifc").spaces.values()]
    assert areas and all(a is not None and a > 1.0 for a in areas)


def test_room_height_from_geometry_reaches_the_element_index_and_revit_area_is_read(tmp_path):
    from spaces import element_index
    from spaces.summary import summarise

    model = authoring.new_model(schema="IFC4")
    storey = authoring.add_storey(model, name="Level 1", elevation=0.0)
    revit = authoring.add_space(model, storey=storey, name="R-1", x=0, y=0, width=4, depth=3,
                                height=2.5, qto=False)
    from ifcopenshell.api import pset

    dims = pset.add_pset(model, product=revit, name="PSet_Revit_Dimensions")
    pset.edit_pset(model, pset=dims, properties={"Area": 11.5})
    beam = authoring.add_space(model, storey=storey, name="B-1", x=5, y=0, width=1.5,
                               depth=0.2, height=0.4, qto=False)
    assert beam is not None
    path = tmp_path / "revit.ifc"
    model.write(str(path))
    parsed = parse_model(path)
    graph = build_graph(parsed)
    rooms = {e["name"]: e for e in element_index(parsed, graph) if e["kind"] == "space"}
    summary = summarise(parsed, graph)
    inspected = {s["name"]: s for s in summary["spaces"]}
    assert inspected["R-1"]["height"] == pytest.approx(2.5)
    assert rooms["R-1"]["data"]["height"] == pytest.approx(2.5)  # the API's room, as inspect
    assert inspected["R-1"]["area_property"] == pytest.approx(11.5)  # Revit's own Area
    assert rooms["R-1"]["data"]["area_property"] == pytest.approx(11.5)
    assert inspected["R-1"]["area_qto"] is None  # a third source, not a Qto
    assert any("B-1" in w and "too small for a room" in w for w in summary["warnings"])
    assert not any("R-1" in w and "too small" in w for w in summary["warnings"])


def test_a_subordinate_bodys_deputy_bureau_director_gets_no_more_than_in_the_parent_body():
    from spaces.area_standards import bundled_rule_sets

    cn = bundled_rule_sets()["cn-2014"]
    deputy = cn.limit("副局(处)级", "市", subordinate=True)
    assert (deputy.tier, deputy.grade, deputy.area_m2) == ("县", "正科级", 18)  # not 县级副职 24
    assert "department rows" in deputy.explanation
    for grade in ("正局(处)级", "副局(处)级", "局(处)级以下"):
        assert cn.limit(grade, "市", subordinate=True).area_m2 <= cn.limit(grade, "市").area_m2
    # the standard's own example stands: a 中央司局级派出机构 uses the 省级厅局 figures
    assert cn.limit("正司(局)级", "中央", subordinate=True).grade == "正厅(局)级"
    # and the body's own leaders keep leader figures one tier down
    assert cn.limit("县级副职", "县", subordinate=True).grade == "乡级正职"


def test_the_tricad_plant_storey_is_drawn_from_its_pipes(tmp_path):
    from conftest import SHARED_IFC

    model = parse_model(SHARED_IFC / "extra" / "B01_2_HeatExchanger_Pipes.ifc")
    out = render_storey_plan(model, build_graph(model), "Erdgeschoss", tmp_path / "b01.png")
    image = _pixels(out)
    pipe = np.all(np.abs(image - np.array((0xAE, 0xD6, 0xF1))) <= 2, axis=-1)
    assert pipe.mean() > 0.004  # the heat exchanger's pipes are drawn
