"""The 3D scene of a building's latest revision: the .glb file and what the browser needs
beside it (storeys, classes, bounds, spaces).

Both are built once per model file and scene version and kept in the cache folder
(:func:`viewer.scene.cached_scene`); responses carry an ``ETag`` (content hash of the model +
scene version) so that browsers revalidate with ``If-None-Match`` and get ``304``.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from twin.core.deps import CurrentUser, SessionDep, SettingsDep
from twin.core.model_store import model_file
from twin.core.tables import Revision
from twin.portfolio import service as portfolio
from twin.scene.scene_worker import build_scene
from twin.scene.schemas import SceneMetaPublic
from viewer.scene import scene_version_tag

__all__ = ["GLB_MEDIA_TYPE", "router"]

router = APIRouter(prefix="/buildings/{building_id}", tags=["scene"])

GLB_MEDIA_TYPE = "model/gltf-binary"
#: The URL names the *latest* revision, so clients must revalidate; the ETag makes that cheap.
_CACHE_CONTROL = "private, no-cache"


def _etag(revision: Revision) -> str:
    return f'"{revision.sha256[:32]}-{scene_version_tag()}"'


def _not_modified(request: Request, etag: str) -> bool:
    sent = request.headers.get("if-none-match", "")
    return any(tag.strip() in (etag, f"W/{etag}", "*") for tag in sent.split(","))


def _scene_files(request: Request, session, building_id: int, user, settings
                 ) -> tuple[Revision, dict[str, str], tuple[Path, Path] | None]:
    """The latest revision, the caching headers, and its (.glb, meta) files built once, or
    None when the client's copy (If-None-Match) is current."""
    revision = portfolio.latest_revision(
        session, portfolio.get_building(session, building_id, user))
    etag = _etag(revision)
    headers = {"ETag": etag, "Cache-Control": _CACHE_CONTROL}
    if _not_modified(request, etag):
        return revision, headers, None
    # built in a child process under the parse limits (memory, time), never in the server
    return revision, headers, build_scene(model_file(settings, revision.sha256),
                                          cache_dir=settings.resolved_cache_dir,
                                          sha256=revision.sha256,
                                          memory_mb=settings.parse_memory_mb,
                                          timeout_s=settings.parse_timeout_s)


@router.get("/scene.glb", response_class=Response,
            responses={200: {"content": {GLB_MEDIA_TYPE: {}},
                             "description": "glTF 2.0 binary: one node per element, named by "
                                            "GlobalId, extras with class, storey and space"},
                       304: {"description": "unchanged since the ETag sent"}})
def scene_glb(building_id: int, request: Request, session: SessionDep, user: CurrentUser,
              settings: SettingsDep) -> Response:
    """The building's latest revision as a glTF binary scene (any signed-in role)."""
    revision, headers, files = _scene_files(request, session, building_id, user, settings)
    if files is None:
        return Response(status_code=304, headers=headers)
    glb, _ = files
    return FileResponse(glb, media_type=GLB_MEDIA_TYPE, headers=headers,
                        filename=f"building-{building_id}-r{revision.number}.glb",
                        content_disposition_type="inline")


@router.get("/scene/meta", response_model=SceneMetaPublic,
            responses={304: {"description": "unchanged since the ETag sent"}})
def scene_meta(building_id: int, request: Request, session: SessionDep, user: CurrentUser,
               settings: SettingsDep) -> Response:
    """Storeys, classes with counts, bounding box and spaces (number, name, storey, centroid)
    of the scene, for search, fly-to and labels. Coordinates: IFC world (Z up) and glTF."""
    revision, headers, files = _scene_files(request, session, building_id, user, settings)
    if files is None:
        return Response(status_code=304, headers=headers)
    _, meta = files
    body = json.loads(meta.read_text(encoding="utf-8"))
    body["building_id"] = building_id
    body["revision"] = revision.number
    return JSONResponse(body, headers=headers)
