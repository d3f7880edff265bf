"""The Brick export (spaces.brick, GET …/graph.ttl, twin export-brick), validated with
brickschema's SHACL validation against the Brick 1.4 shapes, and Brick points registered as
devices (POST …/brick)."""

from __future__ import annotations

import csv

import brickschema
import pytest
from fastapi.testclient import TestClient
from http_helpers import bearer, sign_in
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from typer.testing import CliRunner

from bim_models.sample import generate_sample
from spaces import open_building
from spaces.brick import BRICK, REC, REF, UNIT, brick_graph, devices_from_brick
from twin.api import create_app
from twin.cli.app import app as cli_app
from twin.core import accounts
from twin.core.database import Database, migrate
from twin.core.settings import Settings

SH = Namespace("http://www.w3.org/ns/shacl#")
#: QUDT is not bundled with brickschema: the Brick ontology's own references to QUDT quantity
#: kinds fail its shapes whatever the data. Those, and only those, are not the export's fault.
ONTOLOGY_PREFIXES = ("http://qudt.org/vocab/", "https://brickschema.org/schema/")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("brick")
    generate_sample(folder / "office.ifc")
    model, graph = open_building(folder / "office.ifc")
    with open(folder / "devices.csv", encoding="utf-8-sig") as stream:
        devices = [{"key": row["device_id"], "kind": row["kind"], "unit": row["unit"],
                    "equipment": row["equipment_global_id"] or None,
                    "space": row["space_global_id"] or None}
                   for row in csv.DictReader(stream)]
    return {"folder": folder, "model": model, "graph": graph, "devices": devices}


@pytest.fixture(scope="module")
def exported(sample):
    return brick_graph(sample["graph"], devices=sample["devices"],
                       model_id=sample["model"].sha256, model_location="office.ifc")


def _data_violations(data: Graph) -> list[tuple[str, str]]:
    """SHACL results (brickschema's validation) whose focus is the export's own data."""
    checked = brickschema.Graph(load_brick=True)
    checked += data
    _, results, _ = checked.validate()
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = str(results.value(result, SH.focusNode))
        if not focus.startswith(ONTOLOGY_PREFIXES):
            found.append((focus, str(results.value(result, SH.resultMessage))))
    return found


def test_the_sample_export_conforms_to_the_brick_shapes(exported):
    assert _data_violations(exported) == []


def test_a_broken_export_is_caught_by_the_validation(exported):
    broken = Graph()
    broken += exported
    reference = next(broken.subjects(RDF.type, REF.IFCReference))
    broken.remove((reference, REF.ifcGlobalID, None))
    violations = _data_violations(broken)
    assert len(violations) == 1 and "ifcGlobalID" in violations[0][1]


def test_locations_equipment_systems_and_feeds(sample, exported):
    count = {cls: len(set(exported.subjects(RDF.type, cls)))
             for cls in (REC.Building, REC.Level, REC.Room, REC.Zone, BRICK.Air_Handling_Unit,
                         BRICK.Variable_Air_Volume_Box, BRICK.Chiller, BRICK.Luminaire)}
    assert count[REC.Building] == 1 and count[REC.Level] == 7 and count[REC.Room] == 133
    assert count[REC.Zone] == 14 and count[BRICK.Air_Handling_Unit] == 2
    assert count[BRICK.Variable_Air_Volume_Box] == 12 and count[BRICK.Chiller] == 1
    assert count[BRICK.Luminaire] == 133
    names = {str(o): s for s, o in exported.subject_objects(REF.ifcGlobalID)}
    assert len(names) == sum(1 for _, d in sample["graph"].nodes(data=True)
                             if d["kind"] in ("building", "storey", "space", "zone", "system")
                             or (d["kind"] == "equipment" and d.get("is_asset")))
    # every AHU feeds VAV boxes through the duct segments, which are not written themselves
    for ahu in exported.subjects(RDF.type, BRICK.Air_Handling_Unit):
        fed = set(exported.objects(ahu, BRICK.feeds))
        assert fed and all((f, RDF.type, BRICK.Variable_Air_Volume_Box) in exported for f in fed)
    assert len(set(exported.subject_objects(BRICK.feeds))) > 100
    systems = set(exported.subjects(REC.includes, None))
    assert len(systems) == 8


def test_devices_are_points_with_units(sample, exported):
    points = {s for s in exported.subjects(REF.hasExternalReference, None)
              if (s, BRICK.isPointOf, None) in exported}
    assert len(points) == len(sample["devices"])
    temperature = [s for s in exported.subjects(RDF.type, BRICK.Air_Temperature_Sensor)]
    assert len(temperature) == sum(d["kind"] == "temperature" for d in sample["devices"])
    assert all((s, BRICK.hasUnit, UNIT.DEG_C) in exported for s in temperature)
    energy = list(exported.subjects(RDF.type, BRICK.Electric_Energy_Sensor))
    assert energy and all((s, BRICK.hasUnit, UNIT["KiloW-HR"]) in exported for s in energy)
    series = {str(o) for o in exported.objects(None, REF.hasTimeseriesId)}
    assert series == {d["key"] for d in sample["devices"]}


def test_twin_export_brick_from_a_file(sample, tmp_path):
    out = tmp_path / "office.ttl"
    result = CliRunner().invoke(cli_app, ["export-brick", str(sample["folder"] / "office.ifc"),
                                          "--out", str(out)])
    assert result.exit_code == 0, result.output
    read = Graph().parse(out, format="turtle")
    assert len(set(read.subjects(RDF.type, REC.Room))) == 133
    neither = CliRunner().invoke(cli_app, ["export-brick", "--out", str(out)])
    assert neither.exit_code == 2


def test_points_of_a_foreign_model_are_skipped_with_reasons(sample):
    rdf = Graph()
    equipment = next(n for n, d in sample["graph"].nodes(data=True) if d["kind"] == "equipment")
    owner, reference = URIRef("urn:x:ahu"), BNode()
    rdf.add((owner, REF.hasExternalReference, reference))
    rdf.add((reference, REF.ifcGlobalID, Literal(equipment)))
    for name, cls, target in (("t1", BRICK.Zone_Air_Temperature_Sensor, owner),
                              ("sp", BRICK.Temperature_Setpoint, owner),
                              ("t2", BRICK.Temperature_Sensor, URIRef("urn:x:elsewhere"))):
        rdf.add((URIRef(f"urn:x:{name}"), RDF.type, cls))
        rdf.add((URIRef(f"urn:x:{name}"), BRICK.isPointOf, target))
    rdf.add((URIRef("urn:x:t1"), RDFS.label, Literal("supply temperature")))
    specs, skipped = devices_from_brick(rdf, sample["graph"])
    assert specs == [{"key": "t1", "kind": "temperature", "name": "supply temperature",
                      "equipment": equipment}]
    assert {s["point"]: s["reason"] for s in skipped} == {
        "urn:x:sp": "its class is no device kind",
        "urn:x:t2": "urn:x:elsewhere names no element of the model"}


def test_brick_points_register_as_devices_and_come_back_in_graph_ttl(sample, exported,
                                                                     tmp_path):
    settings = Settings(data_dir=tmp_path, parse_timeout_s=120)
    migrate(settings.resolved_database_url)
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        accounts.add_user(session, username="admin", password="admin-password-1",
                          role="admin", actor="test")
    database.dispose()
    turtle = exported.serialize(format="turtle").encode()
    with TestClient(create_app(settings)) as client:
        headers = bearer(sign_in(client, "admin", "admin-password-1"))
        with open(sample["folder"] / "office.ifc", "rb") as stream:
            created = client.post("/buildings", data={"name": "Office"}, headers=headers,
                                  files={"file": ("office.ifc", stream)})
        assert created.status_code == 201, created.text
        building = created.json()["id"]

        def post_brick(**params):
            return client.post(f"/buildings/{building}/brick", headers=headers, params=params,
                               files={"file": ("office.ttl", turtle, "text/turtle")})

        imported = post_brick()
        assert imported.status_code == 201, imported.text
        body = imported.json()
        access = {d["key"] for d in sample["devices"] if d["kind"] == "access_event"}
        assert len(body["registered"]) == len(sample["devices"]) - len(access)
        assert {s["point"].rsplit("/", 1)[-1] for s in body["skipped"]} == access
        by_key = {d["key"]: d for d in body["registered"]}
        for device in sample["devices"]:
            if device["key"] in by_key:
                assert by_key[device["key"]]["kind"] == device["kind"]
                assert by_key[device["key"]]["equipment"] == device["equipment"]
        assert post_brick().status_code == 409  # the keys exist: all or none
        assert post_brick(replace="true").status_code == 201
        bad = client.post(f"/buildings/{building}/brick", headers=headers,
                          files={"file": ("x.ttl", b"not turtle {", "text/turtle")})
        assert bad.status_code == 422
        response = client.get(f"/buildings/{building}/graph.ttl", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/turtle")
        read = Graph().parse(data=response.text, format="turtle")
        assert {str(o) for o in read.objects(None, REF.hasTimeseriesId)} == set(by_key)
        assert len(set(read.subjects(RDF.type, REC.Room))) == 133
        assert client.get("/buildings/99/graph.ttl", headers=headers).status_code == 404
