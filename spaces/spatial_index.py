"""A spatial index over space footprints and height ranges (shapely ``STRtree``).

Used to place equipment in spaces, to find the spaces on both sides of a door, the spaces a
stair opens into, adjacency from geometry, and "which space is this point in".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

__all__ = ["IndexedSpace", "SpaceIndex"]


@dataclass(frozen=True, slots=True)
class IndexedSpace:
    """One space in the index: its GlobalId, storey, footprint and height range (metres)."""

    global_id: str
    storey: str | None
    footprint: BaseGeometry
    z_min: float
    z_max: float

    def overlaps_z(self, low: float, high: float, slack: float = 0.0) -> bool:
        """True if ``[low, high]`` overlaps this space's height range widened by ``slack``."""
        return low <= self.z_max + slack and high >= self.z_min - slack


class SpaceIndex:
    """Spaces with footprints, queryable by point, geometry and distance.

    Parameters
    ----------
    spaces : iterable of IndexedSpace
        Spaces that have a footprint.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> index = SpaceIndex([IndexedSpace("a", None, box(0, 0, 4, 3), 0.0, 3.0)])
    >>> index.at_point(1.0, 1.0, 1.5)
    'a'
    """

    def __init__(self, spaces: Iterable[IndexedSpace]) -> None:
        self.spaces: list[IndexedSpace] = list(spaces)
        self._tree = shapely.STRtree([s.footprint for s in self.spaces])

    def __len__(self) -> int:
        return len(self.spaces)

    def candidates(self, geometry: BaseGeometry, distance: float = 0.0) -> list[IndexedSpace]:
        """Spaces whose footprint lies within ``distance`` of ``geometry`` in XY."""
        if not self.spaces:
            return []
        if distance > 0:
            hits = self._tree.query(geometry, predicate="dwithin", distance=distance)
        else:
            hits = self._tree.query(geometry, predicate="intersects")
        return [self.spaces[i] for i in np.sort(hits)]

    def pairs_within(self, distance: float) -> list[tuple[IndexedSpace, IndexedSpace]]:
        """Pairs of spaces whose footprints lie within ``distance`` and whose height ranges
        overlap (one bulk query)."""
        if len(self.spaces) < 2:
            return []
        footprints = [s.footprint for s in self.spaces]
        left, right = self._tree.query(footprints, predicate="dwithin", distance=distance)
        low = np.array([s.z_min for s in self.spaces])
        high = np.array([s.z_max for s in self.spaces])
        # Same height range only: storeys stack spaces at the same XY.
        keep = (left < right) & (low[left] < high[right]) & (low[right] < high[left])
        return [(self.spaces[i], self.spaces[j]) for i, j in zip(left[keep], right[keep],
                                                                  strict=True)]

    def containing(self, x: float, y: float, z: float | None = None,
                   z_slack: float = 0.1) -> list[IndexedSpace]:
        """Spaces whose footprint covers ``(x, y)`` and, if ``z`` is given, whose height
        range (widened by ``z_slack``) holds ``z``; smallest footprint first."""
        point = Point(x, y)
        found = [s for s in self.candidates(point)
                 if s.footprint.covers(point)
                 and (z is None or s.overlaps_z(z, z, z_slack))]
        return sorted(found, key=lambda s: s.footprint.area)

    def at_point(self, x: float, y: float, z: float | None = None,
                 z_slack: float = 0.1) -> str | None:
        """GlobalId of the (smallest) space holding the point, or ``None``."""
        found = self.containing(x, y, z, z_slack)
        return found[0].global_id if found else None
