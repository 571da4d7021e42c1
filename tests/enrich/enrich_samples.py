"""Stored papers that OpenAlex knows in each of the ways it can, matching the recorded
works in tests/fixtures/openalex/works.json, and a store enriched from them for the
tests of pages and lists."""

from __future__ import annotations

from datetime import UTC, datetime

from enrich.openalex_replay import OpenAlexReplay, load_works
from harvest.replay_server import ReplayServer
from paperscope.config import Settings
from paperscope.ingest.enrich_openalex import enrich_openalex
from paperscope.models import Paper, Version
from paperscope.store import Store
from paperscope.store.papers import upsert_papers


def _paper(paper_id: str, title: str, day: str, **kw: object) -> Paper:
    submitted = datetime.fromisoformat(day).replace(tzinfo=UTC)
    arxiv_id = None if paper_id.startswith("ps-") else paper_id
    fields: dict[str, object] = dict(
        paper_id=paper_id,
        arxiv_id=arxiv_id,
        title=title,
        abstract=f"The abstract of {title}.",
        authors=("A. Author",),
        categories=("cs.LG",),
        primary_category="cs.LG",
        versions=(Version(1, submitted),),
        submitted_at=submitted,
        source="oai-pmh" if arxiv_id else "text",
    )
    fields.update(kw)
    return Paper(**fields)  # type: ignore[arg-type]


# How each is found: by arXiv DOI (attention, bahdanau), by arXiv landing page after the
# DOI missed (resnet: OpenAlex has the CVPR DOI), by the paper's own DOI in another case
# (bert), by DOI without an arXiv id (deep learning), not at all (unknown), never asked
# for (no identifier).
STORED = (
    _paper("1706.03762", "Attention Is All You Need", "2017-06-12"),
    _paper("1409.0473", "Neural Machine Translation by Jointly Learning to Align and "
           "Translate", "2014-09-01"),
    _paper("1512.03385", "Deep Residual Learning for Image Recognition", "2015-12-10"),
    _paper("1810.04805", "BERT: Pre-training of Deep Bidirectional Transformers",
           "2018-10-11", doi="10.18653/V1/N19-1423"),
    _paper("ps-deeplearning", "Deep learning", "2015-05-27", doi="10.1038/nature14539"),
    _paper("2401.00001", "A paper OpenAlex has never heard of", "2024-01-01"),
    _paper("ps-noidentifier", "A paper with neither arXiv id nor DOI", "2024-02-01"),
)  # fmt: skip


def replay_settings(settings: Settings, url: str) -> Settings:
    """``settings`` pointed at an OpenAlex replay at ``url``, without pauses."""
    return settings.model_copy(
        update={
            "openalex_url": url,
            "openalex_mailto": "ops@example.org",
            "openalex_requests_per_second": 50.0,
            "openalex_backoff_seconds": 0.01,
            "openalex_max_wait_seconds": 0.05,
            "openalex_max_retries": 2,
            "openalex_timeout_seconds": 5.0,
        }
    )


def enrich_sample(*, store: Store, settings: Settings) -> None:
    """Store the sample papers and enrich them from the recorded works, for tests of
    what readers see."""
    upsert_papers(store=store, papers_in=list(STORED))
    with ReplayServer([], routes={"/works": OpenAlexReplay(load_works())}) as server:
        report = enrich_openalex(settings=replay_settings(settings, server.url), store=store)
    assert report.complete and report.found == 5
