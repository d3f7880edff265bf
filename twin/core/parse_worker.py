"""Parse an uploaded IFC file in a child process with a memory limit; print one JSON line.

Run as ``python -m twin.core.parse_worker FILE CACHE_DIR MEMORY_MB [BLOCKING]``; the file is
also checked against the bundled IDS (:mod:`bim_models.standards.ids`), ``BLOCKING`` being the
comma-separated blocking requirements (default: the GlobalId checks). The parent
(:func:`twin.core.model_store.parse_upload`) adds the time limit. A hostile or corrupt file
can at worst kill this process, never the server.
"""

from __future__ import annotations

import json
import resource
import sys

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Parse and check ``argv[0]``; print ``{"ok": true, ..., "quality": {...}}`` or
    ``{"ok": false, "error": ...}``."""
    path, cache_dir, memory_mb = argv[0], argv[1], int(argv[2])
    blocking = argv[3] if len(argv) > 3 else None
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from bim_models import ModelError
    from bim_models.standards.ids import check_model, parse_blocking
    from spaces import open_building
    from twin.core.model_store import ParsedRevision

    try:
        model, graph = open_building(path, cache_dir=cache_dir)
        quality = check_model(path, blocking=parse_blocking(blocking))
    except ModelError as exc:
        print(json.dumps({"ok": False, "error": str(exc)}))
        return 2
    except MemoryError:
        error = f"parsing went over the memory limit {memory_mb} MiB"
        print(json.dumps({"ok": False, "error": error}))
        return 2
    print(json.dumps({"ok": True, **ParsedRevision.of_building(model, graph, quality).to_json()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
