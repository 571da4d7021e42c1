"""unAPI (https://unapi.info): how reference managers that read web pages (Zotero's
Connector, through its unAPI translator) save the papers a page lists. Every page
links this server (``<link rel="unapi-server">``) and marks each paper with an
``<abbr class="unapi-id" title="{paper_id}">``; the manager then asks here for each
paper in a format it can read, so a daily page, a search or a collection saves as a
pick list with full records, and a paper page as that paper. The records are the
library export's (paperscope.references), so both say the same."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from fastapi import Query, Response

from paperscope.references import export_papers, media_type
from paperscope.store.papers import get_paper
from paperscope.web.deps import StoreDep
from paperscope.web.errors import ApiError, NotFound
from paperscope.web.routing import Routes

routes = Routes()

# The formats offered, in the order a client should prefer them: Zotero's unAPI
# translator reads both and picks RIS first.
FORMATS = {
    "ris": "https://en.wikipedia.org/wiki/RIS_(file_format)",
    "bibtex": "https://www.bibtex.org/Format/",
}
XML = "application/xml"


def _formats(paper_id: str | None) -> str:
    opening = "<formats>" if paper_id is None else f"<formats id={quoteattr(paper_id)}>"
    rows = "".join(
        f"<format name={quoteattr(name)} type={quoteattr(media_type(name)[0])} "
        f"docs={quoteattr(docs)}/>"
        for name, docs in FORMATS.items()
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{opening}{rows}</formats>\n'


@routes.page("/unapi")
def unapi(
    store: StoreDep,
    paper_id: str | None = Query(None, alias="id", max_length=300),
    fmt: str | None = Query(None, alias="format", max_length=50),
) -> Response:
    """No id: the formats offered. An id alone: its formats (300, as unAPI says). An
    id and a format: the paper's record."""
    if not paper_id:
        if fmt:
            raise ApiError(400, "missing_id", "Give the id of a paper with the format.")
        return Response(_formats(None), media_type=XML)
    paper = get_paper(store=store, paper_id=paper_id)
    if paper is None:
        raise NotFound(f"No paper {paper_id!r} here.", {"id": paper_id})
    if not fmt:
        return Response(_formats(paper.paper_id), status_code=300, media_type=XML)
    if fmt not in FORMATS:
        raise ApiError(
            406,
            "unsupported_format",
            f"No format {fmt!r} here: use one of {', '.join(FORMATS)}.",
            {"format": fmt},
        )
    media, _ = media_type(fmt)
    return Response(export_papers([paper], fmt), media_type=f"{media}; charset=utf-8")
