"""A feed as an HTTP answer: rendered from papers in order, with its validators
(ETag, Last-Modified) and a 304 when the reader's copy is current. Every list's feed
(daily, trending, a search, a category, an author, a tag, a collection) answers
through here."""

from __future__ import annotations

from email.utils import format_datetime
from urllib.parse import quote

from fastapi import Request, Response

from paperscope.config import Settings
from paperscope.feeds.syndication import FEED_SIZE, FeedInfo, FeedKind, render_feed
from paperscope.store import Store
from paperscope.store.papers import get_papers
from paperscope.web.page_cache import etag_matches

FEED_KINDS: tuple[FeedKind, ...] = ("rss", "atom")


def feed_response(
    request: Request, settings: Settings, store: Store, info: FeedInfo, ids: list[str]
) -> Response:
    kind: FeedKind = "rss" if request.url.path.endswith(".rss") else "atom"
    papers = get_papers(store=store, paper_ids=ids[:FEED_SIZE])
    feed = render_feed(settings=settings, info=info, papers=papers, kind=kind)
    headers = {
        "ETag": feed.etag,
        "Last-Modified": format_datetime(feed.last_modified, usegmt=True),
        "Cache-Control": "public, max-age=300",
    }
    # Only the ETag says the reader's copy is this body. If-Modified-Since is not
    # honoured: Last-Modified is the newest entry's date, and a feed changes without it
    # moving (an upvote reorders the daily feed, an older paper joins a search, a tag or
    # a small category), so a date alone could keep a reader on a stale copy; a 200 is
    # what a server that does not evaluate the condition answers.
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and etag_matches(
        if_none_match.encode("latin-1"), feed.etag.encode("latin-1")
    ):
        return Response(status_code=304, headers=headers)
    return Response(feed.body, media_type=feed.media_type, headers=headers)


def self_path(request: Request) -> str:
    # The path as sent (percent-encoded): the decoded one may hold characters XML refuses.
    query = request.url.query
    return quote(request.url.path) + (f"?{query}" if query else "")
