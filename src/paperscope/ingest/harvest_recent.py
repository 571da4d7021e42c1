"""Today's new papers in chosen categories, from arXiv's RSS listings or its query
API, stored with ``feed_date`` set to their announcement day so they enter the daily
feed; and papers fetched by id for submissions and bibliography imports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from paperscope.arxiv_ids import parse_arxiv_id
from paperscope.config import Settings
from paperscope.ingest.harvest_http import HarvestError, PoliteClient, RetryCallback
from paperscope.models import Paper, Rejected
from paperscope.sources.arxiv_api import (
    ApiQueryError,
    AtomFeed,
    RssListing,
    api_query_params,
    listing_date,
    parse_atom,
    parse_rss,
)
from paperscope.sources.arxiv_categories import ARCHIVES, is_category
from paperscope.store import Store
from paperscope.store.papers import upsert_papers

Via = Literal["rss", "api"]

_API_PAGE_SIZE = 200
# A day's listing of even the busiest categories fits in a few pages; the cap keeps a
# run bounded if the API's ordering ever misbehaves.
_API_MAX_PAGES = 10


@dataclass
class RecentReport:
    """What a ``--recent`` run found and stored."""

    via: str
    categories: tuple[str, ...]
    announced: date | None = None
    found: int = 0
    in_feed: int = 0  # new submissions and cross-lists, dated for the daily feed
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    retries: int = 0


def harvest_recent(
    *,
    settings: Settings,
    store: Store,
    categories: Sequence[str],
    via: Via = "rss",
    on_retry: RetryCallback | None = None,
) -> RecentReport:
    """Store the latest announcement of ``categories`` (``cs.LG``, or a whole archive
    such as ``cs``). RSS says exactly which papers are new, cross-listed or replaced;
    the API route works out each paper's announcement day from its submission time."""
    wanted = _check_categories(categories)
    report = RecentReport(via=via, categories=wanted)
    with PoliteClient(settings=settings, on_retry=on_retry) as client:
        try:
            if via == "rss":
                papers = _from_rss(client, settings, wanted, report)
            else:
                papers = _from_api(client, settings, wanted, report)
        except ApiQueryError as exc:
            raise HarvestError(str(exc)) from None
        finally:
            report.retries = client.retries
    unique = _prefer_dated(papers)
    report.found = len(unique)
    report.in_feed = sum(1 for p in unique if p.feed_date is not None)
    if unique:
        result = upsert_papers(store=store, papers_in=unique)
        report.new, report.updated = len(result.new), len(result.updated)
        report.unchanged = len(result.unchanged)
    return report


def _check_categories(categories: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(c.strip() for c in categories if c.strip()))
    if not wanted:
        raise HarvestError("--recent needs at least one --category, e.g. --category cs.LG")
    unknown = [c for c in wanted if not (is_category(c) or c in ARCHIVES)]
    if unknown:
        raise HarvestError(
            f"unknown arXiv categor{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)} "
            "(use codes such as cs.LG, stat.ML or a whole archive such as cs)"
        )
    return wanted


def _from_rss(
    client: PoliteClient, settings: Settings, categories: tuple[str, ...], report: RecentReport
) -> list[Paper]:
    papers: list[Paper] = []
    for category in categories:
        url = f"{settings.arxiv_rss_url.rstrip('/')}/{category}"
        listing = client.get(url, {}, parse=_rss(url))
        papers.extend(entry.paper for entry in listing.entries)
        report.rejected.extend(listing.rejected)
        if listing.announced and (report.announced is None or listing.announced > report.announced):
            report.announced = listing.announced
    return papers


def _from_api(
    client: PoliteClient, settings: Settings, categories: tuple[str, ...], report: RecentReport
) -> list[Paper]:
    """Newest submissions first; keep those listed on the newest announcement day and
    stop at the first paper of an earlier day."""
    kept: list[Paper] = []
    for page_number in range(_API_MAX_PAGES):
        params = api_query_params(
            categories=categories, start=page_number * _API_PAGE_SIZE, max_results=_API_PAGE_SIZE
        )
        feed = client.get(settings.arxiv_api_url, params, parse=_atom(settings.arxiv_api_url))
        report.rejected.extend(r for r in feed.records if isinstance(r, Rejected))
        papers = feed.papers
        for paper in papers:
            if paper.submitted_at is None:
                continue
            day = listing_date(paper.submitted_at)
            if report.announced is None:
                report.announced = day
            if day < report.announced:
                return kept
            kept.append(paper.replace(feed_date=report.announced))
        if len(papers) < _API_PAGE_SIZE:
            break
    return kept


def _prefer_dated(papers: list[Paper]) -> list[Paper]:
    """One entry per paper. A paper new in one category may be a replacement in
    another listing; the dated entry wins so it still enters the feed."""
    chosen: dict[str, Paper] = {}
    for paper in papers:
        current = chosen.get(paper.paper_id)
        if current is None or (current.feed_date is None and paper.feed_date is not None):
            chosen[paper.paper_id] = paper
    return list(chosen.values())


def fetch_paper(*, settings: Settings, arxiv_id: str) -> Paper | None:
    """One paper from the arXiv API by id in any spelling (``2401.12345v2``, an abs
    URL), or None when arXiv has no such paper. Raises HarvestError for text that is
    not an arXiv id and when arXiv stays unreachable through the retries."""
    parsed = parse_arxiv_id(arxiv_id)
    if parsed is None:
        raise HarvestError(
            f"{arxiv_id!r} is not an arXiv id (expected e.g. 2401.12345 or hep-th/9901001)"
        )
    found = fetch_papers(settings=settings, arxiv_ids=[parsed.base])
    return found[0] if found else None


def fetch_papers(
    *, settings: Settings, arxiv_ids: Sequence[str], batch_size: int = _API_PAGE_SIZE // 2
) -> list[Paper]:
    """Papers from the arXiv API for ids without version (``2401.12345``), asked for
    ``batch_size`` at a time; ids arXiv does not know are left out. Raises HarvestError
    when arXiv stays unreachable through the retries."""
    wanted = list(dict.fromkeys(arxiv_ids))
    found: list[Paper] = []
    with PoliteClient(settings=settings) as client:
        for start in range(0, len(wanted), batch_size):
            chunk = wanted[start : start + batch_size]
            params = {"id_list": ",".join(chunk), "max_results": str(len(chunk))}
            try:
                feed = client.get(
                    settings.arxiv_api_url, params, parse=_atom(settings.arxiv_api_url)
                )
            except ApiQueryError as exc:
                raise HarvestError(str(exc)) from None
            asked = set(chunk)
            found.extend(p for p in feed.papers if p.paper_id in asked)
    return found


def _atom(name: str) -> Callable[[bytes], AtomFeed]:
    def parse(body: bytes) -> AtomFeed:
        return parse_atom(body, name=name)

    return parse


def _rss(name: str) -> Callable[[bytes], RssListing]:
    def parse(body: bytes) -> RssListing:
        return parse_rss(body, name=name)

    return parse
