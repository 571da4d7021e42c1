"""The errors routes raise for the user to read: a status, a stable code, a message and
details. error_handlers.py turns them (and every other failure) into the one error
shape of the API or an error page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def no_such_category(name: str) -> NotFound:
    """A category that is not arXiv's and that no paper here has: its page and its feed
    say so alike (an arXiv category without papers yet is a page to follow)."""
    return NotFound(
        f"No category “{name}”: arXiv's look like cs.LG, hep-th or math.CO "
        "(a whole archive such as cs works too).",
        {"category": name},
    )


def invalid_field(
    field: str | Sequence[str],
    message: str,
    *,
    kind: str = "value_error",
    code: str = "invalid_request",
    status: int = 422,
    extra: Mapping[str, Any] | None = None,
) -> ApiError:
    """An error about one field (or several at once), with the details request
    validation gives (``details.fields``: field, type, message), so a client reads every
    refusal one way. ``code`` and ``status`` name a more specific refusal
    (``invalid_tags``, ``bad_order``, a 400 or 401 of a form); ``extra`` adds details
    beside the fields."""
    fields = [field] if isinstance(field, str) else list(field)
    entries = [{"field": name, "type": kind, "message": message} for name in fields]
    return ApiError(status, code, message, {**(extra or {}), "fields": entries})


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}
