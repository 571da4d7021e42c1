"""The errors routes raise for the user to read: a status, a stable code, a message and
details. error_handlers.py turns them (and every other failure) into the one error
shape of the API or an error page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ApiError(Exception):
    """An error meant for the user: status, a stable code, a message, details."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


class NotSignedIn(ApiError):
    def __init__(self, message: str = "Sign in to do this.") -> None:
        super().__init__(401, "not_signed_in", message)


class NotFound(ApiError):
    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(404, "not_found", message, details)


def invalid_field(
    field: str | Sequence[str], message: str, *, kind: str = "value_error"
) -> ApiError:
    """A 422 about one field (or several at once), with the details request validation
    gives (``details.fields``: field, type, message), so a client reads every refusal
    one way."""
    fields = [field] if isinstance(field, str) else list(field)
    entries = [{"field": name, "type": kind, "message": message} for name in fields]
    return ApiError(422, "invalid_request", message, {"fields": entries})


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}
