"""Space use from every signal of the file (issue 21, defect 6), and the housing officers'
override table (``/buildings/{id}/space-uses``)."""

from __future__ import annotations

from datetime import date

import ifcopenshell.api
import pytest
from http_helpers import auth, sign_in_all

from bim_models import authoring, parse_model
from spaces.allocations import Allocations, Assignment, Person
from spaces.area_standards import rule_set_for
from spaces.compliance import assess, room_facts
from spaces.space_use import classify_space, classify_text

POSTS = ("DUTY OFCR", "DEPUTY CMDR", "OPS SGT")


@pytest.mark.parametrize("long_name", POSTS)
def test_rooms_named_after_a_post_are_offices(long_name):
    use = classify_space(name="B104", long_name=long_name)
    assert use.use == "office" and use.source == "long_name"
    assert use.confidence < classify_space(long_name="Office").confidence  # a post, not a word


@pytest.mark.parametrize(("text", "use"), [
    ("MESSAGE CENTER", None),             # "ess" inside a word is not the German "Essen"
    ("Living1", "living"),                # digits after a word still end it
    ("Entrance hall and corridor", "circulation"),
    ("Meeting room (small)", "meeting"),
    ("open_office", "office"),
    ("Storeroom", "storage"),
    ("Schlafzimmer", "living"),
    ("Büro", "office"),
    ("办公室", "office"),
    ("办公区走廊", "circulation"),           # the head noun comes last
    ("Office corridor", "circulation"),
    ("小会议室", "meeting"),
    ("Lift shaft", "vertical"),
    ("Roof", None),
])
def test_words_are_matched_at_letter_boundaries(text, use):
    found = classify_text(text)
    assert (found[0] if found else None) == use


def test_the_most_trusted_signal_wins_and_says_so():
    use = classify_space(name="101", long_name="Storeroom", object_type="meeting_small",
                         classifications=("13-15 11 34 11 Office",))
    assert (use.use, use.source) == ("office", "classification")
    use = classify_space(name="101", long_name="Storeroom",
                         psets={"Pset_SpaceCommon": {"Reference": "Conference"}})
    assert (use.use, use.source, use.evidence) == (
        "meeting", "pset", "Pset_SpaceCommon.Reference 'Conference'")
    nothing = classify_space(name="B12", long_name="MESSAGE CENTER")
    assert (nothing.use, nothing.confidence, nothing.source) == ("unclassified", 0.0, "none")


@pytest.fixture(scope="module")
def post_office_model(tmp_path_factory):
    """An IFC4 storey of rooms named as a military office names them, one classified."""
    model = authoring.new_model(schema="IFC4")
    storey = authoring.add_storey(model, name="1", elevation=0.0)
    rooms = {}
    for i, long_name in enumerate((*POSTS, "MESSAGE CENTER", "CORRIDOR", "B9")):
        rooms[long_name] = authoring.add_space(
            model, storey=storey, name=f"1{i:02d}", long_name=long_name, x=5.0 * i, y=0,
            width=5, depth=4, net_area=20.0)
    system = ifcopenshell.api.run("classification.add_classification", model,
                                  classification="OmniClass")
    ifcopenshell.api.run("classification.add_reference", model, products=[rooms["B9"]],
                         classification=system, identification="13-15 11 34 11",
                         name="Office")
    path = tmp_path_factory.mktemp("posts") / "posts.ifc"
    model.write(str(path))
    return path


def test_a_model_of_post_names_counts_its_offices(post_office_model):
    model = parse_model(post_office_model)
    by_name = {s.long_name: s for s in model.spaces.values()}
    assert by_name["B9"].classifications == ("13-15 11 34 11 Office",)
    uses = {f.long_name: f.space_use for f in room_facts(model)}
    assert uses == {"DUTY OFCR": "office", "DEPUTY CMDR": "office", "OPS SGT": "office",
                    "MESSAGE CENTER": "unclassified", "CORRIDOR": "circulation",
                    "B9": "office"}


def test_a_held_room_of_unknown_use_is_judged_and_flagged_not_refused(post_office_model):
    model = parse_model(post_office_model)
    rooms = room_facts(model)
    gid = {r.long_name: r.global_id for r in rooms}
    people = {p: Person(p, p, "Ops", "county", False, "正科级", "active", None)
              for p in ("p1", "p2", "p3")}
    held = [("p1", "MESSAGE CENTER"), ("p2", "DUTY OFCR"), ("p3", "CORRIDOR")]
    allocations = Allocations(people=people, assignments=[
        Assignment(p, gid[room], room, None, None, None, i) for i, (p, room) in enumerate(held)])
    report = assess(rooms, allocations, rule_set_for(date(2026, 12, 2)), day=date(2026, 12, 2))
    verdicts = {v.room: v for v in report.rooms}
    message, duty = verdicts["103"], verdicts["100"]
    assert message.verdict in ("compliant", "over") and "use_unclassified" in message.flags
    assert duty.verdict in ("compliant", "over") and "use_unclassified" not in duty.flags
    assert verdicts["104"].verdict == "not_office_space"   # a corridor held as an office
    # Unheld rooms of unknown use are not listed as vacant offices.
    assert [v.room for v in report.rooms if v.verdict == "vacant"] == ["101", "102", "105"]


@pytest.fixture(scope="module")
def tokens(demo_client):
    return sign_in_all(demo_client)


@pytest.fixture(scope="module")
def held_office(demo_client, tokens, demo_copy):
    """A compliant office of the sample and its building id."""
    building = demo_copy[1].building_id
    body = demo_client.get(f"/buildings/{building}/compliance?verdict=compliant",
                           headers=auth(tokens, "housing")).json()
    return building, body["rooms"][0]


def test_space_uses_lists_each_room_with_its_evidence(demo_client, tokens, held_office):
    building, _ = held_office
    page = demo_client.get(f"/buildings/{building}/space-uses?limit=5000",
                           headers=auth(tokens, "viewer")).json()
    assert page["total"] == len(page["items"]) > 50
    uses = {item["use"] for item in page["items"]}
    assert {"office", "meeting", "circulation", "sanitary"} <= uses
    assert all(item["source"] != "none" for item in page["items"])  # the sample names all
    assert "space_uses" in demo_client.get("/vocabularies", headers=auth(tokens, "viewer")).json()
    offices = demo_client.get(f"/buildings/{building}/spaces?use=office&limit=1000",
                              headers=auth(tokens, "viewer")).json()
    assert offices["total"] == sum(item["use"] == "office" for item in page["items"]) > 0


def test_an_override_changes_the_verdict_and_is_audited(demo_client, tokens, held_office):
    building, room = held_office
    url = f"/buildings/{building}/space-uses/{room['room']}"
    refused = demo_client.put(url, json={"use": "office"}, headers=auth(tokens, "maintenance"))
    assert refused.status_code == 403
    bad = demo_client.put(url, json={"use": "ballroom"}, headers=auth(tokens, "housing"))
    assert bad.status_code == 422 and "ballroom" in bad.json()["error"]["message"]
    missing = demo_client.put(f"/buildings/{building}/space-uses/NOPE", json={"use": "office"},
                              headers=auth(tokens, "housing"))
    assert missing.status_code == 404
    done = demo_client.put(url, json={"use": "meeting", "note": "会议室改用"},
                           headers=auth(tokens, "housing"))
    assert done.status_code == 200, done.text
    assert done.json()["use"] == "meeting" and done.json()["model_use"] == "office"
    assert done.json()["source"] == "override" and done.json()["overridden_by"] == "housing"
    judged = demo_client.get(f"/buildings/{building}/compliance",
                             headers=auth(tokens, "housing")).json()
    verdict = next(r for r in judged["rooms"] if r["global_id"] == room["global_id"])
    assert verdict["verdict"] == "not_office_space"
    meetings = demo_client.get(f"/buildings/{building}/spaces?use=meeting&limit=1000",
                               headers=auth(tokens, "viewer")).json()
    assert room["global_id"] in {s["global_id"] for s in meetings["items"]}
    audit = demo_client.get("/audit?action=space_use.set", headers=auth(tokens, "admin")).json()
    assert audit["items"][0]["detail"]["use"] == "meeting"
    assert demo_client.delete(url, headers=auth(tokens, "housing")).status_code == 204
    assert demo_client.delete(url, headers=auth(tokens, "housing")).status_code == 404
    judged = demo_client.get(f"/buildings/{building}/compliance",
                             headers=auth(tokens, "housing")).json()
    verdict = next(r for r in judged["rooms"] if r["global_id"] == room["global_id"])
    assert verdict["verdict"] == "compliant"
