"""Vocabularies of 会议一件事 (meetings): states of bookings, occurrences and requests, the
services a request may ask for, and the states of a room in the viewer.

Each value carries a Chinese and an English label and a display colour
(:class:`bim_models.choices.Choice`); the API serves them at ``GET /vocabularies``.
"""

from __future__ import annotations

from bim_models.choices import Choice

__all__ = [
    "ACTIVE_OCCURRENCE_STATES",
    "BOOKING_STATES",
    "OCCURRENCE_STATES",
    "ROOM_FEATURES",
    "ROOM_STATES",
    "SERVICE_KINDS",
]

#: State of a booking (a single meeting or a whole series).
BOOKING_STATES = (
    Choice("requested", "待审批", "Awaiting approval", "#fdae61"),
    Choice("confirmed", "已确认", "Confirmed", "#1a9850"),
    Choice("rejected", "已驳回", "Rejected", "#b2182b"),
    Choice("cancelled", "已取消", "Cancelled", "#999999"),
)

#: State of one occurrence of a booking.
OCCURRENCE_STATES = (
    Choice("requested", "待审批", "Awaiting approval", "#fdae61"),
    Choice("confirmed", "已确认", "Confirmed", "#4575b4"),
    Choice("checked_in", "已签到", "Checked in", "#1a9850"),
    Choice("released", "未到释放", "Released (no-show)", "#d73027"),
    Choice("cancelled", "已取消", "Cancelled", "#999999"),
    Choice("rejected", "已驳回", "Rejected", "#b2182b"),
)
#: Occurrences in these states hold their room (a pending request holds it tentatively).
ACTIVE_OCCURRENCE_STATES = frozenset({"requested", "confirmed", "checked_in"})

#: Services a one-step request (一件事) may add to the room.
SERVICE_KINDS = (
    Choice("av", "音视频保障", "Audio-visual support", "#4575b4"),
    Choice("tea", "茶水服务", "Tea service", "#8c510a"),
    Choice("signage", "会议指引", "Signage", "#35978f"),
)

#: Equipment features of a room, found in what the model places in it.
ROOM_FEATURES = (
    Choice("screen", "显示屏", "Screen", "#4575b4"),
    Choice("projector", "投影仪", "Projector", "#74add1"),
    Choice("video", "视频会议", "Video conferencing", "#542788"),
)

#: A room's state at an instant, for the 3D viewer and the door panel.
ROOM_STATES = (
    Choice("free", "空闲", "Free", "#1a9850"),
    Choice("booked", "已预订", "Booked", "#fdae61"),
    Choice("in_use", "使用中", "In use", "#d73027"),
    Choice("released", "已释放", "Released", "#abd9e9"),
)
