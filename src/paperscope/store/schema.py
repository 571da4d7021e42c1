"""Table definitions used by queries. The DDL itself lives in Alembic migrations
(store/migrations/versions); tests check the two agree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    func,
)

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite has no time zones and PostgreSQL
    `timestamp` without one is what both agree on."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


papers = Table(
    "papers",
    metadata,
    Column("paper_id", String(64), primary_key=True),
    Column("arxiv_id", String(64), unique=True),
    Column("title", Text, nullable=False),
    Column("title_key", String(64), nullable=False, index=True),
    Column("abstract", Text, nullable=False, server_default=""),
    Column("primary_category", String(32)),
    Column("latest_version", Integer),
    Column("submitted_at", UTCDateTime, index=True),
    Column("updated_at", UTCDateTime),
    Column("feed_date", Date, index=True),
    Column("comments", Text),
    Column("journal_ref", Text),
    Column("doi", Text),
    Column("report_no", Text),
    Column("license", Text),
    Column("submitter", Text),
    Column("project_url", Text),
    Column("code_url", Text),
    Column("external_upvotes", Integer),
    Column("ai_summary", Text),
    Column("ai_keywords", Text),  # JSON array
    # From a listing site (Hugging Face daily papers): profiles as JSON objects
    # {name, fullname, avatar_url, details}; the submitter's name again, for filtering.
    Column("submitted_by", Text),
    Column("submitted_by_name", String(200), index=True),
    Column("organization", Text),
    # What the listing site says of each author (account, claim status, hidden): a
    # JSON array of {name, user (a profile), status, status_last_changed_at, hidden}.
    Column("author_details", Text),
    Column("listed_at", UTCDateTime),
    Column("thumbnail_url", Text),
    Column("media_urls", Text),  # JSON array
    Column("github_stars", Integer),
    Column("source_comments", Integer),
    Column("links_edited_by", String(200)),
    Column("source", String(32), nullable=False),
    # Change sequence: every insert/update takes the next number, so indexes catch up
    # with "seq > high-water mark" instead of rescanning the store.
    Column("seq", BigInteger, nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
)

# Lists of papers newest first (a category's page and feed, /api/v1/papers) walk this
# index in its order and stop after a page instead of sorting every match: its
# expressions are papers.date_order(newest_first=True) and the paper_id tie-break,
# which must stay the same for the index to serve.
papers_listing = Index(
    "ix_papers_listing",
    papers.c.submitted_at.is_(None),
    func.coalesce(papers.c.submitted_at, papers.c.created_at).desc(),
    papers.c.paper_id,
)
# The same for oldest first (date_order(newest_first=False)): undated papers still come
# last, so walking the index above backwards would not give this order.
papers_listing_oldest = Index(
    "ix_papers_listing_oldest",
    papers.c.submitted_at.is_(None),
    func.coalesce(papers.c.submitted_at, papers.c.created_at),
    papers.c.paper_id,
)

# Papers with a code link: the "has code" filter of lists and search. A partial index
# of them lets a list or a count start from these papers (usually a small share of an
# instance) instead of testing every paper of a category or of the whole store.
PAPER_HAS_CODE = and_(papers.c.code_url.is_not(None), papers.c.code_url != "")
papers_with_code = Index(
    "ix_papers_with_code",
    papers.c.paper_id,
    sqlite_where=PAPER_HAS_CODE,
    postgresql_where=PAPER_HAS_CODE,
)

paper_authors = Table(
    "paper_authors",
    metadata,
    Column(
        "paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    # models.initials_key(name_key), written with the row: bibliography entries that
    # give initials ("Vaswani, A.") look their papers up by it.
    Column("initials_key", Text, nullable=False, server_default=""),
    Index("ix_paper_authors_name_key", "name_key"),
    Index("ix_paper_authors_initials_key", "initials_key"),
)

paper_categories = Table(
    "paper_categories",
    metadata,
    Column(
        "paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("category", String(32), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("is_primary", Boolean, nullable=False),
    # paper_categories.archive_of(category), written with the row ("cs" for cs.LG): a
    # whole archive is read from its index instead of a LIKE over every row.
    Column("archive", String(32), nullable=False, server_default=""),
    Index("ix_paper_categories_category", "category"),
    Index("ix_paper_categories_archive", "archive", "paper_id"),
)

paper_versions = Table(
    "paper_versions",
    metadata,
    Column(
        "paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", Integer, primary_key=True),
    Column("submitted_at", UTCDateTime),
    Column("size", String(32)),
)

paper_sources = Table(
    "paper_sources",
    metadata,
    Column(
        "paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("source", String(32), primary_key=True),
    # Hash of the last record this source gave: an identical re-import is skipped
    # without loading the paper.
    Column("record_hash", String(40), nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
)

harvest_state = Table(
    "harvest_state",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("state", Text, nullable=False),  # JSON
    Column("updated_at", UTCDateTime, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
