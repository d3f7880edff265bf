"""Build a building's 3D scene (``scene.glb`` and its meta) in a child process with a memory
limit; print one JSON line.

Run as ``python -m twin.scene.scene_worker IFC CACHE_DIR SHA256 MEMORY_MB``. The parent
(:func:`build_scene`) adds the time limit: a huge or hostile model can at worst end this
process, never grow the server's memory (the scene of a 112 MB model took the server from
414 to 855 MiB when it was built inside it).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from twin.core.errors import InvalidInputError

__all__ = ["build_scene", "main"]


def build_scene(ifc_path: Path, *, cache_dir: Path, sha256: str, memory_mb: int,
                timeout_s: float) -> tuple[Path, Path]:
    """The scene files of a stored model, from the cache or built in a child process.

    Raises
    ------
    InvalidInputError
        The build broke the time or memory limit, or the model could not be read.
    """
    from viewer.scene import scene_version_tag

    stem = Path(cache_dir) / "scenes" / f"{sha256}-{scene_version_tag()}"
    glb, meta = stem.with_suffix(".glb"), stem.with_suffix(".json")
    if glb.is_file() and meta.is_file():
        return glb, meta
    command = [sys.executable, "-m", "twin.scene.scene_worker", str(ifc_path), str(cache_dir),
               sha256, str(memory_mb)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise InvalidInputError(
            f"building the 3D scene took longer than {timeout_s:g} s") from None
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        answer = {}
    if not answer.get("ok"):
        raise InvalidInputError(answer.get("error") or
                                f"building the 3D scene stopped (exit code {done.returncode};"
                                f" memory limit {memory_mb} MiB)")
    return Path(answer["glb"]), Path(answer["meta"])


def main(argv: list[str]) -> int:
    """Build the scene of ``argv[0]``; print ``{"ok": true, "glb", "meta"}`` or an error."""
    ifc, cache_dir, sha256, memory_mb = argv[0], argv[1], argv[2], int(argv[3])
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from bim_models import ModelError
    from viewer.scene import cached_scene

    try:
        glb, meta = cached_scene(ifc, cache_dir=cache_dir, sha256=sha256)
    except ModelError as error:
        print(json.dumps({"ok": False, "error": str(error).replace(ifc, "the model")}))
        return 2
    except MemoryError:
        print(json.dumps({"ok": False, "error": f"building the 3D scene went over the memory "
                                                f"limit of {memory_mb} MiB"}))
        return 2
    print(json.dumps({"ok": True, "glb": str(glb), "meta": str(meta)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
