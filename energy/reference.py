"""Reference data of 数字节能 read from TOML: conversion factors to standard coal (kgce) and
CO2, quota tables (能耗定额) and tariffs. Each value keeps its source, so that every result
can state the factor it used."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from energy.errors import QuotaError
from energy.tariffs import Tariff, parse_tariffs

__all__ = ["Factor", "QuotaTable", "QuotaVerdict", "conversion_factors", "judge",
           "load_toml", "quota_tables", "sample_tariffs"]


@dataclass(frozen=True, slots=True)
class Factor:
    """A conversion factor of one carrier: ``value`` per ``per_unit``, its source."""

    carrier: str
    what: str  # "kgce_equivalent", "kgce_equivalent_primary", "co2_kg"
    value: float
    per_unit: str
    source: str
    verified: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {"carrier": self.carrier, "what": self.what, "value": self.value,
                "per_unit": self.per_unit, "source": self.source, "verified": self.verified}


@dataclass(frozen=True, slots=True)
class QuotaTable:
    """One quota table: limits per climate zone of one indicator and building class."""

    table_id: str
    indicator: str
    unit: str
    building_class: str
    source: str
    verified: bool
    zones: Mapping[str, Mapping[str, float]]


@dataclass(frozen=True, slots=True)
class QuotaVerdict:
    """An indicator against a table: ``verdict`` is ``guide``, ``benchmark``,
    ``constraint`` or ``over`` (:data:`energy.choices.QUOTA_VERDICTS`)."""

    indicator: str
    value: float
    unit: str
    zone: str
    constraint: float
    benchmark: float
    guide: float
    verdict: str
    table_id: str
    source: str
    verified: bool


def load_toml(name_or_path: str | Path) -> dict[str, Any]:
    """A TOML file of :mod:`energy.data` (by file name) or at a path."""
    if isinstance(name_or_path, Path):
        return tomllib.loads(name_or_path.read_text(encoding="utf-8"))
    return tomllib.loads(resources.files("energy.data").joinpath(name_or_path)
                         .read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def conversion_factors(name: str = "factors.toml") -> dict[tuple[str, str], Factor]:
    """``{(carrier, what): Factor}`` from the factors table."""
    out = {}
    for carrier, row in load_toml(name).items():
        for what in ("kgce_equivalent", "kgce_equivalent_primary", "co2_kg"):
            if what in row:
                source_key = "co2_source" if what == "co2_kg" else f"{what}_source"
                verified_key = "co2_verified" if what == "co2_kg" else f"{what}_verified"
                out[carrier, what] = Factor(carrier, what, float(row[what]), row["unit"],
                                            str(row.get(source_key, "")),
                                            bool(row.get(verified_key, False)))
    return out


@lru_cache(maxsize=4)
def quota_tables(name: str = "quotas.toml") -> tuple[QuotaTable, ...]:
    """Every quota table of the file.

    Raises
    ------
    QuotaError
        A zone whose values are not constraint >= benchmark >= guide.
    """
    tables = []
    for item in load_toml(name).get("table", []):
        zones = {zone: {k: float(v) for k, v in limits.items()}
                 for zone, limits in item.get("zones", {}).items()}
        for zone, limits in zones.items():
            if not limits.get("constraint", 0) >= limits.get("benchmark", 0) >= \
                    limits.get("guide", 0):
                raise QuotaError(f"quota table {item.get('id')}, zone {zone}: needs "
                                 "constraint >= benchmark >= guide")
        tables.append(QuotaTable(str(item["id"]), str(item["indicator"]), str(item["unit"]),
                                 str(item.get("building_class", "")), str(item["source"]),
                                 bool(item.get("verified", False)), zones))
    return tuple(tables)


def judge(indicator: str, value: float, *, zone: str,
          tables: Sequence[QuotaTable] | None = None,
          building_class: str = "government_office") -> QuotaVerdict | None:
    """``value`` of ``indicator`` against the first table that has it for ``zone`` (None
    when no table does).

    Examples
    --------
    >>> judge("electricity_per_m2", 65.0, zone="cold").verdict
    'constraint'
    """
    for table in quota_tables() if tables is None else tables:
        if table.indicator != indicator or table.building_class != building_class:
            continue
        limits = table.zones.get(zone)
        if limits is None:
            continue
        verdict = ("guide" if value <= limits["guide"] else
                   "benchmark" if value <= limits["benchmark"] else
                   "constraint" if value <= limits["constraint"] else "over")
        return QuotaVerdict(indicator, value, table.unit, zone, limits["constraint"],
                            limits["benchmark"], limits["guide"], verdict, table.table_id,
                            table.source, table.verified)
    return None


@lru_cache(maxsize=4)
def _sample_tariffs(name: str) -> tuple[Tariff, ...]:
    return tuple(parse_tariffs(load_toml(name).get("tariff", [])))


def sample_tariffs(name: str = "tariffs.toml") -> list[Tariff]:
    """The tariffs of a tariff file (default: the sample building's examples)."""
    return list(_sample_tariffs(name))
