"""Hardening (issue 20), hostile input: the token before the upload body, numbers out of
range, hostile ingest bodies (hypothesis), MQTT readings without a timestamp, allocation
imports (refused wholesale, GBK, 10,000 rows, formula injection) and the security headers."""

from __future__ import annotations

import asyncio
import datetime
import io
import json
import math
import time
import zipfile

import pytest
from fastapi.testclient import TestClient
from http_helpers import bearer, sign_in_all
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin.api import create_app

SAMPLE_HEADER = ("person_id,name,department,org_level,subordinate,grade,status,status_date,"
                 "room,from,to")


@pytest.fixture(scope="module")
def setup(demo_copy):
    settings_, state = demo_copy
    app = create_app(settings_.model_copy(update={"simulate": False, "upload_limit_mb": 5}))
    with TestClient(app) as client:
        yield client, sign_in_all(client), state.building_id, settings_


def _device(client, tokens, building, kind="temperature", index=11) -> dict:
    answer = client.get(f"/buildings/{building}/devices", params={"kind": kind},
                        headers=bearer(tokens["admin"]))
    return answer.json()[index]


# -- 4: the token before the body -----------------------------------------------------------

def _call_without_reading(app, headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """Send ``POST /buildings`` straight to the ASGI app; (status, body chunks it read)."""
    reads, sent = [0], {}

    async def receive():
        reads[0] += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def send(message):
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/buildings", "raw_path": b"/buildings",
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 8000),
             "headers": [(b"content-type", b"multipart/form-data; boundary=xyz"), *headers]}
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 10))
    return sent["status"], reads[0]


def test_an_anonymous_upload_is_refused_before_its_body_is_read(setup):
    client, tokens, _building, _settings = setup
    app = client.app
    assert _call_without_reading(app, [(b"content-length", b"1073741824")])[0] in (401, 413)
    status, reads = _call_without_reading(app, [])  # no length declared, no token
    assert (status, reads) == (401, 0)
    status, reads = _call_without_reading(app, [(b"authorization", b"Bearer not-a-token")])
    assert (status, reads) == (401, 0)
    status, reads = _call_without_reading(
        app, [(b"authorization", f"Bearer {tokens['admin']}".encode()),
              (b"content-length", str(1 << 30).encode())])
    assert (status, reads) == (413, 0)  # an admin's 1 GiB: refused by its declared size


def test_answers_carry_security_headers_and_cors_is_closed(setup):
    client, _tokens, _building, _settings = setup
    answer = client.get("/health", headers={"Origin": "https://evil.example"})
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "SAMEORIGIN"
    assert "access-control-allow-origin" not in answer.headers
    preflight = client.options("/buildings", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


# -- 12: numbers out of range -----------------------------------------------------------------

@pytest.mark.parametrize("path", [f"/buildings/{2**63}", f"/buildings/{-2**63 - 1}",
                                  f"/audit?offset={2**63}", f"/buildings/{2**64}/devices"])
def test_ids_and_offsets_past_64_bits_are_422_not_500(setup, path):
    client, tokens, _building, _settings = setup
    answer = client.get(path, headers=bearer(tokens["admin"]))
    assert answer.status_code in (404, 422), answer.text
    assert answer.json()["error"]["code"] in ("invalid", "not_found")


def test_an_ingest_value_of_ten_to_the_400_is_a_dead_letter_and_the_good_readings_stay(setup):
    client, tokens, building, _settings = setup
    device = _device(client, tokens, building)
    now = time.time()
    key = json.dumps(device["key"])
    body = (f'[{{"device": {key}, "ts": {now - 30}, "value": 1{"0" * 400}}}, '
            f'{{"device": {key}, "ts": {now - 20}, "value": 21.5}}]')
    answer = client.post("/ingest", content=body, headers={
        **bearer(tokens["admin"]), "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 1 and answer.json()["rejected"] == 1


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000,
                                  '[{"device": "x", "ts": 1, "value": 1' + "0" * 5000 + "}]"])
def test_deep_or_huge_json_is_refused_with_4xx(setup, body):
    client, tokens, _building, _settings = setup
    answer = client.post("/ingest", content=body, headers={
        **bearer(tokens["admin"]), "Content-Type": "application/json"})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("item,reason", [
    ({"ts": -1, "value": 21}, "malformed"),
    ({"ts": "0001-01-01T00:00:00Z", "value": 21}, "malformed"),
    ({"ts": None, "value": True}, "wrong_type"),        # ts filled in below
])
def test_broken_clocks_and_booleans_are_not_stored_as_temperatures(setup, item, reason):
    client, tokens, building, _settings = setup
    device = _device(client, tokens, building, index=12)
    item = {"device": device["key"], **item}
    if item["ts"] is None:
        item["ts"] = time.time() - 5
    answer = client.post("/ingest", json=[item], headers=bearer(tokens["admin"])).json()
    assert answer["stored"] == 0 and answer["rejected_by_reason"] == {reason: 1}


_hostile_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.just(1e308), st.just(-1e308),
    st.integers(min_value=-10**30, max_value=10**30), st.booleans(), st.none(),
    st.text(max_size=5), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))


def _json_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return json.dumps(value)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(st.tuples(st.sampled_from(["known", "unknown", 7, None]),
                                 _hostile_values, _hostile_values), max_size=30))
def test_hostile_ingest_bodies_never_fail_and_account_for_every_item(setup, items):
    client, tokens, building, _settings = setup
    key = _device(client, tokens, building, index=13)["key"]
    parts = []
    for device, ts, value in items:
        name = key if device == "known" else ("ghost-1" if device == "unknown" else device)
        parts.append(f'{{"device": {json.dumps(name)}, "ts": {_json_number(ts)}, '
                     f'"value": {_json_number(value)}}}')
    answer = client.post("/ingest", content="[" + ",".join(parts) + "]", headers={
        **bearer(tokens["admin"]), "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["received"] == len(items)
    assert result["stored"] + result["duplicates"] + result["rejected"] == len(items)


# -- 2: MQTT readings without a timestamp ----------------------------------------------------

def test_readings_without_ts_get_unique_arrival_times_and_are_all_stored(setup):
    from twin.iot.transports import _items

    client, tokens, building, _settings = setup
    ingestor = client.app.state.ingestor
    device = _device(client, tokens, building, index=14)
    clock = __import__("twin.iot.transports", fromlist=["ArrivalClock"]).ArrivalClock()
    received = time.time() - 100
    items = []
    for i in range(500):  # 500 messages in the same millisecond
        _building, rows = _items(f"twin/{building}/{device['key']}",
                                 json.dumps({"value": 20 + i / 1000}).encode(), "twin",
                                 received, clock)
        items.extend(rows)
    assert len({item["ts"] for item in items}) == 500
    result = ingestor.ingest(items, source="mqtt")
    assert result.stored == 500 and result.duplicates == 0


def test_a_non_numeric_building_in_the_topic_does_not_skip_the_building_check(setup):
    from twin.iot.transports import _items, _topic_check

    client, tokens, building, _settings = setup
    device = _device(client, tokens, building, index=15)
    message = (object(), *_items(f"twin/abc/{device['key']}",
                                 json.dumps({"ts": time.time() - 3, "value": 21}).encode(),
                                 "twin", time.time()))
    result = client.app.state.ingestor.ingest(message[2], source="mqtt",
                                              allowed=_topic_check([message]))
    assert result.stored == 0 and result.rejected[0].reason == "not_permitted"


# -- 10, 5, 15: allocation imports ----------------------------------------------------------

def _allocations(client, tokens, building) -> int:
    answer = client.get(f"/buildings/{building}/allocations", headers=bearer(tokens["housing"]))
    return len(answer.json()["assignments"])


def _import(client, tokens, building, content: bytes, name="allocations.csv"):
    return client.post(f"/buildings/{building}/allocations",
                       files={"file": (name, content, "text/csv")},
                       headers=bearer(tokens["housing"]))


def _room(client, tokens, building) -> str:
    answer = client.get(f"/buildings/{building}/allocations", headers=bearer(tokens["housing"]))
    return answer.json()["assignments"][0]["room"]


def test_an_import_whose_every_row_is_refused_changes_nothing(setup):
    client, tokens, building, _settings = setup
    before = _allocations(client, tokens, building)
    assert before > 0
    bad = (SAMPLE_HEADER + "\n" + "\n".join(
        f"P{i},Name,Dept,市,maybe,科员,active,,NO-SUCH-ROOM,2024-01-01," for i in range(3))
           ).encode()
    answer = _import(client, tokens, building, bad)
    assert answer.status_code == 422 and len(answer.json()["error"]["detail"]) == 3
    assert _allocations(client, tokens, building) == before


def test_import_errors_name_no_temporary_path(setup):
    client, tokens, building, _settings = setup
    answer = _import(client, tokens, building, b"person_id,name\nP1,x\n")
    message = answer.json()["error"]["message"]
    assert answer.status_code == 422 and "missing columns" in message
    assert "/tmp" not in message and "allocations.csv" in message


def test_a_gbk_file_of_ten_thousand_rows_is_read_whole(setup):
    client, tokens, building, _settings = setup
    room = _room(client, tokens, building)
    rows = [f"G{i:05d},张{i},办公室,市,否,局(处)级以下,active,,{room},20{10 + i % 10}-01-01,"
            f"20{10 + i % 10}-06-30" for i in range(10_000)]
    content = (SAMPLE_HEADER + "\n" + "\n".join(rows)).encode("gbk")  # GBK, no BOM
    answer = _import(client, tokens, building, content)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json()["people"] == 10_000 and answer.json()["assignments"] == 10_000


@pytest.mark.parametrize(("limit", "named"), [
    ({"import_timeout_s": 0.05}, "TWIN_IMPORT_TIMEOUT_S"),
    ({"import_memory_mb": 64}, "TWIN_IMPORT_MEMORY_MB")])
def test_an_import_over_its_time_or_memory_limit_is_a_413_and_changes_nothing(setup, limit,
                                                                              named):
    # the file is read in a child process: over a limit, the child ends, the server answers
    client, tokens, building, _settings = setup
    room = _room(client, tokens, building)
    before = _allocations(client, tokens, building)
    content = (SAMPLE_HEADER + "\n" + "\n".join(  # ~4 MB, under the upload limit
        f"L{i},李{i},办公室,市,否,局(处)级以下,active,,{room},2024-01-01,"
        for i in range(45_000))).encode()
    kept = client.app.state.settings
    client.app.state.settings = kept.model_copy(update=limit)
    try:
        answer = _import(client, tokens, building, content)
    finally:
        client.app.state.settings = kept
    assert answer.status_code == 413, answer.text
    assert named in answer.json()["error"]["message"]
    assert _allocations(client, tokens, building) == before
    assert client.get("/health").status_code == 200  # the server answers on


# -- 9: formula injection ----------------------------------------------------------------------

def test_formulas_in_allocation_fields_stay_text_in_xlsx_and_csv_exports(setup):
    from twin.core.cells import safe_row
    from twin.housing.report_console import report_csv
    from twin.housing.service import judge_building

    client, tokens, building, _settings = setup
    room = _room(client, tokens, building)
    formula = "=HYPERLINK(A1)"
    content = (SAMPLE_HEADER + "\n" + f"{formula},X,{formula},市,否,局(处)级以下,active,,{room},"
               "2020-01-01,\n").encode()
    assert _import(client, tokens, building, content).status_code == 200
    answer = client.get(f"/buildings/{building}/rectification.xlsx",
                        headers=bearer(tokens["housing"]))
    assert answer.status_code == 200
    with zipfile.ZipFile(io.BytesIO(answer.content)) as book:
        sheets = [book.read(n).decode() for n in book.namelist()
                  if n.startswith("xl/worksheets/")]
        strings = "".join(book.read(n).decode() for n in book.namelist()
                          if "sharedStrings" in n)
    assert not any("<f>" in sheet or "<f " in sheet for sheet in sheets)
    assert "HYPERLINK" in strings + "".join(sheets)  # there, as text
    with client.app.state.database.session() as session:
        from twin.portfolio import service as portfolio

        judged = judge_building(session, portfolio.get_building(session, building, None),
                                client.app.state.graphs, rules=None,
                                day=datetime.date.today())
    lines = report_csv(judged.report).splitlines()
    assert not any(cell.startswith("=") for line in lines for cell in line.split(","))
    assert any("'=HYPERLINK" in line for line in lines)
    assert safe_row(["=1+2", "-3.5", "+x", "@SUM(A1)", "R101"]) == \
        ["'=1+2", "-3.5", "'+x", "'@SUM(A1)", "R101"]


# -- 15: a file cut mid-entity with the end marker appended ---------------------------------

def test_a_file_cut_mid_entity_with_the_end_marker_appended_is_refused(tmp_path):
    from conftest import SHARED_IFC

    from bim_models import ModelError, open_ifc

    whole = (SHARED_IFC / "duplex.ifc").read_bytes()
    cut = tmp_path / "cut.ifc"
    cut.write_bytes(whole[:len(whole) // 2] + b"\nENDSEC;\nEND-ISO-10303-21;\n")
    with pytest.raises(ModelError, match="truncated IFC file"):
        open_ifc(cut)


_cells = st.one_of(st.text(max_size=12), st.sampled_from(
    ["=1+2", "@SUM(A1)", "+x", "-", "是", "否", "active", "2024-02-30", "GF-002", "", "\x00"]))


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(st.lists(_cells, min_size=11, max_size=13), max_size=25),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
def test_hostile_allocation_files_are_read_or_refused_cleanly(tmp_path_factory, rows, encoding):
    import csv

    from spaces.allocations import AllocationImportError, read_allocations

    path = tmp_path_factory.mktemp("alloc") / "allocations.csv"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SAMPLE_HEADER.split(","))
    writer.writerows(rows)
    try:
        path.write_bytes(out.getvalue().encode(encoding))
    except UnicodeEncodeError:
        return  # text GBK cannot hold
    try:
        result = read_allocations(path, rooms={"GF-002": "0" * 22})
    except AllocationImportError as error:
        assert str(path.parent) not in str(error)  # the file's name, never its folder
        return
    refused = {problem.row for problem in result.problems}
    for number, row in enumerate(rows, start=2):  # each row is taken or refused, with a reason
        assert number in refused or row[0].strip() in result.people, (number, row)
