"""Tables of the portfolio beside core's buildings and revisions: the space-use overrides a
housing officer keeps per building (they outlive model revisions: keyed by GlobalId)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twin.core.tables import Base, utcnow

__all__ = ["SpaceUseOverride"]


class SpaceUseOverride(Base):
    """A housing officer's word on what a space is used for, over what the model says."""

    __tablename__ = "space_use_overrides"
    __table_args__ = (UniqueConstraint("building_id", "global_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"),
                                             index=True)
    global_id: Mapped[str] = mapped_column(String(64))
    use: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
