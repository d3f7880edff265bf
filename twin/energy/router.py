"""HTTP routes of 数字节能 (energy): the summary, the meter tree, the yearly indicators with
quota verdicts, baselines, anomalies and the yearly report. Reading needs ``energy.read``;
defining virtual meters and raising anomaly alarms ``energy.manage``."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse

from twin.core.deps import SessionDep, SettingsDep, require
from twin.core.tables import User
from twin.energy import analysis, service
from twin.energy.schemas import (
    AnomalyCheckPublic,
    EnergyAnomalyPublic,
    EnergyBaselinesPublic,
    EnergyIndicatorsPublic,
    EnergySummaryPublic,
    MeterTreePublic,
    VirtualMeterCreate,
    VirtualMeterPublic,
)
from twin.portfolio import service as portfolio

__all__ = ["router"]

router = APIRouter(prefix="/buildings/{building_id}/energy", tags=["energy"])
Reader = Annotated[User, Depends(require("energy.read"))]
Manager = Annotated[User, Depends(require("energy.manage"))]
Start = Annotated[dt.date | None, Query(description="first day (default: a year before end)")]
End = Annotated[dt.date | None, Query(description="day after the last (default: after the "
                                                  "last stored day)")]
Carrier = Annotated[Literal["electricity", "water", "gas", "heat"], Query()]


def _period(session, building, start, end) -> service.Period:
    return service.period_of(session, service.meter_set(session, building), start, end)


@router.get("/summary", response_model=EnergySummaryPublic)
def summary(building_id: int, session: SessionDep, user: Reader, start: Start = None,
            end: End = None,
            group_by: Literal["meter", "storey", "system", "category"] = "category",
            interval: Literal["hour", "day", "month"] = "day",
            carrier: Carrier = "electricity") -> dict:
    """Use (kWh, m³), cost, standard coal (kgce) and CO2 per group and bucket; per m²."""
    building = portfolio.get_building(session, building_id, user)
    return service.summary(session, building, period=_period(session, building, start, end),
                           group_by=group_by, interval=interval, carrier=carrier)


@router.get("/meters", response_model=MeterTreePublic)
def meters(building_id: int, session: SessionDep, user: Reader, start: Start = None,
           end: End = None, carrier: Carrier = "electricity") -> dict:
    """The meter tree: each meter's use, its sub-meters' sum, the unmetered residual and
    double counting (sub-meters over 102 % of their parent)."""
    building = portfolio.get_building(session, building_id, user)
    return service.tree(session, building, period=_period(session, building, start, end),
                        carrier=carrier)


@router.post("/meters/virtual", response_model=VirtualMeterPublic, status_code=201)
def add_virtual_meter(building_id: int, body: VirtualMeterCreate, session: SessionDep,
                      user: Manager) -> VirtualMeterPublic:
    """Define a virtual meter (sums and differences of other meters)."""
    building = portfolio.get_building(session, building_id, user)
    row = service.add_virtual_meter(session, building, key=body.key, terms=body.terms,
                                    kind=body.kind, parent=body.parent,
                                    category=body.category, name=body.name,
                                    actor=user.username)
    return VirtualMeterPublic.model_validate(row)


@router.get("/indicators", response_model=EnergyIndicatorsPublic)
def indicators(building_id: int, session: SessionDep, settings: SettingsDep, user: Reader,
               year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
               zone: Annotated[str | None, Query(description="climate zone of the quota "
                                                 "tables (default: the setting)")] = None
               ) -> dict:
    """The building-year: use per carrier, per m² and per person, cost, kgce, CO2 and the
    verdicts against the quota tables (约束值 / 基准值 / 引导值)."""
    building = portfolio.get_building(session, building_id, user)
    year = year or dt.datetime.now(dt.UTC).year
    return analysis.indicators(session, building, year=year,
                               zone=zone or settings.energy_climate_zone)


@router.get("/baselines", response_model=EnergyBaselinesPublic)
def baselines(building_id: int, session: SessionDep, user: Reader, start: Start = None,
              end: End = None, reporting_from: dt.date | None = None,
              meter: str | None = None) -> dict:
    """The daily change-point and hourly time-of-week baselines of a meter (default: the
    main meter): CV(RMSE), NMBE, ASHRAE Guideline 14 verdict, data sufficiency; the
    prediction after ``reporting_from``, avoided energy and CUSUM."""
    building = portfolio.get_building(session, building_id, user)
    return analysis.baselines(session, building,
                              period=_period(session, building, start, end),
                              reporting_from=reporting_from, meter=meter)


@router.get("/anomalies", response_model=list[EnergyAnomalyPublic])
def anomalies(building_id: int, session: SessionDep, user: Reader, start: Start = None,
              end: End = None) -> list[dict]:
    """What the anomaly rules find (base load, out of hours, resets, gaps, flat lines,
    double counting) over the period's last 92 days."""
    building = portfolio.get_building(session, building_id, user)
    return analysis.anomalies(session, building, period=_period(session, building, start, end))


@router.post("/anomalies/check", response_model=AnomalyCheckPublic)
def check_anomalies(building_id: int, request: Request, session: SessionDep,
                    user: Manager) -> AnomalyCheckPublic:
    """Run the anomaly rules now and raise their alarms (alarm console, work orders)."""
    from twin.energy.watch import check_building

    portfolio.get_building(session, building_id, user)
    found, alarms = check_building(request.app.state.database, request.app.state.maintenance,
                                   building_id)
    return AnomalyCheckPublic(findings=found, alarms=alarms)


@router.get("/report", response_class=FileResponse,
            responses={200: {"content": {
                "application/pdf": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def report(building_id: int, session: SessionDep, settings: SettingsDep, user: Reader,
           year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
           format: Literal["xlsx", "pdf"] = "xlsx") -> FileResponse:
    """The yearly energy statistics report (能源资源消费统计表) as XLSX or PDF."""
    from twin.energy.report_files import write_report

    building = portfolio.get_building(session, building_id, user)
    year = year or dt.datetime.now(dt.UTC).year
    data = analysis.indicators(session, building, year=year, zone=settings.energy_climate_zone)
    folder = Path(tempfile.mkdtemp(prefix="energy-report-"))
    path = write_report(data, building.name, folder / f"energy-{building_id}-{year}.{format}")
    media = ("application/pdf" if format == "pdf" else
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return FileResponse(path, media_type=media, filename=path.name)
