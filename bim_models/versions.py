"""Versions of what the readers write to the cache, in a module light enough to import on every
command (a cache hit checks them before loading anything else)."""

__all__ = ["PARSER_VERSION"]

#: Bump when :class:`bim_models.BuildingModel` or the parse changes: cached models are re-parsed.
PARSER_VERSION = "3"  # 3: open openings, virtual boundary segments, IsExternal, wall axes
