"""Tables of 数字节能 (energy)."""

from __future__ import annotations

from twin.core.tables import Base

__all__: list[str] = []

assert Base  # the domain's tables derive from it
