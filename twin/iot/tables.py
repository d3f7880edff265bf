"""Tables of the IoT pipeline: devices, raw readings, rollups, live state, dead letters.

Timestamps of readings are integer milliseconds since the Unix epoch (UTC): compact, exact,
and the same on SQLite and PostgreSQL. Raw readings are keyed by (device, ts), so a reading
delivered twice (MQTT redelivery, a retried HTTP batch) is stored once; on SQLite the table
is ``WITHOUT ROWID``, i.e. clustered on that key, which makes time-range reads per device a
single index range scan.

Names: outside its own row, a device's integer primary key (``DeviceRow.id``) is called
``device_pk`` and its serial key (``DeviceRow.key``, the stable identity devices report
under) ``device_key``. The tables keyed by device keep their database column ``device_id``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Double, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from twin.core.tables import Base, utcnow

__all__ = ["DeadLetter", "DeviceRow", "DeviceStateRow", "ReadingRow", "RollupRow"]


class DeviceRow(Base):
    """A registered device: a stable serial key, a kind, and where it sits."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(20))
    state_class: Mapped[str] = mapped_column(String(20))
    minimum: Mapped[float] = mapped_column(Double)
    maximum: Mapped[float] = mapped_column(Double)
    equipment: Mapped[str | None] = mapped_column(String(22))
    space: Mapped[str | None] = mapped_column(String(22))
    storey: Mapped[str | None] = mapped_column(String(22))
    name: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20), default="api")
    profile: Mapped[str | None] = mapped_column(Text)
    #: 数字节能: serial key of the meter upstream, and the 分项 category code (0006)
    parent: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_devices_building_kind", "building_id", "kind"),
                      {"sqlite_autoincrement": True})  # ids never reused (0010)


class ReadingRow(Base):
    """One raw reading; immutable once stored. ``ts`` in integer ms since the epoch (UTC)."""

    __tablename__ = "readings"

    device_pk: Mapped[int] = mapped_column("device_id", Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    value: Mapped[float] = mapped_column(Double)

    __table_args__ = ({"sqlite_with_rowid": False},)


class RollupRow(Base):
    """Downsampled readings of one device in one bucket (``resolution`` seconds wide)."""

    __tablename__ = "rollups"

    device_pk: Mapped[int] = mapped_column("device_id", Integer, primary_key=True)
    resolution: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    min: Mapped[float] = mapped_column(Double)
    max: Mapped[float] = mapped_column(Double)
    sum: Mapped[float] = mapped_column(Double)
    first: Mapped[float] = mapped_column(Double)
    first_ts: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[float] = mapped_column(Double)
    last_ts: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = ({"sqlite_with_rowid": False},)


class DeviceStateRow(Base):
    """The live state of a device (Home Assistant style), kept current by the ingest."""

    __tablename__ = "device_states"

    device_pk: Mapped[int] = mapped_column("device_id",
                                           ForeignKey("devices.id", ondelete="CASCADE"),
                                           primary_key=True)
    value: Mapped[float] = mapped_column(Double)
    last_changed: Mapped[int] = mapped_column(BigInteger)
    last_reported: Mapped[int] = mapped_column(BigInteger)
    last_updated: Mapped[int] = mapped_column(BigInteger)
    online: Mapped[bool] = mapped_column(default=True)


class DeadLetter(Base):
    """A reading refused by the ingest, with the reason, for people to look at."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[int] = mapped_column(BigInteger, index=True)
    building_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    device: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(40), index=True)
    detail: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
