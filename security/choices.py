"""Vocabularies of 数字安防 and 数字车管 (security, parking and the official fleet).

Each value carries a Chinese and an English label and a display colour
(:class:`bim_models.choices.Choice`); the API serves them at ``GET /vocabularies``.

Event types are namespaced (``access.granted``, ``access.denied.<reason>``, ``door.opened`` ...):
one envelope for readers (OSDP), door controllers (ONVIF / BACnet door states), cameras and plate
readers (Frigate) and bay sensors (FIWARE ``ParkingSpot``).
"""

from __future__ import annotations

from bim_models.choices import Choice

__all__ = [
    "BAY_STATES",
    "BOOKING_STATES",
    "BOOKING_TRANSITIONS",
    "DENIAL_REASONS",
    "DOOR_STATES",
    "EVENT_TYPES",
    "GATE_DECISIONS",
    "PLATE_LISTS",
    "SECURITY_RULE_TYPES",
    "event_type_known",
]

#: Types of security events (the ``access.denied.<reason>`` family is one entry per reason).
EVENT_TYPES = (
    Choice("access.granted", "允许通行", "Access granted", "#1a9850"),
    Choice("access.denied", "拒绝通行", "Access denied", "#d73027"),
    Choice("door.opened", "门已开", "Door opened", "#fdae61"),
    Choice("door.closed", "门已关", "Door closed", "#4575b4"),
    Choice("door.forced", "门被强行打开", "Door forced open", "#b2182b"),
    Choice("door.held_open", "门长时间未关", "Door held open", "#f46d43"),
    Choice("door.tamper", "门禁设备被破坏", "Door tamper", "#b2182b"),
    Choice("camera.person", "摄像机检测到人员", "Camera: person", "#984ea3"),
    Choice("camera.vehicle", "摄像机检测到车辆", "Camera: vehicle", "#7570b3"),
    Choice("lpr.read", "车牌识别", "Plate read", "#1f78b4"),
    Choice("parking.spot.changed", "车位状态变化", "Parking bay changed", "#33a02c"),
    Choice("visitor.checked_in", "访客签到", "Visitor checked in", "#a6cee3"),
    Choice("intrusion", "入侵报警", "Intrusion", "#67001f"),
    Choice("gate.opened", "道闸开启", "Gate opened", "#1a9850"),
    Choice("gate.held", "道闸未开（待核验）", "Gate held (visitor flow)", "#fdae61"),
)

#: Reasons of ``access.denied.<reason>`` (OSDP / BACnet access events, 2N log).
DENIAL_REASONS = (
    Choice("unknown_credential", "未登记的凭证", "Unknown credential", "#d73027"),
    Choice("expired", "凭证已过期", "Expired credential", "#f46d43"),
    Choice("schedule", "不在通行时段", "Outside schedule", "#fdae61"),
    Choice("passback", "反潜回", "Anti-passback", "#984ea3"),
    Choice("pin", "密码错误", "Wrong PIN", "#fee090"),
    Choice("lockout", "多次失败已锁定", "Locked out", "#b2182b"),
    Choice("pass_outside_window", "访客通行证不在有效时段", "Visitor pass outside its window",
           "#fdae61"),
    Choice("pass_wrong_storey", "访客通行证不适用于此楼层", "Visitor pass for another storey",
           "#f46d43"),
    Choice("other", "其他", "Other", "#999999"),
)

#: Physical state of a door (ONVIF DoorPhysicalState, BACnet DoorAlarmState merged).
DOOR_STATES = (
    Choice("closed", "关闭", "Closed", "#1a9850"),
    Choice("open", "开启", "Open", "#fdae61"),
    Choice("held_open", "长时间未关", "Held open", "#f46d43"),
    Choice("forced", "强行打开", "Forced open", "#b2182b"),
    Choice("tamper", "设备被破坏", "Tamper", "#67001f"),
    Choice("unknown", "未知", "Unknown", "#999999"),
)

#: State of a parking bay (FIWARE ``ParkingSpot.status``).
BAY_STATES = (
    Choice("free", "空闲", "Free", "#1a9850"),
    Choice("occupied", "占用", "Occupied", "#d73027"),
    Choice("closed", "停用", "Closed", "#999999"),
    Choice("unknown", "未知", "Unknown", "#cccccc"),
)

#: Allow-lists a plate may be on.
PLATE_LISTS = (
    Choice("fleet", "公务用车", "Official fleet", "#1f78b4"),
    Choice("staff", "职工车辆", "Staff", "#33a02c"),
    Choice("visitor", "访客预约", "Visitor reservation", "#a6cee3"),
    Choice("blocked", "禁止入内", "Blocked", "#b2182b"),
)

#: What a gate does with a plate read.
GATE_DECISIONS = (
    Choice("open", "放行", "Open", "#1a9850"),
    Choice("visitor_flow", "转访客登记", "Visitor flow", "#fdae61"),
    Choice("refuse", "禁止通行", "Refuse", "#b2182b"),
)

#: Kinds of correlation rule (the rules themselves are data: ``security/rules.toml``).
SECURITY_RULE_TYPES = (
    Choice("forced_door", "强行开门", "Door forced open", "#b2182b"),
    Choice("held_open", "门长时间未关", "Door held open", "#f46d43"),
    Choice("denials", "多次拒绝通行", "Repeated denials", "#d73027"),
    Choice("after_hours", "非工作时间进入重点区域", "Restricted area out of hours", "#984ea3"),
    Choice("passback", "反潜回", "Anti-passback", "#7570b3"),
    Choice("device_alarm", "设备报警", "Device alarm", "#67001f"),
    Choice("overstay", "超时停车", "Parking overstay", "#fdae61"),
)

#: States of an official-vehicle booking (公务用车申请).
BOOKING_STATES = (
    Choice("requested", "待审批", "Awaiting approval", "#fdae61"),
    Choice("approved", "已批准", "Approved", "#4575b4"),
    Choice("dispatched", "已派车", "Dispatched", "#1f78b4"),
    Choice("completed", "已完成", "Completed", "#1a9850"),
    Choice("rejected", "已驳回", "Rejected", "#b2182b"),
    Choice("cancelled", "已取消", "Cancelled", "#999999"),
)
#: state -> states a booking may move to.
BOOKING_TRANSITIONS = {
    "requested": ("approved", "rejected", "cancelled"),
    "approved": ("dispatched", "cancelled"),
    "dispatched": ("completed",),
    "completed": (),
    "rejected": (),
    "cancelled": (),
}

_PLAIN_TYPES = frozenset(c.value for c in EVENT_TYPES) - {"access.denied"}
_REASONS = frozenset(c.value for c in DENIAL_REASONS)


def event_type_known(event_type: str) -> bool:
    """Whether ``event_type`` is in the vocabulary (``access.denied.<reason>`` with a known
    reason counts).

    Examples
    --------
    >>> event_type_known("door.forced"), event_type_known("access.denied.pin")
    (True, True)
    >>> event_type_known("access.denied"), event_type_known("door.melted")
    (False, False)
    """
    if event_type in _PLAIN_TYPES:
        return True
    head, _, reason = event_type.rpartition(".")
    return head == "access.denied" and reason in _REASONS
