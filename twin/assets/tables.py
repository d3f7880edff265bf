"""Tables of 公物仓 (the shared asset pool): units and their people, the register, requests
(上缴 / 借用 with its reservation dates / 调剂 / 处置), the per-item history of state changes
(who, when, why) and stock counts (盘点) with their scans.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Double, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from twin.core.tables import Base, utcnow

__all__ = ["AssetAuditRow", "AssetAuditScanRow", "AssetHistoryRow", "AssetRequestRow",
           "AssetRow", "AssetUnitMemberRow", "AssetUnitRow"]


class AssetUnitRow(Base):
    """A unit (单位 / 处室) that owns, hands in and borrows assets."""

    __tablename__ = "asset_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class AssetUnitMemberRow(Base):
    """A person of a unit, as its ``requester`` (申请人) or ``approver`` (处室负责人)."""

    __tablename__ = "asset_unit_members"

    unit_id: Mapped[int] = mapped_column(ForeignKey("asset_units.id", ondelete="CASCADE"),
                                         primary_key=True)
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_asset_unit_members_username", "username"),)


class AssetRow(Base):
    """An item (or a quantity lot) of the register, where it is and what state it is in."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    asset_class: Mapped[str] = mapped_column(String(30))
    model: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(10), default="item")
    quantity: Mapped[int] = mapped_column(default=1)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("asset_units.id"))
    holder_unit_id: Mapped[int | None] = mapped_column(ForeignKey("asset_units.id"))
    holder: Mapped[str | None] = mapped_column(String(100))
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="SET NULL"))
    space_global_id: Mapped[str | None] = mapped_column(String(22))
    room: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Double, default=0.0)
    residual: Mapped[float] = mapped_column(Double, default=0.0)
    purchase_date: Mapped[date | None]
    state: Mapped[str] = mapped_column(String(20))
    source_global_id: Mapped[str | None] = mapped_column(String(22))
    last_loan_end: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_assets_state_class", "state", "asset_class"),
                      Index("ix_assets_owner_state", "owner_unit_id", "state"),
                      Index("ix_assets_space", "building_id", "space_global_id"),
                      Index("ix_assets_name", "name"),
                      Index("ix_assets_model", "model"))


class AssetRequestRow(Base):
    """A request on an asset: its kind, dates (loans), approval chain and progress."""

    __tablename__ = "asset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("asset_units.id"))
    requester: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(default=1)
    start: Mapped[date | None]
    end: Mapped[date | None]
    renewals: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    chain: Mapped[str] = mapped_column(String(200), default="")
    steps: Mapped[list[Any]]
    approvals: Mapped[list[Any]]
    reminded: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handed_over_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_asset_requests_asset_state", "asset_id", "state"),
                      Index("ix_asset_requests_requester", "requester"),
                      Index("ix_asset_requests_state_end", "state", "end"))


class AssetHistoryRow(Base):
    """One state change of an asset: who, when, why, from which request."""

    __tablename__ = "asset_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"),
                                          index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[int | None]


class AssetAuditRow(Base):
    """A stock count (盘点): what it expected where, fixed when it was scheduled."""

    __tablename__ = "asset_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="SET NULL"))
    space_global_id: Mapped[str | None] = mapped_column(String(22))
    scheduled: Mapped[date]
    state: Mapped[str] = mapped_column(String(20))
    expected: Mapped[dict[str, Any]]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssetAuditScanRow(Base):
    """One QR scan of a count: which asset, in which room, by whom."""

    __tablename__ = "asset_audit_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("asset_audits.id", ondelete="CASCADE"),
                                          index=True)
    asset_id: Mapped[int]
    space_global_id: Mapped[str | None] = mapped_column(String(22))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by: Mapped[str] = mapped_column(String(100))
