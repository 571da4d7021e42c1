"""Reference managers on the web: import a bibliography (BibTeX, RIS, CSL-JSON) into
your library from the library page or the API, and export your library, one tag, or
search results in those formats. The work is done by paperscope.references; this
module reads the upload within bounds and formats the answer."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from paperscope.models import SearchQuery
from paperscope.references import (
    MAX_FILE_BYTES,
    ReferenceFormatError,
    ReferenceImportReport,
    export_library,
    export_papers,
    import_references,
)
from paperscope.search.service import SearchService
from paperscope.store.papers import get_papers
from paperscope.web.auth import now_utc
from paperscope.web.deps import CurrentUser, SettingsDep, StoreDep
from paperscope.web.downloads import ExportFormat, download
from paperscope.web.errors import ApiError, invalid_field
from paperscope.web.rendering import render, wants_json
from paperscope.web.routing import Routes
from paperscope.web.schemas import ReferenceImportOut

routes = Routes()

# arXiv's API wants one request every 3 s and 100 ids per request: a web request
# fetches at most this many, the CLI more.
WEB_HARVEST_LIMIT = 100
SEARCH_EXPORT_MAX = 200
_FORMAT_HELP = "bibtex, ris or csl-json"


def _read_upload(upload: UploadFile) -> bytes:
    """The file's bytes, refusing more than the import limit without reading it all
    (the upload is spooled to disk by the form parser, never held in memory)."""
    data = upload.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ApiError(
            413,
            "file_too_large",
            f"{upload.filename or 'The file'} is larger than {MAX_FILE_BYTES // (1024 * 1024)} "
            "MB: split the bibliography and import it in parts.",
        )
    if not data:
        raise invalid_field(
            "file", "Choose a BibTeX, RIS or CSL-JSON file to import.", code="empty_file"
        )
    return data


@routes.twin(
    "/library/import",
    "/api/v1/library/import",
    methods=["POST"],
    csrf=True,
    response_model=ReferenceImportOut,
    summary="Import a bibliography",
    tags=["library"],
)
def import_bibliography(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: CurrentUser,
    file: UploadFile = File(..., description="A BibTeX, RIS or CSL-JSON file (Zotero exports)"),
    fmt: ExportFormat | Literal[""] = Form("", alias="format", description="Guessed if empty"),
    harvest_missing: bool = Form(False, description="Fetch missing arXiv papers from arXiv"),
) -> Response:
    """Match the file's entries to papers (arXiv id, DOI, title) and save them to your
    library with their keywords as tags and their notes; the report says, for every
    entry, what matched and how, or why not."""
    data = _read_upload(file)
    # A web request answers quickly: one retry, not a harvest's patience.
    quick = settings.model_copy(
        update={"harvest_max_retries": min(settings.harvest_max_retries, 1)}
    )
    try:
        report = import_references(
            store=store,
            settings=quick,
            user_id=user.user_id,
            data=data,
            now=now_utc(),
            format=fmt or None,
            filename=file.filename,
            harvest_missing=harvest_missing,
            harvest_limit=WEB_HARVEST_LIMIT,
        )
    except ReferenceFormatError as exc:
        name = file.filename or "the file"
        if wants_json(request):
            raise invalid_field("file", f"{name}: {exc}", code="unusable_file") from None
        context = {
            "error": f"{name}: {exc}",
            "filename": name,
            "nav_id": "library",
            "import_max_mb": MAX_FILE_BYTES // 2**20,
        }
        return render(request, "references/import.html", context, json_model=None, status_code=422)
    model = _report_out(report)
    context = {"filename": file.filename or "", "nav_id": "library", "error": None}
    context["import_max_mb"] = MAX_FILE_BYTES // 2**20
    return render(request, "references/import.html", context, json_model=model)


def _report_out(report: ReferenceImportReport) -> ReferenceImportOut:
    return ReferenceImportOut.model_validate(report.to_dict())


@routes.twin(
    "/library/export",
    "/api/v1/library/export",
    summary="Export your library as BibTeX, RIS or CSL-JSON",
    tags=["library"],
)
def export_bibliography(
    store: StoreDep,
    user: CurrentUser,
    fmt: ExportFormat = Query("bibtex", alias="format", description=_FORMAT_HELP),
    tag: str | None = Query(None, max_length=64, description="Only papers with this tag"),
) -> Response:
    """Your library (or one tag), with your tags as keywords and your notes."""
    text = export_library(store=store, user_id=user.user_id, fmt=fmt, tag=tag)
    return download(text, fmt, f"paperscope-library-{tag}" if tag else "paperscope-library")


@routes.twin(
    "/search/export",
    "/api/v1/search/export",
    summary="Export search results as BibTeX, RIS or CSL-JSON",
    tags=["search"],
)
def export_search(
    request: Request,
    store: StoreDep,
    q: str = Query("", max_length=500, description="The search, as for /api/v1/search"),
    fmt: ExportFormat = Query("bibtex", alias="format", description=_FORMAT_HELP),
    category: str | None = Query(None, description="arXiv category, e.g. cs.CL"),
    author: str | None = Query(None, description="Author name"),
    date_from: date | None = Query(None, alias="from", description="Submitted on or after"),
    date_to: date | None = Query(None, alias="to", description="Submitted on or before"),
    sort: Literal["relevance", "newest", "oldest"] = Query("relevance"),
    limit: int = Query(50, ge=1, le=SEARCH_EXPORT_MAX, description="How many results"),
) -> Response:
    """The top results of a search, in ranking order."""
    text = q.strip()
    if not text and not (category or author):
        raise invalid_field(
            ("q", "category", "author"),
            "Give a search (q) or a category or author filter.",
            kind="missing",
            code="empty_query",
        )
    service: SearchService = request.app.state.search
    try:
        outcome = service.search(
            SearchQuery(
                text=text,
                categories=(category,) if category else (),
                authors=(author,) if author else (),
                date_from=date_from,
                date_to=date_to,
                sort=sort,
                limit=limit,
            )
        )
    except ValueError as exc:
        raise ApiError(422, "bad_query", f"This query could not be run: {exc}") from None
    papers = get_papers(store=store, paper_ids=[h.paper_id for h in outcome.hits])
    return download(export_papers(papers, fmt), fmt, f"paperscope-search-{text[:40]}")


@routes.page("/library/import", methods=["GET"])
def import_form() -> Response:
    """Where a GET (the report page reloaded, a bookmark) lands: the form is on the
    library page."""
    return RedirectResponse("/library#import", status_code=303)
