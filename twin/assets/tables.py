"""Tables of 公物仓 (the shared asset pool)."""

from __future__ import annotations

from twin.core.tables import Base

__all__: list[str] = []

assert Base  # the domain's tables derive from it
