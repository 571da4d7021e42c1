"""Interactive API docs at /docs, from vendored Swagger UI (no CDN, no inline script)."""

from __future__ import annotations

from fastapi import Request, Response

from paperscope.web.rendering import templates
from paperscope.web.routing import Routes

routes = Routes()


@routes.page("/docs")
def api_docs(request: Request) -> Response:
    version = request.app.state.static_version
    return templates.TemplateResponse(
        request, "api_docs.html", {"request": request, "static_version": version}
    )
