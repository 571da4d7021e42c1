"""Domain types shared by every stage. Plain frozen dataclasses: no database rows,
no API schemas (those live in store/ and web/schemas.py)."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from paperscope.arxiv_ids import abs_url, pdf_url


@dataclass(frozen=True, slots=True)
class Version:
    """One arXiv version of a paper (v1, v2, ...)."""

    number: int
    submitted_at: datetime | None = None
    size: str | None = None


ProfileDetail = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Profile:
    """A person or organisation as a source site shows them: Hugging Face's submitter
    of a daily paper, or the organisation a paper is listed under."""

    name: str  # the account name on that site
    fullname: str = ""
    avatar_url: str = ""  # as the site gave it: absolute, or a path on the site
    # Every other plain field the site gave (type, isPro, followerCount, _id ...), in
    # its order, so the profile can be handed back exactly as it came.
    details: tuple[tuple[str, ProfileDetail], ...] = ()


@dataclass(frozen=True, slots=True)
class AuthorDetail:
    """What a listing site (Hugging Face) says about one author of a paper: the
    account linked to them, the state of that authorship claim there, and whether the
    author is hidden. Matched to ``Paper.authors`` by name, since arXiv and the site
    may list the authors differently."""

    name: str  # the author as the site lists them
    user: Profile | None = None  # the site's account, as its user object gave it
    status: str | None = None  # "claimed_verified", "admin_assigned" ...
    status_last_changed_at: datetime | None = None
    hidden: bool = False


# How author_key spells what a byline may write several ways. Initials and hyphenated
# given names are separate words ("C.-P." == "C. P." == "C P", "Jean-Pierre" == "Jean
# Pierre"); an apostrophe joins ("O'Brien" == "O’Brien" == "OBrien"). Migration
# 0015_author_keys holds a frozen copy of these rules: change both, and add a migration
# that recomputes the stored keys.
_ASCII_SPACES = bytes.maketrans(b".-", b"  ")
_ASCII_JOINERS = b"'`"
_SPELLINGS = str.maketrans(
    {
        ".": " ",
        "-": " ",
        "\u2010": " ",  # hyphen
        "\u2011": " ",  # non-breaking hyphen
        "\u2012": " ",  # figure dash
        "\u2013": " ",  # en dash
        "\u2014": " ",  # em dash
        "\u2212": " ",  # minus sign
        "'": None,
        "`": None,
        "\u2018": None,  # left single quotation mark
        "\u2019": None,  # right single quotation mark, the typeset apostrophe
        "\u02bc": None,  # modifier letter apostrophe
        "\u00ad": None,  # soft hyphen: invisible, inside a word
        # Letters NFKD leaves whole (no combining accent to drop), as they are
        # spelled in ASCII; casefold has made them lowercase already.
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ı": "i",
    }
)


def author_key(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key for author look-ups: a lowercase
    ASCII-like string of words ("Balázs" == "balazs", "Søren" == "Soren", "C.-P. Yuan"
    == "C. P. Yuan" == "C.P. Yuan", "O’Brien" == "O'Brien")."""
    if name.isascii():  # most names: nothing to decompose
        return _ascii_key(name)
    # The acute accent as an apostrophe ("O´Brien") before NFKD makes it space + accent.
    folded = unicodedata.normalize("NFKD", name.replace("\u00b4", "").casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    if plain.isascii():  # most accented names, once their accents are gone
        return _ascii_key(plain)
    return " ".join(plain.translate(_SPELLINGS).split())


def initials_key(key: str) -> str:
    """An author_key with each given name cut to its initial ("ashish vaswani" ->
    "a vaswani"; "j p dupont" stays): bibliographies and arXiv records spell given
    names either way, so a name given by initials finds a paper stored with full
    names, and the other way round."""
    words = key.split()
    return " ".join([*(w[0] for w in words[:-1] if w[0].isalpha()), *words[-1:]])


def _ascii_key(name: str) -> str:
    # bytes.translate takes a 256-byte table: several times faster than str.translate.
    spelled = name.encode("ascii").lower().translate(_ASCII_SPACES, _ASCII_JOINERS)
    return b" ".join(spelled.split()).decode("ascii")


def author_details_by_position(
    authors: Sequence[str], details: Sequence[AuthorDetail]
) -> list[AuthorDetail | None]:
    """For each author in byline order, the detail listed under the same name (case
    and accents aside), or None. Two authors of the same name take that name's
    details in order."""
    if not details:  # most papers: no key to compute
        return [None] * len(authors)
    by_name: dict[str, list[AuthorDetail]] = {}
    for detail in details:
        by_name.setdefault(author_key(detail.name), []).append(detail)
    out: list[AuthorDetail | None] = []
    for name in authors:
        queue = by_name.get(author_key(name))
        out.append(queue.pop(0) if queue else None)
    return out


# What a paper keeps of its authors' details, at most, in characters (several hundred
# authors with a linked account): a hostile file cannot grow one paper's row beyond it.
MAX_AUTHOR_DETAILS_CHARS = 256 * 1024


def kept_author_details(
    authors: Sequence[str], details: Sequence[AuthorDetail]
) -> tuple[AuthorDetail, ...]:
    """The details worth keeping: one at most per listed author, matched by name, in
    byline order, within MAX_AUTHOR_DETAILS_CHARS. Keeping them twice changes nothing."""
    kept: list[AuthorDetail] = []
    size = 0
    for detail in author_details_by_position(authors, details):
        if detail is None:
            continue
        size += _detail_size(detail)
        if size > MAX_AUTHOR_DETAILS_CHARS:
            break
        kept.append(detail)
    return tuple(kept)


def _detail_size(detail: AuthorDetail) -> int:
    size = 64 + len(detail.name) + len(detail.status or "")
    if detail.user is not None:
        user = detail.user
        size += len(user.name) + len(user.fullname) + len(user.avatar_url)
        size += sum(len(key) + len(str(value)) + 8 for key, value in user.details)
    return size


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper as every stage sees it.

    ``paper_id`` is the canonical key: the arXiv id without version for arXiv papers
    (``2401.12345``, ``hep-th/9901001``), or ``ps-<hash>`` for papers that have none.
    Empty strings and empty tuples mean "unknown": merging never erases a known value
    with an unknown one.
    """

    paper_id: str
    title: str
    abstract: str = ""
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    versions: tuple[Version, ...] = ()
    submitted_at: datetime | None = None  # first version
    updated_at: datetime | None = None  # latest version / metadata update
    feed_date: date | None = None  # the day it entered our daily feed
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    report_no: str | None = None
    license: str | None = None
    submitter: str | None = None
    project_url: str | None = None
    code_url: str | None = None
    external_upvotes: int | None = None  # e.g. Hugging Face upvotes at import time
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()
    # What a listing site (Hugging Face daily papers) says about the paper, kept whole.
    submitted_by: Profile | None = None  # who put it in that site's daily list
    organization: Profile | None = None
    # Per author who has more than a name there: account, claim status, hidden.
    author_details: tuple[AuthorDetail, ...] = ()
    listed_at: datetime | None = None  # when it entered that list, to the millisecond
    thumbnail_url: str | None = None
    media_urls: tuple[str, ...] = ()
    github_stars: int | None = None  # of code_url, as the source counted them
    source_comments: int | None = None  # comments on the source site (not ours)
    # Set when a person (the submitter, an admin) chose the code and project links:
    # no import replaces links chosen by hand.
    links_edited_by: str | None = None
    source: str = "text"
    sources: tuple[str, ...] = field(default=())

    @property
    def latest_version(self) -> int | None:
        return max((v.number for v in self.versions), default=None)

    @property
    def abs_url(self) -> str | None:
        return abs_url(self.arxiv_id) if self.arxiv_id else None

    @property
    def pdf_url(self) -> str | None:
        return pdf_url(self.arxiv_id) if self.arxiv_id else None

    def replace(self, **changes: Any) -> Paper:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record an importer could not use, and exactly where and why."""

    location: str  # "file.jsonl:12", "file.xml record oai:arXiv.org:2401.1"
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, for the CLI and for tests."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: tuple[Rejected, ...] = ()  # the first ones, up to the importer's limit
    more_rejected: int = 0  # rejected records counted but not listed (memory stays bounded)

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged

    @property
    def rejected_count(self) -> int:
        return len(self.rejected) + self.more_rejected

    def __add__(self, other: ImportReport) -> ImportReport:
        return ImportReport(
            new=self.new + other.new,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
            rejected=self.rejected + other.rejected,
            more_rejected=self.more_rejected + other.more_rejected,
        )


# ---------------------------------------------------------------- accounts and activity


@dataclass(frozen=True, slots=True)
class User:
    """A person with an account (or the one local user in single-user mode)."""

    user_id: int
    username: str
    email: str | None = None
    is_admin: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A personal API token as listed to its owner; the secret itself is never stored."""

    token_id: int
    user_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """A paper saved in one user's library."""

    paper_id: str
    saved_at: datetime
    tags: tuple[str, ...] = ()
    note: str = ""
    is_read: bool = False


@dataclass(frozen=True, slots=True)
class PaperStats:
    """Community activity on a paper: local upvotes, library saves, page views."""

    paper_id: str
    upvotes: int = 0
    saves: int = 0
    views: int = 0
    external_upvotes: int = 0

    @property
    def total_upvotes(self) -> int:
        return self.upvotes + self.external_upvotes


@dataclass(frozen=True, slots=True)
class Submission:
    """A user's proposal of a paper for one day's feed."""

    paper_id: str
    user_id: int
    feed_date: date
    submitted_at: datetime


# ---------------------------------------------------------------- search


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """One search, as the web app, digests, alerts and the CLI ask for it
    (search/engine.py documents every field)."""

    text: str
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    date_from: date | None = None  # on the submitted date (first version), inclusive
    date_to: date | None = None
    sources: tuple[str, ...] = ()
    sort: str = "relevance"  # relevance | newest | oldest | citations
    mode: str = "hybrid"  # hybrid | bm25 | dense
    limit: int = 20
    offset: int = 0
    min_score: float | None = None  # drop hits whose fused score is lower (alerts)
    paper_ids: frozenset[str] | None = None  # search only among these papers
    has_code: bool = False  # only papers with a code link
    facets: bool = False  # also count the matches per category, year and month


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result and why it matched."""

    paper_id: str
    score: float  # fused score in [0, 1] (hybrid), BM25 (bm25) or cosine (dense)
    bm25_score: float | None  # None: no lexical match
    semantic_score: float | None  # cosine similarity; None: not embedded / not computed
    rank: int  # 1-based position in the whole result list (offset included)
    title_html: str  # HTML-escaped, matched terms wrapped in <mark>
    abstract_html: str  # an escaped snippet around the matches
    matched_terms: tuple[str, ...] = ()
    exact: bool = False  # the query is this paper's id, DOI or exact title


@dataclass(frozen=True, slots=True)
class Facets:
    """How the whole match set (not just the page) spreads over categories and time."""

    categories: tuple[tuple[str, int], ...]  # most matches first
    years: tuple[tuple[int, int], ...]  # oldest first
    months: tuple[tuple[str, int], ...]  # ("2024-05", n), oldest first, gaps filled with 0
    # The share of the matches counted: below 1 the counts are estimates, scaled up
    # from a uniform sample of the matches (docs/search.md, Facets).
    sample: float = 1.0


@dataclass(frozen=True, slots=True)
class SearchResults:
    hits: list[Hit]
    total: int  # papers that match (see search/engine.py)
    query: SearchQuery
    notice: str | None = None  # "empty query: ...", "unbalanced quote ignored", ...
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per stage
    total_is_estimate: bool = False  # True: ``total`` is a lower bound ("about N")
    exact_match: str | None = None  # paper id the query names (id, DOI, exact title)
    facets: Facets | None = None  # when the query asked for them
    papers: dict[str, Paper] = field(default_factory=dict)  # the hits' papers, as loaded
    # The query with the words no paper holds respelled, when worth offering
    # (search/suggest.py, respelling_to_offer).
    did_you_mean: str | None = None


# ---------------------------------------------------------------- citations


@dataclass(frozen=True, slots=True)
class PaperCitations:
    """What OpenAlex says of a paper: how often it is cited and what it cites.
    ``openalex_id`` None: OpenAlex had no work for the paper when asked."""

    paper_id: str
    openalex_id: str | None
    cited_by_count: int | None
    reference_count: int | None  # every reference OpenAlex lists, in the store or not
    references: tuple[str, ...]  # ids of the referenced papers that are in the store
    fetched_at: datetime
