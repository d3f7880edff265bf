"""The compact walk graph behind :mod:`spaces.routing` (built once per state of a graph, by
:func:`spaces.indexes.indexes_of`).

Integer nodes for room centres, doors, stair/lift landings (one per storey a vertical element
serves) and points on the spine of elongated spaces; per-storey shortest-distance tables from
every portal; a two-level Dijkstra over them. See :mod:`spaces.routing` for the model.
"""

from __future__ import annotations

import heapq
import itertools
import math

import networkx as nx
from shapely.geometry import MultiPoint, Point
from shapely.ops import nearest_points

__all__ = ["LIFT_PENALTY_M", "MODES", "STAIR_FACTOR", "WalkIndex"]

#: Metres added to a lift ride (waiting, boarding and leaving).
LIFT_PENALTY_M = 10.0
#: Walking length of a stair flight per metre of rise.
STAIR_FACTOR = 2.0
_ELONGATED = 2.5
#: ``vertical_kind`` of a stair node -> walking mode (anything else is a stair).
MODES = {"transport": "lift", "lift": "lift", "ramp": "ramp"}


def _storey_floors(graph: nx.MultiDiGraph, spaces: dict[str, dict]) -> dict[str, float]:
    """Floor level of each storey: the floor most of its rooms stand on (the median of their
    floors, so that a lift pit or a sunken plant room does not pull it down), else its
    elevation. Never the lowest element."""
    floor: dict[str, list[float]] = {}
    for d in spaces.values():
        if d.get("storey") and d.get("z_range"):
            floor.setdefault(d["storey"], []).append(d["z_range"][0])
    levels = {s: sorted(v)[(len(v) - 1) // 2] for s, v in floor.items()}
    for n, d in graph.nodes(data=True):
        if d.get("kind") == "storey" and n not in levels:
            levels[n] = float(d.get("elevation") or 0.0)
    return levels


class WalkIndex:
    """The compact walk graph of one building graph and its per-storey portal tables.

    Built from the graph and independent of it afterwards (it keeps no reference to it); get
    it with :func:`spaces.indexes.indexes_of` ``(graph).walk``, which rebuilds it when the
    graph changes.
    """

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.pos: list[tuple[float, float, float]] = []
        self.owner: list[str] = []       # GlobalId of the space/door/vertical a node belongs to
        self.kind: list[str] = []        # centre | spine | door | passage | landing | floor | edge
        self.part: list[str] = []        # storey GlobalId ("" when unknown)
        self.adj: list[list[tuple[int, float]]] = []
        self.length: dict[tuple[int, int], float] = {}
        self.mode: dict[tuple[int, int], str] = {}   # crossing edges: stair | lift | ramp
        self.centre: dict[str, int] = {}
        self.door: dict[str, int] = {}
        self.of_owner: dict[str, list[int]] = {}
        self.floor: dict[str, float] = {}
        self.passage: dict[str, tuple[str, str]] = {}  # passage id -> (kind, name)
        self.floor_node: dict[str, int] = {}  # storey without rooms -> node on its floor
        self.edge_node: dict[str, int] = {}   # storey without rooms -> where its walk starts
        self._build(graph)
        self.portals: dict[str, list[int]] = {}
        for i, edges in enumerate(self.adj):
            if any(self.part[j] != self.part[i] for j, _ in edges):
                self.portals.setdefault(self.part[i], []).append(i)
        self._storey_nodes: dict[str, frozenset] = {}
        self._tables: dict[tuple[int, frozenset], tuple[dict, dict]] = {}
        for portals in self.portals.values():  # the open building's tables, up front
            for portal in portals:
                self.table(portal, frozenset())

    # -- building the walk graph -------------------------------------------------------------
    def _node(self, pos, owner, kind, part) -> int:
        self.pos.append(tuple(float(v) for v in pos))
        self.owner.append(owner)
        self.kind.append(kind)
        self.part.append(part or "")
        self.adj.append([])
        self.of_owner.setdefault(owner, []).append(len(self.pos) - 1)
        return len(self.pos) - 1

    def _edge(self, a: int, b: int, cost: float, length: float | None = None,
              mode: str | None = None) -> None:
        self.adj[a].append((b, cost))
        self.adj[b].append((a, cost))
        if length is not None and length != cost:
            self.length[(a, b)] = self.length[(b, a)] = length
        if mode is not None:
            self.mode[(a, b)] = self.mode[(b, a)] = mode

    def _build(self, graph: nx.MultiDiGraph) -> None:
        spaces = {n: d for n, d in graph.nodes(data=True)
                  if d.get("kind") == "space" and d.get("footprint") is not None}
        self.floor = _storey_floors(graph, spaces)
        attach: dict[str, list[tuple[int, float, float, float]]] = {}

        def link(space: str, node: int, extra: float = 0.0) -> None:
            attach.setdefault(space, []).append((node, *self.pos[node][:2], extra))

        self._add_centres(spaces)
        self._add_doors(graph, spaces, link)
        self._add_passages(graph, spaces, link)
        self._add_bare_floors(graph, spaces)
        for n, d in graph.nodes(data=True):
            if d.get("kind") == "stair":
                self._add_vertical(graph, n, d, spaces, link)
        for space, portals in attach.items():
            self._attach(space, spaces[space], portals)

    def _add_centres(self, spaces: dict[str, dict]) -> None:
        """One node per space, at its centroid (a point inside it if the centroid is not)."""
        for n, d in spaces.items():
            fp = d["footprint"]
            c = fp.centroid if fp.contains(fp.centroid) else fp.representative_point()
            z = d["z_range"][0] if d.get("z_range") else self.floor.get(d.get("storey"), 0.0)
            self.centre[n] = self._node((c.x, c.y, z), n, "centre", d.get("storey"))

    def _add_doors(self, graph: nx.MultiDiGraph, spaces: dict[str, dict], link) -> set[str]:
        """One node per door that opens into a space; the spaces an interior door joins."""
        interior: set[str] = set()
        for n, d in graph.nodes(data=True):
            if d.get("kind") != "door" or d.get("position") is None:
                continue
            sides = [v for _, v, k in graph.out_edges(n, keys=True)
                     if k == "door_connects" and v in spaces]
            if not sides:
                continue
            storey = d.get("storey") or spaces[sides[0]].get("storey")
            x, y, _ = d["position"]
            z = self.pos[self.centre[sides[0]]][2] if not d.get("storey") else \
                self.floor.get(storey, self.pos[self.centre[sides[0]]][2])
            self.door[n] = node = self._node((x, y, z), n, "door", storey)
            for space in sides:
                link(space, node)
            if len(sides) > 1:
                interior.update(sides)
        return interior

    def _add_passages(self, graph: nx.MultiDiGraph, spaces: dict[str, dict], link) -> None:
        """One node per open wall opening and open boundary (:mod:`spaces.passages`): the
        only ways between rooms besides doors; rooms that share only a wall stay apart."""
        for n, d in graph.nodes(data=True):
            if d.get("kind") != "passage" or d.get("position") is None:
                continue
            sides = [v for _, v, k in graph.out_edges(n, keys=True)
                     if k == "passage_connects" and v in spaces]
            if len(sides) != 2:
                continue
            node = self._node(d["position"], n, "passage", spaces[sides[0]].get("storey"))
            self.passage[n] = (str(d.get("passage_kind") or "open"), str(d.get("name") or n))
            for space in sides:
                link(space, node)

    def _add_bare_floors(self, graph: nx.MultiDiGraph, spaces: dict[str, dict]) -> None:
        """Storeys without rooms (plant, MEP-only models): one node in the middle of the
        storey's footprint (the hull of its elements) and one where a walk onto it starts (an
        exterior door on it, else the footprint's edge nearest its south-west corner)."""
        with_rooms = {d.get("storey") for d in spaces.values()}
        points: dict[str, list] = {}
        doors: dict[str, list] = {}
        for _, d in graph.nodes(data=True):
            storey = d.get("storey")
            if not storey or storey in with_rooms or d.get("kind") in ("space", "passage"):
                continue
            if d.get("bounds") is not None:
                points.setdefault(storey, []).extend(p[:2] for p in d["bounds"])
            elif d.get("position") is not None:
                points.setdefault(storey, []).append(tuple(d["position"][:2]))
            if d.get("kind") == "door" and d.get("position") is not None \
                    and d.get("is_external") is not False:
                doors.setdefault(storey, []).append(tuple(d["position"][:2]))
        for storey, found in points.items():
            hull = MultiPoint(found).convex_hull
            z = self.floor.get(storey, 0.0)
            middle = hull.centroid
            self.floor_node[storey] = centre = self._node((middle.x, middle.y, z), storey,
                                                          "floor", storey)
            if doors.get(storey):
                ex, ey = doors[storey][0]
            else:
                x0, y0, _, _ = hull.bounds
                edge = nearest_points(hull.boundary if hull.area > 0 else hull, Point(x0, y0))[0]
                ex, ey = edge.x, edge.y
            self.edge_node[storey] = start = self._node((ex, ey, z), storey, "edge", storey)
            self._edge(start, centre, math.dist((ex, ey), (middle.x, middle.y)))

    def _add_vertical(self, graph, n, d, spaces, link) -> None:
        if d.get("position") is None:
            return
        mode = MODES.get(str(d.get("vertical_kind") or "").lower(), "stair")
        by_storey: dict[str, list[str]] = {}
        for _, v, k in graph.out_edges(n, keys=True):
            if k == "stair_connects" and v in spaces:
                by_storey.setdefault(spaces[v].get("storey") or "", []).append(v)
            elif k == "stair_connects" and v in self.floor_node:  # a storey without rooms
                by_storey.setdefault(v, [])
        x, y, _ = d["position"]
        landings = []
        extra = LIFT_PENALTY_M / 2 if mode == "lift" else 0.0
        for storey, opened in by_storey.items():
            z = self.floor[storey] if storey in self.floor else \
                self.pos[self.centre[opened[0]]][2]
            node = self._node((x, y, z), n, "landing", storey)
            landings.append(node)
            for space in opened:
                link(space, node, extra)
            if not opened:
                floor = self.floor_node[storey]
                length = math.dist((x, y), self.pos[floor][:2])
                self._edge(node, floor, length + extra, length)
        landings.sort(key=lambda i: self.pos[i][2])
        for a, b in itertools.pairwise(landings):
            rise = abs(self.pos[b][2] - self.pos[a][2])
            length = rise * (1.0 if mode == "lift" else STAIR_FACTOR)
            self._edge(a, b, length, mode=mode)

    def _attach(self, space: str, data: dict, portals) -> None:
        """Join a space's portals to its centre, along its spine if it is elongated."""
        centre = self.centre[space]
        cx, cy, z = self.pos[centre]
        rect = data["footprint"].minimum_rotated_rectangle
        coords = list(getattr(rect, "exterior", rect).coords) if rect.area > 0 else []
        axis = None
        if len(coords) >= 4:
            (x0, y0), (x1, y1), (x2, y2) = coords[:3]
            e1, e2 = math.hypot(x1 - x0, y1 - y0), math.hypot(x2 - x1, y2 - y1)
            long_, short = max(e1, e2), min(e1, e2)
            if short > 0 and long_ / short >= _ELONGATED:
                ux, uy = ((x1 - x0) / e1, (y1 - y0) / e1) if e1 >= e2 else \
                    ((x2 - x1) / e2, (y2 - y1) / e2)
                axis = (ux, uy, (long_ - short) / 2)
        if axis is None:
            for node, px, py, extra in portals:
                d = math.hypot(px - cx, py - cy)
                self._edge(node, centre, d + extra, d)
            return
        ux, uy, half = axis
        stops = [(0.0, centre)]
        for node, px, py, extra in portals:
            t = max(-half, min(half, (px - cx) * ux + (py - cy) * uy))
            sx, sy = cx + t * ux, cy + t * uy
            stop = self._node((sx, sy, z), space, "spine", self.part[centre])
            d = math.hypot(px - sx, py - sy)
            self._edge(node, stop, d + extra, d)
            stops.append((t, stop))
        stops.sort()
        for (t0, a), (t1, b) in itertools.pairwise(stops):
            self._edge(a, b, t1 - t0)

    # -- searching --------------------------------------------------------------------------
    def search(self, source: int, blocked: frozenset, target: int | None = None):
        """Dijkstra inside ``source``'s storey; landings are entered but not walked through."""
        part, kind, adj = self.part[source], self.kind, self.adj
        dist, pred = {source: 0.0}, {source: -1}
        heap = [(0.0, source)]
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist[u]:
                continue
            if u == target:
                break
            if u != source and kind[u] == "landing":
                continue
            for v, w in adj[u]:
                if self.part[v] != part or v in blocked:
                    continue
                nd = d + w
                if nd < dist.get(v, math.inf):
                    dist[v], pred[v] = nd, u
                    heapq.heappush(heap, (nd, v))
        return dist, pred

    def table(self, portal: int, blocked: frozenset) -> tuple[dict, dict]:
        """Distances from a portal over its storey, for a set of blocked nodes (cached)."""
        key = (portal, blocked & self._nodes_of(self.part[portal]) if blocked else blocked)
        found = self._tables.get(key)
        if found is None:
            if len(self._tables) > 50_000:
                self._tables.clear()
            found = self._tables[key] = self.search(portal, key[1])
        return found

    def _nodes_of(self, part: str) -> frozenset:
        """The walk nodes of one storey."""
        found = self._storey_nodes.get(part)
        if found is None:
            found = self._storey_nodes[part] = frozenset(
                i for i, p in enumerate(self.part) if p == part)
        return found

    def shortest(self, a: int, b: int, blocked: frozenset, modes: frozenset) -> list[int]:
        """Node path from ``a`` to ``b`` (empty if none): the shorter of the walk inside the
        storey (when both share one) and the walk over the portals (stairs, lifts)."""
        best, direct = math.inf, None
        if self.part[a] == self.part[b]:
            dist, pred = self.search(a, blocked, b)
            if b in dist:
                best, direct = dist[b], pred
        over_portals = self._search_portals(a, b, blocked, modes, best)
        if over_portals is not None:
            return self._portal_path(a, b, blocked, *over_portals)
        return [] if direct is None else self._unwind(direct, b)[::-1]

    def _search_portals(self, a: int, b: int, blocked: frozenset, modes: frozenset,
                        best: float) -> tuple[int, dict] | None:
        """Dijkstra over the portals from ``a``'s storey to ``b``'s: the last portal and the
        predecessors, or ``None`` if no walk over them is shorter than ``best``."""
        starts = [p for p in self.portals.get(self.part[a], ()) if p not in blocked]
        goals = {p for p in self.portals.get(self.part[b], ()) if p not in blocked}
        if not (starts and goals):
            return None
        dist: dict[int, float] = {}
        prev: dict[int, tuple[int, str]] = {}
        heap: list[tuple[float, int]] = []
        for p in starts:
            d = self.table(p, blocked)[0].get(a)
            if d is not None:
                self._relax(heap, dist, prev, -1, p, d, "start")
        end = None
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist[u] or d >= best:
                continue
            if u in goals:
                tail = self.table(u, blocked)[0].get(b)
                if tail is not None and d + tail < best:
                    best, end = d + tail, u
            self._expand(heap, dist, prev, u, d, blocked, modes)
        return None if end is None else (end, prev)

    def _expand(self, heap, dist, prev, u: int, d: float, blocked: frozenset,
                modes: frozenset) -> None:
        """Relax the portals reached from portal ``u``: across storeys by its own edges (of an
        allowed mode), inside its storey through the storey's table."""
        for v, w in self.adj[u]:
            if self.part[v] == self.part[u] or v in blocked:
                continue
            mode = self.mode.get((u, v))
            if mode is not None and mode not in modes:
                continue
            self._relax(heap, dist, prev, u, v, d + w, "cross")
        table = self.table(u, blocked)[0]
        for v in self.portals.get(self.part[u], ()):
            if v != u and v in table and v not in blocked:
                self._relax(heap, dist, prev, u, v, d + table[v], "inside")

    def _portal_path(self, a: int, b: int, blocked: frozenset, end: int,
                     prev: dict[int, tuple[int, str]]) -> list[int]:
        """The node path of a portal search: ``a`` to the first portal, portal to portal
        (across, or through a storey's table), the last portal to ``b``."""
        hops, u = [], end
        while u != -1:
            hops.append(u)
            u = prev[u][0]
        hops.reverse()
        path = self._unwind(self.table(hops[0], blocked)[1], a)  # a .. first portal
        for u, v in itertools.pairwise(hops):
            if prev[v][1] == "cross":
                path.append(v)
            else:
                path += self._unwind(self.table(u, blocked)[1], v)[::-1][1:]
        path += self._unwind(self.table(end, blocked)[1], b)[::-1][1:]
        return path

    @staticmethod
    def _relax(heap, dist, prev, u, v, nd, how) -> None:
        if nd < dist.get(v, math.inf):
            dist[v], prev[v] = nd, (u, how)
            heapq.heappush(heap, (nd, v))

    @staticmethod
    def _unwind(pred: dict, node: int) -> list[int]:
        """Nodes from ``node`` back to the search's source."""
        out = [node]
        while pred[out[-1]] != -1:
            out.append(pred[out[-1]])
        return out

    def edge_length(self, a: int, b: int) -> float:
        """Walking length (metres, without the lift penalty) of the edge ``a``-``b``."""
        found = self.length.get((a, b))
        if found is not None:
            return found
        return next(w for v, w in self.adj[a] if v == b)
