"""One error shape for every failure. The JSON API always answers
``{"error": {"code", "message", "details"}}`` (validation errors included); pages get
the same message on an error page, and "sign in first" becomes a redirect."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from paperscope.validation_words import error_field
from paperscope.web.errors import ApiError, NotSignedIn, error_body
from paperscope.web.rendering import render_error, wants_json
from paperscope.web.signin_links import here, signin_url
from paperscope.web.validation_messages import declared_bounds, field_details

log = logging.getLogger("paperscope.web")

_HTTP_CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def _respond(request: Request, error: ApiError) -> Response:
    if wants_json(request):
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return JSONResponse(
            error_body(error.code, error.message, error.details),
            status_code=error.status,
            headers=headers,
        )
    if isinstance(error, NotSignedIn) and request.method == "GET":
        return RedirectResponse(signin_url(here(request)), status_code=303)
    return render_error(request, error.status, error.message)


# Starlette's form parser refuses a field (urlencoded, or a multipart part that is not a
# file) over its max_part_size, 1 MiB by default, with a 400 that says so in these words.
_FIELD_TOO_LARGE = re.compile(r"(?:Field|Part) exceeded maximum size of (\d+)KB")


def _too_large_field(detail: object) -> ApiError | None:
    """A 413 naming the limit for the form parser's "field too large" 400."""
    found = _FIELD_TOO_LARGE.fullmatch(str(detail).rstrip("."))
    if found is None:
        return None
    kb = int(found.group(1))
    limit = f"{kb // 1024} MB" if kb % 1024 == 0 else f"{kb} KB"
    return ApiError(
        413,
        "too_large",
        f"A field of this form is larger than {limit}, the most one field may hold: "
        "shorten it and send the form again (files go in a file field, which has "
        "its own limit).",
        {"limit_bytes": kb * 1024},
    )


def _validation_details(request: Request, exc: RequestValidationError) -> dict[str, Any]:
    fields = []
    for err in exc.errors():
        bounds = declared_bounds(request, error_field(err))
        fields.append(field_details(err, bounds))
    return {"fields": fields}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        details = _validation_details(request, exc)
        # One sentence per field: a union-typed field fails once per member of the
        # union, and the first (its main type) says what to send.
        said = {f["field"]: f["message"] for f in reversed(details["fields"])}
        ordered = dict.fromkeys(f["field"] for f in details["fields"])
        sentences = dict.fromkeys(said[field] for field in ordered)
        message = (". ".join(sentences) + ".") if sentences else "The request is not valid."
        return _respond(request, ApiError(422, "invalid_request", message, details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        too_large = _too_large_field(exc.detail) if exc.status_code == 400 else None
        if too_large is not None:
            return _respond(request, too_large)
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ").capitalize()
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = f"Nothing here: {request.url.path}"
        return _respond(request, ApiError(exc.status_code, code, message))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        message = "Something went wrong on our side; the error has been logged."
        return _respond(request, ApiError(500, "internal_error", message))
