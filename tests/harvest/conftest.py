"""Fixtures for harvest tests: a replay server over arXiv's recorded pages and
settings that point at it, with no politeness delay and tiny backoffs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harvest.replay_server import OaiRecord, ReplayServer, load_records
from paperscope.config import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv"


@pytest.fixture
def recorded(shared_data: Path) -> list[OaiRecord]:
    """The 158 distinct records of the two shared oai_dc pages."""
    return load_records(
        shared_data / "arxiv" / "oai_pmh_listrecords_oai_dc_cs_page.xml",
        shared_data / "arxiv" / "oai_pmh_listrecords_oai_dc_small.xml",
    )


@pytest.fixture
def server(recorded: list[OaiRecord]) -> Iterator[ReplayServer]:
    rss = {"cs.LG": (FIXTURES / "rss_cs_lg.xml").read_bytes()}
    api = (FIXTURES / "api_query_cs_lg.xml").read_bytes()
    with ReplayServer(recorded, page_size=40, api_feed=api, rss=rss) as replay:
        yield replay


@pytest.fixture
def harvest_settings(settings: Settings, server: ReplayServer) -> Settings:
    return settings.model_copy(
        update={
            "arxiv_oai_url": server.oai_url,
            "arxiv_api_url": server.api_url,
            "arxiv_rss_url": server.rss_url,
            "harvest_delay_seconds": 0.0,
            "harvest_backoff_seconds": 0.01,
            "harvest_max_wait_seconds": 0.05,
            "harvest_max_retries": 3,
            "harvest_timeout_seconds": 5.0,
            "harvest_contact_email": "ops@example.org",
        }
    )
