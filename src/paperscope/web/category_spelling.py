"""One spelling per category address: arXiv's (cs.LG, hep-th), whatever case a
reader or a link typed. The category page, its feeds and its JSON all answer another
case with a permanent redirect, so links, caches and feed readers settle on one URL."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from paperscope.sources.arxiv_categories import arxiv_spelling


def respelled_category(request: Request, name: str, path: Callable[[str], str]) -> Response | None:
    """A 301 to ``path(arXiv's spelling, quoted)`` when ``name`` is an arXiv category or
    archive in another case (/categories/cs.lg -> /categories/cs.LG), the query kept;
    None when it is spelled so already or is not arXiv's (a text import's own)."""
    spelled = arxiv_spelling(name)
    if spelled is None or spelled == name:
        return None
    target = path(quote(spelled, safe=""))
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(target, status_code=301)
