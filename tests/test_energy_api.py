"""数字节能 on the demo: the sample's meter tree and year of hourly history, the summary,
tree, indicators, baselines, anomalies (as alarms) and the yearly report over HTTP; bad
input refused with nothing stored."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from http_helpers import bearer, sign_in

BASE = "/buildings/{b}/energy"


@pytest.fixture(scope="module")
def api(demo_client, demo_copy):
    _settings, state = demo_copy
    tokens = {user: sign_in(demo_client, user) for user in ("admin", "manager", "viewer",
                                                             "maintenance")}
    return demo_client, state.building_id, tokens


def _get(api, path: str, user: str = "manager", **params):
    client, building, tokens = api
    response = client.get(BASE.format(b=building) + path, params=params,
                          headers=bearer(tokens[user]))
    return response


def _ok(api, path: str, user: str = "manager", **params):
    response = _get(api, path, user, **params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def monthly(api):
    return _ok(api, "/summary", group_by="category", interval="month")


def test_summary_by_category_adds_up_and_states_its_factors(monthly):
    groups = {g["key"]: g for g in monthly["groups"]}
    assert {"a1", "b1", "b2", "c1", "d1", "unassigned"} <= set(groups)
    total = monthly["total"]["amount"]
    assert total > 100_000  # a year of an office building, kWh
    assert sum(g["total"] for g in groups.values()) == pytest.approx(total)
    assert len(monthly["buckets"]) in (12, 13)
    assert sum(monthly["total"]["values"]) == pytest.approx(total, rel=1e-6)
    assert monthly["total"]["kgce"] == pytest.approx(total * 0.1229)
    assert monthly["factors"]["kgce"]["value"] == 0.1229
    assert "GB/T 2589" in monthly["factors"]["kgce"]["source"]
    assert monthly["total"]["per_m2"] == pytest.approx(total / monthly["total"]["area_m2"])
    assert monthly["total"]["energy_cost"] > 0 and monthly["total"]["fixed_cost"] > 0
    # group costs are priced per bucket; together they are the building's energy charges
    assert sum(g["cost"] for g in groups.values()) == pytest.approx(
        monthly["total"]["energy_cost"], rel=0.02)
    # the double-counting socket meter makes the categories exceed the total
    assert groups["unassigned"]["total"] < 0


def test_summary_by_storey_and_meter_and_hour(api, monthly):
    storeys = _ok(api, "/summary", group_by="storey", interval="day")
    assert len(storeys["buckets"]) == 365
    assert len([g for g in storeys["groups"] if g["key"] != "unassigned"]) >= 7
    assert all(g["per_m2"] for g in storeys["groups"] if g["key"] != "unassigned")
    assert storeys["total"]["amount"] == pytest.approx(monthly["total"]["amount"])
    end = dt.date.fromisoformat(storeys["end"])
    hourly = _ok(api, "/summary", group_by="meter", interval="hour",
                 start=str(end - dt.timedelta(days=7)), end=str(end))
    assert len(hourly["buckets"]) == 7 * 24
    main = next(g for g in hourly["groups"] if g["key"] == "EN-MAIN")
    assert max(main["values"]) > 3 * min(v for v in main["values"] if v > 0)  # day vs night
    water = _ok(api, "/summary", carrier="water", interval="month")
    assert water["unit"] == "m³" and water["total"]["amount"] > 0


def test_meter_tree_residuals_and_the_double_counting_pair(api):
    nodes = {n["key"]: n for n in _ok(api, "/meters")["nodes"]}
    main = nodes["EN-MAIN"]
    assert main["residual"] == pytest.approx(main["consumption"] - main["children_sum"])
    assert main["residual"] > 0 and not main["double_counting"]
    flagged = sorted(k for k, n in nodes.items() if n["double_counting"])
    assert flagged == ["EN-4F-BOARD"]
    assert nodes["EN-4F-BOARD"]["ratio"] > 1.5
    assert nodes["EN-2F-BOARD"]["residual"] == pytest.approx(0.0, abs=1e-3)
    assert nodes["EN-2F-LS"]["depth"] == 2 and nodes["EN-2F-LS"]["category"] == "a1"


def test_indicators_judge_the_year_against_the_quota_tables(api, monthly):
    year = dt.date.fromisoformat(monthly["end"]).year - (
        dt.date.fromisoformat(monthly["end"]).month < 7)
    data = _ok(api, "/indicators", year=year)
    assert data["area_m2"] > 1000 and data["people"] > 50
    assert {c["carrier"] for c in data["carriers"]} == {"electricity", "water"}
    verdicts = {q["indicator"]: q for q in data["quotas"]}
    assert {"electricity_per_m2", "kgce_per_m2", "kgce_per_person",
            "water_per_person"} <= set(verdicts)
    for q in verdicts.values():
        assert q["verdict"] in ("guide", "benchmark", "constraint", "over")
        assert q["source"] and q["verified"] is False  # the shipped tables are examples
    electricity = next(c for c in data["carriers"] if c["carrier"] == "electricity")
    assert data["indicators"]["electricity_per_m2"] == pytest.approx(
        electricity["amount"] / data["area_m2"])


def test_the_main_meter_baseline_reports_its_accuracy(api):
    data = _ok(api, "/baselines")
    assert data["meter"] == "EN-MAIN"
    daily = data["daily"]
    assert daily["form"] in ("heating", "cooling", "heating_cooling")
    assert daily["coefficients"]["intercept"] > 0
    assert daily["verdict"] == "meets" and daily["cv_rmse"] < 0.15 and abs(daily["nmbe"]) < 0.05
    assert daily["sufficiency"]["sufficient"]
    assert data["hourly"]["verdict"] == "meets" and data["hourly"]["cv_rmse"] < 0.30
    assert len(data["cusum"]) == len(data["days"]) == len(data["predicted"])
    assert data["avoided"]["actual"] > 0


def test_anomalies_find_the_planted_faults_and_raise_alarms(api):
    client, building, tokens = api
    found = _ok(api, "/anomalies")
    mine = sorted({(f["rule"], f["meter"]) for f in found if f["meter"].startswith("EN-")})
    assert mine == [("base_load_ratio", "EN-3F-LS"), ("double_counting", "EN-4F-BOARD")]
    url = BASE.format(b=building) + "/anomalies/check"
    assert client.post(url, headers=bearer(tokens["manager"])).status_code == 403
    checked = client.post(url, headers=bearer(tokens["admin"]))
    assert checked.status_code == 200, checked.text
    assert len(checked.json()["alarms"]) == 2
    alarms = client.get(f"/buildings/{building}/alarms",
                        headers=bearer(tokens["maintenance"])).json()
    energy = sorted((a["rule"], a["source"]) for a in alarms if a["rule"].startswith("energy."))
    assert energy == [("energy.base_load_ratio", "EN-3F-LS"),
                      ("energy.double_counting", "EN-4F-BOARD")]


def test_the_yearly_report_downloads(api):
    from openpyxl import load_workbook

    xlsx = _get(api, "/report", format="xlsx")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert "公共机构能源资源消费统计表" in sheet["A1"].value
    texts = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert {"电", "水", "合计 Total"} <= texts
    pdf = _get(api, "/report", format="pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_energy_needs_its_capability_and_checks_its_input(api):
    assert _get(api, "/summary", user="viewer").status_code == 403
    assert _get(api, "/summary", group_by="floor").status_code == 422
    bad = _get(api, "/summary", start="2026-05-01", end="2026-04-01")
    assert bad.status_code == 422 and "must be after the start" in bad.json()["error"]["message"]
    assert _get(api, "/summary", interval="hour").status_code == 422  # a year of hours


@pytest.mark.parametrize(("device", "message"), [
    ({"key": "T-CAT", "kind": "energy", "category": "z9"}, "unknown category 'z9'"),
    ({"key": "T-PARENT", "kind": "energy", "parent": "NO-SUCH-METER"},
     "parent 'NO-SUCH-METER' is not a meter of this building"),
    ({"key": "T-TEMP", "kind": "temperature", "category": "a1"}, "only meters"),
])
def test_a_bad_meter_is_refused_and_nothing_is_stored(api, device, message):
    client, building, tokens = api
    before = client.get(f"/buildings/{building}/devices", headers=bearer(tokens["admin"]))
    response = client.post(f"/buildings/{building}/devices",
                           json=[{"key": "T-OK", "kind": "energy", "parent": "EN-MAIN"},
                                 device], headers=bearer(tokens["admin"]))
    assert response.status_code == 422 and message in response.json()["error"]["message"]
    after = client.get(f"/buildings/{building}/devices", headers=bearer(tokens["admin"]))
    assert len(after.json()) == len(before.json())


def test_a_cycle_is_refused_and_a_good_meter_and_virtual_meter_are_kept(api):
    client, building, tokens = api
    admin = bearer(tokens["admin"])
    devices = f"/buildings/{building}/devices"
    made = client.post(devices, json=[{"key": "T-A", "kind": "energy", "parent": "EN-MAIN",
                                       "category": "d6"}], headers=admin)
    assert made.status_code == 201 and made.json()[0]["category"] == "d6"
    cycle = client.post(devices + "?replace=true",
                        json=[{"key": "EN-MAIN", "kind": "energy", "parent": "T-A"}],
                        headers=admin)
    assert cycle.status_code == 422
    assert "cycle" in cycle.json()["error"]["message"]
    virtual = BASE.format(b=building) + "/meters/virtual"
    wrong = client.post(virtual, json={"key": "V-1", "terms": "EN-2F-LS + NOPE"},
                        headers=admin)
    assert wrong.status_code == 422 and "NOPE" in wrong.json()["error"]["message"]
    good = client.post(virtual, json={"key": "V-LIGHT", "terms": "EN-2F-LS + EN-GF-LS",
                                      "category": "a1"}, headers=admin)
    assert good.status_code == 201, good.text
    nodes = {n["key"]: n for n in _ok(api, "/meters")["nodes"]}
    assert nodes["V-LIGHT"]["virtual"] and nodes["V-LIGHT"]["consumption"] == pytest.approx(
        nodes["EN-2F-LS"]["consumption"] + nodes["EN-GF-LS"]["consumption"])


def test_the_cli_prints_a_summary_and_writes_the_report(demo_copy, tmp_path):
    import os
    import subprocess
    import sys

    settings, state = demo_copy
    twin = [sys.executable, "-m", "twin.cli"]
    env = dict(os.environ, TWIN_DATA_DIR=str(settings.data_dir))
    env.pop("TWIN_DATABASE_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*twin, "energy", *args], capture_output=True, text=True,
                              env=env, timeout=300, check=False)

    shown = run("summary", str(state.building_id), "--group-by", "system")
    assert shown.returncode == 0, shown.stderr
    assert "空调用电" in shown.stdout and "合计 Total" in shown.stdout and "0.1229" in shown.stdout
    out = tmp_path / "report.xlsx"
    written = run("report", str(state.building_id), "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert out.stat().st_size > 1000
    bad = run("summary", str(state.building_id), "--interval", "week")
    assert bad.returncode == 2 and "interval must be one of hour, day, month" in bad.stderr
    assert "Traceback" not in bad.stderr
