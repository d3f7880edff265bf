"""Tables every domain shares (SQLAlchemy 2 declarative): buildings, revisions, elements, accounts,
tokens and the audit log. Each domain keeps its own in ``twin/<domain>/tables.py``; the schema
is created by Alembic migrations (:mod:`twin.migrations`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "Building",
    "ElementRow",
    "LoginThrottleRow",
    "Revision",
    "User",
    "UserBuilding",
    "UtcDateTime",
    "utcnow",
]



def utcnow() -> datetime:
    """Timezone-aware now, UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A timezone-aware timestamp that comes back aware on SQLite too (which stores it
    without its offset): answers say ``…+00:00``, never a bare local-looking time."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, _dialect: Any) -> datetime | None:
        """Stored naive (SQLite): it was UTC."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base; ``type_annotation_map`` keeps JSON portable (SQLite, PostgreSQL)."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON,
                           datetime: UtcDateTime(), date: Date}


class Building(Base):
    """A building of the portfolio; its model arrives as revisions."""

    __tablename__ = "buildings"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused (0010)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="building", cascade="all, delete-orphan", order_by="Revision.number")


class Revision(Base):
    """One uploaded IFC file of a building, with what the parser found in it."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("building_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(300))
    schema: Mapped[str] = mapped_column(String(20))
    counts: Mapped[dict[str, Any]]
    warnings: Mapped[list[Any]]
    #: The model-quality report of the upload (bim_models.standards.ids), if it was checked.
    quality: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    building: Mapped[Building] = relationship(back_populates="revisions")
    elements: Mapped[list[ElementRow]] = relationship(
        back_populates="revision", cascade="all, delete-orphan")


class ElementRow(Base):
    """An element of a revision, by GlobalId: what the model diff and filters read."""

    __tablename__ = "elements"
    __table_args__ = (UniqueConstraint("revision_id", "global_id"),
                      Index("ix_elements_revision_kind", "revision_id", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"))
    global_id: Mapped[str] = mapped_column(String(22))
    kind: Mapped[str] = mapped_column(String(20))
    ifc_class: Mapped[str] = mapped_column(String(80))
    name: Mapped[str | None] = mapped_column(String(300))
    storey: Mapped[str | None] = mapped_column(String(22))
    space: Mapped[str | None] = mapped_column(String(22))
    data: Mapped[dict[str, Any]]
    revision: Mapped[Revision] = relationship(back_populates="elements")


class User(Base):
    """An account. ``password_hash`` is argon2; the password itself is never stored."""

    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused (0010)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(default=True)
    all_buildings: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    buildings: Mapped[list[UserBuilding]] = relationship(cascade="all, delete-orphan")


class UserBuilding(Base):
    """A building a user may see."""

    __tablename__ = "user_buildings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"),
                                             primary_key=True)


class ApiToken(Base):
    """A bearer token (stored as its SHA-256) of a user, or of a device or gateway."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # "user" | "device" | "gateway"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    device: Mapped[str | None] = mapped_column(String(100))
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who changed what, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]]


class LoginThrottleRow(Base):
    """Recent failed sign-ins of an account (``user:<name>``) or a client address
    (``addr:<ip>``), shared by every worker (:mod:`twin.core.throttle`)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int]
    window_start: Mapped[float] = mapped_column(Double)
    locked_until: Mapped[float] = mapped_column(Double)
