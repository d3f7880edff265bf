"""The API's contract as ``/openapi.json`` states it: every operation's 2xx answers are typed
(a schema with ``properties`` or ``items``, or a file/stream), schema names follow one family,
and routers do not query the database themselves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from twin.api import create_app
from twin.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
#: Media types that are files or streams, not JSON bodies.
FILE_TYPES = ("model/gltf-binary", "application/octet-stream", "text/html", "text/csv",
              "application/pdf", "image/png", "text/event-stream", "application/zip",
              "text/javascript", "text/css", "text/turtle", "text/calendar",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> dict:
    settings = Settings(data_dir=tmp_path_factory.mktemp("openapi"), simulate=False)
    return create_app(settings).openapi()


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _typed(spec: dict, schema: dict) -> bool:
    schema = _resolve(spec, schema)
    if "properties" in schema or "items" in schema:
        return True
    options = schema.get("anyOf") or schema.get("oneOf") or []
    return bool(options) and all(_typed(spec, s) for s in options
                                 if s.get("type") != "null")


def _untyped(spec: dict) -> list[str]:
    untyped = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if not status.startswith("2") or status == "204":
                    continue
                content = answer.get("content", {})
                if any(media.startswith(FILE_TYPES) for media in content):
                    continue
                schema = content.get("application/json", {}).get("schema", {})
                if not _typed(spec, schema):
                    untyped.append(f"{method.upper()} {path} {status}")
    return untyped


def test_every_2xx_answer_has_a_typed_schema(spec):
    assert len(spec["paths"]) > 40
    assert _untyped(spec) == []


def test_the_checker_would_see_an_untyped_answer(spec):
    broken = {**spec, "paths": {"/x": {"get": {"responses": {"200": {"content": {
        "application/json": {"schema": {}}}}}}}}}
    assert _untyped(broken) == ["GET /x 200"]


def test_schemas_follow_one_naming_family(spec):
    names = set(spec["components"]["schemas"])
    allowed = re.compile(r"^(\w+(Public|Create|Update|Request)|Page_\w+_|HTTPValidationError|"
                         r"ValidationError|Body_\w+|Health)$")
    assert sorted(n for n in names if not allowed.match(n)) == []


def test_routers_do_not_query_the_database():
    routers = [*ROOT.glob("twin/*/router.py"), *ROOT.glob("twin/*/*_router.py"),
               ROOT / "twin/api/system.py"]
    assert len(routers) >= 8
    offending = [f"{path.relative_to(ROOT)}:{number}"
                 for path in routers
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"\bselect\(|\bsession\.\w", line)]
    assert offending == []
