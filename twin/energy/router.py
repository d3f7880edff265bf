"""HTTP routes of 数字节能 (energy)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["energy"])
