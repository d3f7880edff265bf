"""Distances that decide what counts as touching, in one dataclass (metres)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_TOLERANCES", "Tolerances"]


@dataclass(frozen=True, slots=True)
class Tolerances:
    """Geometric tolerances used while building the graph.

    Attributes
    ----------
    wall : float
        Two space footprints this close or closer may be adjacent: the thickest wall
        expected between rooms.
    min_shared_length : float
        Length of boundary two adjacent spaces must share, so that rooms meeting only at a
        corner are not adjacent.
    z_slack : float
        Slack on height ranges when asking whether a point or element is inside a space.
    storey_slack : float
        Slack on a storey's elevation when deciding which storeys a stair reaches.
    """

    wall: float = 0.4
    min_shared_length: float = 1.0
    z_slack: float = 0.1
    storey_slack: float = 0.5


DEFAULT_TOLERANCES = Tolerances()
