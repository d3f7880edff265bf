"""Bookable rooms from the building model: meeting spaces by use or name (or marked bookable
by an administrator), their capacity (the IFC occupancy number, an administrator's figure, or
the area at 2 m² a seat) and the equipment the model places in them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "M2_PER_SEAT",
    "EquipmentFacts",
    "Room",
    "SpaceFacts",
    "bookable_rooms",
    "features_of",
    "is_meeting_space",
]

#: Area per seat of a meeting room when nothing else gives the capacity (m²).
M2_PER_SEAT = 2.0
_MEETING_WORDS = ("meeting", "conference", "会议", "洽谈", "besprech", "konferenz", "boardroom",
                  "seminar")
_FEATURE_WORDS = {
    "screen": ("screen", "display", "monitor", "tv", "显示", "大屏"),
    "projector": ("projector", "beamer", "投影"),
    "video": ("video", "camera", "codec", "视频"),
}


@dataclass(frozen=True)
class SpaceFacts:
    """What the model says about a space (plain data, from the element rows)."""

    global_id: str
    name: str
    long_name: str | None = None
    object_type: str | None = None
    storey: str | None = None
    storey_name: str | None = None
    area: float | None = None
    occupancy_number: int | None = None
    centroid: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class EquipmentFacts:
    """An element the model places in a space."""

    global_id: str
    space: str
    ifc_class: str
    name: str | None = None
    type_name: str | None = None
    predefined_type: str | None = None


@dataclass(frozen=True)
class Room:
    """A bookable room.

    ``number`` is the space's name (its room number), ``capacity_source`` one of
    ``admin``, ``ifc`` or ``area``.
    """

    global_id: str
    number: str
    name: str
    storey: str | None
    storey_name: str | None
    capacity: int
    capacity_source: str
    area: float | None = None
    features: tuple[str, ...] = ()
    equipment: tuple[str, ...] = field(default=(), compare=False)
    centroid: tuple[float, float, float] | None = None


def is_meeting_space(space: SpaceFacts) -> bool:
    """Whether the space's use or name says meeting room.

    Examples
    --------
    >>> is_meeting_space(SpaceFacts("x", "2.05", long_name="Meeting room (small)"))
    True
    >>> is_meeting_space(SpaceFacts("y", "2.06", long_name="Office"))
    False
    """
    text = " ".join(filter(None, (space.name, space.long_name, space.object_type))).lower()
    return any(word in text for word in _MEETING_WORDS)


def features_of(items: Iterable[EquipmentFacts]) -> tuple[str, ...]:
    """The room features (``screen``, ``projector``, ``video``) its equipment gives."""
    found = set()
    for item in items:
        text = " ".join(filter(None, (item.ifc_class, item.name, item.type_name,
                                      item.predefined_type))).lower()
        if "audiovisual" in text and not any(w in text for w in _FEATURE_WORDS["projector"]):
            found.add("screen")
        found.update(k for k, words in _FEATURE_WORDS.items() if any(w in text for w in words))
    return tuple(k for k in _FEATURE_WORDS if k in found)


def _capacity(space: SpaceFacts, admin: int | None) -> tuple[int, str]:
    if admin is not None:
        return admin, "admin"
    if space.occupancy_number:
        return int(space.occupancy_number), "ifc"
    return max(2, math.floor((space.area or 0.0) / M2_PER_SEAT)), "area"


def bookable_rooms(spaces: Iterable[SpaceFacts], equipment: Iterable[EquipmentFacts] = (), *,
                   marked: Mapping[str, bool] | None = None,
                   capacities: Mapping[str, int] | None = None,
                   extra_features: Mapping[str, Iterable[str]] | None = None) -> list[Room]:
    """The bookable rooms of a building, by storey and number.

    Parameters
    ----------
    spaces, equipment : iterable
        The model's spaces and the elements placed in them.
    marked : mapping, optional
        GlobalId -> bookable, an administrator's choice over the model's use.
    capacities : mapping, optional
        GlobalId -> seats, an administrator's figure over the model's.
    extra_features : mapping, optional
        GlobalId -> features an administrator declares (equipment not in the model).
    """
    marked, capacities, extra = marked or {}, capacities or {}, extra_features or {}
    by_space: dict[str, list[EquipmentFacts]] = {}
    for item in equipment:
        by_space.setdefault(item.space, []).append(item)
    rooms = []
    for space in spaces:
        if not marked.get(space.global_id, is_meeting_space(space)):
            continue
        capacity, source = _capacity(space, capacities.get(space.global_id))
        items = by_space.get(space.global_id, [])
        features = set(features_of(items)) | set(extra.get(space.global_id, ()))
        rooms.append(Room(space.global_id, space.name or space.global_id,
                          space.long_name or space.name or space.global_id, space.storey,
                          space.storey_name, capacity, source, space.area,
                          tuple(k for k in _FEATURE_WORDS if k in features),
                          tuple(i.global_id for i in items), space.centroid))
    return sorted(rooms, key=lambda r: (r.storey_name or "", r.number))
