"""The web viewer's static files at ``/viewer`` (the bundle built by scripts/build-viewer.sh).

``GET /viewer`` (and ``/viewer/``) answers the page; ``GET /viewer/{file}`` one file of the
bundle (``viewer.js``, its source map, ``style.css``). Nothing needs signing in here: the page
signs in itself and calls the API with its token. When the bundle has not been built the
answer is a 503 error body that names the build script.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

import viewer
from twin.core.static_bundles import NO_CACHE, bundle_file, bundle_folder, bundle_page

__all__ = ["bundle_dir", "router"]

router = APIRouter(tags=["viewer"], include_in_schema=False)


def bundle_dir(request: Request | None = None) -> Path:
    """Where the built viewer lives: ``app.state.viewer_dist`` if set, else viewer/web/dist."""
    return bundle_folder(request, "viewer_dist", Path(viewer.__file__).parent / "web" / "dist")


def _page(request: Request) -> Response:
    return bundle_page(bundle_dir(request), "viewer_not_built",
                       "the web viewer has not been built: run scripts/build-viewer.sh")


@router.get("/viewer")
@router.get("/viewer/")
def viewer_page(request: Request) -> Response:
    """The viewer's page (``?building=ID`` picks the building; default the first)."""
    return _page(request)


@router.get("/viewer/{name}")
def viewer_file(name: str, request: Request) -> Response:
    """One file of the built bundle (flat folder; no sub-paths)."""
    folder = bundle_dir(request)
    if not (folder / "index.html").is_file():
        return _page(request)  # the 503 that names the build script
    return bundle_file(folder, name, "viewer", NO_CACHE)
