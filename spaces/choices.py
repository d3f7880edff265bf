"""Vocabularies of office-space management: compliance verdicts per room, flags on rooms,
findings about people, and the actions a rectification report asks for.

The one place their labels (Chinese, English) and colours live: the API serves them at
``GET /vocabularies``; the rectification PDF, the snapshots and the browser read them here.
"""

from __future__ import annotations

from types import MappingProxyType

from bim_models.choices import Choice

__all__ = ["ACTIONS", "PERSON_FINDINGS", "ROOM_FLAGS", "SPACE_USES", "VERDICTS"]

#: Verdict of a room, in report order.
VERDICTS = (
    Choice("over", "超标", "Over standard", "#d73027"),
    Choice("shared_over", "合用超标", "Shared over", "#f46d43"),
    Choice("vacant", "空置", "Vacant", "#91bfdb"),
    Choice("compliant", "合规", "Compliant", "#1a9850"),
    Choice("not_office_space", "非办公用房", "Not an office space", "#984ea3"),
)

#: Flags a room may carry beside its verdict.
ROOM_FLAGS = (
    Choice("under_used", "工位闲置", "Open-plan desks unused", "#5dade2"),
    Choice("area_discrepancy", "面积不一致", "Area sources differ", "#fdae61"),
    Choice("use_unclassified", "用途待核定", "Use not recognised: judged as an office",
           "#bababa"),
)

#: What a space is used for (:func:`spaces.space_use.classify_space`), with plan colours.
SPACE_USES = (
    Choice("office", "办公室", "Office", "#fcf3cf"),
    Choice("meeting", "会议室", "Meeting room", "#fdebd0"),
    Choice("circulation", "交通空间", "Circulation", "#e0e0e0"),
    Choice("vertical", "楼梯电梯", "Stairs and lifts", "#cfd8dc"),
    Choice("sanitary", "卫生间", "Sanitary", "#d4e6f1"),
    Choice("kitchen", "茶水餐饮", "Kitchen and tea", "#fadbd8"),
    Choice("rest", "休息室", "Rest room", "#e8f8f5"),
    Choice("storage", "库房", "Storage", "#ebdef0"),
    Choice("technical", "设备用房", "Technical", "#d6dbdf"),
    Choice("living", "居住", "Living", "#d5f5e3"),
    Choice("parking", "停车", "Parking", "#eaeded"),
    Choice("unclassified", "未识别", "Unclassified", "#f4f4f4"),
)

#: Findings about a person rather than a room.
PERSON_FINDINGS = (
    Choice("multiple_offices", "多处占用办公室", "Holds several offices", "#f1c40f"),
    Choice("not_reclaimed", "调离退休未腾退", "Not reclaimed after leaving", "#b2182b"),
)

#: Finding (verdict, room flag or person finding) -> (Chinese, English) action to take.
ACTIONS = MappingProxyType({
    "over": ("调整使用或腾退超标面积", "Reduce or re-allocate the excess area"),
    "shared_over": ("调剂增加使用人员或调换房间", "Add occupants or move to a smaller room"),
    "vacant": ("调剂使用", "Re-allocate the room"),
    "not_office_space": ("恢复原用途或按程序变更用途", "Restore its use or re-designate it"),
    "multiple_offices": ("腾退多余办公室", "Vacate the extra offices"),
    "not_reclaimed": ("限期收回办公用房", "Take the room back"),
    "under_used": ("调剂使用空余工位", "Re-allocate the spare desks"),
    "use_unclassified": ("核定房间用途", "Confirm the room's use in the use table"),
    "area_discrepancy": ("核实面积、更新台账", "Verify the area, update the register"),
})
