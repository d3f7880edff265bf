"""公物仓 through the API on the demo: the contract (register, search, reservations), the loan
workflow with its two-level chain, refusals (overlap, a transition the table forbids, approving
one's own request, returning what one does not hold, an unknown room), an overdue reminder on
the event bus, a transfer between units, a count with a missing item, imports, labels and the
demo pool's figures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from http_helpers import auth, sign_in_all

from twin.assets.jobs import run_overdue_check

DAY = date.today() + timedelta(days=60)


@pytest.fixture(scope="module")
def setup(demo_client, demo_copy):
    tokens = sign_in_all(demo_client)
    return demo_client, tokens, demo_copy[1].building_id


def _new(client, tokens, building, **extra):
    body = {"name": "测试投影仪", "asset_class": "av", "building": building, "room": "GF-021",
            "value": 4200, "owner_unit": "U02"} | extra
    answer = client.post("/assets", json=body, headers=auth(tokens, "pool"))
    assert answer.status_code == 201, answer.text
    return answer.json()


def _post(client, tokens, user, url, body=None):
    return client.post(url, json=body, headers=auth(tokens, user))


def test_register_search_and_refusals(setup):
    client, tokens, building = setup
    created = _new(client, tokens, building, name="演示 Contract 扫描仪", asset_class="it")
    assert created["id"] and created["room"] == "GF-021" and created["state"] == "available"
    assert created["space_global_id"] and created["code"] == f"GWC-{created['id']:06d}"
    by_gid = _new(client, tokens, building, room=created["space_global_id"])
    assert by_gid["room"] == "GF-021"
    found = client.get("/assets", params={"q": "Contract"}, headers=auth(tokens, "staff"))
    assert found.status_code == 200 and [a["id"] for a in found.json()["items"]] == [
        created["id"]]
    by_code = client.get("/assets", params={"q": created["code"]}, headers=auth(tokens, "staff"))
    assert by_code.json()["total"] == 1
    page = client.get("/assets", params={"size": 10, "page": 2}, headers=auth(tokens, "staff"))
    assert page.json()["total"] > 450 and len(page.json()["items"]) == 10
    unknown = _post(client, tokens, "pool", "/assets",
                    {"name": "x", "asset_class": "av", "building": building, "room": "9Z-999",
                     "value": 1, "owner_unit": "U02"})
    assert unknown.status_code == 422 and "no room '9Z-999'" in unknown.json()["error"]["message"]
    assert _post(client, tokens, "staff", "/assets", {
        "name": "x", "asset_class": "av", "building": building, "value": 1,
        "owner_unit": "U02"}).status_code == 403
    bad_class = _post(client, tokens, "pool", "/assets", {
        "name": "x", "asset_class": "boat", "building": building, "owner_unit": "U02"})
    assert bad_class.status_code == 422 and "asset_class" in bad_class.json()["error"]["message"]


def test_overlapping_reservation_is_refused_naming_the_clash(setup):
    client, tokens, building = setup
    asset = _new(client, tokens, building)
    first = _post(client, tokens, "staff", f"/assets/{asset['id']}/reservations",
                  {"start": str(DAY), "end": str(DAY + timedelta(days=4)), "unit": "U01"})
    assert first.status_code == 201 and first.json()["steps"] == ["unit_approver", "pool_admin"]
    clash = _post(client, tokens, "pool", f"/assets/{asset['id']}/reservations",
                  {"start": str(DAY + timedelta(days=4)), "end": str(DAY + timedelta(days=6)),
                   "unit": "U05"})
    assert clash.status_code == 409
    error = clash.json()["error"]
    assert f"request {first.json()['id']} (unit U01)" in error["message"]
    assert error["detail"]["start"] == str(DAY)
    after = _post(client, tokens, "pool", f"/assets/{asset['id']}/reservations",
                  {"start": str(DAY + timedelta(days=5)), "end": str(DAY + timedelta(days=6)),
                   "unit": "U05"})
    assert after.status_code == 201
    free = client.get(f"/assets/{asset['id']}/availability", headers=auth(tokens, "staff"),
                      params={"start": str(DAY + timedelta(days=2)), "end": str(DAY)})
    assert free.status_code == 200
    busy = client.get(f"/assets/{asset['id']}/availability", headers=auth(tokens, "staff"),
                      params={"start": str(DAY), "end": str(DAY + timedelta(days=1))}).json()
    assert busy["free"] is False and busy["clash"]["unit"] == "U01"
    not_member = _post(client, tokens, "staff", f"/assets/{asset['id']}/reservations",
                       {"start": "2030-01-01", "end": "2030-01-02", "unit": "U07"})
    assert not_member.status_code == 403 and "not a member of unit U07" in not_member.text


def test_lot_reservations_count_quantities(setup):
    client, tokens, building = setup
    lot = _new(client, tokens, building, name="折叠椅 test", asset_class="furniture",
               kind="lot", quantity=50)
    body = {"start": str(DAY), "end": str(DAY + timedelta(days=2)), "unit": "U01"}
    assert _post(client, tokens, "staff", f"/assets/{lot['id']}/reservations",
                 body | {"quantity": 30}).status_code == 201
    refused = _post(client, tokens, "staff", f"/assets/{lot['id']}/reservations",
                    body | {"quantity": 21})
    assert refused.status_code == 409 and "20 of 50 free" in refused.json()["error"]["message"]


def test_loan_request_two_approvals_hand_over_return_and_inspection(setup):
    client, tokens, building = setup
    asset = _new(client, tokens, building, name="借用测试笔记本", asset_class="it")
    start, end = date.today(), date.today() + timedelta(days=10)
    request = _post(client, tokens, "staff", f"/assets/{asset['id']}/reservations",
                    {"start": str(start), "end": str(end), "unit": "U01"}).json()
    rid = request["id"]
    own = _post(client, tokens, "staff", f"/assets/requests/{rid}/approve")
    assert own.status_code == 403 and "their own request" in own.json()["error"]["message"]
    early = _post(client, tokens, "pool", f"/assets/requests/{rid}/approve")
    assert early.status_code == 403 and "unit_approver" in early.json()["error"]["message"]
    inbox = client.get("/assets/requests", params={"inbox": True},
                       headers=auth(tokens, "manager")).json()
    assert rid in [r["id"] for r in inbox]
    step1 = _post(client, tokens, "manager", f"/assets/requests/{rid}/approve", {"note": "同意"})
    assert step1.status_code == 200 and step1.json()["next_step"] == "pool_admin"
    assert step1.json()["state"] == "pending"
    early_handover = _post(client, tokens, "pool", f"/assets/requests/{rid}/pool/hand-over")
    assert early_handover.status_code == 409
    step2 = _post(client, tokens, "pool", f"/assets/requests/{rid}/approve")
    assert step2.json()["state"] == "approved"
    assert client.get(f"/assets/{asset['id']}", headers=auth(tokens, "staff")).json()[
        "state"] == "reserved"
    handed = _post(client, tokens, "pool", f"/assets/requests/{rid}/pool/hand-over")
    assert handed.json()["state"] == "handed_over"
    assert _post(client, tokens, "manager",
                 f"/assets/requests/{rid}/confirm").status_code == 403
    confirmed = _post(client, tokens, "staff", f"/assets/requests/{rid}/confirm")
    assert confirmed.json()["state"] == "on_loan"
    held = client.get(f"/assets/{asset['id']}", headers=auth(tokens, "staff")).json()
    assert held["state"] == "on_loan" and held["holder"] == "staff"
    not_mine = _post(client, tokens, "manager", f"/assets/{asset['id']}/return")
    assert not_mine.status_code == 403
    assert "manager does not hold" in not_mine.json()["error"]["message"]
    returned = _post(client, tokens, "staff", f"/assets/{asset['id']}/return", {"note": "完好"})
    assert returned.json()["state"] == "returned"
    inspected = _post(client, tokens, "pool", f"/assets/{asset['id']}/inspect",
                      {"outcome": "available", "note": "验收合格"})
    assert inspected.json()["state"] == "available"
    history = client.get(f"/assets/{asset['id']}/history", headers=auth(tokens, "staff")).json()
    assert [(h["to_state"], h["actor"]) for h in history] == [
        ("available", "pool"), ("reserved", "pool"), ("on_loan", "staff"),
        ("returned", "staff"), ("available", "pool")]
    assert history[-1]["reason"] == "验收合格" and history[1]["request_id"] == rid
    mine = client.get("/assets/requests", params={"mine": True},
                      headers=auth(tokens, "staff")).json()
    assert next(r for r in mine if r["id"] == rid)["state"] == "completed"


def test_a_transition_the_table_forbids_is_refused(setup):
    client, tokens, building = setup
    asset = _new(client, tokens, building)
    refused = _post(client, tokens, "pool", f"/assets/{asset['id']}/transition",
                    {"state": "returned", "reason": "test"})
    assert refused.status_code == 409
    assert refused.json()["error"]["detail"]["allowed"] == [
        "reserved", "on_loan", "repair", "transferred", "disposed"]
    ok = _post(client, tokens, "pool", f"/assets/{asset['id']}/transition",
               {"state": "repair", "reason": "镜头划伤"})
    assert ok.json()["state"] == "repair"
    before = client.get(f"/assets/{asset['id']}/history", headers=auth(tokens, "pool")).json()
    assert _post(client, tokens, "pool", f"/assets/{asset['id']}/inspect",
                 {"outcome": "available"}).status_code == 409
    after = client.get(f"/assets/{asset['id']}/history", headers=auth(tokens, "pool")).json()
    assert before == after  # a refused request stores nothing


def test_an_overdue_loan_sends_a_reminder_on_the_bus(setup):
    client, tokens, building = setup
    asset = _new(client, tokens, building, name="逾期测试话筒")
    start = date.today() - timedelta(days=3)
    rid = _post(client, tokens, "staff", f"/assets/{asset['id']}/reservations",
                {"start": str(start), "end": str(date.today()), "unit": "U01"}).json()["id"]
    for user, url in (("manager", "approve"), ("pool", "approve"), ("pool", "pool/hand-over"),
                      ("staff", "confirm")):
        assert _post(client, tokens, user, f"/assets/requests/{rid}/{url}").status_code == 200
    seen = []
    bus = client.app.state.ingestor.bus
    unsubscribe = bus.subscribe(seen.append)
    try:
        run_overdue_check(client.app.state.database, bus, date.today() + timedelta(days=2))
        run_overdue_check(client.app.state.database, bus, date.today() + timedelta(days=2))
    finally:
        unsubscribe()
    mine = [e.to_json() for e in seen if getattr(e, "type", "") == "asset_reminder"
            and e.request_id == rid]
    assert len(mine) == 1  # each level once
    assert mine[0]["level"] == "overdue" and mine[0]["borrower"] == "staff"
    assert mine[0]["building"] == building and mine[0]["code"] == asset["code"]
    assert client.get(f"/assets/{asset['id']}", headers=auth(tokens, "staff")).json()[
        "state"] == "overdue"
    renewed = _post(client, tokens, "staff", f"/assets/requests/{rid}/renew")
    assert renewed.json()["end"] == str(date.today() + timedelta(days=7))  # av: 7 more days
    again = _post(client, tokens, "staff", f"/assets/requests/{rid}/renew")
    assert again.status_code == 422 and "renewed 1 times" in again.json()["error"]["message"]


def test_transfer_between_units(setup):
    client, tokens, building = setup
    asset = _new(client, tokens, building, name="调剂测试文件柜", asset_class="furniture",
                 owner_unit="U05")
    rid = _post(client, tokens, "staff", f"/assets/{asset['id']}/requests",
                {"kind": "transfer", "unit": "U01", "reason": "新设科室"}).json()["id"]
    _post(client, tokens, "manager", f"/assets/requests/{rid}/approve")
    _post(client, tokens, "pool", f"/assets/requests/{rid}/approve")
    done = _post(client, tokens, "pool", f"/assets/requests/{rid}/pool/complete")
    assert done.status_code == 200 and done.json()["state"] == "completed"
    moved = client.get(f"/assets/{asset['id']}", headers=auth(tokens, "staff")).json()
    assert moved["state"] == "transferred" and moved["owner_unit"] == "U01"
    assert moved["holder_unit"] == "U01"


def test_a_count_lists_the_missing_item(setup):
    client, tokens, building = setup
    items = [_new(client, tokens, building, name=f"盘点测试 {n}", room="3F-021") for n in range(3)]
    audit = _post(client, tokens, "pool", "/assets/audits",
                  {"name": "三楼储藏室盘点", "building": building, "room": "3F-021"})
    assert audit.status_code == 201 and audit.json()["expected"] == 3
    aid = audit.json()["id"]
    for item in items[:2]:
        scanned = _post(client, tokens, "pool", f"/assets/audits/{aid}/scans",
                        {"code": item["code"], "room": "3F-021"})
        assert scanned.json()["status"] == "ok"
    bad = _post(client, tokens, "pool", f"/assets/audits/{aid}/scans", {"code": "hello"})
    assert bad.status_code == 422
    result = client.get(f"/assets/audits/{aid}", headers=auth(tokens, "staff")).json()
    assert result["scanned"] == 2
    assert [(d["kind"], d["asset"]) for d in result["discrepancies"]] == [
        ("missing", items[2]["id"])]


def test_import_keeps_the_good_rows_and_names_the_bad(setup):
    client, tokens, building = setup
    csv = ("name,asset_class,owner_unit,room,value,model\n"
           "导入桌,furniture,U03,GF-021,900,DK\n"
           "导入椅,furniture,U03,ZZ-404,300,CH\n"
           "导入柜,furniture,U03,,500,FC\n").encode("utf-8-sig")
    answer = client.post("/assets/import", files={"file": ("a.csv", csv, "text/csv")},
                         data={"building": str(building)}, headers=auth(tokens, "pool"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["created"] == 2 and body["problems"] == [
        {"row": 3, "message": "unknown room 'ZZ-404'"}]
    got = client.get(f"/assets/{body['ids'][0]}", headers=auth(tokens, "staff")).json()
    assert got["name"] == "导入桌" and got["room"] == "GF-021"


def test_demo_pool_figures_labels_and_vocabularies(setup):
    client, tokens, _building = setup
    figures = client.get("/assets/insight", params={"idle_days": 90},
                         headers=auth(tokens, "manager")).json()
    assert figures["total"] >= 480 and figures["states"]["overdue"] >= 4
    assert figures["idle_total"] > 50 and figures["idle"][0]["count"] >= figures["idle"][-1][
        "count"]
    assert figures["lead_time"]["count"] > 100 and figures["lead_time"]["median_days"] < 1.5
    assert 0 < figures["utilisation"] < 1
    units = client.get("/assets/units", headers=auth(tokens, "staff")).json()
    assert len(units) == 31 and {"username": "manager", "role": "approver"} in next(
        u for u in units if u["code"] == "U01")["members"]
    pdf = client.get("/assets/labels.pdf", params={"ids": "1,2,3"}, headers=auth(tokens, "pool"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    vocab = client.get("/vocabularies", headers=auth(tokens, "viewer")).json()
    assert [c["label_zh"] for c in vocab["asset_states"]][:4] == [
        "入库待验", "在仓可借", "预约锁定", "借出"]
    assert vocab["asset_transitions"]["returned"] == ["available", "repair", "transferred",
                                                      "disposed"]
    assert client.get("/assets", headers=auth(tokens, "viewer")).status_code == 403


def test_hand_in_then_disposal_with_their_chains(setup):
    client, tokens, building = setup
    held = _new(client, tokens, building, name="上缴测试柜", asset_class="furniture",
                owner_unit="U01", state="transferred", value=60000)
    rid = _post(client, tokens, "staff", f"/assets/{held['id']}/requests",
                {"kind": "hand_in", "unit": "U01", "reason": "闲置"}).json()["id"]
    for user in ("manager", "pool"):
        assert _post(client, tokens, user, f"/assets/requests/{rid}/approve").status_code == 200
    accepted = _post(client, tokens, "pool", f"/assets/requests/{rid}/pool/complete")
    assert accepted.json()["state"] == "completed"
    got = client.get(f"/assets/{held['id']}", headers=auth(tokens, "pool")).json()
    assert got["state"] == "intake" and got["holder_unit"] is None
    _post(client, tokens, "pool", f"/assets/{held['id']}/inspect", {"outcome": "available"})
    disposal = _post(client, tokens, "staff", f"/assets/{held['id']}/requests",
                     {"kind": "disposal", "unit": "U01"}).json()
    assert disposal["steps"] == ["unit_approver", "pool_admin", "admin"]  # ≥ ¥50,000
    for user in ("manager", "pool", "admin"):
        signed = _post(client, tokens, user, f"/assets/requests/{disposal['id']}/approve")
        assert signed.status_code == 200, signed.text
    _post(client, tokens, "pool", f"/assets/requests/{disposal['id']}/pool/complete")
    gone = client.get(f"/assets/{held['id']}", headers=auth(tokens, "pool")).json()
    assert gone["state"] == "disposed"
    again = _post(client, tokens, "staff", f"/assets/{held['id']}/reservations",
                  {"start": str(DAY), "end": str(DAY), "unit": "U01"})
    assert again.status_code == 422 and "not lendable" in again.json()["error"]["message"]


def test_cli_search_insight_and_a_bad_code(setup, demo_copy, monkeypatch):
    from typer.testing import CliRunner

    from twin.cli.app import app as cli_app

    settings, _state = demo_copy
    monkeypatch.setenv("TWIN_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("TWIN_DATABASE_URL", raising=False)
    runner = CliRunner()
    found = runner.invoke(cli_app, ["assets", "search", "电动巡逻车", "--json"])
    assert found.exit_code == 0, found.output
    assert '"total": 3' in found.output
    figures = runner.invoke(cli_app, ["assets", "insight", "--idle-days", "90"])
    assert figures.exit_code == 0 and "request → hand-over: median" in figures.output
    bad = runner.invoke(cli_app, ["assets", "show", "nope"])
    assert bad.exit_code == 2 and "'nope' is not an asset id or code" in bad.output


def test_xlsx_import_and_an_unreadable_file(setup, tmp_path):
    from openpyxl import Workbook

    client, tokens, building = setup
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "asset_class", "owner_unit", "room", "value", "kind", "quantity"])
    sheet.append(["表格导入折叠椅", "furniture", "U02", "GF-021", 120, "lot", 30])
    book.save(tmp_path / "a.xlsx")
    answer = client.post("/assets/import", data={"building": str(building)},
                         files={"file": ("a.xlsx", (tmp_path / "a.xlsx").read_bytes())},
                         headers=auth(tokens, "pool"))
    assert answer.status_code == 200 and answer.json()["created"] == 1, answer.text
    lot = client.get(f"/assets/{answer.json()['ids'][0]}", headers=auth(tokens, "pool")).json()
    assert lot["kind"] == "lot" and lot["quantity"] == 30
    broken = client.post("/assets/import", data={"building": str(building)},
                         files={"file": ("b.xlsx", b"not a workbook")},
                         headers=auth(tokens, "pool"))
    assert broken.status_code == 422 and "cannot be read as XLSX" in broken.text
