"""The API's contract, completed: every operation declares its error answers (the one error
body of :mod:`twin.core.http_errors`, ``ErrorPublic``) and bounds on its integer parameters,
so that a client, or schemathesis, can check every answer against ``/openapi.json``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

__all__ = ["ERROR_SCHEMA", "ERROR_STATUSES", "ID_MAXIMUM", "complete_openapi",
           "declare_error_answers"]

#: The error body, ``{"error": {"code", "message", "detail"}}``.
ERROR_SCHEMA = {
    "title": "ErrorPublic",
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "detail": {"description": "what the error concerns, if anything"}}}},
}
#: Error answers any operation may give, with what they mean.
ERROR_STATUSES = {
    "400": "the request cannot be read (a malformed form or body)",
    "401": "no token, or an unknown or expired one",
    "403": "the role may not do this",
    "404": "no such thing, or not in the caller's buildings",
    "405": "the path does not take this method",
    "409": "it clashes with what exists (a duplicate, a state, the last admin)",
    "413": "the body is larger than the server accepts",
    "422": "the request is not valid (the message says which field and why)",
    "429": "too many failed sign-ins: wait Retry-After seconds",
}
#: Ids are stored as 32-bit integers on PostgreSQL: larger ones can name nothing.
ID_MAXIMUM = 2**31 - 1
_REF = {"$ref": "#/components/schemas/ErrorPublic"}


def _bound_integers(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", ()):
        schema = parameter.get("schema", {})
        if schema.get("type") != "integer":
            continue
        name = parameter.get("name", "")
        if "maximum" not in schema and "exclusiveMaximum" not in schema:
            schema["maximum"] = ID_MAXIMUM if name == "id" or name.endswith(
                ("_id", "number")) else 2**63 - 1
        if "minimum" not in schema and "exclusiveMinimum" not in schema:
            schema["minimum"] = 0 if name.endswith(("_id", "number")) or name in (
                "id", "offset", "limit") else -(2**63)


def complete_openapi(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with :data:`ERROR_STATUSES` declared on every operation (422 replacing
    FastAPI's validation-error shape) and its integer parameters bounded."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorPublic"] = ERROR_SCHEMA
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _bound_integers(operation)
            answers = operation["responses"]
            for status, meaning in ERROR_STATUSES.items():
                declared = answers.get(status)
                if declared is None or status == "422":
                    answers[status] = {"description": meaning,
                                       "content": {"application/json": {"schema": _REF}}}
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return spec


def declare_error_answers(app: FastAPI) -> None:
    """Make ``app.openapi()`` give the completed contract (:func:`complete_openapi`)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_openapi(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
