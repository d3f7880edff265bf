"""Tables of 数字安防 and 数字车管 (security, parking and the official fleet)."""

from __future__ import annotations

from twin.core.tables import Base

__all__: list[str] = []

assert Base  # the domain's tables derive from it
