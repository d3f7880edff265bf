"""The web viewer's static files at ``/viewer`` (the bundle built by scripts/build-viewer.sh).

``GET /viewer`` (and ``/viewer/``) answers the page; ``GET /viewer/{file}`` one file of the
bundle (``viewer.js``, its source map, ``style.css``). Nothing needs signing in here: the page
signs in itself and calls the API with its token. When the bundle has not been built the
answer is a 503 error body that names the build script.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

import viewer
from twin.core.http_errors import error_body

__all__ = ["bundle_dir", "router"]

router = APIRouter(tags=["viewer"], include_in_schema=False)

_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".map": "application/json",
          ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
          ".woff2": "font/woff2"}
_NO_CACHE = {"Cache-Control": "no-cache"}


def bundle_dir(request: Request | None = None) -> Path:
    """Where the built viewer lives: ``app.state.viewer_dist`` if set, else viewer/web/dist.

    Parameters
    ----------
    request : Request, optional
        The current request, whose application may override the folder.

    Returns
    -------
    Path
        The folder holding index.html and viewer.js.
    """
    override = getattr(request.app.state, "viewer_dist", None) if request else None
    return Path(override) if override else Path(viewer.__file__).parent / "web" / "dist"


def _not_built(folder: Path) -> JSONResponse:
    return JSONResponse(error_body(
        "viewer_not_built",
        "the web viewer has not been built: run scripts/build-viewer.sh",
        {"expected": str(folder / "index.html")}), status_code=503)


@router.get("/viewer")
@router.get("/viewer/")
def viewer_page(request: Request) -> Response:
    """The viewer's page (``?building=ID`` picks the building; default the first)."""
    folder = bundle_dir(request)
    page = folder / "index.html"
    if not page.is_file():
        return _not_built(folder)
    return FileResponse(page, media_type=_TYPES[".html"], headers=_NO_CACHE)


@router.get("/viewer/{name}")
def viewer_file(name: str, request: Request) -> Response:
    """One file of the built bundle (flat folder; no sub-paths)."""
    folder = bundle_dir(request)
    if not (folder / "index.html").is_file():
        return _not_built(folder)
    path = folder / name
    suffix = path.suffix.lower()
    if "/" in name or "\\" in name or name.startswith(".") or suffix not in _TYPES \
            or not path.is_file():
        return JSONResponse(error_body("not_found", f"no file {name!r} in the viewer"),
                            status_code=404)
    return FileResponse(path, media_type=_TYPES[suffix], headers=_NO_CACHE)
