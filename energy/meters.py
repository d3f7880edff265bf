"""The meter tree (计量树): meters name their parent meter and their 分项 category; virtual
meters are sums and differences of others. Per node: consumption, the sum of its children,
and the unmetered residual (parent - Σ children); children summing to more than
:data:`DOUBLE_COUNT_TOLERANCE` x their parent is a data-quality finding (double counting or
wiring).

Everything here works on plain data: :class:`Meter` records and ``{key: consumption}``
mappings (floats or numpy arrays of one shape).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from energy.choices import CATEGORY_CODES, METER_KINDS
from energy.errors import MeterTreeError

__all__ = ["DOUBLE_COUNT_TOLERANCE", "Meter", "TreeNode", "check_tree", "consumption_of",
           "descendants", "meter_tree", "parse_terms", "roots", "stack"]

#: Children may sum to this multiple of their parent before it counts as double counting.
DOUBLE_COUNT_TOLERANCE = 1.02


@dataclass(frozen=True, slots=True)
class Meter:
    """One meter of a building.

    Attributes
    ----------
    key : str
        The device's serial key (or the virtual meter's name).
    kind : str
        Device kind: ``energy``, ``water``, ``gas`` or ``heat``.
    parent : str or None
        Key of the meter upstream of this one.
    category : str or None
        分项 code (``a1`` ... ``d6``; :data:`energy.choices.CATEGORIES`).
    storey, system, space : str or None
        Where it sits and what it serves (GlobalIds / system name), for grouping.
    name : str or None
    terms : tuple of (float, str)
        For a virtual meter: ``(sign, key)`` pairs, consumption = Σ sign x consumption(key).
        Empty for a physical meter.
    """

    key: str
    kind: str = "energy"
    parent: str | None = None
    category: str | None = None
    storey: str | None = None
    system: str | None = None
    space: str | None = None
    name: str | None = None
    terms: tuple[tuple[float, str], ...] = ()

    @property
    def virtual(self) -> bool:
        """True for a meter computed from others."""
        return bool(self.terms)

    @property
    def carrier(self) -> str:
        """``electricity``, ``water``, ``gas`` or ``heat``."""
        return METER_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class TreeNode:
    """A meter of the tree with its consumption over a period.

    ``residual`` is consumption - children_sum (unmetered, or negative where children
    double count); ``double_counting`` is set where children_sum > 1.02 x consumption.
    """

    meter: Meter
    consumption: float
    children: tuple[str, ...] = ()
    children_sum: float = 0.0
    residual: float | None = None
    ratio: float | None = None
    double_counting: bool = False
    depth: int = 0
    extra: dict = field(default_factory=dict)


def parse_terms(text: str) -> tuple[tuple[float, str], ...]:
    """The terms of a virtual meter written ``"A + B - C"`` (signs between spaces, since
    serial keys may contain ``-``).

    Raises
    ------
    MeterTreeError
        Empty, two signs in a row, or a sign without a key after it.

    Examples
    --------
    >>> parse_terms("EM-1 + EM-2 - EM-3")
    ((1.0, 'EM-1'), (1.0, 'EM-2'), (-1.0, 'EM-3'))
    """
    terms: list[tuple[float, str]] = []
    sign: float | None = 1.0
    for part in text.split():
        if part in ("+", "-"):
            if sign is not None and terms:
                raise MeterTreeError(f"virtual meter terms {text!r}: two signs in a row")
            sign = (sign or 1.0) * (1.0 if part == "+" else -1.0)
        else:
            if sign is None:
                raise MeterTreeError(f"virtual meter terms {text!r}: {part!r} needs a + or - "
                                     "before it")
            terms.append((sign, part))
            sign = None
    if not terms or sign is not None:
        raise MeterTreeError(f"virtual meter terms {text!r}: write them as 'EM-1 + EM-2 - EM-3'")
    return tuple(terms)


def check_tree(meters: Iterable[Meter]) -> None:
    """Refuse a meter tree that cannot be.

    Raises
    ------
    MeterTreeError
        With the first problem: a key given twice, an unknown category code, an unknown
        parent, a parent of another carrier, a virtual meter naming an unknown meter or
        itself, or a cycle (its members listed in order).
    """
    meters = list(meters)
    by_key: dict[str, Meter] = {}
    for meter in meters:
        if meter.key in by_key:
            raise MeterTreeError(f"meter {meter.key}: the key is given twice")
        by_key[meter.key] = meter
    for meter in meters:
        if meter.category is not None and meter.category not in CATEGORY_CODES:
            raise MeterTreeError(
                f"meter {meter.key}: unknown category {meter.category!r}; known: "
                f"{', '.join(sorted(CATEGORY_CODES))}")
        if meter.parent is not None:
            parent = by_key.get(meter.parent)
            if parent is None:
                raise MeterTreeError(f"meter {meter.key}: parent {meter.parent!r} is not a "
                                     "meter of this building")
            if parent.carrier != meter.carrier:
                raise MeterTreeError(f"meter {meter.key} ({meter.carrier}) cannot hang under "
                                     f"{parent.key} ({parent.carrier})")
        for _sign, term in meter.terms:
            if term == meter.key or term not in by_key:
                raise MeterTreeError(f"virtual meter {meter.key}: term {term!r} is "
                                     + ("itself" if term == meter.key else "not a meter"))
    _check_cycles(by_key)


def _check_cycles(by_key: Mapping[str, Meter]) -> None:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for start in sorted(by_key):
        path: list[str] = []
        key: str | None = start
        while key is not None and state.get(key) != 2:
            if state.get(key) == 1:
                cycle = path[path.index(key):] + [key]
                raise MeterTreeError("the meter tree has a cycle: " + " -> ".join(cycle))
            state[key] = 1
            path.append(key)
            key = by_key[key].parent
        for visited in path:
            state[visited] = 2
    _check_virtual_cycles(by_key)


def _check_virtual_cycles(by_key: Mapping[str, Meter]) -> None:
    done: set[str] = set()

    def visit(key: str, path: list[str]) -> None:
        if key in path:
            raise MeterTreeError("virtual meters refer to each other in a cycle: "
                                 + " -> ".join(path[path.index(key):] + [key]))
        if key in done:
            return
        for _sign, term in by_key[key].terms:
            visit(term, [*path, key])
        done.add(key)

    for key in sorted(by_key):
        visit(key, [])


def consumption_of(meters: Sequence[Meter], measured: Mapping[str, object]
                   ) -> dict[str, object]:
    """Consumption of every meter: the measured ones as given (missing: 0), virtual ones
    computed from their terms (floats or numpy arrays alike)."""
    by_key = {m.key: m for m in meters}
    out: dict[str, object] = {}

    def value(key: str):
        if key not in out:
            meter = by_key[key]
            if meter.virtual:
                total = 0.0
                for sign, term in meter.terms:
                    total = total + sign * value(term)
                out[key] = total
            else:
                out[key] = measured.get(key, 0.0)
        return out[key]

    for meter in meters:
        value(meter.key)
    return out


def roots(meters: Iterable[Meter]) -> list[Meter]:
    """Physical meters without a parent, by key (a carrier's building total is their sum)."""
    return sorted((m for m in meters if m.parent is None and not m.virtual),
                  key=lambda m: m.key)


def descendants(meters: Iterable[Meter], key: str) -> list[str]:
    """Keys of every meter below ``key``, depth first."""
    children: dict[str, list[str]] = {}
    for meter in meters:
        if meter.parent is not None:
            children.setdefault(meter.parent, []).append(meter.key)
    out, todo = [], sorted(children.get(key, ()), reverse=True)
    while todo:
        item = todo.pop()
        out.append(item)
        todo.extend(sorted(children.get(item, ()), reverse=True))
    return out


def meter_tree(meters: Sequence[Meter], measured: Mapping[str, float], *,
               tolerance: float = DOUBLE_COUNT_TOLERANCE) -> list[TreeNode]:
    """The tree with consumption, children sums and residuals, parents before children.

    Parameters
    ----------
    meters : sequence of Meter
        Checked with :func:`check_tree` first.
    measured : mapping
        Consumption of each physical meter over the period (missing: 0).
    tolerance : float
        Σ children above ``tolerance`` x parent is double counting.

    Returns
    -------
    list of TreeNode
        Depth-first from the roots (virtual meters without a parent come last).

    Examples
    --------
    >>> tree = meter_tree([Meter("M"), Meter("A", parent="M"), Meter("B", parent="M")],
    ...                   {"M": 100.0, "A": 60.0, "B": 30.0})
    >>> tree[0].residual
    10.0
    """
    check_tree(meters)
    values = consumption_of(meters, measured)
    children: dict[str, list[str]] = {}
    for meter in meters:
        if meter.parent is not None:
            children.setdefault(meter.parent, []).append(meter.key)
    by_key = {m.key: m for m in meters}
    out: list[TreeNode] = []
    starts = [m.key for m in meters if m.parent is None]
    starts.sort(key=lambda k: (by_key[k].virtual, k))
    todo = [(k, 0) for k in reversed(starts)]
    while todo:
        key, depth = todo.pop()
        kids = sorted(children.get(key, ()))
        total = float(values[key])
        if kids:
            kid_sum = float(sum(float(values[k]) for k in kids))
            out.append(TreeNode(by_key[key], total, tuple(kids), kid_sum, total - kid_sum,
                                kid_sum / total if total > 0 else None,
                                total > 0 and kid_sum > tolerance * total or
                                (total <= 0 < kid_sum), depth))
        else:
            out.append(TreeNode(by_key[key], total, depth=depth))
        todo.extend((k, depth + 1) for k in reversed(kids))
    return out


def stack(series: Mapping[str, np.ndarray], keys: Iterable[str]) -> np.ndarray:
    """Sum of the series of ``keys`` (zeros of the common shape where one is missing)."""
    shape = next(iter(series.values())).shape if series else (0,)
    total = np.zeros(shape)
    for key in keys:
        if key in series:
            total = total + series[key]
    return total
