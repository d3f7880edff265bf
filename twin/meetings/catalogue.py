"""The bookable rooms of a building: the model's meeting spaces (element rows of the latest
revision) with an administrator's settings (``meeting_rooms``) laid over them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetings.bookings import RoomPolicy
from meetings.errors import PolicyError, UnknownRoomError
from meetings.rooms import EquipmentFacts, Room, SpaceFacts, bookable_rooms
from spaces.element_data import ElementData, area_of
from twin.core.tables import Building, ElementRow
from twin.meetings.tables import MeetingRoomRow
from twin.portfolio.service import latest_revision

__all__ = ["RoomEntry", "find_room", "room_entries", "set_room"]

#: Keys an element's data may carry for the IFC occupancy number.
_OCCUPANCY_KEYS = ("occupancy_number", "OccupancyNumber")


class RoomEntry:
    """A bookable room with its policy and approver (``room``: :class:`meetings.rooms.Room`)."""

    __slots__ = ("approver", "building_id", "policy", "room")

    def __init__(self, building_id: int, room: Room, policy: RoomPolicy,
                 approver: str | None) -> None:
        self.building_id, self.room, self.policy, self.approver = \
            building_id, room, policy, approver


def _spaces_and_equipment(session: Session, building: Building
                          ) -> tuple[list[SpaceFacts], list[EquipmentFacts]]:
    revision = latest_revision(session, building)
    rows = list(session.scalars(select(ElementRow).where(
        ElementRow.revision_id == revision.id,
        ElementRow.kind.in_(("storey", "space", "equipment")))))
    storeys = {r.global_id: r.name for r in rows if r.kind == "storey"}
    spaces = []
    for r in rows:
        if r.kind != "space":
            continue
        occupancy = next((r.data[k] for k in _OCCUPANCY_KEYS if r.data.get(k)), None)
        centroid = r.data.get(ElementData.CENTROID)
        spaces.append(SpaceFacts(r.global_id, r.name or r.global_id,
                                 r.data.get(ElementData.LONG_NAME),
                                 r.data.get(ElementData.OBJECT_TYPE), r.storey,
                                 storeys.get(r.storey), area_of(r.data),
                                 int(occupancy) if occupancy else None,
                                 tuple(centroid) if centroid else None))
    equipment = [EquipmentFacts(r.global_id, r.space, r.ifc_class, r.name,
                                r.data.get(ElementData.TYPE_NAME),
                                r.data.get(ElementData.PREDEFINED_TYPE))
                 for r in rows if r.kind == "equipment" and r.space]
    return spaces, equipment


def room_entries(session: Session, building: Building, *, include_hidden: bool = False
                 ) -> list[RoomEntry]:
    """The bookable rooms of ``building`` (``include_hidden``: also those an administrator
    marked not bookable, for the settings page)."""
    settings = {r.global_id: r for r in session.scalars(
        select(MeetingRoomRow).where(MeetingRoomRow.building_id == building.id))}
    spaces, equipment = _spaces_and_equipment(session, building)
    marked = {g: s.bookable for g, s in settings.items() if s.bookable is not None}
    if include_hidden:
        marked = {g: True for g, b in marked.items() if not b} | marked
    capacities = {g: s.capacity for g, s in settings.items() if s.capacity is not None}
    extra = {g: s.features for g, s in settings.items() if s.features}
    rooms = bookable_rooms(spaces, equipment, marked=marked, capacities=capacities,
                           extra_features=extra)
    return [RoomEntry(building.id, room,
                      RoomPolicy.from_dict(settings[room.global_id].policy
                                           if room.global_id in settings else None),
                      settings[room.global_id].approver if room.global_id in settings else None)
            for room in rooms]


def find_room(entries: list[RoomEntry], text: str) -> RoomEntry:
    """The room whose GlobalId or number is ``text``.

    Raises
    ------
    UnknownRoomError
    """
    wanted = text.strip()
    for entry in entries:
        if wanted in (entry.room.global_id, entry.room.number):
            return entry
    raise UnknownRoomError(wanted)


def set_room(session: Session, building: Building, global_id: str, *,
             bookable: bool | None = None, capacity: int | None = None,
             features: list[str] | None = None, approver: str | None = None,
             policy: dict | None = None) -> RoomEntry:
    """An administrator's settings for a space (any space: marking one bookable adds it).

    Raises
    ------
    UnknownRoomError
        No space with this GlobalId or number in the latest revision.
    PolicyError
        A policy out of range.
    """
    spaces, _equipment = _spaces_and_equipment(session, building)
    space = next((s for s in spaces if global_id in (s.global_id, s.name)), None)
    if space is None:
        raise UnknownRoomError(global_id)
    row = session.scalar(select(MeetingRoomRow).where(
        MeetingRoomRow.building_id == building.id, MeetingRoomRow.global_id == space.global_id))
    if row is None:
        row = MeetingRoomRow(building_id=building.id, global_id=space.global_id, policy={})
        session.add(row)
    if bookable is not None:
        row.bookable = bookable
    if capacity is not None:
        row.capacity = capacity
    if features is not None:
        unknown = set(features) - {"screen", "projector", "video"}
        if unknown:
            raise PolicyError(f"unknown feature {sorted(unknown)[0]!r}; use screen, "
                              f"projector, video")
        row.features = sorted(features)
    if approver is not None:
        row.approver = approver or None
    if policy is not None:
        row.policy = RoomPolicy.from_dict(dict(row.policy or {}) | policy).to_dict()
    session.flush()
    entries = room_entries(session, building, include_hidden=True)
    return find_room(entries, space.global_id)
