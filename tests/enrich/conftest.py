"""Fixtures for OpenAlex enrichment: the recorded works served on 127.0.0.1 by the
harvest tests' ReplayServer, settings pointing at it with no pause between requests,
and stored papers that OpenAlex knows in each of the ways it can."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from enrich.enrich_samples import STORED, replay_settings
from enrich.openalex_replay import OpenAlexReplay, load_works
from harvest.replay_server import ReplayServer
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.papers import upsert_papers


@pytest.fixture
def openalex() -> OpenAlexReplay:
    return OpenAlexReplay(load_works())


@pytest.fixture
def openalex_server(openalex: OpenAlexReplay) -> Iterator[ReplayServer]:
    with ReplayServer([], routes={"/works": openalex}) as server:
        yield server


@pytest.fixture
def openalex_settings(settings: Settings, openalex_server: ReplayServer) -> Settings:
    return replay_settings(settings, openalex_server.url)


@pytest.fixture
def stored_papers(any_store: Store) -> Store:
    upsert_papers(store=any_store, papers_in=list(STORED))
    return any_store
