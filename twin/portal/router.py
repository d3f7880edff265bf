"""The web portal's static files and its history fallback (the bundle of scripts/build-portal.sh).

``GET /assets/{file}`` answers one file of the built bundle (web/portal/dist/assets). Any other
GET that is not an API path and accepts ``text/html`` answers the portal's ``index.html``, so that
a deep link (``/housing/rooms?verdict=over``) opens the page the browser router shows. An API
path is one whose first segment is the first segment of a route of the application (``/buildings``,
``/auth``, ``/viewer``, ``/docs`` …): those never fall back, and unknown ones keep their JSON 404.
The router is included last so that every API route wins. Without a build the page answers 503
naming the build script.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from twin.core.http_errors import error_body
from twin.core.static_bundles import IMMUTABLE, bundle_file, bundle_folder, bundle_page

__all__ = ["bundle_dir", "router"]

router = APIRouter(tags=["portal"], include_in_schema=False)

_REPO = Path(__file__).resolve().parents[2]


def bundle_dir(request: Request | None = None) -> Path:
    """Where the built portal lives: ``app.state.portal_dist`` if set, else web/portal/dist."""
    return bundle_folder(request, "portal_dist", _REPO / "web" / "portal" / "dist")


def _route_paths(routes: list, prefix: str = "") -> list[str]:
    """The paths of ``routes``, looking into included routers (but not the portal's)."""
    paths = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            paths += _route_paths(included.routes, prefix + getattr(context, "prefix", ""))
        elif getattr(route, "endpoint", None) not in (portal_page, portal_asset) \
                and isinstance(getattr(route, "path", None), str):
            paths.append(prefix + route.path)
            paths += _route_paths(getattr(route, "routes", None) or [], prefix + route.path)
    return paths


def _api_prefixes(request: Request) -> frozenset[str]:
    """The first path segments of the application's own routes (but the portal's), kept on
    ``app.state`` once computed."""
    state = request.app.state
    prefixes = getattr(state, "portal_api_prefixes", None)
    if prefixes is None:
        segments = (path.split("/")[1] for path in _route_paths(request.app.routes)
                    if path.startswith("/"))
        prefixes = frozenset(s for s in segments if s and not s.startswith("{"))
        state.portal_api_prefixes = prefixes
    return prefixes


def _not_found(path: str) -> JSONResponse:
    return JSONResponse(error_body("not_found", f"no such path: {path}"), status_code=404)


@router.get("/assets/{name}")
def portal_asset(name: str, request: Request) -> Response:
    """One file of the built bundle (hashed names: cached for a year)."""
    return bundle_file(bundle_dir(request) / "assets", name, "portal", IMMUTABLE)


@router.get("/{path:path}")
def portal_page(path: str, request: Request) -> Response:
    """The portal's page for any browser path that is not the API's (history fallback)."""
    first = path.split("/", 1)[0]
    wants_html = "text/html" in request.headers.get("accept", "")
    if not wants_html or (first and first in _api_prefixes(request)):
        return _not_found("/" + path)
    return bundle_page(bundle_dir(request), "portal_not_built",
                       "the web portal has not been built: run scripts/build-portal.sh")
