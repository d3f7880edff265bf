"""What a space is used for, from every signal the file has, with a confidence.

Real models name their rooms in many ways: ``IfcSpace.ObjectType`` ("meeting_small"), the long
name ("Entrance hall and corridor", "Schlafzimmer", "办公室"), a classification reference
(an OmniClass or Uniclass item whose name says "Office"), ``Pset_SpaceCommon.Reference`` /
``Category``, or only a number and a post ("DUTY OFCR", "OPS SGT"). :func:`classify_space` reads
them in that order of trust and answers a :class:`SpaceUse` naming the use (one of
:data:`spaces.choices.SPACE_USES`), how sure it is and which signal said so. A space nothing
recognises is ``unclassified`` (never "not an office"): a housing officer decides it in the
override table.

Words are matched at letter boundaries (``ess`` is not found in "MESSAGE", ``living`` is found in
"Living1"); Chinese terms anywhere. When a text names several uses, the last one wins: the head
of an English or Chinese compound noun comes last ("Office corridor", "办公区走廊" are
corridors).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["SOURCE_CONFIDENCE", "SpaceUse", "classify_space", "classify_text", "space_use_of"]

#: Signal -> how far a match in it is trusted (0–1), most trusted first.
SOURCE_CONFIDENCE = {
    "classification": 0.95,
    "pset": 0.9,
    "object_type": 0.85,
    "long_name": 0.8,
    "name": 0.6,
}
#: A use recognised only from a post or rank abbreviation in a name ("DUTY OFCR").
_POST_FACTOR = 0.75

_LATIN = {  # use -> English and German words (matched at letter boundaries, case-folded)
    "office": ("office", "offices", "ofc", "büro", "buero", "bureau", "workroom", "study",
               "admin", "administration", "workplace", "workstation"),
    "meeting": ("meeting", "conference", "conf", "boardroom", "board room", "briefing",
                "seminar", "training", "besprechung", "reception"),
    "circulation": ("corridor", "hall", "hallway", "foyer", "lobby", "entrance", "entry",
                    "vestibule", "passage", "circulation", "gallery", "galerie", "flur",
                    "diele", "gang", "atrium"),
    "vertical": ("stair", "stairs", "stairway", "staircase", "lift", "elevator", "escalator",
                 "ramp", "treppe", "treppenhaus", "aufzug"),
    "sanitary": ("wc", "toilet", "toilets", "restroom", "restrooms", "lavatory", "latrine",
                 "bath", "bathroom", "shower", "washroom", "bad", "dusche", "sanitary"),
    "kitchen": ("kitchen", "pantry", "tea", "kitchenette", "canteen", "dining", "cafeteria",
                "mess", "küche", "kueche", "essen", "esszimmer"),
    "rest": ("rest room", "lounge", "break room", "quiet room"),
    "storage": ("storage", "store", "storeroom", "stores", "stor", "archive", "archives",
                "closet", "janitor", "files", "abstellraum", "lager"),
    "technical": ("plant", "mechanical", "mech", "electrical", "elec", "boiler", "server",
                  "telecom", "comms", "riser", "utility", "technik", "heizung",
                  "switchgear", "transformer", "hvac"),
    "living": ("living", "bedroom", "bed", "dormitory", "children", "hobby", "wohnen",
               "wohnzimmer", "schlafzimmer", "kinderzimmer", "guest room"),
    "parking": ("parking", "garage", "car park", "carport"),
}
#: Posts and ranks a room is often named after: an office, trusted a little less.
_POSTS = ("ofcr", "officer", "cmdr", "commander", "sgt", "sergeant", "nco", "clerk",
          "director", "deputy", "chief", "manager", "secretary", "supervisor", "xo")
_CHINESE = {  # use -> terms matched anywhere
    "office": ("办公", "处长室", "局长室", "科长室", "主任室", "领导"),
    "meeting": ("会议", "会商", "洽谈", "接待", "报告厅", "培训"),
    "circulation": ("走廊", "走道", "过道", "门厅", "大厅", "前厅", "通道", "连廊"),
    "vertical": ("楼梯", "电梯", "扶梯", "坡道"),
    "sanitary": ("卫生间", "厕所", "盥洗", "洗手间", "淋浴"),
    "kitchen": ("茶水", "厨房", "餐厅", "食堂"),
    "rest": ("休息",),
    "storage": ("库房", "储藏", "仓库", "档案", "储物", "公物仓"),
    "technical": ("机房", "设备", "配电", "弱电", "强电", "水泵", "锅炉", "消防控制", "管井"),
    "living": ("宿舍", "卧室", "客厅"),
    "parking": ("车库", "停车"),
}


def _pattern(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(w).replace(r"\ ", r"[\s_-]+") for w in words),
                                   key=len, reverse=True))
    return re.compile(rf"(?<![a-zäöüß])(?:{alternatives})(?![a-zäöüß])")


_LATIN_PATTERNS = {use: _pattern(words) for use, words in _LATIN.items()}
_POST_PATTERN = _pattern(_POSTS)


@dataclass(frozen=True, slots=True)
class SpaceUse:
    """The use of a space and why.

    Attributes
    ----------
    use : str
        A value of :data:`spaces.choices.SPACE_USES` (``"unclassified"`` when nothing said).
    confidence : float
        0–1: how far the signal is trusted (1.0 for a housing officer's override).
    source : str
        ``classification``, ``pset``, ``object_type``, ``long_name``, ``name``, ``override``
        or ``none``.
    evidence : str
        The text that was read ("LongName 'Entrance hall and corridor'").
    """

    use: str
    confidence: float
    source: str
    evidence: str


def classify_text(text: str | None) -> tuple[str, bool] | None:
    """The use one text names, and whether only a post or rank said so; ``None`` if none.

    Examples
    --------
    >>> classify_text("Entrance hall and corridor"), classify_text("DUTY OFCR")
    (('circulation', False), ('office', True))
    >>> classify_text("MESSAGE CENTER") is None, classify_text("办公区走廊")
    (True, ('circulation', False))
    """
    if not text or not text.strip():
        return None
    folded = text.casefold()
    found: list[tuple[int, str]] = []
    for use, pattern in _LATIN_PATTERNS.items():
        found.extend((m.end(), use) for m in pattern.finditer(folded))
    for use, terms in _CHINESE.items():
        found.extend((folded.rfind(t) + len(t), use) for t in terms if t in folded)
    if found:
        return max(found)[1], False
    if _POST_PATTERN.search(folded):
        return "office", True
    return None


def _signals(name: str | None, long_name: str | None, object_type: str | None,
             psets: Mapping[str, Mapping[str, Any]] | None,
             classifications: Iterable[str]) -> Iterable[tuple[str, str, str]]:
    """(source, label, text) in the order of trust."""
    for text in classifications:
        yield "classification", "classification", text
    common = (psets or {}).get("Pset_SpaceCommon", {})
    occupancy = (psets or {}).get("Pset_SpaceOccupancyRequirements", {})
    for label, value in (("Pset_SpaceCommon.Reference", common.get("Reference")),
                         ("Pset_SpaceCommon.Category", common.get("Category")),
                         ("OccupancyType", occupancy.get("OccupancyType"))):
        if isinstance(value, str):
            yield "pset", label, value
    for source, label, value in (("object_type", "ObjectType", object_type),
                                 ("long_name", "LongName", long_name),
                                 ("name", "Name", name)):
        if value:
            yield source, label, value


def classify_space(*, name: str | None = None, long_name: str | None = None,
                   object_type: str | None = None,
                   psets: Mapping[str, Mapping[str, Any]] | None = None,
                   classifications: Iterable[str] = ()) -> SpaceUse:
    """The use of a space from its name, long name, object type, property sets and
    classification references (their names and codes as text), most trusted signal first.

    Examples
    --------
    >>> classify_space(name="101", long_name="DEPUTY CMDR").use
    'office'
    >>> classify_space(name="B12", long_name="MESSAGE CENTER").use
    'unclassified'
    >>> u = classify_space(long_name="Storeroom", object_type="meeting_small")
    >>> (u.use, u.source, u.confidence)
    ('meeting', 'object_type', 0.85)
    """
    for source, label, text in _signals(name, long_name, object_type, psets,
                                        classifications):
        found = classify_text(text)
        if found is None:
            continue
        use, by_post = found
        confidence = SOURCE_CONFIDENCE[source] * (_POST_FACTOR if by_post else 1.0)
        return SpaceUse(use, round(confidence, 3), source, f"{label} '{text}'")
    return SpaceUse("unclassified", 0.0, "none", "no name, type or classification says")


def space_use_of(data: Mapping[str, Any], name: str | None = None) -> SpaceUse:
    """The use stored in an element row's ``data`` (:func:`spaces.element_index`), or
    classified from its long name and object type for rows stored before uses were.

    Examples
    --------
    >>> space_use_of({"use": "office", "use_confidence": 0.8, "use_source": "long_name",
    ...               "use_evidence": "LongName 'Office'"}).use
    'office'
    >>> space_use_of({"long_name": "Corridor"}).use
    'circulation'
    """
    if data.get("use"):
        return SpaceUse(data["use"], float(data.get("use_confidence") or 0.0),
                        str(data.get("use_source") or "model"),
                        str(data.get("use_evidence") or ""))
    return classify_space(name=name, long_name=data.get("long_name"),
                          object_type=data.get("object_type"))
