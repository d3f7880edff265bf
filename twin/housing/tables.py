"""Tables of office-space management: the people of a building and their room assignments."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twin.core.tables import Base

__all__ = ["AllocationRow", "PersonRow"]


class PersonRow(Base):
    """A member of staff whose rooms a building's allocations record."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("building_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200))
    org_level: Mapped[str] = mapped_column(String(30))
    subordinate: Mapped[bool]
    grade: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    status_date: Mapped[date | None]
    extra: Mapped[dict[str, Any]]


class AllocationRow(Base):
    """A room assignment: ``person_id`` holds space ``space`` from ``start`` to ``end``."""

    __tablename__ = "allocations"
    __table_args__ = (Index("ix_allocations_building_space", "building_id", "space"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(String(100))
    space: Mapped[str] = mapped_column(String(22))
    room: Mapped[str] = mapped_column(String(100))
    start: Mapped[date | None]
    end: Mapped[date | None]
    register_area: Mapped[float | None]
