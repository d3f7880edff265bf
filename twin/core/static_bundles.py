"""Serving a built browser bundle (the 3D viewer's, the portal's): where it is, its page, and
one of its files by name — never a path outside the bundle, never a file type it does not hold.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse, JSONResponse, Response

from twin.core.http_errors import error_body

__all__ = ["IMMUTABLE", "MEDIA_TYPES", "NO_CACHE", "bundle_file", "bundle_folder",
           "bundle_page"]

#: The file types a bundle serves, with their media types.
MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
               ".css": "text/css; charset=utf-8", ".map": "application/json",
               ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
               ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf"}
#: Revalidate every time (names that do not change when the content does).
NO_CACHE = {"Cache-Control": "no-cache"}
#: Keep for a year (content-hashed names).
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


def bundle_folder(request: Request | None, override: str, default: Path) -> Path:
    """The bundle's folder: the application's ``app.state.<override>`` if set (tests), else
    ``default``."""
    chosen = getattr(request.app.state, override, None) if request else None
    return Path(chosen) if chosen else default


def bundle_page(folder: Path, code: str, message: str) -> Response:
    """The bundle's ``index.html``, or a 503 error body (``code``, ``message``: how to build it)
    naming the file expected when it has not been built."""
    page = folder / "index.html"
    if not page.is_file():
        return JSONResponse(error_body(code, message, {"expected": str(page)}), status_code=503)
    return FileResponse(page, media_type=MEDIA_TYPES[".html"], headers=NO_CACHE)


def bundle_file(folder: Path, name: str, what: str, headers: dict[str, str]) -> Response:
    """File ``name`` of ``folder`` (a plain name of a known type), or a 404 error body naming
    ``what`` the bundle is."""
    path = folder / name
    suffix = path.suffix.lower()
    if "/" in name or "\\" in name or name.startswith(".") or suffix not in MEDIA_TYPES \
            or not path.is_file():
        return JSONResponse(error_body("not_found", f"no file {name!r} in the {what}"),
                            status_code=404)
    return FileResponse(path, media_type=MEDIA_TYPES[suffix], headers=headers)
