"""arXiv's query API (an Atom feed) and its per-category RSS listings.

The API answers ``search_query`` and ``id_list`` queries with Atom entries; RSS lists
one announcement day of a category, saying for each paper whether it is new, a
cross-list or a replacement. Both are parsed with lxml, entities unresolved, DTDs
refused, no network access."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import BinaryIO
from zoneinfo import ZoneInfo

from lxml import etree

from paperscope.arxiv_ids import parse_arxiv_id
from paperscope.models import Paper, Rejected, Version
from paperscope.sources.arxiv_categories import is_category
from paperscope.sources.arxiv_fields import (
    clean_text,
    doi_from_text,
    first_and_latest_versions,
    parse_date,
    parse_datetime,
    split_authors,
    with_text_links,
)

SOURCE = "arxiv-api"
ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
ARXIV_ATOM_NS = "http://arxiv.org/schemas/atom"
DC_NS = "http://purl.org/dc/elements/1.1/"

# Announce types that bring a paper into a day's listing for the first time.
NEW_ANNOUNCE_TYPES = frozenset({"new", "cross"})

# arXiv's day: submissions received before 14:00 US Eastern on a weekday are announced
# that evening and listed under the next weekday's date.
_ARXIV_TZ = "America/New_York"
_DEADLINE = time(14, 0)


class FeedError(ValueError):
    """A feed that cannot be read at all (damaged XML, an HTML error page), with a
    message for the user. Often a download cut short, so worth fetching again."""


class ApiQueryError(ValueError):
    """The API refused the query itself (e.g. a malformed id): asking again will not
    help."""


@dataclass
class AtomFeed:
    """One page of API results."""

    records: list[Paper | Rejected] = field(default_factory=list)
    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None

    @property
    def papers(self) -> list[Paper]:
        return [r for r in self.records if isinstance(r, Paper)]


@dataclass(frozen=True, slots=True)
class RssEntry:
    paper: Paper
    announce_type: str  # new, cross, replace, replace-cross


@dataclass
class RssListing:
    """One category's announcement: its day and entries."""

    announced: date | None = None
    entries: list[RssEntry] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def _parse(source: bytes | BinaryIO, name: str) -> etree._Element:
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False
    )
    try:
        tree = etree.parse(stream, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"{name}: line {exc.lineno}: the XML is damaged ({exc.msg})") from exc
    if tree.docinfo.internalDTD is not None:
        raise FeedError(f"{name}: the feed declares a DTD, which arXiv's feeds never do")
    return tree.getroot()


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _text(element: etree._Element, namespace: str, name: str) -> str:
    return clean_text(element.findtext(_q(namespace, name)))


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


# ------------------------------------------------------------------ Atom (query API)


def parse_atom(source: bytes | BinaryIO, *, name: str = "response") -> AtomFeed:
    """An API response page. Raises FeedError for damaged XML or a document that is
    not an Atom feed, and ApiQueryError when the API reports an error (as an entry)."""
    root = _parse(source, name)
    if root.tag != _q(ATOM_NS, "feed"):
        raise FeedError(
            f"{name}: not an arXiv API response (the document is <{_local_name(root)}>)"
        )
    feed = AtomFeed(
        total_results=_int(root.findtext(_q(OPENSEARCH_NS, "totalResults"))),
        start_index=_int(root.findtext(_q(OPENSEARCH_NS, "startIndex"))),
        items_per_page=_int(root.findtext(_q(OPENSEARCH_NS, "itemsPerPage"))),
    )
    for entry in root.iter(_q(ATOM_NS, "entry")):
        entry_id = _text(entry, ATOM_NS, "id")
        if "/api/errors" in entry_id:
            reason = _text(entry, ATOM_NS, "summary")
            raise ApiQueryError(f"{name}: the arXiv API refused the query: {reason}")
        feed.records.append(_atom_entry(entry, entry_id, name))
    return feed


def _atom_entry(entry: etree._Element, entry_id: str, name: str) -> Paper | Rejected:
    parsed = parse_arxiv_id(entry_id)
    where = f"{name} entry {entry_id or '(no id)'}"
    if parsed is None:
        return Rejected(where, "the entry's <id> is not an arXiv abs URL")
    title = _text(entry, ATOM_NS, "title")
    if not title:
        return Rejected(where, "the entry has no title")
    published = parse_datetime(_text(entry, ATOM_NS, "published"))
    updated = parse_datetime(_text(entry, ATOM_NS, "updated"))
    primary = entry.find(_q(ARXIV_ATOM_NS, "primary_category"))
    primary_term = primary.get("term") if primary is not None else None
    terms = [c.get("term") or "" for c in entry.iter(_q(ATOM_NS, "category"))]
    # MSC and ACM classes appear as categories too; keep arXiv's own, primary first.
    categories = tuple(dict.fromkeys(t for t in [primary_term or "", *terms] if is_category(t)))
    doi_text = _text(entry, ARXIV_ATOM_NS, "doi")
    paper = Paper(
        paper_id=parsed.base,
        arxiv_id=parsed.base,
        title=title,
        abstract=_text(entry, ATOM_NS, "summary"),
        authors=tuple(
            n
            for n in (
                clean_text(a.findtext(_q(ATOM_NS, "name")))
                for a in entry.iter(_q(ATOM_NS, "author"))
            )
            if n
        ),
        categories=categories,
        primary_category=categories[0] if categories else None,
        versions=first_and_latest_versions(published, updated, parsed.version or 1),
        submitted_at=published,
        updated_at=updated or published,
        comments=_text(entry, ARXIV_ATOM_NS, "comment") or None,
        journal_ref=_text(entry, ARXIV_ATOM_NS, "journal_ref") or None,
        doi=(doi_from_text(doi_text.split()[0]) if doi_text else None),
        source=SOURCE,
    )
    return with_text_links(paper)


# ------------------------------------------------------------------ RSS listings


def parse_rss(source: bytes | BinaryIO, *, name: str = "feed") -> RssListing:
    """A category's RSS listing (rss.arxiv.org/rss/<category>). Every entry's
    ``feed_date`` is the listing day for new papers and cross-lists; replacements
    keep it unset, since an updated old paper is not new to the daily feed."""
    root = _parse(source, name)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise FeedError(f"{name}: not an RSS 2.0 feed (the document is <{_local_name(root)}>)")
    listing = RssListing(announced=parse_date(channel.findtext("pubDate")))
    for item in channel.iter("item"):
        result = _rss_item(item, listing.announced, name)
        if isinstance(result, Rejected):
            listing.rejected.append(result)
        else:
            listing.entries.append(result)
    return listing


def _rss_item(item: etree._Element, announced: date | None, name: str) -> RssEntry | Rejected:
    guid = clean_text(item.findtext("guid"))
    link = clean_text(item.findtext("link"))
    parsed = parse_arxiv_id(guid) or parse_arxiv_id(link)
    where = f"{name} item {guid or link or '(no id)'}"
    if parsed is None:
        return Rejected(where, "the item has neither an arXiv guid nor an abs link")
    title = clean_text(item.findtext("title"))
    if not title:
        return Rejected(where, "the item has no title")
    announce_type = _text(item, ARXIV_ATOM_NS, "announce_type") or "new"
    day = parse_date(item.findtext("pubDate")) or announced
    categories = tuple(
        dict.fromkeys(
            c for c in (clean_text(e.text) for e in item.iter("category")) if is_category(c)
        )
    )
    doi_text = _text(item, ARXIV_ATOM_NS, "DOI")
    paper = Paper(
        paper_id=parsed.base,
        arxiv_id=parsed.base,
        title=title,
        abstract=_rss_abstract(item.findtext("description")),
        authors=split_authors(_text(item, DC_NS, "creator")),
        categories=categories,
        primary_category=categories[0] if categories else None,
        versions=(Version(parsed.version),) if parsed.version else (),
        feed_date=day if announce_type in NEW_ANNOUNCE_TYPES else None,
        journal_ref=_text(item, ARXIV_ATOM_NS, "journal_reference") or None,
        doi=doi_from_text(doi_text) if doi_text else None,
        license=_text(item, DC_NS, "rights") or None,
        source=SOURCE,
    )
    paper = with_text_links(paper)
    return RssEntry(paper=paper, announce_type=announce_type)


def _rss_abstract(description: str | None) -> str:
    """RSS descriptions read ``arXiv:2401.1v1 Announce Type: new Abstract: ...``."""
    text = clean_text(description)
    marker = text.find("Abstract:")
    return text[marker + len("Abstract:") :].strip() if marker >= 0 else text


# ------------------------------------------------------------------ announcement days


def listing_date(submitted: datetime) -> date:
    """The day arXiv lists a paper submitted at ``submitted`` (aware) under.

    Submissions before the 14:00 US Eastern deadline of a weekday are announced that
    evening and listed under the next weekday; later ones wait for the next deadline.
    Holidays, when arXiv skips a mailing, are not known here."""
    local = submitted.astimezone(ZoneInfo(_ARXIV_TZ))
    deadline_day = local.date()
    if local.time() >= _DEADLINE:
        deadline_day += timedelta(days=1)
    while deadline_day.weekday() >= 5:
        deadline_day += timedelta(days=1)
    listed = deadline_day + timedelta(days=1)
    while listed.weekday() >= 5:
        listed += timedelta(days=1)
    return listed


def api_query_params(
    *, categories: tuple[str, ...], start: int, max_results: int
) -> dict[str, str]:
    """Query parameters for the newest submissions in ``categories``."""
    query = " OR ".join(f"cat:{c}" for c in categories)
    return {
        "search_query": query,
        "sortBy": "submittedDate",
        "sortOrder": "descending",
        "start": str(start),
        "max_results": str(max_results),
    }
