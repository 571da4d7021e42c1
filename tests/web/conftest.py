"""Web fixtures: an app on a temp store holding the real HF sample, and clients
signed in as fresh users (through the real sign-up form)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_samples import hf_papers, hostile_paper, old_style_paper, sign_up

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.papers import upsert_papers
from paperscope.web.app import create_app


@pytest.fixture
def loaded_store(store: Store, shared_data: Path) -> Store:
    upsert_papers(
        store=store, papers_in=[*hf_papers(shared_data), hostile_paper(), old_style_paper()]
    )
    return store


@pytest.fixture
def client(settings: Settings, loaded_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store=loaded_store)) as c:
        yield c


@pytest.fixture
def alice(settings: Settings, loaded_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store=loaded_store)) as c:
        yield sign_up(c, "alice")


@pytest.fixture
def bob(settings: Settings, loaded_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store=loaded_store)) as c:
        yield sign_up(c, "bob")


@pytest.fixture(scope="module")
def searchable(
    tmp_path_factory: pytest.TempPathFactory, indexed_search_sample: Callable[[Path], Settings]
) -> Iterator[TestClient]:
    """A client of the sample, indexed for search (lexical and dense), kept per module."""
    settings = indexed_search_sample(tmp_path_factory.mktemp("searchable") / "data")
    store = Store.open(settings)
    with TestClient(create_app(settings, store=store)) as client:
        yield client
    store.close()
