"""HTTP routes of 数字安防 and 数字车管 (security, parking and the official fleet)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["security"])
