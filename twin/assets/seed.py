"""The demo's 公物仓: 31 units (the pool's own and 30 others), the pool room (the ground floor's
storeroom of the sample building), about 500 items across classes, quantity lots, a year of
loans (request → hand-over mostly within a day), loans on now — some overdue, some due soon —
pending requests for the approvals inbox, and idle items. Deterministic; bulk inserts.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from assets.approvals import chain_for, default_rules
from assets.register import DEFAULT_RESIDUAL_RATE
from twin.assets.tables import (
    AssetHistoryRow,
    AssetRequestRow,
    AssetRow,
    AssetUnitMemberRow,
    AssetUnitRow,
)
from twin.core.tables import ElementRow, Revision

__all__ = ["POOL_ROOM", "SAMPLE_UNITS", "seed_asset_pool"]

#: The pool room of the sample building (its ground-floor storeroom).
POOL_ROOM = "GF-021"
SAMPLE_UNITS = (
    "办公室", "政策法规处", "财务处", "人事处", "机关党委", "纪检组", "审计处", "信息中心",
    "资产管理处", "房地产管理处", "公共机构节能处", "机关服务中心", "接待处", "后勤保障处",
    "安全保卫处", "车辆管理所", "培训中心", "档案馆", "发展规划处", "采购中心", "住房保障处",
    "离退休干部处", "工会", "团委", "督查室", "研究室", "宣传处", "法制处", "统计处", "物业管理科",
)
#: (class, name, model, value range yuan, how many, purchase years ago range)
_CATALOGUE = (
    ("furniture", "办公桌", "DK-1400", (800, 2400), 70, (1, 14)),
    ("furniture", "办公椅", "CH-220", (300, 1200), 60, (1, 12)),
    ("furniture", "文件柜", "FC-900", (600, 1800), 40, (2, 15)),
    ("furniture", "会议桌", "MT-3600", (2000, 9000), 15, (2, 12)),
    ("furniture", "三人沙发", "SF-3", (1500, 5000), 15, (3, 14)),
    ("furniture", "书柜", "BC-1200", (700, 2000), 20, (2, 15)),
    ("it", "笔记本电脑", "ThinkPad T14", (5000, 9000), 45, (0, 7)),
    ("it", "台式计算机", "OptiPlex 7010", (4000, 7000), 45, (1, 8)),
    ("it", "显示器", "P2422H", (900, 1800), 40, (0, 7)),
    ("it", "服务器", "PowerEdge R750", (35000, 80000), 5, (1, 6)),
    ("it", "平板电脑", "MatePad 11", (2500, 4500), 12, (0, 4)),
    ("office_equipment", "激光打印机", "LaserJet M406", (1800, 4000), 30, (1, 8)),
    ("office_equipment", "扫描仪", "fi-7160", (3000, 6000), 15, (1, 8)),
    ("office_equipment", "碎纸机", "S-8", (600, 1500), 15, (1, 10)),
    ("av", "投影仪", "EB-X51", (3000, 7000), 20, (0, 6)),
    ("av", "会议摄像头", "Rally Bar", (6000, 15000), 10, (0, 5)),
    ("av", "无线话筒", "EW-D", (1500, 4000), 10, (0, 6)),
    ("appliance", "空气净化器", "AP-550", (1500, 3500), 15, (0, 5)),
    ("appliance", "电暖器", "HT-2000", (300, 900), 10, (0, 6)),
    ("vehicle", "电动巡逻车", "EV-4", (40000, 70000), 3, (1, 6)),
)
#: Quantity lots: (class, name, model, unit value, quantity).
_LOTS = (
    ("furniture", "折叠椅", "FCH-1", 120, 200), ("furniture", "折叠桌", "FTB-1", 380, 60),
    ("av", "会议桌牌", "NP-1", 25, 300), ("appliance", "电热水壶", "KT-17", 150, 40),
    ("office_equipment", "装订机", "BD-30", 450, 20), ("furniture", "屏风隔断", "PT-12", 600, 80),
)


def _at(day: date, hour: float) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC) + timedelta(hours=hour)


def _lead_hours(rng: random.Random) -> float:
    """Request → hand-over: mostly the same or the next day (the seed's 5 days → 1 day)."""
    return rng.choice((rng.uniform(1, 8), rng.uniform(2, 20), rng.uniform(16, 30),
                       rng.uniform(30, 60), rng.uniform(3, 10)))


def _units(session: Session) -> list[int]:
    pool = {"id": 1, "code": "POOL", "name": "机关事务管理局公物仓"}
    session.execute(insert(AssetUnitRow), [pool] + [
        {"id": n + 2, "code": f"U{n + 1:02d}", "name": name}
        for n, name in enumerate(SAMPLE_UNITS)])
    members = [{"unit_id": 2, "username": "staff", "role": "requester"},
               {"unit_id": 2, "username": "manager", "role": "approver"},
               {"unit_id": 1, "username": "pool", "role": "approver"}]
    members += [{"unit_id": n, "username": f"u{n - 1:02d}-head", "role": "approver"}
                for n in range(3, len(SAMPLE_UNITS) + 2)]
    members += [{"unit_id": n, "username": f"u{n - 1:02d}-clerk", "role": "requester"}
                for n in range(3, len(SAMPLE_UNITS) + 2)]
    session.execute(insert(AssetUnitMemberRow), members)
    return list(range(2, len(SAMPLE_UNITS) + 2))


def _rooms(session: Session, building_id: int) -> tuple[str, list[tuple[str, str]]]:
    revision = session.scalar(select(Revision.id).where(Revision.building_id == building_id)
                              .order_by(Revision.number.desc()).limit(1))
    spaces = list(session.execute(select(ElementRow.global_id, ElementRow.name,
                                         ElementRow.data).where(
        ElementRow.revision_id == revision, ElementRow.kind == "space")))
    pool = next((g for g, n, _d in spaces if n == POOL_ROOM), spaces[0][0])
    offices = [(g, n) for g, n, d in spaces
               if "office" in str((d or {}).get("object_type", "")) and n]
    return pool, offices or [(pool, POOL_ROOM)]


def _assets(rng: random.Random, building_id: int, units: list[int], pool: str,
            offices: list[tuple[str, str]], today: date) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for asset_class, name, model, (low, high), count, (young, old) in _CATALOGUE:
        for _ in range(count):
            value = round(rng.uniform(low, high), -1)
            bought = today - timedelta(days=rng.randint(young * 365, old * 365 + 200))
            with_unit = rng.random() < 0.12
            owner = rng.choice(units)
            space, room = rng.choice(offices) if with_unit else (pool, POOL_ROOM)
            rows.append({"name": name, "asset_class": asset_class, "model": model,
                         "kind": "item", "quantity": 1, "owner_unit_id": owner,
                         "holder_unit_id": owner if with_unit else None,
                         "value": value, "purchase_date": bought,
                         "state": "transferred" if with_unit else "available",
                         "space_global_id": space, "room": room})
    for asset_class, name, model, value, quantity in _LOTS:
        rows.append({"name": name, "asset_class": asset_class, "model": model, "kind": "lot",
                     "quantity": quantity, "owner_unit_id": 1, "holder_unit_id": None,
                     "value": float(value), "state": "available", "space_global_id": pool,
                     "room": POOL_ROOM,
                     "purchase_date": today - timedelta(days=rng.randint(200, 2000))})
    for n, row in enumerate(rows, start=1):
        row.update(id=n, building_id=building_id, residual=row["value"] * DEFAULT_RESIDUAL_RATE,
                   holder=None, last_loan_end=None)
    # a few awaiting their intake inspection, a few under repair, some disposed of
    pool_items = [r for r in rows if r["state"] == "available" and r["kind"] == "item"]
    for state, count in (("intake", 6), ("repair", 5), ("disposed", 4)):
        for row in rng.sample([r for r in pool_items if r["state"] == "available"], count):
            row["state"] = state
    return rows


class _History:
    """Requests and history rows being built for one bulk insert."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self.rules = default_rules()

    def request(self, asset: dict, unit: int, unit_code: str, requester: str, state: str,
                start: date, end: date, asked: datetime, **extra: Any) -> dict:
        rule = chain_for(self.rules, kind="loan", asset_class=asset["asset_class"],
                         value=asset["value"], unit=unit_code)
        approvals = [{"step": s, "by": "manager" if s == "unit_approver" else
                      ("admin" if s == "admin" else "pool"), "at": asked.isoformat(),
                      "decision": "approved", "note": ""} for s in rule.steps]
        row = {"id": len(self.requests) + 1, "kind": "loan", "asset_id": asset["id"],
               "unit_id": unit, "requester": requester, "state": state, "quantity": 1,
               "start": start, "end": end, "renewals": 0, "reason": "", "chain": rule.name,
               "steps": list(rule.steps),
               "approvals": [] if state == "pending" else approvals, "reminded": None,
               "created_at": asked, "handed_over_at": None, "confirmed_at": None,
               "returned_at": None, "completed_at": None} | extra
        self.requests.append(row)
        return row

    def change(self, asset: dict, at: datetime, actor: str, before: str | None, after: str,
               reason: str, request: int | None = None) -> None:
        self.history.append({"asset_id": asset["id"], "at": at, "actor": actor,
                             "from_state": before, "to_state": after, "reason": reason,
                             "request_id": request})


def _past_loan(book: _History, rng: random.Random, asset: dict, units: list[int],
               today: date) -> None:
    unit = rng.choice(units)
    start = today - timedelta(days=rng.randint(20, 360))
    end = start + timedelta(days=rng.randint(2, 14))
    if end >= today:
        return
    asked = _at(start, 9) - timedelta(hours=_lead_hours(rng))
    handed = asked + timedelta(hours=_lead_hours(rng))
    back = _at(end, 16)
    row = book.request(asset, unit, f"U{unit - 1:02d}", f"u{unit - 1:02d}-clerk",
                       "completed", start, end, asked, handed_over_at=handed,
                       confirmed_at=handed + timedelta(minutes=20), returned_at=back,
                       completed_at=back + timedelta(hours=2))
    for before, after, at in (("available", "reserved", asked + timedelta(hours=1)),
                              ("reserved", "on_loan", handed), ("on_loan", "returned", back),
                              ("returned", "available", back + timedelta(hours=2))):
        book.change(asset, at, "pool", before, after, "loan", row["id"])
    asset["last_loan_end"] = max(asset["last_loan_end"] or end, end)


def _current_loans(book: _History, rng: random.Random, lendable: list[dict],
                   units: list[int], today: date) -> None:
    """Loans out now (four overdue, three due within two days), and pending requests."""
    plans = [("overdue", -rng.randint(3, 20)) for _ in range(4)]
    plans += [("on_loan", rng.randint(0, 2)) for _ in range(3)]
    plans += [("on_loan", rng.randint(5, 40)) for _ in range(18)]
    for asset, (state, due_in) in zip(lendable, plans, strict=False):
        unit = rng.choice(units[1:])
        end = today + timedelta(days=due_in)
        start = end - timedelta(days=rng.randint(5, 25))
        asked = _at(start, 9) - timedelta(hours=_lead_hours(rng))
        handed = asked + timedelta(hours=_lead_hours(rng))
        borrower = f"u{unit - 1:02d}-clerk"
        row = book.request(asset, unit, f"U{unit - 1:02d}", borrower, "on_loan", start, end,
                           asked, handed_over_at=handed,
                           confirmed_at=handed + timedelta(minutes=30),
                           reminded="overdue" if state == "overdue" else None)
        book.change(asset, handed, borrower, "reserved", "on_loan", "received", row["id"])
        if state == "overdue":
            book.change(asset, _at(end + timedelta(days=1), 1), "system", "on_loan", "overdue",
                        f"due {end}", row["id"])
        asset.update(state=state, holder=borrower, holder_unit_id=unit)
    now = _at(today, 8)
    for n, asset in enumerate(lendable[len(plans):len(plans) + 6]):
        start = today + timedelta(days=3 + n)
        row = book.request(asset, 2, "U01", "staff", "pending", start,
                           start + timedelta(days=5), now - timedelta(hours=3 * n + 1))
        if n >= 3:  # the unit head has signed: waiting for the pool administrator
            row["approvals"] = [{"step": "unit_approver", "by": "manager",
                                 "at": (now - timedelta(hours=1)).isoformat(),
                                 "decision": "approved", "note": ""}]


def seed_asset_pool(session: Session, building_id: int, today: date | None = None) -> bool:
    """Fill the empty pool of the demo (``False``, nothing done, when it has units already)."""
    if session.scalar(select(AssetUnitRow.id).limit(1)) is not None:
        return False
    today = today or date.today()
    rng = random.Random(18)
    units = _units(session)
    pool, offices = _rooms(session, building_id)
    assets = _assets(rng, building_id, units, pool, offices, today)
    book = _History()
    for asset in assets:
        book.change(asset, _at(asset["purchase_date"], 10), "demo", None, "available",
                    "registered")
    lendable = [a for a in assets if a["state"] == "available" and a["kind"] == "item"]
    rng.shuffle(lendable)
    busy = lendable[:int(len(lendable) * 0.45)]  # the rest stays idle all year
    for asset in busy:
        for _ in range(rng.randint(1, 3)):
            _past_loan(book, rng, asset, units, today)
    _current_loans(book, rng, busy, units, today)
    for asset in assets:
        if asset["state"] in ("intake", "repair", "disposed", "transferred"):
            book.change(asset, _at(today - timedelta(days=30), 10), "pool", "available",
                        asset["state"], "demo")
    session.execute(insert(AssetRow), assets)
    session.execute(insert(AssetRequestRow), book.requests)
    session.execute(insert(AssetHistoryRow), book.history)
    return True
