"""What the MCP tools answer with: plain JSON-able dicts, compact where a model reads
many of them (a search result is a dozen short fields, never an abstract) and whole
where it asked for one paper."""

from __future__ import annotations

import re
from typing import Any

from paperscope.config import Settings
from paperscope.models import Hit, LibraryItem, Paper, PaperStats
from paperscope.site_paths import paper_url as site_paper_url

SHOWN_AUTHORS = 3
SUMMARY_CHARS = 200
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def paper_url(settings: Settings, paper_id: str) -> str:
    return settings.public_base_url.rstrip("/") + site_paper_url(paper_id)


def one_line(paper: Paper) -> str:
    """The AI summary when there is one, else the abstract's first sentence, cut to
    about SUMMARY_CHARS characters at a word boundary."""
    flat = " ".join((paper.ai_summary or paper.abstract).split())
    first = _SENTENCE_END.split(flat, maxsplit=1)[0]
    if len(first) <= SUMMARY_CHARS:
        return first
    return first[:SUMMARY_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _day(paper: Paper) -> str | None:
    if paper.submitted_at is not None:
        return paper.submitted_at.date().isoformat()
    return paper.feed_date.isoformat() if paper.feed_date else None


def brief(settings: Settings, paper: Paper, **extra: Any) -> dict[str, Any]:
    """A paper in a list: id, title, first authors and how many, date, one line."""
    return {
        "id": paper.paper_id,
        "title": " ".join(paper.title.split()),
        "authors": list(paper.authors[:SHOWN_AUTHORS]),
        "author_count": len(paper.authors),
        "date": _day(paper),
        "summary": one_line(paper),
        **extra,
        "url": paper_url(settings, paper.paper_id),
    }


def hit_brief(settings: Settings, hit: Hit, paper: Paper) -> dict[str, Any]:
    return brief(settings, paper, score=round(hit.score, 4))


def full(settings: Settings, paper: Paper, stats: PaperStats | None) -> dict[str, Any]:
    """Everything known about one paper, abstract included."""
    return {
        "id": paper.paper_id,
        "arxiv_id": paper.arxiv_id,
        "title": " ".join(paper.title.split()),
        "authors": list(paper.authors),
        "abstract": " ".join(paper.abstract.split()),
        "categories": list(paper.categories),
        "primary_category": paper.primary_category,
        "submitted": paper.submitted_at.isoformat() if paper.submitted_at else None,
        "updated": paper.updated_at.isoformat() if paper.updated_at else None,
        "feed_date": paper.feed_date.isoformat() if paper.feed_date else None,
        "latest_version": paper.latest_version,
        "comments": paper.comments,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "license": paper.license,
        "code_url": paper.code_url,
        "project_url": paper.project_url,
        "ai_summary": paper.ai_summary,
        "ai_keywords": list(paper.ai_keywords),
        "upvotes": stats.total_upvotes if stats else (paper.external_upvotes or 0),
        "saves": stats.saves if stats else 0,
        "url": paper_url(settings, paper.paper_id),
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
    }


def library_entry(settings: Settings, item: LibraryItem, paper: Paper | None) -> dict[str, Any]:
    shown = brief(settings, paper) if paper else {"id": item.paper_id}
    return shown | {
        "tags": list(item.tags),
        "note": item.note,
        "is_read": item.is_read,
        "saved_at": item.saved_at.isoformat(),
    }
