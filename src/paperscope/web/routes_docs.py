"""Interactive API docs at /docs, from vendored Swagger UI (no CDN, no inline script)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from paperscope.web.rendering import templates

router = APIRouter()


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request) -> Response:
    return templates.TemplateResponse(request, "api_docs.html", {"request": request})
