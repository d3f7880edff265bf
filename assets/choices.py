"""Vocabularies of 公物仓 (the shared asset pool): asset states and their transition table,
classes, kinds, request kinds and states, unit roles and approval step roles.

Each value carries a Chinese and an English label and a display colour
(:class:`bim_models.choices.Choice`); ``GET /vocabularies`` serves them, the CLI and the portal
read labels and colours from there.
"""

from __future__ import annotations

from types import MappingProxyType

from bim_models.choices import Choice, choice_of

__all__ = [
    "ASSET_CLASSES",
    "ASSET_KINDS",
    "ASSET_STATES",
    "ASSET_TRANSITIONS",
    "AUDIT_STATES",
    "DISCREPANCIES",
    "LOANABLE_STATES",
    "ON_LOAN_STATES",
    "REQUEST_KINDS",
    "REQUEST_STATES",
    "REQUEST_TRANSITIONS",
    "STEP_ROLES",
    "UNIT_ROLES",
    "Choice",
    "choice_of",
]

ASSET_STATES = (
    Choice("intake", "入库待验", "Awaiting intake inspection", "#fee090"),
    Choice("available", "在仓可借", "In the pool, available", "#1a9850"),
    Choice("reserved", "预约锁定", "Reserved", "#74add1"),
    Choice("on_loan", "借出", "On loan", "#4575b4"),
    Choice("overdue", "逾期", "Overdue", "#d73027"),
    Choice("returned", "归还待验", "Returned, awaiting inspection", "#fdae61"),
    Choice("repair", "维修", "Under repair", "#f46d43"),
    Choice("transferred", "调剂", "Transferred to a unit", "#8073ac"),
    Choice("disposed", "处置", "Disposed of", "#999999"),
)
#: state -> states it may move to (the item's life in the pool). A transferred item leaves
#: the pool; it comes back only through a new hand-in (上缴), i.e. ``intake``.
ASSET_TRANSITIONS = MappingProxyType({
    "intake": ("available", "repair", "disposed"),
    "available": ("reserved", "on_loan", "repair", "transferred", "disposed"),
    "reserved": ("on_loan", "available"),
    "on_loan": ("overdue", "returned"),
    "overdue": ("returned",),
    "returned": ("available", "repair", "transferred", "disposed"),
    "repair": ("available", "disposed"),
    "transferred": ("intake",),
    "disposed": (),
})
#: An item in one of these states can be lent (a reservation may still block some dates).
LOANABLE_STATES = frozenset({"available", "reserved"})
#: An item in one of these states is with a borrower.
ON_LOAN_STATES = frozenset({"on_loan", "overdue"})

ASSET_KINDS = (
    Choice("item", "单件资产", "Serialised item", "#4575b4"),
    Choice("lot", "批量资产", "Quantity lot", "#91bfdb"),
)

ASSET_CLASSES = (
    Choice("furniture", "办公家具", "Office furniture", "#8c510a"),
    Choice("it", "计算机设备", "Computers and IT", "#4575b4"),
    Choice("office_equipment", "办公设备", "Office equipment", "#74add1"),
    Choice("av", "音视频设备", "Audio-visual equipment", "#762a83"),
    Choice("appliance", "电器", "Appliances", "#f46d43"),
    Choice("vehicle", "车辆", "Vehicles", "#b2182b"),
    Choice("other", "其他", "Other", "#999999"),
)

REQUEST_KINDS = (
    Choice("hand_in", "上缴", "Hand-in of idle assets", "#1a9850"),
    Choice("loan", "借用", "Loan", "#4575b4"),
    Choice("transfer", "调剂", "Transfer to a unit", "#8073ac"),
    Choice("disposal", "处置", "Disposal", "#999999"),
)

REQUEST_STATES = (
    Choice("pending", "审批中", "Awaiting approval", "#fee090"),
    Choice("approved", "已批准", "Approved", "#91cf60"),
    Choice("handed_over", "待确认领用", "Handed over, awaiting the borrower", "#74add1"),
    Choice("on_loan", "借用中", "On loan", "#4575b4"),
    Choice("returned", "已归还待验", "Returned, awaiting inspection", "#fdae61"),
    Choice("completed", "已完成", "Completed", "#1a9850"),
    Choice("rejected", "已驳回", "Rejected", "#d73027"),
    Choice("cancelled", "已取消", "Cancelled", "#999999"),
)
#: request state -> states it may move to.
REQUEST_TRANSITIONS = MappingProxyType({
    "pending": ("approved", "rejected", "cancelled"),
    "approved": ("handed_over", "completed", "cancelled"),
    "handed_over": ("on_loan", "cancelled"),
    "on_loan": ("returned",),
    "returned": ("completed",),
    "completed": (),
    "rejected": (),
    "cancelled": (),
})

UNIT_ROLES = (
    Choice("requester", "申请人", "Requester", "#74add1"),
    Choice("approver", "处室负责人", "Unit head (approver)", "#4575b4"),
)

#: Who may sign a step of an approval chain.
STEP_ROLES = (
    Choice("unit_approver", "处室负责人", "Head of the requesting unit", "#4575b4"),
    Choice("pool_admin", "公物仓管理员", "Asset pool administrator", "#8c510a"),
    Choice("admin", "机关事务管理局领导", "Administration (admin)", "#b2182b"),
)

AUDIT_STATES = (
    Choice("scheduled", "待盘点", "Scheduled", "#fee090"),
    Choice("counting", "盘点中", "Counting", "#74add1"),
    Choice("closed", "已完成", "Closed", "#1a9850"),
)

DISCREPANCIES = (
    Choice("missing", "盘亏（未扫到）", "Missing (not scanned)", "#d73027"),
    Choice("misplaced", "位置不符", "Found in another room", "#fdae61"),
    Choice("unexpected", "盘盈（账外）", "Not in the count's list", "#8073ac"),
)
