"""Tables of 数字节能 (energy): virtual meters. Physical meters are devices (``devices``,
with their ``parent`` and ``category`` columns)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twin.core.tables import Base

__all__ = ["VirtualMeterRow"]


class VirtualMeterRow(Base):
    """A meter computed from others: ``terms`` like ``"EM-1 + EM-2 - EM-3"``."""

    __tablename__ = "energy_virtual_meters"
    __table_args__ = (UniqueConstraint("building_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40), default="energy")
    terms: Mapped[str] = mapped_column(String(2000))
    parent: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(4))
    name: Mapped[str | None] = mapped_column(String(200))
