"""From domain objects to API schemas: cards with counts and the viewer's own
upvote/library state, paper details, pagination links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import quote

from fastapi import Query, Request

from paperscope.links import HF_SITE, avatar_href, safe_url
from paperscope.models import (
    LibraryItem,
    Paper,
    PaperCitations,
    PaperStats,
    Profile,
    User,
    author_details_by_position,
)
from paperscope.references.bibtex import bibtex_entry
from paperscope.site_paths import paper_url
from paperscope.store import Store
from paperscope.store.accounts import get_user
from paperscope.store.citations import cited_by_counts, get_paper_citations
from paperscope.store.collections import Collection, collections_holding
from paperscope.store.library import get_item
from paperscope.store.paper_links import can_edit_links, comment_counts
from paperscope.store.papers import get_paper, get_papers
from paperscope.store.reader_marks import reader_marks
from paperscope.store.submissions import submitters
from paperscope.store.upvotes import get_stats
from paperscope.web.data_cache import VersionedMemo, current_version, memo_for
from paperscope.web.errors import NotFound
from paperscope.web.people_schemas import CollectionSummary
from paperscope.web.rendering import collection_url, query_url
from paperscope.web.schemas import (
    LibraryEntry,
    Pagination,
    PaperCard,
    PaperDetail,
    PaperReference,
    PersonOut,
    SourceAuthor,
    VersionOut,
)

MAX_LIMIT = 100
# Cards kept per worker (a card with its abstract is ~2-3 KB): a few pages of every
# feed and the papers around them.
CARD_MEMO_SIZE = 4000
DEFAULT_LIMIT = 30

PageParam = Query(1, ge=1, le=10_000, description="Page number, from 1")
HasCodeParam = Query(False, description="Only papers with a code link")
LimitParam = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page")


def person(profile: Profile | None = None, *, username: str | None = None) -> PersonOut | None:
    """A local account (linked to its profile page), else a source's profile."""
    if username:
        return PersonOut(name=username, url=f"/users/{quote(username)}", local=True)
    if profile is None:
        return None
    return PersonOut(
        name=profile.name,
        fullname=profile.fullname,
        avatar_url=avatar_href(profile.avatar_url),
        url=safe_url(f"{HF_SITE}/{quote(profile.name)}"),
        local=False,
    )


def local_submitters(*, store: Store, papers: Sequence[Paper]) -> dict[str, tuple[str, datetime]]:
    """(username, when) of the account that submitted each paper here, where that was
    before the paper's listing on its source site: the first to submit it shows."""
    found = submitters(store=store, paper_ids=[p.paper_id for p in papers])
    names: dict[int, str] = {}
    for user_id in {user_id for user_id, _ in found.values()}:
        account = get_user(store=store, user_id=user_id)
        if account:
            names[user_id] = account.username
    out = {}
    for paper in papers:
        if paper.paper_id not in found:
            continue
        user_id, at = found[paper.paper_id]
        if user_id in names and (paper.listed_at is None or at < paper.listed_at):
            out[paper.paper_id] = (names[user_id], at)
    return out


def card(
    paper: Paper,
    stats: PaperStats | None,
    *,
    upvoted: bool | None = None,
    saved: bool | None = None,
    cited_by_count: int | None = None,
    comments: int = 0,
    submitter: str | None = None,
) -> PaperCard:
    total = stats.total_upvotes if stats else (paper.external_upvotes or 0)
    return PaperCard(
        paper_id=paper.paper_id,
        url=paper_url(paper.paper_id),
        title=paper.title,
        abstract=paper.abstract,
        authors=list(paper.authors),
        categories=list(paper.categories),
        primary_category=paper.primary_category,
        submitted_at=paper.submitted_at,
        feed_date=paper.feed_date,
        upvotes=total,
        upvoted=upvoted,
        saved=saved,
        abs_url=paper.abs_url,
        pdf_url=paper.pdf_url,
        code_url=safe_url(paper.code_url),
        project_url=safe_url(paper.project_url),
        github_stars=paper.github_stars,
        submitted_by=person(paper.submitted_by, username=submitter),
        organization=person(paper.organization),
        thumbnail_url=safe_url(paper.thumbnail_url),
        ai_summary=paper.ai_summary,
        ai_keywords=list(paper.ai_keywords),
        num_comments=comments,
        source_comments=paper.source_comments,
        cited_by_count=cited_by_count,
    )


def cards_for(
    *,
    store: Store,
    paper_ids: Sequence[str],
    user: User | None,
    papers: Mapping[str, Paper] | None = None,
) -> list[PaperCard]:
    """Cards in the order of ``paper_ids`` (unknown ids are skipped), with a few
    batched queries whatever the number of papers; the reader's own upvotes and saves
    are added to cards that are the same for everyone (memoised, web/data_cache.py).
    ``papers``: those already loaded (a search's hits), not read again."""
    shared = _shared_cards(store, paper_ids, papers or {})
    ids = [c.paper_id for c in shared]
    if user is None:
        return [c.model_copy() for c in shared]  # callers add scores and highlights
    mine = reader_marks(store=store, user_id=user.user_id, paper_ids=ids)
    return [
        c.model_copy(
            update={"upvoted": c.paper_id in mine.upvoted, "saved": c.paper_id in mine.saved}
        )
        for c in shared
    ]


def _shared_cards(
    store: Store, paper_ids: Sequence[str], known: Mapping[str, Paper]
) -> list[PaperCard]:
    version = current_version()
    memo: VersionedMemo[str, PaperCard] = memo_for(store, "cards", CARD_MEMO_SIZE)
    found: dict[str, PaperCard] = {}
    if version is not None:
        found = memo.get_many(version, list(dict.fromkeys(paper_ids)))
    missing = [pid for pid in dict.fromkeys(paper_ids) if pid not in found]
    if missing:
        made = {c.paper_id: c for c in _build_cards(store, missing, known)}
        if version is not None:
            memo.put_many(version, made)
        found.update(made)
    return [found[pid] for pid in paper_ids if pid in found]


def _build_cards(
    store: Store, paper_ids: Sequence[str], known: Mapping[str, Paper]
) -> list[PaperCard]:
    loaded = {
        p.paper_id: p
        for p in get_papers(store=store, paper_ids=[i for i in paper_ids if i not in known])
    }
    papers = [p for p in (known.get(i) or loaded.get(i) for i in paper_ids) if p is not None]
    ids = [p.paper_id for p in papers]
    stats = get_stats(store=store, paper_ids=ids)
    citations = cited_by_counts(store=store, paper_ids=ids)
    comments = comment_counts(store, papers)
    by = local_submitters(store=store, papers=papers)
    return [
        card(
            p,
            stats.get(p.paper_id),
            cited_by_count=citations.get(p.paper_id),
            comments=comments[p.paper_id],
            submitter=by[p.paper_id][0] if p.paper_id in by else None,
        )
        for p in papers
    ]


def library_entry(item: LibraryItem | None) -> LibraryEntry | None:
    if item is None:
        return None
    return LibraryEntry(
        tags=list(item.tags), note=item.note, is_read=item.is_read, saved_at=item.saved_at
    )


def paper_detail(*, store: Store, paper: Paper, user: User | None) -> PaperDetail:
    base = cards_for(store=store, paper_ids=[paper.paper_id], user=user)[0]
    # The card knows whether it is saved: the library entry is read only when it is.
    item = None
    if user is not None and base.saved:
        item = get_item(store=store, user_id=user.user_id, paper_id=paper.paper_id)
    citations, references = memo_for(store, "citations", CARD_MEMO_SIZE).get_or_compute(
        paper.paper_id, lambda: _citations(store, paper.paper_id)
    )
    return PaperDetail(
        **base.model_dump(),
        versions=[
            VersionOut(version=v.number, submitted_at=v.submitted_at, size=v.size)
            for v in paper.versions
        ],
        updated_at=paper.updated_at,
        comments=paper.comments,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        license=paper.license,
        sources=list(paper.sources),
        listed_at=paper.listed_at,
        media_urls=[u for u in (safe_url(m) for m in paper.media_urls) if u],
        links_edited_by=paper.links_edited_by,
        can_edit_links=can_edit_links(store, user, paper.paper_id),
        bibtex=bibtex_entry(paper, abstract=False),
        library=library_entry(item),
        references=[r.model_copy() for r in references],
        reference_count=citations.reference_count if citations else None,
        openalex_id=citations.openalex_id if citations else None,
        source_authors=source_authors(paper),
    )


def source_authors(paper: Paper) -> list[SourceAuthor]:
    """The byline's authors that the source site links to an account, in byline
    order. An author who hid the paper from their profile there is left out, as the
    site leaves them out of its own author list."""
    out = []
    details = author_details_by_position(paper.authors, paper.author_details)
    for name, detail in zip(paper.authors, details, strict=True):
        account = person(detail.user) if detail is not None and not detail.hidden else None
        if account is not None:
            verified = detail is not None and detail.status == "claimed_verified"
            out.append(SourceAuthor(name=name, account=account, verified=verified))
    return out


def holding_links(store: Store, user: User, paper_id: str) -> list[tuple[str, str]]:
    """(url, title) of the reader's collections that hold ``paper_id``."""
    found = collections_holding(store=store, user_id=user.user_id, paper_id=paper_id)
    return [(collection_url(collection_id), title) for collection_id, title in found]


def _citations(store: Store, paper_id: str) -> tuple[PaperCitations | None, list[PaperReference]]:
    found = get_paper_citations(store=store, paper_id=paper_id)
    return found, references_of(store=store, paper_ids=found.references) if found else []


def references_of(*, store: Store, paper_ids: Sequence[str]) -> list[PaperReference]:
    """Cited papers as short entries, in the order given (most cited first)."""
    counts = cited_by_counts(store=store, paper_ids=paper_ids)
    return [
        PaperReference(
            paper_id=p.paper_id,
            url=paper_url(p.paper_id),
            title=p.title,
            authors=list(p.authors),
            submitted_at=p.submitted_at,
            cited_by_count=counts.get(p.paper_id),
        )
        for p in get_papers(store=store, paper_ids=paper_ids)
    ]


def pagination(request: Request, *, page: int, limit: int, total: int) -> Pagination:
    last = max(1, -(-total // limit))
    # A JSON twin asked for with ?format=json pages on in JSON.
    kept = request.query_params.get("format")
    # Past the end, "previous" is the last page that has papers.
    back = min(page - 1, last)
    return Pagination(
        page=page,
        limit=limit,
        total=total,
        next=query_url(request, page=page + 1, format=kept) if page < last else None,
        prev=query_url(request, page=back if back > 1 else None, format=kept) if page > 1 else None,
    )


def load_paper(store: Store, paper_id: str) -> Paper:
    memo = memo_for(store, "papers", CARD_MEMO_SIZE)
    paper: Paper | None = memo.get_or_compute(
        paper_id, lambda: get_paper(store=store, paper_id=paper_id)
    )
    if paper is None:
        raise NotFound(
            f"No paper {paper_id!r} here. Check the id, or submit it from arXiv at /submit.",
            {"paper_id": paper_id},
        )
    return paper


def collection_summary(c: Collection) -> CollectionSummary:
    """A collection as lists show it: on its owner's profile and in the collections API."""
    return CollectionSummary(
        id=c.collection_id,
        url=collection_url(c.collection_id),
        title=c.title,
        description=c.description,
        public=c.is_public,
        owner=c.owner,
        owner_url="/users/" + quote(c.owner, safe=""),
        upvotes=c.upvotes,
        item_count=c.item_count,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )
