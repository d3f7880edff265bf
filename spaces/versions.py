"""Versions of what :mod:`spaces` derives from a model: part of the cache keys of those artefacts.

Kept apart (no imports) so that a cache hit can be checked without loading networkx: ``twin
inspect`` reads its cached summary knowing only these and the file's hash.
"""

from __future__ import annotations

__all__ = ["GRAPH_VERSION"]

#: Bumped whenever the graph or the way it is built changes; part of its cache key
#: (3: graphs are :class:`~spaces.graph.SpaceGraph`, and carry no index in ``graph.graph``;
#: 5: passage nodes and passage_connects edges, doors with ``is_external``).
GRAPH_VERSION = "5"
