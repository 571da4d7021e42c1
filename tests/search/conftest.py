"""An indexed copy of the 81-paper seed corpus (lexical and dense, real embedding
model), built once per test session because embedding takes a while."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from search_samples import SEED, load_seed

from paperscope.config import Settings
from paperscope.index.catch_up import catch_up_indexes
from paperscope.search.engine import SearchEngine
from paperscope.store import Store


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory, onnx_models: Path) -> Settings:
    if not SEED.is_file():
        pytest.skip(f"shared data not found at {SEED}")
    return Settings(
        data_dir=tmp_path_factory.mktemp("seed-data"),
        dev_mode=True,
        embedding_cache_dir=onnx_models,
    )


@pytest.fixture(scope="session")
def seed_store(seed_settings: Settings) -> Iterator[Store]:
    store = Store.open(seed_settings)
    load_seed(store)
    catch_up_indexes(settings=seed_settings, store=store)
    yield store
    store.close()


@pytest.fixture(scope="session")
def engine(seed_settings: Settings, seed_store: Store) -> SearchEngine:
    return SearchEngine.open(settings=seed_settings, store=seed_store)
