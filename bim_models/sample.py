"""Bundled sample buildings, generated on demand (the full office generator comes later)."""

from __future__ import annotations

from pathlib import Path

from bim_models.authoring import SCHEMAS, build_two_room_model
from bim_models.errors import ModelError

__all__ = ["write_demo_building"]


def write_demo_building(path: Path | str, *, schema: str = "IFC4") -> Path:
    """Write the small two-storey demo building to ``path``.

    Parameters
    ----------
    path : Path or str
        Where to write the ``.ifc`` file (its folder must exist).
    schema : {"IFC2X3", "IFC4", "IFC4X3"}
        Schema to write.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ModelError
        For an unknown schema.
    """
    if schema.upper() not in SCHEMAS:
        raise ModelError(f"unknown schema {schema!r}; choose one of {', '.join(SCHEMAS)}")
    model = build_two_room_model(schema=schema.upper())
    model.write(str(path))
    return Path(path)
