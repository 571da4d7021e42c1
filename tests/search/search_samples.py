"""A small real corpus for search tests: the 81 papers of the Hugging Face search page
dump (titles and abstracts as published), with deterministic made-up metadata
(ids, dates, categories, authors) so filters and sorting can be checked."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.papers import upsert_papers

SEED = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "seed"
    / "hf_papers_search_page.txt"
)
HEADER_LINES = 5
FIRST_DAY = datetime(2024, 1, 1, tzinfo=UTC)
CATEGORIES = (("cs.LG",), ("cs.CL", "cs.LG"), ("stat.ML",))


def paper_id(position: int) -> str:
    return f"2401.{10001 + position:05d}"


@functools.cache
def seed_papers() -> tuple[Paper, ...]:
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    body = lines[HEADER_LINES:]
    papers = []
    for position in range(len(body) // 2):
        title, abstract = body[2 * position], body[2 * position + 1]
        categories = CATEGORIES[position % 3]
        authors = [f"Author{position % 5} Smith"]
        if position % 7 == 0:
            authors.append("Ada Lovelace")
        submitted = FIRST_DAY + timedelta(days=position)
        papers.append(
            Paper(
                paper_id=paper_id(position),
                arxiv_id=paper_id(position),
                title=title,
                abstract=abstract,
                authors=tuple(authors),
                categories=categories,
                primary_category=categories[0],
                submitted_at=submitted,
                source="hf-daily" if position % 2 else "arxiv-snapshot",
            )
        )
    return tuple(papers)


def load_seed(store: Store, papers: Any = None) -> list[Paper]:
    chosen = list(papers if papers is not None else seed_papers())
    upsert_papers(store=store, papers_in=chosen)
    return chosen


def shared_model_settings(settings: Settings, cache: Path) -> Settings:
    """Settings whose ONNX export is cached across tests (exporting takes seconds)."""
    return settings.model_copy(update={"embedding_cache_dir": cache})
