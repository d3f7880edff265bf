"""数字节能 in the running system: meters from the device registry, consumption from the
stored hourly and daily rollups, and the calculations of :mod:`energy` on them.

Consumption is read from the ``rollups`` table (counter buckets), never from raw readings:
a year of a building is 365 day buckets per meter (8,760 hour buckets where hours matter).
Routers and commands call the functions here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from energy.choices import CATEGORIES, CATEGORY_GROUPS, METER_KINDS
from energy.indicators import UNASSIGNED, converted, counter_deltas, group_members
from energy.meters import Meter, check_tree, consumption_of, parse_terms, roots
from energy.reference import sample_tariffs
from energy.tariffs import Tariff, cost_of
from twin.core.accounts import record_audit
from twin.core.errors import InvalidInputError, NotFoundError
from twin.core.tables import Building, ElementRow
from twin.energy.tables import VirtualMeterRow
from twin.iot.tables import DeviceRow
from twin.portfolio.service import latest_revision

__all__ = ["INTERVALS", "MeterSet", "Period", "add_virtual_meter", "areas_of",
           "consumption", "day_of", "fetch_rows", "get_meter", "meter_set", "people_of",
           "period_of",
           "month_buckets", "seconds_of", "series_of", "storey_names", "summary", "tree"]

#: interval -> rollup resolution read (s).
INTERVALS = {"hour": 3600, "day": 86400, "month": 86400}
GROUP_BYS = ("meter", "storey", "system", "category")


@dataclass(frozen=True)
class Period:
    """``[start_s, end_s)`` in Unix seconds, whole days."""

    start_s: int
    end_s: int

    @property
    def label(self) -> str:
        """``YYYY-MM-DD..YYYY-MM-DD`` (end exclusive)."""
        return f"{day_of(self.start_s)}..{day_of(self.end_s)}"


@dataclass
class MeterSet:
    """The meters of a building: records, primary keys and units by serial key."""

    meters: list[Meter]
    pks: dict[str, int]
    units: dict[str, str]

    def of_carrier(self, carrier: str) -> list[Meter]:
        """The meters of one carrier."""
        return [m for m in self.meters if m.carrier == carrier]


def day_of(seconds: int) -> str:
    """The ISO date of Unix seconds ``seconds``."""
    return (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)).date().isoformat()


def seconds_of(day: dt.date) -> int:
    """Unix seconds of the start of ``day``."""
    return (day - dt.date(1970, 1, 1)).days * 86400


def meter_set(session: Session, building: Building) -> MeterSet:
    """The building's meters (devices of a meter kind, and its virtual meters)."""
    d = DeviceRow
    rows = session.execute(select(d.id, d.key, d.kind, d.parent, d.category, d.storey,
                                  d.space, d.name, d.unit).where(
        d.building_id == building.id, d.kind.in_(tuple(METER_KINDS))).order_by(d.key)).all()
    meters = [Meter(r.key, r.kind, r.parent, r.category, r.storey, None, r.space, r.name)
              for r in rows]
    for v in session.scalars(select(VirtualMeterRow).where(
            VirtualMeterRow.building_id == building.id).order_by(VirtualMeterRow.key)):
        meters.append(Meter(v.key, v.kind, v.parent, v.category, None, None, None, v.name,
                            parse_terms(v.terms)))
    return MeterSet(meters, {r.key: r.id for r in rows}, {r.key: r.unit for r in rows})


def add_virtual_meter(session: Session, building: Building, *, key: str, terms: str,
                      kind: str = "energy", parent: str | None = None,
                      category: str | None = None, name: str | None = None, actor: str
                      ) -> VirtualMeterRow:
    """Define a virtual meter; the whole tree is checked first (nothing stored if wrong).

    Raises
    ------
    InvalidInputError
        Bad terms, unknown meters, a cycle, an unknown category, a key in use.
    """
    if kind not in METER_KINDS:
        raise InvalidInputError(f"kind {kind!r} is not a meter kind; known: "
                                f"{', '.join(METER_KINDS)}")
    from energy.errors import MeterTreeError

    current = meter_set(session, building)
    if key in {m.key for m in current.meters}:
        raise InvalidInputError(f"meter {key} exists already")
    try:
        meter = Meter(key, kind, parent or None, category or None, terms=parse_terms(terms))
        check_tree([*current.meters, meter])
    except MeterTreeError as error:
        raise InvalidInputError(str(error)) from None
    row = VirtualMeterRow(building_id=building.id, key=key, kind=kind, terms=terms,
                          parent=parent or None, category=category or None, name=name)
    session.add(row)
    record_audit(session, actor=actor, action="energy.virtual_meter",
                 target=f"building {building.id}", detail={"key": key, "terms": terms})
    session.flush()
    return row


def period_of(session: Session, meters: MeterSet, start: dt.date | None,
              end: dt.date | None) -> Period:
    """The period asked for; by default the 365 days up to the last stored day.

    Raises
    ------
    InvalidInputError
        ``end`` not after ``start``, or more than three years.
    """
    if end is None:
        last = None
        if meters.pks:
            last = session.execute(text(
                "SELECT max(bucket) FROM rollups WHERE resolution = 86400 AND device_id IN "
                ":pks").bindparams(bindparam("pks", expanding=True)),
                {"pks": list(meters.pks.values())}).scalar()
        end_s = (int(last) + 86400) if last is not None else \
            seconds_of(dt.datetime.now(dt.UTC).date()) + 86400
    else:
        end_s = seconds_of(end)
    start_s = seconds_of(start) if start is not None else end_s - 365 * 86400
    if end_s <= start_s:
        raise InvalidInputError(f"the end ({day_of(end_s)}) must be after the start "
                                f"({day_of(start_s)})")
    if end_s - start_s > 3 * 366 * 86400:
        raise InvalidInputError("a period may span at most three years")
    return Period(start_s, end_s)


def fetch_rows(session: Session, sql: str, params: Sequence) -> list[tuple]:
    """Rows of ``sql`` (``?`` placeholders) as plain tuples, straight from the driver's
    cursor: bulk reads of rollups skip the ORM's row objects, which would cost more than the
    query."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        sql = sql.replace("?", "%s")
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return cursor.fetchall()
    finally:
        cursor.close()


def month_buckets(period: Period) -> tuple[np.ndarray, np.ndarray]:
    """The months of ``period``: their starts (the first clipped to the period's start), and
    the edges to read: the day before the period, then the last day of each month."""
    first = np.datetime64(period.start_s, "s").astype("datetime64[M]")
    last = np.datetime64(period.end_s - 1, "s").astype("datetime64[M]")
    months = np.arange(first, last + 1)
    starts = np.maximum(months.astype("datetime64[s]").astype(np.int64), period.start_s)
    ends = np.minimum((months + 1).astype("datetime64[s]").astype(np.int64), period.end_s)
    return starts, np.r_[period.start_s - 86400, ends - 86400].astype(np.int64)


def consumption(session: Session, pks: Sequence[int], period: Period, resolution: int, *,
                edges: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Consumption of devices ``pks`` per bucket of ``resolution`` s over ``period``.

    With ``edges`` (bucket starts: the bucket before the period, then the last bucket of
    each output interval; :func:`month_buckets`) only those buckets are read and each column
    is the use between two edges: a year by month is 13 rows per meter, not 366.

    Returns
    -------
    buckets : (b,) int64
        Bucket starts (Unix s); with ``edges``, the interval starts.
    matrix : (len(pks), b) float64
        NaN where a meter has no bucket (no data).
    """
    if edges is None:
        buckets = np.arange(period.start_s, period.end_s, resolution, dtype=np.int64)
        where, params = "bucket >= ? AND bucket < ?", [period.start_s - resolution,
                                                       period.end_s]
    else:
        buckets = month_buckets(period)[0]
        where = f"bucket IN ({', '.join('?' * (len(edges) + 1))})"
        params = [*edges.tolist(), period.start_s]
    matrix = np.full((len(pks), len(buckets)), np.nan)
    if not pks:
        return buckets, matrix
    rows = fetch_rows(session, "SELECT device_id, bucket, first, last FROM rollups WHERE "
                      f"resolution = ? AND {where} AND device_id IN "
                      f"({', '.join('?' * len(pks))}) ORDER BY device_id, bucket",
                      [resolution, *params, *pks])
    if not rows:
        return buckets, matrix
    index = {pk: i for i, pk in enumerate(pks)}
    if edges is not None:
        _between_edges(rows, index, edges, period.start_s, matrix)
        return buckets, matrix
    data = np.array(rows, dtype=np.float64)
    device, bucket = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64)
    deltas = counter_deltas(device, bucket, data[:, 2], data[:, 3])
    inside = bucket >= period.start_s
    row_index = np.array([index[d] for d in device[inside].tolist()], dtype=np.int64)
    matrix[row_index, (bucket[inside] - period.start_s) // resolution] = deltas[inside]
    return buckets, matrix


def _between_edges(rows: list[tuple], index: dict[int, int], edges: np.ndarray,
                   start_s: int, matrix: np.ndarray) -> None:
    """Fill ``matrix`` with the use between consecutive edge buckets: last - previous
    last; before the first edge, the first value of the period's first bucket (read too);
    a missing edge leaves its interval NaN and the next one spans the gap; an interval whose
    counter went down counts from its last bucket's first value."""
    position = {int(e): c for c, e in enumerate(edges.tolist())}
    values: dict[int, dict[int, tuple[float, float]]] = {}
    for device, bucket, first, last in rows:
        values.setdefault(device, {})[bucket] = (first, last)
    for device, found in values.items():
        row = index[device]
        before = found.get(int(edges[0]))
        opening = found.get(start_s)
        previous = before[1] if before else (opening[0] if opening else None)
        for bucket in sorted(b for b in found if b in position and position[b] > 0):
            first, last = found[bucket]
            delta = last - previous if previous is not None else last - first
            matrix[row, position[bucket] - 1] = delta if delta >= 0 else max(last - first, 0)
            previous = last


def series_of(session: Session, meters: MeterSet, carrier: str, period: Period,
              resolution: int, *, edges: np.ndarray | None = None
              ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per meter of ``carrier`` (virtual ones computed): consumption per bucket (NaN: 0)."""
    physical = [m for m in meters.of_carrier(carrier) if not m.virtual]
    buckets, matrix = consumption(session, [meters.pks[m.key] for m in physical], period,
                                  resolution, edges=edges)
    matrix = np.nan_to_num(matrix)
    measured = {m.key: matrix[i] for i, m in enumerate(physical)}
    return buckets, consumption_of(meters.of_carrier(carrier), measured)


def areas_of(session: Session, building: Building) -> tuple[float, dict[str, float]]:
    """Floor area of the building (Σ rooms, m²) and per storey GlobalId."""
    revision = latest_revision(session, building)
    per_storey: dict[str, float] = {}
    for storey, data in session.execute(select(ElementRow.storey, ElementRow.data).where(
            ElementRow.revision_id == revision.id, ElementRow.kind == "space")):
        area = data.get("area_qto") or data.get("area_geometry") or 0.0
        per_storey[storey] = per_storey.get(storey, 0.0) + float(area)
    return sum(per_storey.values()), per_storey


def people_of(session: Session, building: Building, day: dt.date) -> int:
    """People holding a room of the building on ``day`` (the allocations)."""
    from twin.housing.store import load_allocations

    allocations = load_allocations(session, building)
    return len({a.person_id for a in allocations.assignments if a.holds_on(day)})


def storey_names(session: Session, building: Building) -> dict[str, str]:
    """Storey GlobalId -> name, latest revision."""
    revision = latest_revision(session, building)
    return dict(session.execute(select(ElementRow.global_id, ElementRow.name).where(
        ElementRow.revision_id == revision.id, ElementRow.kind == "storey")).all())


def _labels(session: Session, building: Building, group_by: str, meters: MeterSet
            ) -> dict[str, str]:
    if group_by == "storey":
        return storey_names(session, building)
    if group_by == "category":
        return {c.value: f"{c.value} {c.label_zh}" for c in CATEGORIES}
    if group_by == "system":
        return {c.value: c.label_zh for c in CATEGORY_GROUPS}
    return {m.key: m.name or m.key for m in meters.meters}


def _prices(session: Session, meters: MeterSet, carrier: str, period: Period,
            buckets: np.ndarray, tariffs: Sequence[Tariff]) -> tuple[np.ndarray, dict]:
    """Average price per bucket of the building's total (its root meters, hourly, time of
    use) and the cost of that total."""
    top = [m for m in roots(meters.of_carrier(carrier))]
    hours, matrix = consumption(session, [meters.pks[m.key] for m in top], period, 3600)
    total = np.nan_to_num(matrix).sum(axis=0)
    cost = cost_of(tariffs, carrier, hours, total)
    from energy.tariffs import hourly_prices

    prices, _names = hourly_prices(tariffs, carrier, hours)
    charges = np.nan_to_num(prices) * total
    per = np.searchsorted(buckets, hours, side="right") - 1
    kwh = np.bincount(per, weights=total, minlength=len(buckets))[:len(buckets)]
    money = np.bincount(per, weights=charges, minlength=len(buckets))[:len(buckets)]
    price = np.divide(money, kwh, out=np.zeros_like(money), where=kwh > 0)
    return price, {"energy_cost": cost.energy_cost, "fixed_cost": cost.fixed_cost,
                   "total_cost": cost.total, "by_period": cost.by_period,
                   "currency": cost.currency}


def _bucket_labels(buckets: np.ndarray, interval: str) -> list[str]:
    unit = {"hour": "h", "day": "D", "month": "M"}[interval]
    return [str(b) for b in buckets.astype("datetime64[s]").astype(f"datetime64[{unit}]")]


def summary(session: Session, building: Building, *, period: Period, group_by: str,
            interval: str, carrier: str = "electricity",
            tariffs: Sequence[Tariff] | None = None) -> dict:
    """Consumption, cost, standard coal and CO2 per group and bucket.

    Groups: each meter (``meter``), or storeys / systems (分项 groups) / categories, each
    made of the topmost meters naming it (:func:`energy.indicators.group_members`) plus
    ``unassigned`` (the building total less the groups). Costs: hourly time-of-use prices
    on the building total give each bucket an average price, which prices each group's use
    in that bucket; fixed charges stay at building level.

    Raises
    ------
    InvalidInputError
        Unknown ``group_by``, ``interval`` or carrier.
    """
    if group_by not in GROUP_BYS:
        raise InvalidInputError(f"group_by must be one of {', '.join(GROUP_BYS)}")
    if interval not in INTERVALS:
        raise InvalidInputError(f"interval must be one of {', '.join(INTERVALS)}")
    if carrier not in METER_KINDS.values():
        raise InvalidInputError(f"carrier must be one of {', '.join(METER_KINDS.values())}")
    if interval == "hour" and period.end_s - period.start_s > 92 * 86400:
        raise InvalidInputError("hourly summaries cover at most 92 days; use day or month")
    meters = meter_set(session, building)
    edges = month_buckets(period)[1] if interval == "month" else None
    buckets, series = series_of(session, meters, carrier, period, INTERVALS[interval],
                                edges=edges)
    mine = meters.of_carrier(carrier)
    total = sum((series[m.key] for m in roots(mine)), np.zeros(len(buckets)))
    if group_by == "meter":
        members = {m.key: [m.key] for m in mine}
    else:
        members = group_members(mine, group_by)
    groups = {g: sum((series[k] for k in keys), np.zeros(len(buckets)))
              for g, keys in members.items()}
    if group_by != "meter":
        groups[UNASSIGNED] = total - sum(groups.values(), np.zeros(len(buckets)))
    price, cost = _prices(session, meters, carrier, period, buckets,
                          sample_tariffs() if tariffs is None else tariffs)
    building_area, storey_area = areas_of(session, building)
    labels = _labels(session, building, group_by, meters)
    labels[UNASSIGNED] = "未分项/未计量 (unassigned)"
    out_groups = []
    for key, values in groups.items():
        amount = float(values.sum())
        area = storey_area.get(key) if group_by == "storey" else building_area
        conv = converted(carrier, amount)
        out_groups.append({
            "key": key, "label": labels.get(key, key), "meters": members.get(key, []),
            "total": amount, "cost": float((values * price).sum()), "kgce": conv["kgce"],
            "co2_kg": conv["co2_kg"], "area_m2": area,
            "per_m2": amount / area if area else None, "values": values})
    bucket_labels = _bucket_labels(buckets, interval)
    for g in out_groups:
        g["values"] = [round(float(v), 3) for v in g["values"]]
    unit = next((meters.units[m.key] for m in mine if m.key in meters.units), "kWh")
    amount = float(total.sum())
    conv = converted(carrier, amount)
    return {"building_id": building.id, "carrier": carrier, "unit": unit,
            "start": day_of(period.start_s), "end": day_of(period.end_s), "interval": interval,
            "group_by": group_by, "buckets": bucket_labels,
            "total": {"amount": amount, "values": [round(float(v), 3) for v in total],
                      "area_m2": building_area,
                      "per_m2": amount / building_area if building_area else None,
                      **cost, "kgce": conv["kgce"], "co2_kg": conv["co2_kg"]},
            "factors": {"kgce": conv["kgce_factor"], "co2": conv["co2_factor"]},
            "groups": out_groups}


def tree(session: Session, building: Building, *, period: Period,
         carrier: str = "electricity") -> dict:
    """The meter tree with each meter's consumption over ``period``, children sums and
    residuals (parent - Σ children), double counting flagged."""
    from energy.meters import meter_tree

    meters = meter_set(session, building)
    _buckets, series = series_of(session, meters, carrier, period, 86400)
    totals = {k: float(np.sum(v)) for k, v in series.items()}
    nodes = meter_tree(meters.of_carrier(carrier), totals)
    unit = next((meters.units[m.key] for m in meters.of_carrier(carrier)
                 if m.key in meters.units), "kWh")
    names = storey_names(session, building)
    return {"building_id": building.id, "carrier": carrier, "unit": unit,
            "start": day_of(period.start_s), "end": day_of(period.end_s),
            "nodes": [{"key": n.meter.key, "name": n.meter.name, "kind": n.meter.kind,
                       "parent": n.meter.parent, "category": n.meter.category,
                       "storey": n.meter.storey, "storey_name": names.get(n.meter.storey),
                       "virtual": n.meter.virtual,
                       "terms": [[s, k] for s, k in n.meter.terms],
                       "depth": n.depth, "consumption": n.consumption,
                       "children": list(n.children), "children_sum": n.children_sum,
                       "residual": n.residual, "ratio": n.ratio,
                       "double_counting": n.double_counting} for n in nodes]}


def get_meter(meters: MeterSet, key: str) -> Meter:
    """The meter ``key``.

    Raises
    ------
    NotFoundError
    """
    for meter in meters.meters:
        if meter.key == key:
            return meter
    raise NotFoundError(f"no meter {key!r} in this building")
