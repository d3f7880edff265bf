"""Tables of 会议一件事 (meetings)."""

from __future__ import annotations

from twin.core.tables import Base

__all__: list[str] = []

assert Base  # the domain's tables derive from it
