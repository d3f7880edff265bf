"""HTTP routes of 公物仓 (the shared asset pool)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["assets"])
