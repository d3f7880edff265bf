"""Colours of the 3D scene and the off-screen images, as plain data the API can serve too.

* :func:`class_colour`: the colour of an IFC class in the scene (walls light grey, slabs, doors
  brown, stairs, windows, equipment by family; spaces translucent blue).
* :class:`SequentialScale`: a value -> RGB colour scale with a legend description
  (``min``, ``max``, ``unit``, ``stops``), for readings such as temperature or CO2.
* :data:`VERDICT_COLOURS`: compliance verdicts, room flags and person findings, read from
  :mod:`spaces.choices`, and :data:`SEVERITY_COLOURS` for alarm severities.

Colours are ``(r, g, b)`` or ``(r, g, b, a)`` tuples of floats in 0..1; :func:`to_hex` and
:func:`to_rgb255` convert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bim_models.choices import choice_of
from maintenance.choices import ALARM_STATES, SEVERITIES
from spaces.choices import PERSON_FINDINGS, ROOM_FLAGS, VERDICTS

__all__ = [
    "CLASS_COLOURS",
    "DEFAULT_COLOUR",
    "SEVERITY_COLOURS",
    "SPACE_COLOUR",
    "UNCOLOURED",
    "VERDICT_COLOURS",
    "VIRIDIS",
    "SequentialScale",
    "category_colour",
    "class_colour",
    "class_family",
    "family_colour",
    "sequential_scale",
    "to_hex",
    "to_rgb255",
]

RGB = tuple[float, float, float]
RGBA = tuple[float, float, float, float]


def _hex(code: str, alpha: float = 1.0) -> RGBA:
    code = code.lstrip("#")
    r, g, b = (int(code[i:i + 2], 16) / 255.0 for i in (0, 2, 4))
    return (r, g, b, alpha)


#: Spaces (rooms): translucent, so that what is inside shows through.
SPACE_COLOUR: RGBA = _hex("#4f8fd6", 0.25)
#: Anything no family below matches.
DEFAULT_COLOUR: RGBA = _hex("#b5b5b5")
#: Rooms without a value when colouring by state.
UNCOLOURED: RGBA = _hex("#d9d9d9")

#: ``(family, substrings of the lower-cased IFC class, colour)``; the first match wins.
CLASS_COLOURS: tuple[tuple[str, tuple[str, ...], RGBA], ...] = (
    ("space", ("ifcspace",), SPACE_COLOUR),
    ("wall", ("ifcwall", "ifccurtainwall"), _hex("#dcdcdc")),
    ("slab", ("ifcslab", "ifcroof", "ifcfooting", "ifcplate"), _hex("#a9a9a3")),
    ("door", ("ifcdoor",), _hex("#8b5a2b")),
    ("window", ("ifcwindow",), _hex("#9ec9e8", 0.45)),
    ("stair", ("ifcstair", "ifcramp", "ifcrailing"), _hex("#b8a48c")),
    ("structure", ("ifcbeam", "ifccolumn", "ifcmember", "ifcpile"), _hex("#8f8f8f")),
    ("covering", ("ifccovering",), _hex("#e8e2d0")),
    ("transport", ("ifctransportelement",), _hex("#6d7b8d")),
    ("furniture", ("ifcfurnishing", "ifcfurniture"), _hex("#c49a6c")),
    ("sensor", ("sensor", "detector", "alarm", "actuator", "controller"), _hex("#8e44ad")),
    ("light", ("light", "lamp"), _hex("#f1c40f")),
    ("air", ("airterminal", "duct", "damper", "fan", "unitaryequipment",
             "airtoairheatrecovery", "coil", "filter"), _hex("#16a085")),
    ("water", ("pipe", "pump", "chiller", "boiler", "valve", "tank", "heatexchanger",
               "coolingtower", "sanitaryterminal"), _hex("#2e86c1")),
    ("electrical", ("electric", "cable", "switch", "outlet", "protective", "flowmeter",
                    "meter", "transformer", "generator"), _hex("#e67e22")),
    ("equipment", ("ifcflow", "ifcenergyconversion", "ifcdistribution", "terminal"),
     _hex("#5d6d7e")),
    ("site", ("ifcsite", "ifcgeographic"), _hex("#9bbf85")),
    ("other", ("",), DEFAULT_COLOUR),
)

#: Compliance verdicts, room flags and person findings -> colour, from their one vocabulary
#: (:mod:`spaces.choices`): the same values the PDF report and the browser use.
VERDICT_COLOURS: dict[str, RGB] = {
    c.value: _hex(c.colour)[:3]
    for c in (*VERDICTS, *ROOM_FLAGS, *PERSON_FINDINGS)
}

#: Alarm severity -> colour, from :data:`maintenance.choices.SEVERITIES`, plus ``cleared`` for a
#: room whose alarm has ended (the alarm-state colour of that vocabulary).
SEVERITY_COLOURS: dict[str, RGB] = {
    **{c.value: _hex(c.colour)[:3] for c in SEVERITIES},
    "cleared": _hex(choice_of(ALARM_STATES, "cleared").colour)[:3],
}

#: Perceptually uniform stops (matplotlib's viridis at 0, 0.25, 0.5, 0.75, 1).
VIRIDIS: tuple[tuple[float, RGB], ...] = (
    (0.0, _hex("#440154")[:3]), (0.25, _hex("#3b528b")[:3]), (0.5, _hex("#21918c")[:3]),
    (0.75, _hex("#5ec962")[:3]), (1.0, _hex("#fde725")[:3]),
)


def class_family(ifc_class: str) -> str:
    """The colour family of an IFC class: ``"wall"``, ``"door"``, ``"sensor"``, ...

    Examples
    --------
    >>> class_family("IfcWallStandardCase"), class_family("IfcSensor")
    ('wall', 'sensor')
    """
    lowered = ifc_class.lower()
    return next(f for f, keys, _ in CLASS_COLOURS if any(k in lowered for k in keys))


def class_colour(ifc_class: str) -> RGBA:
    """The scene colour ``(r, g, b, a)`` of an IFC class (floats 0..1).

    Examples
    --------
    >>> class_colour("IfcDoor")[:3] == class_colour("IfcDoorStandardCase")[:3]
    True
    """
    return family_colour(class_family(ifc_class))


def family_colour(family: str) -> RGBA:
    """The colour of a family of :data:`CLASS_COLOURS` (:data:`DEFAULT_COLOUR` if unknown)."""
    return next((c for f, _, c in CLASS_COLOURS if f == family), DEFAULT_COLOUR)


def category_colour(category: str) -> RGB:
    """The colour of a verdict or severity name; :data:`UNCOLOURED` for an unknown one."""
    key = category.strip().lower().replace("-", "_").replace(" ", "_")
    return VERDICT_COLOURS.get(key) or SEVERITY_COLOURS.get(key) or UNCOLOURED[:3]


def to_hex(colour: Sequence[float]) -> str:
    """``"#rrggbb"`` of a 0..1 colour (alpha dropped)."""
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in colour[:3])


def to_rgb255(colour: Sequence[float]) -> tuple[int, ...]:
    """The colour as 0..255 integers (alpha kept if given)."""
    return tuple(round(max(0.0, min(1.0, c)) * 255) for c in colour)


@dataclass(frozen=True, slots=True)
class SequentialScale:
    """A linear colour scale from ``minimum`` to ``maximum`` through ``stops``.

    Attributes
    ----------
    minimum, maximum : float
        Values mapped to the first and last stop; values outside are clamped.
    unit : str, optional
        Shown in legends (``"°C"``, ``"ppm"``).
    stops : tuple of (float, (r, g, b))
        Positions 0..1, increasing, with their colours.
    """

    minimum: float
    maximum: float
    unit: str | None = None
    stops: tuple[tuple[float, RGB], ...] = VIRIDIS

    def position(self, value: float) -> float:
        """Where ``value`` falls on the scale, 0..1 (0.5 for a scale of one value)."""
        span = self.maximum - self.minimum
        if span <= 0:
            return 0.5
        return max(0.0, min(1.0, (float(value) - self.minimum) / span))

    def __call__(self, value: float) -> RGB:
        """The colour of ``value``.

        Examples
        --------
        >>> scale = SequentialScale(0.0, 10.0)
        >>> to_hex(scale(0.0)), to_hex(scale(10.0))
        ('#440154', '#fde725')
        """
        t = self.position(value)
        for (t0, c0), (t1, c1) in zip(self.stops, self.stops[1:], strict=False):
            if t <= t1:
                f = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
                return tuple(a + (b - a) * f for a, b in zip(c0, c1, strict=True))
        return self.stops[-1][1]

    def legend(self) -> dict:
        """A JSON-ready description: ``min``, ``max``, ``unit``, ``stops`` [[t, "#hex"], ...]."""
        return {"min": self.minimum, "max": self.maximum, "unit": self.unit,
                "stops": [[t, to_hex(c)] for t, c in self.stops]}


def sequential_scale(values: Iterable[float], *, unit: str | None = None,
                     stops: tuple[tuple[float, RGB], ...] = VIRIDIS) -> SequentialScale:
    """A :class:`SequentialScale` spanning ``values``.

    Raises
    ------
    ValueError
        If ``values`` is empty.
    """
    numbers = [float(v) for v in values]
    if not numbers:
        raise ValueError("no values to scale")
    return SequentialScale(min(numbers), max(numbers), unit, stops)
