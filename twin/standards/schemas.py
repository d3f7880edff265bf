"""Response models of the open-standards endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field

from twin.iot.schemas import DevicePublic
from twin.maintenance.schemas import WorkOrderPublic

__all__ = ["BcfImportPublic", "BcfSkippedPublic", "BrickImportPublic", "BrickSkippedPublic",
           "QualityElementPublic", "QualityReportPublic", "QualityRequirementPublic"]


class QualityElementPublic(BaseModel):
    """An element failing a requirement."""

    global_id: str = Field(description="Its GlobalId ('' when it has none).")
    step_id: int = Field(description="Its entity number (#n) in the IFC file.")
    ifc_class: str
    name: str | None = None
    reason: str = Field(description="Why it fails, as the checker says it.")


class QualityRequirementPublic(BaseModel):
    """One requirement of the IDS file or of the twin's own GlobalId checks."""

    name: str = Field(description="The requirement's name (IDS identifier); what "
                                  "TWIN_IDS_BLOCKING lists.")
    title: str
    source: str = Field(description="'ids' (checked by ifctester) or 'twin' (GlobalIds).")
    status: str = Field(description="passed, failed or not_applicable.")
    blocking: bool = Field(description="Whether failing it refuses the upload.")
    applicable: int = Field(description="How many elements it applies to.")
    failed: int = Field(description="How many fail it.")
    elements: list[QualityElementPublic] = Field(description="The failing elements (at most "
                                                             "500).")


class QualityReportPublic(BaseModel):
    """The model-quality report stored with a revision."""

    building_id: int
    revision: int
    ids: str = Field(description="The IDS file's title.")
    ids_file: str
    file: str = Field(description="The uploaded file's name.")
    ifc_schema: str | None = Field(default=None, description="The model's IFC schema.")
    passed: bool = Field(description="No blocking requirement failed.")
    blocking_failures: list[str]
    requirements: list[QualityRequirementPublic]


class BcfSkippedPublic(BaseModel):
    """A BCF topic that did not become a work order, and why."""

    topic: str = Field(description="The topic's GUID.")
    title: str
    reason: str


class BcfImportPublic(BaseModel):
    """What a BCF import did: the work orders opened and the topics skipped."""

    created: list[WorkOrderPublic]
    skipped: list[BcfSkippedPublic]


class BrickSkippedPublic(BaseModel):
    """A Brick point that did not become a device, and why."""

    point: str = Field(description="The point's IRI.")
    reason: str


class BrickImportPublic(BaseModel):
    """What a Brick import registered and skipped."""

    registered: list[DevicePublic]
    skipped: list[BrickSkippedPublic]
