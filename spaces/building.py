"""Open a building: the parsed model and its graph, both from the cache when possible."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from bim_models import BuildingModel, load_model
from bim_models.cache import ModelCache
from bim_models.geometry import ProgressCallback
from spaces.graph import build_graph
from spaces.tolerances import DEFAULT_TOLERANCES, Tolerances
from spaces.versions import GRAPH_VERSION  # bump it there: the inspect summary's key too

__all__ = ["GRAPH_VERSION", "open_building"]


def open_building(path: Path | str, *, use_cache: bool = True,
                  cache_dir: Path | str | None = None,
                  progress: ProgressCallback | None = None,
                  tolerances: Tolerances = DEFAULT_TOLERANCES
                  ) -> tuple[BuildingModel, nx.MultiDiGraph]:
    """Load an IFC file and build its graph; reopening the same file reads both from cache.

    Parameters
    ----------
    path : Path or str
        An ``.ifc`` or ``.ifczip`` file.
    use_cache : bool, default True
        ``False`` parses and builds from scratch, without reading or writing the cache.
    cache_dir : Path or str, optional
        See :func:`bim_models.load_model`.
    progress : callable, optional
        ``progress(done, total)`` while geometry runs.
    tolerances : Tolerances, optional
        Non-default tolerances bypass the graph cache.

    Returns
    -------
    (BuildingModel, SpaceGraph)

    Raises
    ------
    bim_models.ModelLoadError
        The file is missing, not IFC, truncated, refused or of an unsupported schema.
    """
    model = load_model(path, use_cache=use_cache, cache_dir=cache_dir, progress=progress)
    if not use_cache or tolerances != DEFAULT_TOLERANCES:
        return model, build_graph(model, tolerances=tolerances)
    store = ModelCache(cache_dir)
    kind = f"graph-g{GRAPH_VERSION}"
    graph = store.get(model.sha256, kind=kind, expected=nx.MultiDiGraph)
    if graph is None:
        graph = build_graph(model, tolerances=tolerances)
        store.put(model, graph, kind=kind)
    graph.graph["source"] = model.source
    return model, graph
