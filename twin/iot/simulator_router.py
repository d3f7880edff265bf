"""The in-process reading simulator (``TWIN_SIMULATE``, on in ``twin demo``): its status and
fault injection — a stuck or drifting sensor, an offline device, a failed AHU."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from twin.core.deps import require_roles
from twin.core.errors import ConflictError
from twin.core.tables import User
from twin.iot.simulator import Simulator, fault_from_request

__all__ = ["router"]

router = APIRouter(prefix="/simulator", tags=["simulator"])
Operator = Annotated[User, Depends(require_roles("admin", "maintenance"))]


class FaultIn(BaseModel):
    kind: str = Field(description="stuck, drift, offline or ahu_failure")
    target: str = Field(description="a device serial key, or an AHU's name for ahu_failure")
    minutes: float | None = Field(None, gt=0, description="how long; default until cleared")
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="e.g. rate_per_hour for drift")


def _simulator(request: Request) -> Simulator:
    simulator = request.app.state.live.simulator
    if simulator is None:
        raise ConflictError("the simulator is not running in this server (TWIN_SIMULATE=1 or "
                            "twin demo starts it)")
    return simulator


def _describe(simulator: Simulator) -> dict[str, Any]:
    return {"devices": len(simulator.devices), "readings_sent": simulator.sent,
            "simulated_until": simulator.simulated, "speed": simulator.speed,
            "faults": [f.to_dict() for f in simulator.faults],
            "ahu_failure_targets": sorted(simulator.templates)}


@router.get("")
def status(request: Request, _user: Operator) -> dict[str, Any]:
    """What the simulator drives, how far it got, and the faults in force."""
    return _describe(_simulator(request))


@router.post("/faults", status_code=201)
def inject(body: FaultIn, request: Request, _user: Operator) -> dict[str, Any]:
    """Inject a fault from now on."""
    simulator = _simulator(request)
    fault = simulator.inject(fault_from_request(body.kind, body.target, start=time.time(),
                                                minutes=body.minutes, params=body.params))
    return fault.to_dict()


@router.delete("/faults")
def clear(request: Request, _user: Operator) -> dict[str, int]:
    """Remove every injected fault."""
    return {"cleared": _simulator(request).clear_faults()}
