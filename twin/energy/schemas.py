"""API shapes of 数字节能 (energy)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AnomalyCheckPublic", "EnergyAnomalyPublic", "EnergyBaselinesPublic",
           "EnergyGroupPublic", "EnergyIndicatorsPublic", "EnergySummaryPublic",
           "MeterNodePublic", "MeterTreePublic", "VirtualMeterCreate", "VirtualMeterPublic"]


class EnergyGroupPublic(BaseModel):
    """One group of a summary: a meter, storey, system (分项 group) or category."""

    key: str
    label: str
    meters: list[str] = Field(description="the meters whose use makes up the group")
    total: float
    cost: float = Field(description="at the building's average price of each bucket")
    kgce: float | None
    co2_kg: float | None
    area_m2: float | None
    per_m2: float | None
    values: list[float] = Field(description="use per bucket")


class EnergySummaryPublic(BaseModel):
    """Use, cost, standard coal and CO2 per group and bucket, with the factors used."""

    building_id: int
    carrier: str
    unit: str
    start: str
    end: str = Field(description="exclusive")
    interval: str
    group_by: str
    buckets: list[str]
    total: dict[str, Any] = Field(description="amount, values, area_m2, per_m2, "
                                  "energy_cost, fixed_cost, total_cost, by_period, kgce, co2_kg")
    factors: dict[str, Any] = Field(description="the kgce and CO2 factors with their source")
    groups: list[EnergyGroupPublic]


class MeterNodePublic(BaseModel):
    """A meter of the tree: its use, its children's sum and the residual."""

    key: str
    name: str | None
    kind: str
    parent: str | None
    category: str | None
    storey: str | None
    storey_name: str | None
    virtual: bool
    terms: list[list[Any]]
    depth: int
    consumption: float
    children: list[str]
    children_sum: float
    residual: float | None = Field(description="consumption - children_sum (unmetered)")
    ratio: float | None = Field(description="children_sum / consumption")
    double_counting: bool


class MeterTreePublic(BaseModel):
    """The meter tree of one carrier over a period."""

    building_id: int
    carrier: str
    unit: str
    start: str
    end: str
    nodes: list[MeterNodePublic]


class VirtualMeterCreate(BaseModel):
    """A virtual meter: a sum/difference of others."""

    key: str = Field(min_length=1, max_length=100)
    terms: str = Field(min_length=1, max_length=2000, description="e.g. 'EM-1 + EM-2 - EM-3'")
    kind: str = "energy"
    parent: str | None = None
    category: str | None = None
    name: str | None = None


class VirtualMeterPublic(BaseModel):
    """A stored virtual meter."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    kind: str
    terms: str
    parent: str | None
    category: str | None
    name: str | None


class EnergyIndicatorsPublic(BaseModel):
    """A building-year: per carrier, intensities, kgce, CO2 and quota verdicts."""

    building_id: int
    year: int
    zone: str
    area_m2: float
    people: int
    carriers: list[dict[str, Any]]
    kgce: float
    co2_kg: float
    indicators: dict[str, float | None]
    quotas: list[dict[str, Any]]
    by_storey: list[dict[str, Any]]


class EnergyBaselinesPublic(BaseModel):
    """A meter's baselines: the daily change-point model, the hourly model, CUSUM."""

    model_config = ConfigDict(extra="allow")

    building_id: int
    meter: str
    start: str
    end: str
    reporting_from: str
    days: list[str]
    actual: list[float | None]
    temperature: list[float | None]
    daily: dict[str, Any] | None
    hourly: dict[str, Any] | None = None
    predicted: list[float] = []
    cusum: list[float] = []
    avoided: dict[str, Any] | None = None
    error: str | None = None


class EnergyAnomalyPublic(BaseModel):
    """One finding of an anomaly rule."""

    rule: str
    meter: str
    meter_name: str | None
    start: str
    end: str
    start_s: float
    end_s: float
    value: float
    threshold: float
    severity: str
    message: str


class AnomalyCheckPublic(BaseModel):
    """What an anomaly check found and how many alarms it raised or repeated."""

    findings: int
    alarms: list[str]
