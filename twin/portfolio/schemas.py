"""Request and response bodies of the portfolio: buildings, revisions, elements, graph
queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BuildingPublic",
    "DiffPublic",
    "ElementPublic",
    "EquipmentDetailPublic",
    "PathPublic",
    "RevisionPublic",
    "RevisionUploadedPublic",
    "SpaceDetailPublic",
    "SpaceOfPointPublic",
    "SpaceUsePublic",
    "SpaceUseUpdate",
]


class RevisionPublic(BaseModel):
    """A model revision of a building."""

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
    """A building with its latest revision."""

    id: int
    name: str
    created_at: datetime
    revision: RevisionPublic | None


class ElementPublic(BaseModel):
    """An element row: identity, place and ``data`` (keys: ``spaces.element_data``)."""

    model_config = ConfigDict(from_attributes=True)
    global_id: str
    kind: str
    ifc_class: str
    name: str | None
    storey: str | None
    space: str | None
    data: dict[str, Any]


class SpaceDetailPublic(BaseModel):
    """A space with its equipment, neighbours and doors."""

    space: ElementPublic
    equipment: list[ElementPublic]
    neighbours: list[ElementPublic]
    doors: list[ElementPublic]


class EquipmentDetailPublic(BaseModel):
    """An item of equipment with what feeds it and what it feeds."""

    equipment: ElementPublic
    upstream: list[ElementPublic]
    downstream: list[ElementPublic]


class SpaceOfPointPublic(BaseModel):
    """The space holding a point, if any."""

    x: float
    y: float
    z: float | None
    space: ElementPublic | None


class PathPublic(BaseModel):
    """A walk between two spaces: the elements passed and the length walked (m)."""

    steps: list[ElementPublic]
    length: float


class DiffPublic(BaseModel):
    """What changed between two revisions, by GlobalId."""

    old: int
    new: int
    appeared: list[dict[str, Any]]
    disappeared: list[dict[str, Any]]
    moved: list[dict[str, Any]]
    relocated: list[dict[str, Any]]


class RevisionUploadedPublic(RevisionPublic):
    """A new revision and what changed against the one before it (``None`` for the first)."""

    changes: DiffPublic | None = None


class SpaceUsePublic(BaseModel):
    """A space's effective use: an officer's override, else what the model says."""

    global_id: str
    name: str | None
    long_name: str | None
    storey: str | None
    use: str = Field(description="a value of GET /vocabularies space_uses")
    confidence: float = Field(ge=0, le=1)
    source: str = Field(description="override, classification, pset, object_type, long_name, "
                                    "name or none")
    evidence: str
    model_use: str = Field(description="what the model alone says")
    note: str | None
    overridden_by: str | None


class SpaceUseUpdate(BaseModel):
    """A housing officer's word on a space's use."""

    use: str = Field(min_length=1, max_length=20, examples=["office"])
    note: str = Field(default="", max_length=500)
