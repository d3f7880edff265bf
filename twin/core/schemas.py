"""Request and response bodies (pydantic), by domain: ``XCreate`` in, ``XPublic`` out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BuildingPublic",
    "DiffPublic",
    "ElementPublic",
    "EquipmentDetail",
    "Health",
    "Page",
    "PathPublic",
    "RevisionPublic",
    "RevisionUploaded",
    "SpaceDetail",
    "SpaceOfPoint",
    "TokenPublic",
    "TokenRequest",
    "UserPublic",
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items``, the ``total`` matching, and the window asked for."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Health(BaseModel):
    status: str
    database: str
    version: str


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: str


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    username: str
    role: str
    active: bool
    all_buildings: bool


class RevisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    sha256: str
    filename: str
    schema_: str = Field(alias="schema", serialization_alias="schema")
    counts: dict[str, int]
    warnings: list[str]
    created_at: datetime
    created_by: str | None


class BuildingPublic(BaseModel):
    id: int
    name: str
    created_at: datetime
    revision: RevisionPublic | None


class ElementPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    global_id: str
    kind: str
    ifc_class: str
    name: str | None
    storey: str | None
    space: str | None
    data: dict[str, Any]


class SpaceDetail(BaseModel):
    space: ElementPublic
    equipment: list[ElementPublic]
    neighbours: list[ElementPublic]
    doors: list[ElementPublic]


class EquipmentDetail(BaseModel):
    equipment: ElementPublic
    upstream: list[ElementPublic]
    downstream: list[ElementPublic]


class SpaceOfPoint(BaseModel):
    x: float
    y: float
    z: float | None
    space: ElementPublic | None


class PathPublic(BaseModel):
    steps: list[ElementPublic]
    length: float


class DiffPublic(BaseModel):
    old: int
    new: int
    appeared: list[dict[str, Any]]
    disappeared: list[dict[str, Any]]
    moved: list[dict[str, Any]]
    relocated: list[dict[str, Any]]


class RevisionUploaded(RevisionPublic):
    """A new revision and what changed against the one before it (``None`` for the first)."""

    changes: DiffPublic | None = None
