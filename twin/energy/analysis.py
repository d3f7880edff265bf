"""数字节能 analyses on stored data: the yearly indicators with quota verdicts, the baselines
of a meter on outdoor temperature, and the anomaly rules (raised as alarms through the
maintenance alarm lifecycle)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from energy import anomalies as rules
from energy.baselines import avoided_energy, cusum, fit_daily, fit_hourly
from energy.errors import BaselineError
from energy.meters import meter_tree, roots
from energy.reference import judge
from maintenance.rule_engine import RuleEvent
from twin.core.errors import InvalidInputError
from twin.core.tables import Building
from twin.energy.service import (
    MeterSet,
    Period,
    areas_of,
    consumption,
    day_of,
    get_meter,
    meter_set,
    people_of,
    seconds_of,
    series_of,
    summary,
)
from twin.iot.tables import DeviceRow

__all__ = ["anomalies", "baselines", "indicators", "rule_events"]


def indicators(session: Session, building: Building, *, year: int, zone: str) -> dict:
    """The building's year: per carrier its use, per m² and per person, cost, kgce and CO2;
    electricity by category and storey; the quota verdicts."""
    if not 2000 <= year <= 2100:
        raise InvalidInputError(f"year {year} is out of range")
    period = Period(seconds_of(dt.date(year, 1, 1)), seconds_of(dt.date(year + 1, 1, 1)))
    area, _storeys = areas_of(session, building)
    people = people_of(session, building, dt.date(year, 7, 1)) or \
        people_of(session, building, dt.date.today())
    meters = meter_set(session, building)
    carriers, kgce_total, co2_total = [], 0.0, 0.0
    for carrier in sorted({m.carrier for m in meters.meters}):
        result = summary(session, building, period=period, group_by="category",
                         interval="month", carrier=carrier)
        total = result["total"]
        kgce_total += total["kgce"] or 0.0
        co2_total += total["co2_kg"] or 0.0
        carriers.append({"carrier": carrier, "unit": result["unit"], "amount": total["amount"],
                         "per_m2": total["per_m2"],
                         "per_person": total["amount"] / people if people else None,
                         "cost": total["total_cost"], "kgce": total["kgce"],
                         "co2_kg": total["co2_kg"], "factors": result["factors"],
                         "months": result["buckets"], "monthly": total["values"],
                         "by_category": [{k: g[k] for k in ("key", "label", "total", "cost")}
                                         for g in result["groups"]]})
    values = {"kgce_per_m2": kgce_total / area if area else None,
              "kgce_per_person": kgce_total / people if people else None}
    for item in carriers:
        if item["carrier"] == "electricity":
            values["electricity_per_m2"] = item["per_m2"]
        if item["carrier"] == "water":
            values["water_per_person"] = item["per_person"]
    verdicts = []
    for indicator, value in values.items():
        verdict = judge(indicator, value, zone=zone) if value is not None else None
        if verdict is not None:
            verdicts.append({k: getattr(verdict, k) for k in verdict.__slots__})
    by_storey = summary(session, building, period=period, group_by="storey", interval="month")
    return {"building_id": building.id, "year": year, "zone": zone, "area_m2": area,
            "people": people, "carriers": carriers, "kgce": kgce_total, "co2_kg": co2_total,
            "indicators": values, "quotas": verdicts,
            "by_storey": [{k: g[k] for k in ("key", "label", "total", "per_m2", "area_m2")}
                          for g in by_storey["groups"]]}


def _outdoor(session: Session, building: Building, period: Period, resolution: int
             ) -> np.ndarray:
    pk = session.scalar(select(DeviceRow.id).where(DeviceRow.building_id == building.id,
                                                   DeviceRow.kind == "outdoor_temperature")
                        .order_by(DeviceRow.key).limit(1))
    buckets = np.arange(period.start_s, period.end_s, resolution, dtype=np.int64)
    out = np.full(len(buckets), np.nan)
    if pk is None:
        return out
    rows = session.connection().execute(text(
        "SELECT bucket, sum, count FROM rollups WHERE device_id = :d AND resolution = :r "
        "AND bucket >= :a AND bucket < :b"),
        {"d": pk, "r": resolution, "a": period.start_s, "b": period.end_s}).all()
    for bucket, total, count in rows:
        out[(bucket - period.start_s) // resolution] = total / count
    return out


def _main_meter(meters: MeterSet, key: str | None) -> str:
    if key is not None:
        return get_meter(meters, key).key
    top = roots(meters.of_carrier("electricity"))
    with_children = [m for m in top if any(x.parent == m.key for x in meters.meters)]
    if not (with_children or top):
        raise InvalidInputError("the building has no electricity meter")
    return (with_children or top)[0].key


def baselines(session: Session, building: Building, *, period: Period,
              reporting_from: dt.date | None, meter: str | None) -> dict:
    """The daily change-point and hourly time-of-week-and-temperature baselines of a meter
    (default: the main meter) fitted before ``reporting_from`` (default: the last 60 days
    report), the prediction after it, avoided energy and CUSUM per day."""
    meters = meter_set(session, building)
    key = _main_meter(meters, meter)
    carrier = get_meter(meters, key).carrier
    split = seconds_of(reporting_from) if reporting_from else period.end_s - 60 * 86400
    if not period.start_s < split < period.end_s:
        raise InvalidInputError("reporting_from must fall inside the period")
    days, series = series_of(session, meters, carrier, period, 86400)
    usage = series[key].copy()
    _d, raw = consumption(session, [meters.pks[key]], period, 86400) if key in meters.pks \
        else (None, np.zeros((1, len(days))))
    usage[np.isnan(raw[0])] = np.nan
    temperature = _outdoor(session, building, period, 86400)
    fit_part = days < split
    out: dict = {"building_id": building.id, "meter": key, "start": day_of(period.start_s),
                 "end": day_of(period.end_s), "reporting_from": day_of(split),
                 "days": [day_of(int(d)) for d in days],
                 "actual": [None if np.isnan(v) else round(float(v), 3) for v in usage],
                 "temperature": [None if np.isnan(v) else round(float(v), 2)
                                 for v in temperature]}
    try:
        daily = fit_daily(days[fit_part], usage[fit_part], temperature[fit_part])
    except BaselineError as error:
        out |= {"daily": None, "error": str(error)}
        return out
    predicted = daily.predict(np.nan_to_num(temperature, nan=float(np.nanmean(temperature))))
    report = ~fit_part & ~np.isnan(usage)
    out |= {"daily": daily.as_dict(),
            "predicted": [round(float(v), 3) for v in predicted],
            "cusum": [round(float(v), 3) for v in
                      cusum(np.where(report, usage, 0.0), np.where(report, predicted, 0.0))],
            "avoided": avoided_energy(usage[report], predicted[report])}
    out["hourly"] = _hourly(session, building, meters, key, carrier, split)
    return out


def _hourly(session: Session, building: Building, meters: MeterSet, key: str, carrier: str,
            split: int) -> dict | None:
    """The hourly model on the 12 weeks before ``split``."""
    period = Period(split - 84 * 86400, split)
    if key in meters.pks:
        hours, matrix = consumption(session, [meters.pks[key]], period, 3600)
        usage = matrix[0]
    else:
        hours, series = series_of(session, meters, carrier, period, 3600)
        usage = series[key]
    temperature = _outdoor(session, building, period, 3600)
    try:
        return fit_hourly(hours, usage, temperature).as_dict()
    except BaselineError as error:
        return {"error": str(error)}


def anomalies(session: Session, building: Building, *, period: Period) -> list[dict]:
    """Every anomaly rule on the building's meters over ``period`` (hourly data, at most the
    last 92 days of it), and double counting from the tree."""
    hourly = Period(max(period.start_s, period.end_s - 92 * 86400), period.end_s)
    meters = meter_set(session, building)
    findings: list[rules.Finding] = []
    for carrier in sorted({m.carrier for m in meters.meters}):
        mine = [m for m in meters.of_carrier(carrier) if not m.virtual]
        hours, matrix = consumption(session, [meters.pks[m.key] for m in mine], hourly, 3600)
        peers: dict[str, dict] = {}
        for i, meter in enumerate(mine):
            kwh = matrix[i]
            if np.isnan(kwh).all():
                continue
            findings += rules.out_of_hours(meter.key, hours, kwh)
            findings += rules.flat_lines(meter.key, hours, kwh)
            findings += rules.base_load_against_baseline(meter.key, hours, kwh)
            present = hours[~np.isnan(kwh)]
            findings += rules.gaps(meter.key, present, start_s=float(present.min()),
                                   end_s=float(present.max()) + 3600)
            if meter.category:
                peers.setdefault(meter.category, {})[meter.key] = (hours, kwh)
        for group in peers.values():
            findings += rules.base_load_against_peers(group)
        findings += _resets(session, meters, mine, hourly)
        totals = {m.key: float(np.nansum(matrix[i])) for i, m in enumerate(mine)}
        for node in meter_tree(meters.of_carrier(carrier), totals):
            if node.double_counting:
                findings.append(rules.Finding(
                    "double_counting", node.meter.key, float(hourly.start_s),
                    float(hourly.end_s), round(node.ratio or 0.0, 4), 1.02, "major",
                    f"{node.meter.key}: its sub-meters ({', '.join(node.children)}) sum to "
                    f"{node.children_sum:.0f}, {node.ratio or 0:.1%} of its "
                    f"{node.consumption:.0f} (over 102 %): double counting or wiring"))
    names = {m.key: m.name for m in meters.meters}
    return [f.as_dict() | {"meter_name": names.get(f.meter),
                           "start": _iso(f.start_s), "end": _iso(f.end_s)} for f in findings]


def _iso(seconds: float) -> str:
    return (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)).isoformat(
        timespec="minutes")


def _resets(session: Session, meters: MeterSet, mine: Sequence, period: Period
            ) -> list[rules.Finding]:
    pks = {meters.pks[m.key]: m.key for m in mine}
    if not pks:
        return []
    rows = session.connection().execute(text(
        "SELECT device_id, first_ts, first, last_ts, last, min FROM rollups WHERE "
        "resolution = 3600 AND bucket >= :a AND bucket < :b AND device_id IN :pks "
        "ORDER BY device_id, bucket").bindparams(bindparam("pks", expanding=True)),
        {"a": period.start_s, "b": period.end_s, "pks": list(pks)}).all()
    out: list[rules.Finding] = []
    by_device: dict[int, list] = {}
    for row in rows:
        by_device.setdefault(row[0], []).append(row)
    for pk, items in by_device.items():
        ts, values = [], []
        for _d, first_ts, first, last_ts, last, low in items:
            ts += [first_ts / 1000, first_ts / 1000, last_ts / 1000]
            values += [first, min(low, first), last]
        out += rules.counter_resets(pks[pk], np.array(ts), np.array(values))
    return out


def rule_events(findings: Sequence[dict], devices: dict) -> list[RuleEvent]:
    """Findings as raised rule events (``energy.<rule>`` on the meter), for the alarm book;
    meters the ingest does not know (virtual ones) are left out."""
    events = []
    for f in findings:
        device = devices.get(f["meter"])
        if device is None:
            continue
        events.append(RuleEvent("raised", f"energy.{f['rule']}", "energy", f["severity"],
                                f["meter"], device.kind.key, f["meter"], device.space,
                                f["end_s"], f["value"], f["message"]))
    return events
