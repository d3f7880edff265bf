"""Tables of maintenance: alarms and work orders.

Each row keeps the searchable columns (state, severity, source, assignee ...) and the whole
record as JSON (``data``), history included; the domain objects of :mod:`maintenance` are
rebuilt from ``data`` when a server starts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Double, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from twin.core.tables import Base, utcnow

__all__ = ["AlarmRow", "WorkOrderRow"]


class AlarmRow(Base):
    """An alarm of a building (see :class:`maintenance.Alarm`)."""

    __tablename__ = "alarms"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[str | None] = mapped_column(String(40))
    first_seen: Mapped[float] = mapped_column(Double)
    last_seen: Mapped[float] = mapped_column(Double)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_alarms_building_state", "building_id", "state"),)


class WorkOrderRow(Base):
    """A work order of a building (see :class:`maintenance.WorkOrder`)."""

    __tablename__ = "work_orders"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(20))
    assignee: Mapped[str | None] = mapped_column(String(100))
    alarm_id: Mapped[str | None] = mapped_column(String(40))
    equipment: Mapped[str | None] = mapped_column(String(22))
    due: Mapped[float | None] = mapped_column(Double)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_work_orders_building_state", "building_id", "state"),)
