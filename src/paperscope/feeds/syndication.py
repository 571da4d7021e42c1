"""RSS 2.0 and Atom feeds of any list of papers (feedgen), with the validators HTTP
caching needs. The same papers give byte-identical feeds (no "now" inside), so the
ETag is a hash of the body and a feed reader polling an unchanged feed gets a 304."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Literal

from feedgen.feed import FeedGenerator

from paperscope.config import Settings
from paperscope.feeds.mail_render import site_url
from paperscope.models import Paper
from paperscope.site_paths import paper_url

FeedKind = Literal["rss", "atom"]
MEDIA_TYPES: dict[str, str] = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
FEED_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# XML 1.0 forbids most control characters; arXiv metadata occasionally carries them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class FeedInfo:
    title: str
    description: str
    page_path: str  # the HTML page this feed mirrors, e.g. "/trending"
    self_path: str  # this feed's own path and query, e.g. "/trending.atom?window=week"


@dataclass(frozen=True, slots=True)
class RenderedFeed:
    body: bytes
    media_type: str
    etag: str
    last_modified: datetime


def _clean(text: str) -> str:
    return _NOT_XML.sub("", " ".join(text.split()))


def paper_date(paper: Paper) -> datetime:
    """When a paper appeared: first version, else its feed day, else the epoch."""
    if paper.submitted_at is not None:
        return paper.submitted_at.astimezone(UTC)
    if paper.feed_date is not None:
        return datetime.combine(paper.feed_date, time(0), tzinfo=UTC)
    return _EPOCH


def paper_updated(paper: Paper) -> datetime:
    return max(paper_date(paper), (paper.updated_at or _EPOCH).astimezone(UTC))


def render_feed(
    *, settings: Settings, info: FeedInfo, papers: Sequence[Paper], kind: FeedKind
) -> RenderedFeed:
    """The feed of ``papers`` in the given order (most relevant or newest first)."""
    updated = max((paper_updated(p) for p in papers), default=_EPOCH)
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(site_url(settings, info.self_path))
    fg.title(_clean(info.title))
    fg.subtitle(_clean(info.description))
    fg.link(
        href=site_url(settings, info.self_path), rel="self", type=MEDIA_TYPES[kind].split(";")[0]
    )
    # The channel <link> of RSS is the last link added: the HTML page, not the feed itself.
    fg.link(href=site_url(settings, info.page_path), rel="alternate", type="text/html")
    fg.language("en")
    fg.generator("paperscope")
    fg.updated(updated)
    fg.lastBuildDate(updated)
    # feedgen prepends entries: add in reverse so the output keeps the given order.
    for paper in reversed(papers):
        _add_entry(fg, settings, paper, kind)
    body = fg.rss_str(pretty=True) if kind == "rss" else fg.atom_str(pretty=True)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return RenderedFeed(body, MEDIA_TYPES[kind], etag, updated.replace(microsecond=0))


def _add_entry(fg: FeedGenerator, settings: Settings, paper: Paper, kind: FeedKind) -> None:
    page = site_url(settings, paper_url(paper.paper_id))
    entry = fg.add_entry()
    entry.id(page)
    entry.guid(page, permalink=True)
    entry.title(_clean(paper.title) or paper.paper_id)
    entry.link(href=page, rel="alternate", type="text/html")
    summary = _clean(paper.ai_summary or paper.abstract)
    if summary and kind == "atom":
        entry.summary(summary)  # type "text": shown as written
    elif summary:
        # RSS readers take a description for HTML: the plain text is escaped as such,
        # so "x<y" or a "<b>" in an abstract is read as text, never as markup.
        entry.description(html.escape(summary))
    names = [_clean(name) or "unknown" for name in paper.authors[:20]]
    for name in names:
        entry.author(name=name)
    if names:
        entry.dc.dc_creator(names)  # RSS <author> needs an e-mail address: dc:creator instead
    for category in paper.categories:
        entry.category(term=category)
    entry.published(paper_date(paper))
    entry.updated(paper_updated(paper))
