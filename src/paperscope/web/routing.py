"""The one way routes are registered: each module of web/routes/ makes a `Routes` and
decorates its endpoints with `page` (HTML only, hidden from the API schema), `api`
(JSON, documented) or `twin` (the same function answers a page and its JSON twin;
`render` picks the format by path).

    routes = Routes()

    @routes.twin("/papers/{paper_id:path}", "/api/v1/papers/{paper_id:path}",
                 response_model=PaperDetail, summary="A paper", tags=["papers"])
    def paper_page(...): ...

    @routes.page("/signin", methods=["POST"], csrf=True)
    def signin(...): ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, TypeVar

from fastapi import APIRouter, Depends
from fastapi.params import Depends as DependsParam

from paperscope.web.deps import verify_csrf
from paperscope.web.schemas import ErrorBody

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "A client error, explained"},
    "5XX": {"model": ErrorBody, "description": "A server error"},
}


class Routes:
    """An APIRouter with the registration style every web module uses."""

    def __init__(self) -> None:
        self.router = APIRouter()

    @staticmethod
    def _dependencies(csrf: bool, extra: Sequence[DependsParam]) -> list[DependsParam]:
        return ([Depends(verify_csrf)] if csrf else []) + list(extra)

    def page(
        self,
        path: str,
        *,
        methods: Sequence[str] = ("GET",),
        csrf: bool = False,
        dependencies: Sequence[DependsParam] = (),
    ) -> Callable[[Endpoint], Endpoint]:
        """An HTML page or form target, hidden from the API schema."""

        def register(endpoint: Endpoint) -> Endpoint:
            self.router.add_api_route(
                path,
                endpoint,
                methods=list(methods),
                include_in_schema=False,
                dependencies=self._dependencies(csrf, dependencies),
            )
            return endpoint

        return register

    def api(
        self,
        path: str,
        *,
        methods: Sequence[str] = ("GET",),
        csrf: bool = False,
        response_model: Any = None,
        status_code: int | None = None,
        summary: str | None = None,
        tags: Sequence[str | Enum] = (),
        dependencies: Sequence[DependsParam] = (),
    ) -> Callable[[Endpoint], Endpoint]:
        """A documented JSON endpoint. ``csrf=True`` for state changes a browser may
        send with its cookies (Bearer-token calls pass the check by themselves)."""

        def register(endpoint: Endpoint) -> Endpoint:
            self.router.add_api_route(
                path,
                endpoint,
                methods=list(methods),
                response_model=response_model,
                status_code=status_code,
                summary=summary,
                tags=list(tags),
                responses=ERROR_RESPONSES,
                dependencies=self._dependencies(csrf, dependencies),
            )
            return endpoint

        return register

    def twin(
        self,
        html_path: str,
        api_path: str,
        *,
        methods: Sequence[str] = ("GET",),
        csrf: bool = False,
        response_model: Any = None,
        summary: str | None = None,
        tags: Sequence[str | Enum] = (),
    ) -> Callable[[Endpoint], Endpoint]:
        """One function for a page and its JSON twin (Convention 2)."""

        def register(endpoint: Endpoint) -> Endpoint:
            self.page(html_path, methods=methods, csrf=csrf)(endpoint)
            return self.api(
                api_path,
                methods=methods,
                csrf=csrf,
                response_model=response_model,
                summary=summary,
                tags=tags,
            )(endpoint)

        return register
