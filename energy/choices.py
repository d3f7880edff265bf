"""Vocabularies of 数字节能 (energy): 分项 categories (GB-style codes), meter carriers,
anomaly rules, baseline verdicts and quota verdicts.

The 分项 codes follow the sub-item scheme of the national energy-monitoring guideline for
government office buildings (国家机关办公建筑和大型公共建筑能耗监测系统 分项能耗数据采集技术导则):
照明插座 a1-a3, 空调 b1-b2, 动力 c1-c3, 特殊 d1-d6.
"""

from __future__ import annotations

from types import MappingProxyType

from bim_models.choices import Choice

__all__ = ["ANOMALY_RULES", "BASELINE_VERDICTS", "CARRIERS", "CATEGORIES", "CATEGORY_CODES",
           "CATEGORY_GROUPS", "METER_KINDS", "QUOTA_VERDICTS", "group_of"]

#: 分项 groups (the letter of a code).
CATEGORY_GROUPS = (
    Choice("a", "照明插座用电", "Lighting and sockets", "#f1c40f"),
    Choice("b", "空调用电", "Air conditioning", "#3498db"),
    Choice("c", "动力用电", "Power (lifts, pumps, fans)", "#e67e22"),
    Choice("d", "特殊用电", "Special loads", "#8e44ad"),
)

#: 分项 categories (sub-items).
CATEGORIES = (
    Choice("a1", "照明与插座", "Lighting and sockets (rooms)", "#f7dc6f"),
    Choice("a2", "走廊与应急照明", "Corridor and emergency lighting", "#f4d03f"),
    Choice("a3", "室外景观照明", "Outdoor lighting", "#d4ac0d"),
    Choice("b1", "冷热站", "Chiller and heating plant", "#2874a6"),
    Choice("b2", "空调末端", "Air-side terminals (AHU, FCU)", "#5dade2"),
    Choice("c1", "电梯", "Lifts", "#ca6f1e"),
    Choice("c2", "水泵", "Water pumps", "#eb984e"),
    Choice("c3", "通风机", "Ventilation fans", "#f5b041"),
    Choice("d1", "信息中心", "Data centre", "#6c3483"),
    Choice("d2", "洗衣房", "Laundry", "#7d3c98"),
    Choice("d3", "厨房餐厅", "Kitchen and canteen", "#8e44ad"),
    Choice("d4", "游泳池", "Swimming pool", "#9b59b6"),
    Choice("d5", "健身房", "Gym", "#a569bd"),
    Choice("d6", "其他", "Other special loads", "#bb8fce"),
)
#: Every valid category code.
CATEGORY_CODES = frozenset(c.value for c in CATEGORIES)

#: Energy carriers, the device kind of their meters and its unit.
CARRIERS = (
    Choice("electricity", "电", "Electricity", "#f1c40f"),
    Choice("water", "水", "Water", "#2e86c1"),
    Choice("gas", "天然气", "Natural gas", "#e74c3c"),
    Choice("heat", "热", "Heat", "#c0392b"),
)
#: Device kind -> carrier, for the kinds that are meters.
METER_KINDS = MappingProxyType({"energy": "electricity", "water": "water", "gas": "gas",
                                "heat": "heat"})

ANOMALY_RULES = (
    Choice("base_load_ratio", "夜间/周末基础负荷偏高", "High night/weekend base load",
           "#d35400"),
    Choice("base_load_baseline", "夜间负荷高于周内基线", "Night load above hour-of-week baseline",
           "#e67e22"),
    Choice("out_of_hours", "非工作时间用能", "Out-of-hours consumption", "#f39c12"),
    Choice("counter_reset", "表计回退/复位", "Counter reset or backwards", "#c0392b"),
    Choice("gap", "数据缺失", "Gap in the data", "#7f8c8d"),
    Choice("flat_line", "读数长时间不变", "Flat line", "#95a5a6"),
    Choice("double_counting", "分项重复计量", "Sub-meters exceed their parent (double counting)",
           "#b2182b"),
)

BASELINE_VERDICTS = (
    Choice("meets", "满足 ASHRAE G14", "Meets ASHRAE Guideline 14", "#1a9850"),
    Choice("fails", "不满足 ASHRAE G14", "Fails ASHRAE Guideline 14", "#d73027"),
    Choice("insufficient", "数据不足", "Insufficient data", "#999999"),
)

QUOTA_VERDICTS = (
    Choice("guide", "优于引导值", "Better than the guide value", "#1a9850"),
    Choice("benchmark", "优于基准值", "Better than the benchmark value", "#91cf60"),
    Choice("constraint", "未超约束值", "Within the constraint value", "#fee08b"),
    Choice("over", "超过约束值", "Over the constraint value", "#d73027"),
)


def group_of(code: str) -> str:
    """The group letter of a category code (``"b2"`` -> ``"b"``).

    Examples
    --------
    >>> group_of("b2")
    'b'
    """
    return code[:1]
