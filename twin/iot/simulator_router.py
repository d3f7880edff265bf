"""The in-process reading simulator (``TWIN_SIMULATE``, on in ``twin demo``): its status and
fault injection — a stuck or drifting sensor, an offline device, a failed AHU."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from twin.core.deps import SessionDep, require
from twin.core.tables import User
from twin.iot import service
from twin.iot.schemas import FaultCreate, FaultPublic, FaultsClearedPublic, SimulatorPublic
from twin.iot.simulator import Simulator

__all__ = ["router"]

router = APIRouter(prefix="/simulator", tags=["simulator"])
Operator = Annotated[User, Depends(require("simulator.control"))]


def _simulator(request: Request) -> Simulator:
    return service.running_simulator(request.app.state.live.simulator)


@router.get("", response_model=SimulatorPublic)
def status(request: Request, _user: Operator) -> SimulatorPublic:
    """What the simulator drives, how far it got, and the faults in force."""
    return service.simulator_status(_simulator(request))


@router.post("/faults", response_model=FaultPublic, status_code=201)
def inject(body: FaultCreate, request: Request, user: Operator,
           session: SessionDep) -> FaultPublic:
    """Inject a fault from now on, on devices of the caller's buildings (audited)."""
    return service.inject_fault(_simulator(request), body, user=user,
                                ingestor=request.app.state.ingestor, session=session)


@router.delete("/faults", response_model=FaultsClearedPublic)
def clear(request: Request, user: Operator, session: SessionDep) -> FaultsClearedPublic:
    """Remove the injected faults of the caller's buildings (audited)."""
    return service.clear_faults(_simulator(request), user=user,
                                ingestor=request.app.state.ingestor, session=session)
