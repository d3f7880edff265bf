"""Tables of 数字安防 and 数字车管 (security, parking and the official fleet).

Event times are integer milliseconds since the epoch (as readings); booking and trip times are
Unix seconds (as alarms and work orders). An event is stored once per (device, ts, type): a
redelivered or retried event is a duplicate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from twin.core.tables import Base, utcnow

__all__ = ["CarParkRow", "DispatchRow", "DoorStateRow", "FuelEntryRow", "ParkingBayRow",
           "ParkingGateRow", "PlateEntryRow", "SecurityEventRow", "SecuritySettingsRow",
           "VehicleBookingRow", "VehicleRow", "VehicleTripRow"]


class SecurityEventRow(Base):
    """One security event (the envelope of :class:`security.events.SecurityEvent`)."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    device_pk: Mapped[int] = mapped_column("device_id", Integer)
    device: Mapped[str] = mapped_column(String(100))
    ts: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(60))
    door: Mapped[str | None] = mapped_column(String(22))
    space: Mapped[str | None] = mapped_column(String(22))
    storey: Mapped[str | None] = mapped_column(String(22))
    subject: Mapped[str | None] = mapped_column(String(200))
    subject_kind: Mapped[str | None] = mapped_column(String(20))
    confidence: Mapped[float | None] = mapped_column(Double)
    correlation_id: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    received_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("device_id", "ts", "type", name="uq_security_events_device_ts_type"),
        Index("ix_security_events_building_ts", "building_id", "ts"),
    )


class DoorStateRow(Base):
    """The live state of a door (and its lock), kept by the event ingest."""

    __tablename__ = "door_states"

    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"),
                                             primary_key=True)
    door: Mapped[str] = mapped_column(String(22), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    lock: Mapped[str] = mapped_column(String(20))
    since: Mapped[int] = mapped_column(BigInteger)
    device: Mapped[str] = mapped_column(String(100))


class CarParkRow(Base):
    """A car park of a building (from the model's parking spaces, or configured)."""

    __tablename__ = "car_parks"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    space: Mapped[str | None] = mapped_column(String(22))
    max_stay_h: Mapped[float] = mapped_column(Double, default=12.0)

    __table_args__ = (UniqueConstraint("building_id", "code", name="uq_car_parks_code"),)


class ParkingBayRow(Base):
    """A bay of a car park, its sensor and its state (FIWARE ``ParkingSpot``)."""

    __tablename__ = "parking_bays"

    id: Mapped[int] = mapped_column(primary_key=True)
    car_park_id: Mapped[int] = mapped_column(ForeignKey("car_parks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    device: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default="unknown")
    since: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (UniqueConstraint("car_park_id", "code", name="uq_parking_bays_code"),)


class ParkingGateRow(Base):
    """A gate of a car park with its plate-reader camera (``direction`` in, out or both)."""

    __tablename__ = "parking_gates"

    id: Mapped[int] = mapped_column(primary_key=True)
    car_park_id: Mapped[int] = mapped_column(ForeignKey("car_parks.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    device: Mapped[str] = mapped_column(String(100), unique=True)
    direction: Mapped[str] = mapped_column(String(10), default="both")


class PlateEntryRow(Base):
    """A plate on an allow-list (staff, visitor) or on the blocked list of a building."""

    __tablename__ = "plate_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    plate: Mapped[str] = mapped_column(String(20), index=True)
    list: Mapped[str] = mapped_column(String(20))
    holder: Mapped[str] = mapped_column(String(200), default="")
    valid_from: Mapped[float | None] = mapped_column(Double)
    valid_to: Mapped[float | None] = mapped_column(Double)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VehicleRow(Base):
    """A vehicle of the official fleet (公务用车)."""

    __tablename__ = "fleet_vehicles"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    plate: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="sedan")
    seats: Mapped[int] = mapped_column(Integer, default=5)
    odometer_km: Mapped[float] = mapped_column(Double, default=0.0)
    active: Mapped[bool] = mapped_column(default=True)


class VehicleBookingRow(Base):
    """A booking (dispatch request) of a fleet vehicle; times in Unix seconds."""

    __tablename__ = "vehicle_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("fleet_vehicles.id", ondelete="CASCADE"))
    requester: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text, default="")
    destination: Mapped[str] = mapped_column(String(200), default="")
    start_ts: Mapped[float] = mapped_column(Double)
    end_ts: Mapped[float] = mapped_column(Double)
    state: Mapped[str] = mapped_column(String(20))
    approver: Mapped[str | None] = mapped_column(String(100))
    driver: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_vehicle_bookings_vehicle_start", "vehicle_id", "start_ts"),)


class VehicleTripRow(Base):
    """A trip: out through a gate and back in (``in_ts`` None while out)."""

    __tablename__ = "vehicle_trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("fleet_vehicles.id", ondelete="CASCADE"))
    out_ts: Mapped[float] = mapped_column(Double)
    in_ts: Mapped[float | None] = mapped_column(Double)
    booking_id: Mapped[int | None] = mapped_column(Integer)
    km: Mapped[float | None] = mapped_column(Double)


class FuelEntryRow(Base):
    """Fuel (or charge) bought for a vehicle, with the odometer then."""

    __tablename__ = "fuel_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("fleet_vehicles.id", ondelete="CASCADE"))
    ts: Mapped[float] = mapped_column(Double)
    litres: Mapped[float] = mapped_column(Double)
    cost: Mapped[float] = mapped_column(Double)
    odometer_km: Mapped[float | None] = mapped_column(Double)


class DispatchRow(Base):
    """A guard dispatched to a security alarm: the work order of type security."""

    __tablename__ = "security_dispatches"

    work_order_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    alarm_id: Mapped[str] = mapped_column(String(40))
    guard: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SecuritySettingsRow(Base):
    """Per building: how long security events are kept."""

    __tablename__ = "security_settings"

    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"),
                                             primary_key=True)
    retention_days: Mapped[float] = mapped_column(Double, default=180.0)
