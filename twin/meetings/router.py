"""HTTP routes of 会议一件事 (meetings)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["meetings"])
