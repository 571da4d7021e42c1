"""Templates and the one function that answers a page: `render` returns HTML for a
browser and the page's JSON model for the API (or ``?format=json``), so every HTML
page has a JSON twin computed by the same code."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, overload
from urllib.parse import urlencode, urlsplit

import orjson
from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from paperscope.links import safe_url
from paperscope.site_paths import author_url, category_url, paper_url
from paperscope.web.auth import resolve_user
from paperscope.web.card_fragments import CardBodies, ReaderCards
from paperscope.web.security import csrf_token
from paperscope.web.signin_links import here, signin_url

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def collection_url(collection_id: int) -> str:
    return f"/collections/{collection_id}"


def format_date(value: date | datetime | str | None, style: str = "medium") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if style == "iso":
        return value.isoformat()
    day = value.date() if isinstance(value, datetime) else value
    return f"{day.day} {day:%b %Y}" if style == "medium" else f"{day:%a} {day.day} {day:%B %Y}"


def query_url(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    params.pop("format", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


@overload
def twin_url(request: Request, page_url: str) -> str: ...
@overload
def twin_url(request: Request, page_url: str | None) -> str | None: ...
def twin_url(request: Request, page_url: str | None) -> str | None:
    """A link to another page that has a JSON twin, in the form this request came in:
    the twin's API path (``/api/v1`` + the page's path) for an API call, the page with
    ``format=json`` for a page asked for JSON, else the page itself."""
    if page_url is None or not wants_json(request):
        return page_url
    if request.url.path.startswith("/api/"):
        return "/api/v1" + page_url
    return page_url + ("&" if "?" in page_url else "?") + "format=json"


def make_templates(directory: Path = TEMPLATES_DIR) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(directory))
    env = templates.env
    env.autoescape = True  # every template, whatever its extension
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.globals.update(
        paper_url=paper_url,
        author_url=author_url,
        category_url=category_url,
        query_url=query_url,
        signin_url=signin_url,
        here=here,
    )
    # Paper cards: the part everyone sees alike, and a signed-in reader's whole card.
    bodies = CardBodies(env)
    env.globals.update(card_body=bodies, reader_card=ReaderCards(env, bodies))
    # safe_url: every outside link is checked again as it is written (http(s) only).
    env.filters.update(
        date=format_date, paper_url=paper_url, safe_url=safe_url, unwrapped=unwrapped
    )
    return templates


# A blank line, or a line break before an indented line (arXiv's paragraph mark).
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*|\n(?=[ \t]{2,}\S)")


def unwrapped(text: str) -> str:
    """Abstract text without the source's hard line wraps (arXiv and Hugging Face break
    abstracts at about 80 characters), its paragraphs kept as blank lines for a
    ``white-space: pre-line`` block."""
    paragraphs = _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n"))
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


# Stateless: the loader and pure helpers only; per-request data arrives in the context.
templates = make_templates()


def wants_json(request: Request) -> bool:
    """API paths, the schema and ``?format=json`` get JSON; everything else a page."""
    path = request.url.path
    return (
        path.startswith("/api/")
        or path == "/openapi.json"
        or request.query_params.get("format") == "json"
    )


def json_response(
    model: BaseModel | dict[str, Any] | list[Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    payload = model.model_dump(mode="json") if isinstance(model, BaseModel) else model
    return Response(
        orjson.dumps(payload),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def base_context(request: Request) -> dict[str, Any]:
    state = request.app.state
    return {
        "request": request,
        "user": resolve_user(request),
        "single_user": state.local_user is not None,
        "csrf_token": csrf_token(request),
        "static_version": state.static_version,
        "search_query": request.query_params.get("q", "") if request.url.path == "/search" else "",
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    json_model: BaseModel | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """HTML from ``template`` for browsers, ``json_model`` for the API. The template
    gets ``data`` (the same model) plus ``context``, so both views show one truth."""
    if json_model is not None and wants_json(request):
        return json_response(json_model, status_code, headers)
    full = base_context(request) | {"data": json_model} | (context or {})
    return templates.TemplateResponse(
        request, template, full, status_code=status_code, headers=headers
    )


def back_url(request: Request, fallback: str) -> str:
    """Where a form should return: the page it came from when that is on this site."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if referer and parts.netloc == request.url.netloc and parts.path.startswith("/"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return fallback


def render_error(request: Request, status: int, message: str) -> Response:
    try:
        context = base_context(request)
    except Exception:  # the error page must render even when the store is down
        context = {
            "request": request,
            "user": None,
            "single_user": False,
            "csrf_token": "",
            "static_version": "0",
            "search_query": "",
        }
    # A refused form leads back to itself, not only to the front page.
    back = back_url(request, "")
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context |= {
        "status": status,
        "message": message,
        "data": None,
        "back_url": back if back and back != here else None,
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=status)
