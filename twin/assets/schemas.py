"""Request and response bodies of 公物仓 (the shared asset pool)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AssetAuditCreate", "AssetAuditPublic", "AssetAvailabilityPublic", "AssetCreate",
           "AssetHistoryPublic", "AssetImportPublic", "AssetInsightPublic", "AssetInspectCreate",
           "AssetMemberCreate", "AssetNoteCreate", "AssetPagePublic", "AssetPublic",
           "AssetRemindersPublic", "AssetRequestCreate", "AssetRequestPublic",
           "AssetReservationCreate", "AssetScanCreate", "AssetScanPublic",
           "AssetTransitionCreate", "AssetUnitCreate", "AssetUnitMemberPublic", "AssetUnitPublic"]

_FROM = ConfigDict(from_attributes=True)


class AssetCreate(BaseModel):
    """A new item (or quantity lot) of the register."""

    name: str = Field(min_length=1, max_length=200)
    asset_class: str = Field(description="GET /vocabularies: asset_classes")
    building: int = Field(description="the building's id")
    room: str | None = Field(None, description="room number (the space's name) or GlobalId")
    value: float = Field(0.0, ge=0, description="purchase value, yuan")
    owner_unit: str = Field(description="the owning unit's code")
    model: str = Field("", max_length=120)
    kind: Literal["item", "lot"] = "item"
    quantity: int = Field(1, ge=1)
    purchase_date: date | None = None
    residual: float | None = Field(None, ge=0, description="residual value (default 5 %)")
    state: Literal["available", "intake", "transferred"] = Field(
        "available", description="available: checked into the pool; intake: awaiting "
                                 "inspection; transferred: still with its unit")


class AssetPublic(BaseModel):
    """An item of the register, where it is and its book value today."""

    id: int
    code: str = Field(description="what its QR label encodes")
    name: str
    asset_class: str
    model: str
    kind: str
    quantity: int
    owner_unit: str
    holder_unit: str | None
    holder: str | None
    building: int | None
    space_global_id: str | None
    room: str | None
    value: float
    book_value: float
    purchase_date: date | None
    state: str = Field(description="GET /vocabularies: asset_states")
    last_loan_end: date | None


class AssetPagePublic(BaseModel):
    """One page of a catalogue search."""

    items: list[AssetPublic]
    total: int
    page: int
    size: int


class AssetReservationCreate(BaseModel):
    """A loan asked for dates (a future-dated reservation)."""

    start: date
    end: date
    unit: str = Field(description="the borrowing unit's code")
    quantity: int = Field(1, ge=1)
    reason: str = ""


class AssetRequestCreate(BaseModel):
    """A request on an asset: hand-in, loan, transfer (to ``unit``) or disposal."""

    kind: Literal["hand_in", "loan", "transfer", "disposal"]
    unit: str
    start: date | None = None
    end: date | None = None
    quantity: int = Field(1, ge=1)
    reason: str = ""


class AssetApprovalPublic(BaseModel):
    """One signed step."""

    step: str
    by: str
    at: str
    decision: str
    note: str = ""


class AssetRequestPublic(BaseModel):
    """A request with its chain, signatures and progress."""

    id: int
    kind: str = Field(description="GET /vocabularies: asset_request_kinds")
    asset_id: int
    asset_code: str
    asset_name: str
    unit: str
    requester: str
    state: str = Field(description="GET /vocabularies: asset_request_states")
    quantity: int
    start: date | None
    end: date | None
    renewals: int
    reason: str
    chain: str
    steps: list[str]
    approvals: list[AssetApprovalPublic]
    next_step: str | None
    created_at: datetime
    handed_over_at: datetime | None
    confirmed_at: datetime | None
    returned_at: datetime | None
    completed_at: datetime | None


class AssetNoteCreate(BaseModel):
    """A note with an action (why)."""

    note: str = ""


class AssetInspectCreate(BaseModel):
    """The outcome of an inspection (归还待验 / 入库待验)."""

    outcome: Literal["available", "repair", "transferred", "disposed"] = "available"
    note: str = ""


class AssetTransitionCreate(BaseModel):
    """A direct state change (checked against the transition table)."""

    state: str
    reason: str = Field(min_length=1)


class AssetAvailabilityPublic(BaseModel):
    """Whether an item (or how much of a lot or model) is free for dates."""

    asset_id: int | None = None
    model: str | None = None
    start: date
    end: date
    free: bool
    free_quantity: int
    stock: int
    clash: dict[str, Any] | None = None
    bookings: list[dict[str, Any]] = Field(default_factory=list)


class AssetHistoryPublic(BaseModel):
    """A state change: who, when, why."""

    model_config = _FROM
    at: datetime
    actor: str
    from_state: str | None
    to_state: str
    reason: str
    request_id: int | None


class AssetUnitCreate(BaseModel):
    """A new unit."""

    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)


class AssetMemberCreate(BaseModel):
    """A person of a unit, as requester or approver (处室负责人)."""

    username: str
    role: Literal["requester", "approver"] = "requester"


class AssetUnitPublic(BaseModel):
    """A unit and its people."""

    code: str
    name: str
    members: list[dict[str, str]]
    assets: int = 0


class AssetAuditCreate(BaseModel):
    """A stock count of a building (or one room of it)."""

    name: str = Field(min_length=1, max_length=200)
    building: int
    room: str | None = None
    scheduled: date | None = None


class AssetScanCreate(BaseModel):
    """A QR scan during a count."""

    code: str = Field(min_length=1)
    room: str | None = Field(None, description="where it was found: number or GlobalId")


class AssetAuditPublic(BaseModel):
    """A count with its progress and discrepancies."""

    id: int
    name: str
    state: str
    scheduled: date
    building: int | None
    space_global_id: str | None
    expected: int
    scanned: int
    discrepancies: list[dict[str, Any]]


class AssetImportPublic(BaseModel):
    """What an import registered and the rows it left out."""

    created: int
    ids: list[int]
    problems: list[dict[str, Any]]


class AssetUnitMemberPublic(BaseModel):
    """A person's place in a unit."""

    unit: str
    username: str
    role: str


class AssetScanPublic(BaseModel):
    """What a scan found: ``ok``, ``misplaced`` or ``unexpected``."""

    asset: int
    code: str
    name: str
    status: str


class AssetRemindersPublic(BaseModel):
    """The reminders the overdue job sent (push-stream messages ``asset_reminder``)."""

    reminders: list[dict[str, Any]]


class AssetInsightPublic(BaseModel):
    """The pool's figures."""

    today: str
    total: int
    states: dict[str, int]
    classes: dict[str, int]
    idle_days: int
    idle: list[dict[str, Any]] = Field(description="per unit: unit, name, count, assets")
    idle_total: int
    utilisation: float = Field(description="days on loan ÷ days available, last window_days")
    window_days: int
    lead_time: dict[str, Any] = Field(description="request → hand-over: count, median_days, "
                                                  "p90_days, mean_days, within_one_day, "
                                                  "histogram")
    overdue: int
