"""What the Hugging Face compatible routes need from the store: how each paper was
listed here (submitter, time, upvotes, comment count) and the Markdown page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time

from fastapi import Request, Response

from paperscope.models import Paper
from paperscope.site_paths import paper_url
from paperscope.store import Store
from paperscope.store.claims import approved_claims
from paperscope.store.discussions import author_participating
from paperscope.store.paper_links import comment_counts
from paperscope.store.upvotes import get_stats
from paperscope.web.hf_format import Listing, paper_markdown, submitter_object
from paperscope.web.views import local_submitters

MARKDOWN = "text/markdown; charset=utf-8"


def listings(store: Store, papers: Sequence[Paper]) -> dict[str, Listing]:
    """Each paper's listing, in a few batched queries whatever the number of papers."""
    ids = [p.paper_id for p in papers]
    stats = get_stats(store=store, paper_ids=ids)
    counts = comment_counts(store, papers)
    # One read of the approved claims: who they are (for the listing's authors) and,
    # as accounts, whether any of them takes part in the discussion.
    claims = approved_claims(store=store, paper_ids=ids)
    participating = author_participating(
        store=store,
        claimants={pid: frozenset(c.user_id for c in found) for pid, found in claims.items()},
    )
    local = local_submitters(store=store, papers=papers)
    out = {}
    for paper in papers:
        name, at = local.get(paper.paper_id, (None, paper.listed_at))
        if at is None and paper.feed_date is not None:
            at = datetime.combine(paper.feed_date, time(), tzinfo=UTC)
        found = stats.get(paper.paper_id)
        out[paper.paper_id] = Listing(
            submitter=submitter_object(paper, name),
            at=at,
            upvotes=found.total_upvotes if found else (paper.external_upvotes or 0),
            comments=counts[paper.paper_id],
            author_participating=paper.paper_id in participating,
            claimed={
                c.author_name: (c.username, c.decided_at) for c in claims.get(paper.paper_id, ())
            },
        )
    return out


def wants_markdown(request: Request) -> bool:
    """``Accept: text/markdown`` (and not HTML): the paper page as Markdown."""
    accept = request.headers.get("accept", "").lower()
    return "text/markdown" in accept and "text/html" not in accept


def markdown_response(request: Request, store: Store, paper: Paper) -> Response:
    listing = listings(store, [paper])[paper.paper_id]
    page = str(request.base_url).rstrip("/") + paper_url(paper.paper_id)
    return Response(
        paper_markdown(paper, listing, page_url=page),
        media_type=MARKDOWN,
        headers={"Vary": "Accept"},
    )
