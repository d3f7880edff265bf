"""Domain errors to HTTP, in exactly one place. Every error body is
``{"error": {"code": str, "message": str, "detail": any}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bim_models import ModelError
from maintenance import (
    ActiveAlarmError,
    InvalidTransitionError,
    MaintenanceError,
    UnknownAlarmError,
    UnknownWorkOrderError,
)
from meetings import (
    BookingConflictError,
    MeetingsError,
    PassRefusedError,
    UnknownBookingError,
    UnknownRoomError,
)
from spaces import SpacesError
from twin.core.errors import (
    AuthError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ThrottledError,
    TooLargeError,
    TwinError,
)
from viewer.errors import ViewerError

__all__ = ["error_body", "install_error_handlers"]

_log = logging.getLogger(__name__)
_STATUS = {TooLargeError: 413, NotFoundError: 404, PermissionDeniedError: 403, AuthError: 401,
           ConflictError: 409, InvalidInputError: 422, ThrottledError: 429}


def error_body(code: str, message: str, detail: object = None) -> dict:
    """The JSON body of every error response."""
    return {"error": {"code": code, "message": message, "detail": detail}}


async def _out_of_range(_request: Request, _exc: Exception) -> JSONResponse:
    # an id or offset past what the database stores (2**63 on SQLite, PostgreSQL's integer
    # columns): nothing can match it, the request is at fault
    return JSONResponse(error_body("invalid", "a number in the request is out of range"),
                        status_code=422)


def _install_range_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into error bodies."""

    @app.exception_handler(TwinError)
    async def twin_error(_request: Request, exc: TwinError) -> JSONResponse:
        status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, ThrottledError):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(error_body(exc.code, exc.message, exc.detail), status_code=status,
                            headers=headers)

    @app.exception_handler(MaintenanceError)
    async def maintenance_error(_request: Request, exc: MaintenanceError) -> JSONResponse:
        if isinstance(exc, UnknownAlarmError | UnknownWorkOrderError):
            return JSONResponse(error_body("not_found", str(exc)), status_code=404)
        conflict = isinstance(exc, InvalidTransitionError | ActiveAlarmError)
        detail = {"allowed": list(getattr(exc, "allowed", ()))} if conflict else None
        return JSONResponse(error_body("conflict" if conflict else "invalid", str(exc), detail),
                            status_code=409 if conflict else 422)

    @app.exception_handler(ModelError)
    async def model_error(_request: Request, exc: ModelError) -> JSONResponse:
        return JSONResponse(error_body("invalid_model", str(exc)), status_code=422)

    @app.exception_handler(SpacesError)
    async def spaces_error(_request: Request, exc: SpacesError) -> JSONResponse:
        status = 404 if isinstance(exc, KeyError) else 422
        return JSONResponse(error_body("not_found" if status == 404 else "invalid", str(exc)),
                            status_code=status)

    @app.exception_handler(ViewerError)
    async def viewer_error(_request: Request, exc: ViewerError) -> JSONResponse:
        status = 404 if isinstance(exc, LookupError) else 422  # e.g. nothing to draw
        return JSONResponse(error_body("not_found" if status == 404 else "invalid", str(exc)),
                            status_code=status)

    @app.exception_handler(MeetingsError)
    async def meetings_error(_request: Request, exc: MeetingsError) -> JSONResponse:
        if isinstance(exc, UnknownBookingError | UnknownRoomError):
            return JSONResponse(error_body("not_found", str(exc)), status_code=404)
        if isinstance(exc, BookingConflictError):
            detail = {"room": exc.room, "clashes": [
                {"booking": b, "start": a, "end": z} for b, a, z in exc.clashes]}
            return JSONResponse(error_body("conflict", str(exc), detail), status_code=409)
        if isinstance(exc, PassRefusedError):
            return JSONResponse(error_body("pass_refused", str(exc)), status_code=403)
        return JSONResponse(error_body("invalid", str(exc)), status_code=422)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
        return JSONResponse(error_body("invalid", "the request is not valid", detail),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    _install_range_handlers(app)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body("internal", "internal server error"), status_code=500)
