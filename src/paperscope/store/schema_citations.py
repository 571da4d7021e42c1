"""Tables for citation counts and references from OpenAlex (migration 0008_citations).

``paper_citations`` holds, per paper, what OpenAlex said and when: the work id, how
often it is cited, how many works it references. A row with no work id records that
OpenAlex had no work for the paper, so the next run does not ask again until the row
is older than OPENALEX_REFRESH_DAYS. ``paper_references`` keeps only the references
whose cited paper is in this store (the rest are counted, not kept).
``openalex_works`` remembers which paper (or none) an OpenAlex work id resolved to, so
a work cited by many papers is looked up once."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, func

from paperscope.store.schema import UTCDateTime, metadata, papers

paper_citations = Table(
    "paper_citations",
    metadata,
    Column(
        "paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("openalex_id", String(32)),  # W2741809807; NULL: OpenAlex has no such work
    Column("cited_by_count", Integer),
    Column("reference_count", Integer),
    Column("fetched_at", UTCDateTime, nullable=False),
    Index("ix_paper_citations_openalex_id", "openalex_id"),
    Index("ix_paper_citations_cited_by_count", "cited_by_count"),
    Index("ix_paper_citations_fetched_at", "fetched_at"),
)

paper_references = Table(
    "paper_references",
    metadata,
    Column(
        "citing_paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "cited_paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Index("ix_paper_references_cited_paper_id", "cited_paper_id"),
)

openalex_works = Table(
    "openalex_works",
    metadata,
    Column("openalex_id", String(32), primary_key=True),
    Column("paper_id", String(64), ForeignKey("papers.paper_id", ondelete="CASCADE")),
    Column("checked_at", UTCDateTime, nullable=False),
)

# References name works by DOI, whatever case the paper's source used: resolving them
# needs a case-blind lookup that does not scan every paper.
papers_doi_lower = Index("ix_papers_doi_lower", func.lower(papers.c.doi))
