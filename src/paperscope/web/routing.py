"""Registering one endpoint as a page and as its JSON twin."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from fastapi import APIRouter

from paperscope.web.schemas import ErrorBody

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "A client error, explained"},
    "5XX": {"model": ErrorBody, "description": "A server error"},
}


def add_twin(
    router: APIRouter,
    html_path: str | None,
    api_path: str | None,
    endpoint: Callable[..., Any],
    *,
    methods: Sequence[str] = ("GET",),
    response_model: Any = None,
    summary: str | None = None,
    tags: Sequence[str | Enum] = (),
) -> None:
    """The same function answers ``html_path`` (a page, hidden from the API schema)
    and ``api_path`` (JSON, documented); `render` picks the format by path."""
    if html_path:
        router.add_api_route(html_path, endpoint, methods=list(methods), include_in_schema=False)
    if api_path:
        router.add_api_route(
            api_path,
            endpoint,
            methods=list(methods),
            response_model=response_model,
            summary=summary,
            tags=list(tags),
            responses=ERROR_RESPONSES,
        )
