"""API schemas: what the JSON API returns and what templates read as ``data``.
Built from domain types (models.py) by web/views.py; database rows never get here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool


class Pagination(BaseModel):
    page: int
    limit: int
    total: int
    next: str | None = Field(None, description="URL of the next page, if any")
    prev: str | None = Field(None, description="URL of the previous page, if any")


class PersonOut(BaseModel):
    """Who submitted a paper, or the organisation it is listed under."""

    name: str
    fullname: str = ""
    avatar_url: str | None = Field(None, description="An http(s) URL, or none")
    url: str | None = Field(
        None, description="Their profile: /users/{name} here, or on the site they came from"
    )
    local: bool = Field(description="An account of this site (else from the paper's source)")


class PaperCard(BaseModel):
    """A paper as listed: enough for a card, a feed entry or a search hit."""

    paper_id: str
    url: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    primary_category: str | None = None
    submitted_at: datetime | None = None
    feed_date: date | None = None
    upvotes: int = Field(description="Local upvotes plus upvotes imported from Hugging Face")
    upvoted: bool | None = Field(None, description="Whether you upvoted it (signed in only)")
    saved: bool | None = Field(None, description="Whether it is in your library (signed in only)")
    abs_url: str | None = None
    pdf_url: str | None = None
    code_url: str | None = None
    project_url: str | None = None
    github_stars: int | None = Field(None, description="Stars of the code repository, if known")
    submitted_by: PersonOut | None = None
    organization: PersonOut | None = None
    thumbnail_url: str | None = None
    ai_summary: str | None = Field(None, description="The source's AI-written summary")
    ai_keywords: list[str] = []
    num_comments: int = Field(0, description="Comments here plus those on the source site")
    source_comments: int | None = Field(None, description="Comments on the source site")
    title_html: str | None = Field(None, description="Escaped title, query matches in <mark>")
    abstract_html: str | None = Field(None, description="Escaped abstract, matches in <mark>")
    score: float | None = None
    cited_by_count: int | None = Field(
        None, description="Citations counted by OpenAlex; null until `enrich openalex` ran"
    )


class PaperReference(BaseModel):
    """A paper this one cites that is in this store."""

    paper_id: str
    url: str
    title: str
    authors: list[str]
    submitted_at: datetime | None = None
    cited_by_count: int | None = None


class VersionOut(BaseModel):
    version: int
    submitted_at: datetime | None = None
    size: str | None = None


class SourceAuthor(BaseModel):
    """An author as the paper's source site (Hugging Face) links them to an account."""

    name: str = Field(description="The author as listed in the byline")
    account: PersonOut = Field(description="Their account on the source site")
    verified: bool = Field(description="The site verified the claim (claimed_verified)")


class LibraryEntry(BaseModel):
    tags: list[str]
    note: str
    is_read: bool
    saved_at: datetime


class PaperDetail(PaperCard):
    versions: list[VersionOut] = []
    updated_at: datetime | None = None
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    sources: list[str] = []
    listed_at: datetime | None = Field(None, description="When it entered the source's list")
    media_urls: list[str] = []
    links_edited_by: str | None = Field(None, description="Who set the links by hand")
    can_edit_links: bool = Field(False, description="Whether you may set the links")
    bibtex: str
    library: LibraryEntry | None = Field(None, description="Your library entry, if saved")
    references: list[PaperReference] = Field(
        [], description="The papers it cites that are in this store, most cited first"
    )
    reference_count: int | None = Field(
        None, description="Everything it cites according to OpenAlex, in this store or not"
    )
    openalex_id: str | None = Field(None, description="Its OpenAlex work id, e.g. W2741809807")
    source_authors: list[SourceAuthor] = Field(
        [], description="Authors the source site (Hugging Face) links to an account there"
    )


class PaperList(BaseModel):
    items: list[PaperCard]
    pagination: Pagination


class FacetLink(BaseModel):
    label: str
    count: int = Field(description="Papers with this value")
    url: str = Field(description="This list narrowed to this value")


class Syndicated(BaseModel):
    """Where a list can be followed: its Atom feed and a prefilled mail subscription."""

    feed_url: str | None = Field(None, description="Atom feed of this list")
    alert_url: str | None = Field(None, description="Subscribe to this list by mail")


class DailyPage(PaperList, Syndicated):
    period: str = Field(description="day, week or month")
    label: str
    start: date | None
    end: date | None
    sort: str
    prev_url: str | None = None
    next_url: str | None = None
    day_url: str | None = Field(
        None, description="The Day switch: today when the period holds it, else its first day"
    )
    week_url: str | None = Field(
        None, description="The Week switch (None past the calendar's end); rule in docs/web.md"
    )
    month_url: str | None = Field(None, description="The Month switch; rule in docs/web.md")
    alert_label: str = Field(
        "Get these by mail", description="What the mail subscription at alert_url sends"
    )
    notice: str | None = None
    in_future: bool = Field(False, description="The period starts after today: no papers yet")
    today_url: str = Field("/", description="Today's feed")
    category: str | None = Field(None, description="The category filter, in arXiv's spelling")
    category_counts: list[FacetLink] = Field(
        [],
        description=(
            "The period's papers per category, most first (a cross-listed paper counts in "
            "each), each linking to the period narrowed to it"
        ),
    )


class TrendingPage(PaperList, Syndicated):
    window: str
    sort: str
    notice: str | None = None
    alert_label: str = Field(
        "Get these by mail", description="What the mail subscription at alert_url sends"
    )
    category: str | None = Field(None, description="The category filter, in arXiv's spelling")
    category_counts: list[FacetLink] = Field(
        [], description="The trending papers per category, as on the daily feed"
    )


class MonthCount(BaseModel):
    month: str = Field(description="YYYY-MM")
    count: int


class SearchFacets(BaseModel):
    """How the whole match set (not only this page) spreads over categories and time."""

    categories: list[FacetLink]
    years: list[FacetLink]
    months: list[MonthCount] = Field(description="Every month from the first match to the last")
    undated: int = Field(
        0,
        description="Matches without a submission date, which no year counts (0 when the "
        "counts are estimates)",
    )
    sample: float = Field(
        1.0,
        description="Share of the matches counted: below 1 the counts are estimates, scaled "
        "up from a uniform sample of the matches",
    )


class Suggestion(BaseModel):
    label: str = Field(description="What the link does, in words")
    url: str


class Respelling(BaseModel):
    q: str = Field(description="The query with its unknown words respelled")
    url: str = Field(description="The same search for the respelled query")


class SearchPage(PaperList):
    q: str
    category: str | None = None
    author: str | None = None
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")
    sort: str
    has_code: bool = False
    total: int = Field(0, description="Papers that match (pagination.total is the same)")
    total_is_estimate: bool = Field(
        False, description="True when total is a lower bound (shown as 'about N')"
    )
    exact_match: str | None = Field(
        None, description="Id of the paper the query names (arXiv id, DOI or exact title)"
    )
    facets: SearchFacets | None = None
    suggestions: list[Suggestion] = Field(
        default_factory=list, description="Ways to find something when nothing matched"
    )
    did_you_mean: Respelling | None = Field(
        None,
        description="The query respelled from the index's own words, when some of its "
        "words are in no paper (given beside results; with none, it is among suggestions)",
    )
    alert_url: str | None = Field(None, description="Subscribe to new matches of this search")
    feed_url: str | None = Field(None, description="Atom feed of this search")
    notice: str | None = None
    error: str | None = None

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class BrowsePage(PaperList, Syndicated):
    kind: str = Field(description="author or category")
    name: str
    sort: str


class SimilarPage(BaseModel):
    paper_id: str
    items: list[PaperCard]
    notice: str | None = None


class UpvoteState(BaseModel):
    paper_id: str
    upvoted: bool
    upvotes: int


class UpvoteRequest(BaseModel):
    # JSON true or false only: "yes", "off", 0 or "1" are refused, not guessed at.
    upvoted: StrictBool = Field(True, description="true, or false to remove your upvote")


class LibraryItemOut(BaseModel):
    paper: PaperCard
    tags: list[str]
    note: str
    is_read: bool
    saved_at: datetime


class TagCount(BaseModel):
    tag: str
    count: int


class LibraryPage(BaseModel):
    items: list[LibraryItemOut]
    tags: list[TagCount]
    tag: str | None = None
    unread: bool = False
    pagination: Pagination


class TagList(BaseModel):
    tags: list[TagCount]


class SubmissionOut(BaseModel):
    paper: PaperCard
    feed_date: date
    submitted_at: datetime
    submissions_left: int


class SubmitPage(BaseModel):
    submissions_left: int
    daily_cap: int
    submitted: SubmissionOut | None = None


class TokenOut(BaseModel):
    token_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None = None


class AccountPage(BaseModel):
    username: str
    email: str | None
    email_verified: bool = Field(
        False, description="Whether the address is proven by a link mailed to it"
    )
    tokens: list[TokenOut]
    new_token: str | None = Field(None, description="Shown once, right after creation")


class UserOut(BaseModel):
    user_id: int
    username: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail


class PaperLinksIn(BaseModel):
    """Code and project links of a paper; null or "" removes one."""

    code_url: str | None = Field(None, max_length=2000)
    project_url: str | None = Field(None, max_length=2000)


class PaperLinksOut(BaseModel):
    paper_id: str
    code_url: str | None
    project_url: str | None
    links_edited_by: str | None


class ReferenceEntryOut(BaseModel):
    """What happened to one entry of an imported bibliography."""

    key: str = Field(description="The entry's citation key, RIS ID or CSL id")
    location: str = Field(description='Where it is in the file: "line 12" or "item 3"')
    title: str
    status: Literal["matched", "harvested", "unmatched", "rejected"]
    paper_id: str | None = None
    match: Literal["arxiv-id", "doi", "title"] | None = None
    score: float | None = Field(None, description="Title similarity (title matches, misses)")
    reason: str = Field("", description="Why it did not match or could not be read")
    same_as: str = Field(
        "", description="Where an earlier entry of the file found the same paper, if one did"
    )


class ReferenceImportOut(BaseModel):
    """The report of a bibliography import."""

    format: Literal["bibtex", "ris", "csl-json"]
    total: int
    matched: int
    harvested: int
    unmatched: int
    rejected: int
    papers: int = Field(description="Distinct papers the entries found")
    added: int = Field(description="Papers new to your library")
    updated: int = Field(description="Papers already saved that gained tags or a note")
    unchanged: int = Field(description="Papers already saved, with nothing new to add")
    notices: list[str]
    entries: list[ReferenceEntryOut]
