"""Locate any element and find walking routes through doors, stairs and lifts.

The building graph is turned once into a compact **walk graph** (one of the graph's derived
indexes, :func:`spaces.indexes.indexes_of`, rebuilt when the graph changes): integer
nodes for room centres, doors, stair/lift landings (one per storey a vertical element serves)
and points on the **spine** of elongated spaces (corridors: the long axis of their minimum
rotated rectangle, so that a walk along a corridor runs from door to door rather than through
the corridor's centre). Edge lengths are straight lines in plan; a stair flight counts twice
its rise, a lift ride its rise plus :data:`LIFT_PENALTY_M` to board and leave (so one storey is
walked, ten are ridden).

A walk changes rooms only through a door or a passage of :mod:`spaces.passages` (an unfilled
wall opening, a virtual space boundary, or, where the file says nothing, footprints touching
with no wall between): never between rooms that share only a wall. Each passage is a step of
its own (kind ``door``, ``opening``, ``boundary`` or ``open``). Storeys without rooms get a
``floor`` node in the middle of their elements' hull; walks over it are ``approximate``.

Queries are answered over a two-level index: shortest distances inside each storey from every
*portal* (landings, doors joining storeys) are precomputed; a query runs Dijkstra over the
small graph of portals, plus one search inside the storey when both ends share it. Closed
spaces, doors or verticals are avoided (the affected storeys' tables are rebuilt for that set
and cached).

Entrances (:func:`entrances`): on the lowest storey at or above ground (elevation >= -0.5 m),
the exterior doors (``Pset_DoorCommon.IsExternal`` where the file says, else doors with one
side only). A walk without a start begins at the one that gives the shortest walk. The *main*
entrance (:func:`find_entrance`) scores +2 when named like an entrance (entrance, main,
haustür, eingang, 入口, 大门, 正门), +1 when it opens into a space named like a lobby
(entrance, lobby, foyer, hall, flur, 门厅, 大厅, 大堂), the wider door winning ties; without
exterior doors, a space so named on that storey; else that storey's space with the most doors.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

from spaces.errors import RouteError, UnknownElementError
from spaces.indexes import indexes_of
from spaces.walk_graph import LIFT_PENALTY_M, MODES, STAIR_FACTOR, WalkIndex

__all__ = [
    "LIFT_PENALTY_M",
    "MAX_ENTRANCES",
    "STAIR_FACTOR",
    "Location",
    "Route",
    "RoundTrip",
    "RouteStep",
    "daily_round",
    "entrances",
    "find_entrance",
    "locate",
    "path_between",
    "resolve_target",
    "route",
    "walk_index",
]

_ENTRANCE_DOOR = re.compile(r"entrance|entry|main|haust(ü|ue)r|eingang|入口|大门|正门", re.I)
_LOBBY = re.compile(r"entrance|lobby|foyer|hall|flur|diele|门厅|大厅|大堂|入口", re.I)


@dataclass(frozen=True, slots=True)
class Location:
    """Where an element is: GlobalIds (and names) of its building, storey and space."""

    global_id: str
    kind: str
    name: str
    building: str | None
    storey: str | None
    storey_name: str | None
    space: str | None
    space_name: str | None


@dataclass(frozen=True, slots=True)
class RouteStep:
    """One step: a space, door, stair, lift or the target equipment.

    ``position`` is ``[x, y, z]`` at floor level (metres); ``distance_m`` the walk so far.
    """

    kind: str
    global_id: str
    name: str
    storey: str | None
    position: tuple[float, float, float]
    distance_m: float

    def to_dict(self) -> dict:
        """The JSON shape of ``twin route --json``."""
        return {"kind": self.kind, "global_id": self.global_id, "name": self.name,
                "storey": self.storey, "position": [round(v, 3) for v in self.position]}


@dataclass(frozen=True, slots=True)
class Route:
    """A walk: ordered steps, its length and a polyline at floor level.

    ``approximate`` is true when part of the walk crosses a storey without rooms in a straight
    line; ``notes`` say which part and why.
    """

    steps: tuple[RouteStep, ...]
    length_m: float
    polyline: tuple[tuple[float, float, float], ...]
    approximate: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """``{"steps": [...], "length_m", "polyline", "approximate", "notes"}``."""
        return {"steps": [s.to_dict() for s in self.steps],
                "length_m": round(self.length_m, 2),
                "polyline": [[round(v, 3) for v in p] for p in self.polyline],
                "approximate": self.approximate, "notes": list(self.notes)}


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """A daily round: targets in visiting order, the legs between them, total length."""

    order: tuple[str, ...]
    legs: tuple[Route, ...]
    length_m: float
    polyline: tuple[tuple[float, float, float], ...] = field(default=())


def _name(graph: nx.MultiDiGraph, node: str | None) -> str | None:
    if node is None or node not in graph:
        return None
    return str(graph.nodes[node].get("name") or node)


def locate(graph: nx.MultiDiGraph, global_id: str) -> Location:
    """Building, storey and space of any element (a space is its own space).

    Raises
    ------
    UnknownElementError
        ``global_id`` is not in the graph.
    """
    if global_id not in graph:
        raise UnknownElementError(global_id)
    data = graph.nodes[global_id]
    kind = data.get("kind", "")
    space = global_id if kind == "space" else data.get("space")
    storey = global_id if kind == "storey" else data.get("storey")
    if storey is None and space is not None:
        storey = graph.nodes[space].get("storey")
    if storey is None:
        storey = next((u for u, _, k in graph.in_edges(global_id, keys=True)
                       if k == "contains" and graph.nodes[u].get("kind") == "storey"), None)
    building = global_id if kind == "building" else None
    if building is None and storey is not None:
        building = next((u for u, _, k in graph.in_edges(storey, keys=True)
                         if k == "contains" and graph.nodes[u].get("kind") == "building"), None)
    return Location(global_id, kind, str(data.get("name") or global_id), building, storey,
                    _name(graph, storey), space, _name(graph, space))


def resolve_target(graph: nx.MultiDiGraph, text: str, *,
                   kinds: Iterable[str] = ("space", "equipment", "door", "stair")) -> str:
    """The GlobalId named by ``text``: a GlobalId, or the unique name of a node of ``kinds``
    (spaces by name or long name; equipment by name).

    Raises
    ------
    UnknownElementError
        Nothing, or more than one element, answers to ``text``.
    """
    kinds = tuple(kinds)
    if text in graph and graph.nodes[text].get("kind") in kinds:
        return text
    names = indexes_of(graph).names
    found = [n for n in names.get(text.strip().casefold(), ())
             if graph.nodes[n].get("kind") in kinds]
    if len(found) == 1:
        return found[0]
    what = " or ".join(kinds)
    error = UnknownElementError(text, what)
    error.args = (f"no {what} named {text!r} (nor with that GlobalId) in this building"
                  if not found else f"{len(found)} elements are named {text!r}: give a "
                  "GlobalId or a more precise name",)
    raise error


def _label(graph: nx.MultiDiGraph, node: str) -> str:
    return f"{graph.nodes[node].get('name') or ''} {graph.nodes[node].get('long_name') or ''}"


def walk_index(graph: nx.MultiDiGraph) -> WalkIndex:
    """The walk graph of ``graph``: ``indexes_of(graph).walk`` (see :mod:`spaces.indexes` for
    when it is rebuilt)."""
    return indexes_of(graph).walk


def _ground_storey(graph: nx.MultiDiGraph) -> str | None:
    storeys = [(float(d.get("elevation") or 0.0), n) for n, d in graph.nodes(data=True)
               if d.get("kind") == "storey"]
    above = [s for s in storeys if s[0] >= -0.5]
    pool = above or storeys
    return min(pool)[1] if pool else None


def _is_entrance(data: dict) -> bool:
    """An exterior door: ``Pset_DoorCommon.IsExternal`` where the file says, else a door that
    opens into one space only (on the outer shell)."""
    external = data.get("is_external")
    return bool(data.get("exterior")) if external is None else bool(external)


def entrances(graph: nx.MultiDiGraph) -> list[str]:
    """GlobalIds of every entrance door on the ground storey (any storey if it has none),
    best first by the scoring of :func:`find_entrance`.

    Returns
    -------
    list of str
        Empty when the building has no exterior door that opens into a room.
    """
    index = walk_index(graph)
    ground = _ground_storey(graph) or ""
    found = []
    for door, node in index.door.items():
        data = graph.nodes[door]
        if not _is_entrance(data):
            continue
        spaces = [v for _, v, k in graph.out_edges(door, keys=True) if k == "door_connects"]
        score = 2 * bool(_ENTRANCE_DOOR.search(str(data.get("name") or "")))
        score += any(_LOBBY.search(_label(graph, s)) for s in spaces)
        found.append((index.part[node] != ground, -score, -(data.get("width") or 0.0),
                      str(data.get("name") or ""), door))
    found.sort()
    on_ground = [f for f in found if not f[0]]
    return [f[-1] for f in on_ground or found]


def find_entrance(graph: nx.MultiDiGraph) -> str:
    """GlobalId of the main entrance: the best-scored exterior door on the ground storey, else
    a space (see module notes). :func:`route` starts at the nearest of :func:`entrances`.

    Raises
    ------
    RouteError
        The building has no space to start from.
    """
    index = walk_index(graph)
    ground = _ground_storey(graph)
    doors = []
    for door, node in index.door.items():
        data = graph.nodes[door]
        if not _is_entrance(data) or index.part[node] != (ground or ""):
            continue
        spaces = [v for _, v, k in graph.out_edges(door, keys=True) if k == "door_connects"]
        score = 2 * bool(_ENTRANCE_DOOR.search(str(data.get("name") or "")))
        score += any(_LOBBY.search(_label(graph, s)) for s in spaces)
        doors.append((-score, -(data.get("width") or 0.0), str(data.get("name") or ""), door))
    if doors:
        return min(doors)[3]
    spaces = [s for s in index.centre if graph.nodes[s].get("storey") == ground]
    lobby = [s for s in spaces if _LOBBY.search(_label(graph, s))]
    pool = lobby or spaces or list(index.centre)
    if not pool:
        raise RouteError("the building has no space with geometry to start a route from")
    return max(pool, key=lambda s: (sum(1 for _, _, k in graph.in_edges(s, keys=True)
                                        if k == "door_connects"), s))


def _endpoint(graph: nx.MultiDiGraph, index: WalkIndex, text: str) -> tuple[int, str | None]:
    """Walk node of a target and, for equipment, the equipment's GlobalId."""
    gid = resolve_target(graph, text)
    data = graph.nodes[gid]
    kind = data.get("kind")
    if kind == "space":
        if gid not in index.centre:
            raise RouteError(f"space {data.get('name') or gid} has no geometry to route to")
        return index.centre[gid], None
    if kind == "door" and gid in index.door:
        return index.door[gid], None
    if kind == "stair":
        landings = index.of_owner.get(gid)
        if landings:
            return min(landings, key=lambda i: index.pos[i][2]), None
    if kind == "equipment":
        space = data.get("space")
        if space in index.centre:
            return index.centre[space], gid
        if data.get("storey") in index.floor_node:  # a storey without rooms
            return index.floor_node[data["storey"]], gid
        point = data.get("centroid")
        same = [s for s in index.centre if graph.nodes[s].get("storey") == data.get("storey")]
        if point is not None and (same or index.centre):
            nearest = min(same or index.centre,
                          key=lambda s: math.dist(index.pos[index.centre[s]][:2], point[:2]))
            return index.centre[nearest], gid
    raise RouteError(f"{kind or 'element'} {data.get('name') or gid} has no place to route to")


def _blocked(index: WalkIndex, closed: Iterable[str]) -> frozenset:
    return frozenset(i for gid in closed for i in index.of_owner.get(gid, ()))


def _modes(lifts: bool, stairs: bool) -> frozenset:
    return frozenset(m for m, on in (("lift", lifts), ("stair", stairs), ("ramp", True)) if on)


def route(graph: nx.MultiDiGraph, to: str, *, start: str | None = None, lifts: bool = True,
          stairs: bool = True, closed: Iterable[str] = frozenset()) -> Route:
    """The shortest walk to ``to`` from ``start`` (default: the entrance).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        From :func:`spaces.open_building` / :func:`spaces.build_graph`.
    to, start : str
        GlobalId or unique name of a space, item of equipment (routed to its space, then to
        the item), door or stair.
    lifts, stairs : bool, default True
        ``lifts=False`` never rides a lift; ``stairs=False`` never climbs a stair
        (accessibility: lifts and ramps only).
    closed : iterable of str
        GlobalIds of spaces, doors, stairs or lifts to avoid.

    Returns
    -------
    Route

    Raises
    ------
    UnknownElementError
        ``to`` or ``start`` names nothing (or several things).
    RouteError
        The target or start is closed, or no walk joins them.

    Examples
    --------
    >>> r = route(graph, "4F-012", lifts=False)  # doctest: +SKIP
    >>> [s.kind for s in r.steps][:3]  # doctest: +SKIP
    ['door', 'space', 'door']
    """
    index = walk_index(graph)
    b, equipment = _endpoint(graph, index, to)
    blocked = _blocked(index, closed)
    starts = [_endpoint(graph, index, start)[0]] if start else _start_nodes(graph, index, b)
    for node, what in ((starts[0], "start"), (b, "target")):
        if node in blocked and (what == "target" or start):
            raise RouteError(f"the {what} {_name(graph, index.owner[node])} is closed")
    modes, best = _modes(lifts, stairs), None
    for a in starts:
        if a in blocked:
            continue
        path = index.shortest(a, b, blocked, modes) if a != b else [a]
        if path and (best is None or _cost(index, path) < _cost(index, best)):
            best = path
    if not best:
        origin = " or ".join(dict.fromkeys(_name(graph, index.owner[a]) or "?" for a in starts))
        raise RouteError(f"no walk from {origin} to {_name(graph, index.owner[b])} "
                         f"with these options{_why_not(graph, index, starts, b)}")
    return _make_route(graph, index, best, equipment)


def _why_not(graph: nx.MultiDiGraph, index: WalkIndex, starts: list[int], target: int) -> str:
    """Why no walk was found, where the model makes it plain: no stair, ramp or lift the file
    names reaches the target's storey (none is ever invented)."""
    part = index.part[target]
    if any(index.part[a] == part for a in starts) or index.portals.get(part):
        return ""
    return (f": no stair, ramp or lift in the file reaches storey "
            f"{_name(graph, part) or '(unknown)'}")


#: At most this many entrances (nearest to the target in plan) are tried by :func:`route`.
MAX_ENTRANCES = 12


def _start_nodes(graph: nx.MultiDiGraph, index: WalkIndex, target: int) -> list[int]:
    """Walk nodes a route without a start may begin at: the entrances (nearest to the target
    first), else the entrance space, else the edge of a storey without rooms."""
    doors = [index.door[d] for d in entrances(graph)]
    if doors:
        doors.sort(key=lambda n: math.dist(index.pos[n][:2], index.pos[target][:2]))
        return doors[:MAX_ENTRANCES]
    if index.centre:
        return [_endpoint(graph, index, find_entrance(graph))[0]]
    if not index.edge_node:
        raise RouteError("the building has no space, and no storey with elements, to start "
                         "a route from")
    ground = _ground_storey(graph)
    return [index.edge_node.get(ground) or index.edge_node[
        min(index.edge_node, key=lambda s: abs(index.floor.get(s, 0.0)))]]


def path_between(graph: nx.MultiDiGraph, start: str, end: str) -> tuple[list[str], float]:
    """The shortest walk between two spaces: :func:`route` from ``start`` to ``end``, as the
    GlobalIds it passes and its length.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The building graph.
    start, end : str
        GlobalIds of two spaces.

    Returns
    -------
    (list of str, float)
        The spaces, doors, stairs and lifts in walking order, and the walk's length in metres
        (the same as ``route(graph, end, start=start).length_m``).

    Raises
    ------
    UnknownElementError
        Either is not a space of the graph.
    RouteError
        A space has no geometry to route from, or no walk joins them.

    Examples
    --------
    >>> steps, metres = path_between(graph, office, meeting_room)  # doctest: +SKIP
    """
    for gid in (start, end):
        if gid not in graph or graph.nodes[gid].get("kind") != "space":
            raise UnknownElementError(gid, "space")
    walk = route(graph, end, start=start)
    return [step.global_id for step in walk.steps], walk.length_m


def _step_of(graph, index: WalkIndex, node: int) -> tuple[str, str, tuple]:
    """(step kind, name, position) of a walk node."""
    owner, kind = index.owner[node], index.kind[node]
    data = graph.nodes[owner] if owner in graph else {}
    if kind in ("centre", "spine"):
        return "space", str(data.get("name") or owner), index.pos[index.centre[owner]]
    if kind == "door":
        return "door", str(data.get("name") or owner), index.pos[node]
    if kind == "passage":
        passage_kind, name = index.passage[owner]
        return passage_kind, name, index.pos[node]
    if kind in ("floor", "edge"):
        where = "floor" if kind == "floor" else "edge of the floor"
        return "floor", f"{where} of {data.get('name') or owner}", index.pos[node]
    mode = MODES.get(str(data.get("vertical_kind") or "").lower(), "stair")
    return mode, str(data.get("name") or owner), index.pos[node]


def _make_route(graph, index: WalkIndex, path: list[int], equipment: str | None) -> Route:
    steps: list[RouteStep] = []
    polyline = [index.pos[path[0]]]
    walked = 0.0
    last = None
    bare: dict[str, None] = {}
    for k, node in enumerate(path):
        if index.kind[node] in ("floor", "edge"):
            bare[index.owner[node]] = None
        step_kind, name, position = _step_of(graph, index, node)
        if k and equipment is not None and k == len(path) - 1 and index.kind[node] == "floor":
            position = polyline[-1]  # straight on to the equipment, not via the floor's middle
        elif k:
            walked += index.edge_length(path[k - 1], node)
            polyline.append(index.pos[node])
        if (index.owner[node], step_kind) == last:
            continue
        last = (index.owner[node], step_kind)
        storey = index.part[node] or None
        steps.append(RouteStep(step_kind, index.owner[node], name, _name(graph, storey),
                               position, walked))
    notes = tuple(f"storey {_name(graph, s)} has no rooms: the walk crosses its floor in a "
                  "straight line and is approximate" for s in bare)
    if equipment is not None:
        data = graph.nodes[equipment]
        end = polyline[-1]
        point = data.get("centroid") or end
        position = (float(point[0]), float(point[1]), end[2])
        walked += math.dist(end[:2], position[:2])
        polyline.append(position)
        steps.append(RouteStep("equipment", equipment, str(data.get("name") or equipment),
                               steps[-1].storey if steps else None, position, walked))
    return Route(tuple(steps), walked, tuple(polyline), bool(bare), notes)


def _cost(index: WalkIndex, path: list[int]) -> float:
    return sum(index.edge_length(a, b) for a, b in itertools.pairwise(path))


def daily_round(graph: nx.MultiDiGraph, targets: Sequence[str], *, start: str | None = None,
                lifts: bool = True, stairs: bool = True,
                closed: Iterable[str] = frozenset()) -> RoundTrip:
    """The order to visit ``targets`` from ``start`` (default the entrance) that keeps the walk
    short: shortest walks between every pair, then a greedy tour and the given order, each
    improved by 2-opt; the shorter wins, so it is never longer than the given order.

    Parameters
    ----------
    targets : sequence of str
        Spaces or equipment (GlobalIds or unique names); duplicates are visited once.

    Returns
    -------
    RoundTrip
        ``order`` (the targets as given, reordered), one :class:`Route` per leg.
    """
    index = walk_index(graph)
    begin = start or find_entrance(graph)
    names = list(dict.fromkeys(targets))
    if not names:
        raise RouteError("a round needs at least one target")
    points = [_endpoint(graph, index, begin)[0]] + [_endpoint(graph, index, t)[0] for t in names]
    blocked, modes = _blocked(index, closed), _modes(lifts, stairs)
    n = len(points)
    cost = [[0.0] * n for _ in range(n)]
    for i, j in itertools.combinations(range(n), 2):
        path = index.shortest(points[i], points[j], blocked, modes) if points[i] != points[j] \
            else [points[i]]
        if not path:
            raise RouteError(f"no walk to {names[j - 1]} with these options")
        cost[i][j] = cost[j][i] = _cost(index, path)

    def length(order: list[int]) -> float:
        return sum(cost[a][b] for a, b in itertools.pairwise([0, *order]))

    given = list(range(1, n))
    greedy, left = [], set(given)
    while left:
        here = greedy[-1] if greedy else 0
        nxt = min(left, key=lambda j: (cost[here][j], j))
        greedy.append(nxt)
        left.discard(nxt)
    best = min((_two_opt(o, cost) for o in (given, greedy)), key=length)
    legs, sequence = [], [0, *best]
    for a, b in itertools.pairwise(sequence):
        legs.append(route(graph, names[b - 1], start=names[a - 1] if a else begin,
                          lifts=lifts, stairs=stairs, closed=closed))
    polyline = [p for k, leg in enumerate(legs) for p in leg.polyline[1 if k else 0:]]
    return RoundTrip(tuple(names[i - 1] for i in best), tuple(legs),
                     sum(leg.length_m for leg in legs), tuple(polyline))


def _two_opt(order: list[int], cost: list[list[float]]) -> list[int]:
    """Improve an open tour from node 0 by reversing segments while that shortens it."""
    tour = [0, *order]
    improved = True
    while improved:
        improved = False
        for i in range(1, len(tour) - 1):
            for j in range(i + 1, len(tour)):
                a, b = tour[i - 1], tour[i]
                c = tour[j]
                d = tour[j + 1] if j + 1 < len(tour) else None
                before = cost[a][b] + (cost[c][d] if d is not None else 0.0)
                after = cost[a][c] + (cost[b][d] if d is not None else 0.0)
                if after < before - 1e-9:
                    tour[i:j + 1] = reversed(tour[i:j + 1])
                    improved = True
    return tour[1:]
