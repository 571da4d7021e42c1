"""Fixtures every area shares: settings on a temp data dir, a real SQLite store, and
the same store on a real PostgreSQL when PAPERSCOPE_TEST_POSTGRES_URL is set (.ci/run
starts one on loopback); and the For-you corpus (arXiv's snapshot head) the web and
browser tests of recommendations load."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np
import pytest

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POSTGRES_URL = os.environ.get("PAPERSCOPE_TEST_POSTGRES_URL")


def pytest_configure(config: pytest.Config) -> None:
    """Every test that embeds shares one exported ONNX model (kept in pytest's cache,
    so it is exported once per checkout) instead of exporting it again into each fresh
    data dir; served and CLI subprocesses inherit the variable. A test that sets the
    folder itself, or builds Settings with ``embedding_cache_dir``, still wins."""
    cache = getattr(config, "cache", None)
    if cache is not None:
        folder = cache.mkdir("paperscope-onnx-models")
        os.environ.setdefault("PAPERSCOPE_EMBEDDING_CACHE_DIR", str(folder))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with a slow test run first, then those with a browser test. The suite is
    spread over processes a file at a time (--dist loadfile, in the order collected), so
    a long file handed out near the end would keep one process busy while the others
    sit idle."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    browser = {item.path for item in items if item.get_closest_marker("browser")}
    # A stable sort: files keep their order within each group.
    items.sort(key=lambda item: (item.path not in slow, item.path not in browser))


@pytest.fixture(scope="session")
def onnx_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared exported-model folder of pytest_configure (a temp one without a cache)."""
    found = os.environ.get("PAPERSCOPE_EMBEDDING_CACHE_DIR")
    return Path(found) if found else tmp_path_factory.mktemp("onnx-models")


@pytest.fixture(scope="session")
def indexed_search_sample(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[Path], Settings]:
    """A copier of one data dir holding the web tests' search sample, stored and indexed
    by both retrievers: built once per session (embedding takes a while), copied fresh
    for each module that serves it so none sees another's writes."""
    import shutil
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent / "web"))
    from web_samples import search_sample

    from paperscope.index.catch_up import catch_up_indexes
    from paperscope.store.papers import upsert_papers

    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    built = tmp_path_factory.mktemp("search-sample") / "data"
    settings = Settings(data_dir=built, dev_mode=True)
    store = Store.open(settings)
    try:
        upsert_papers(store=store, papers_in=search_sample(SHARED_DATA))
        report = catch_up_indexes(settings=settings, store=store)
    finally:
        store.close()
    assert report.dense_count > 80  # both retrievers, so the dense floor is exercised

    def copy(target: Path) -> Settings:
        shutil.copytree(built, target)
        return settings.model_copy(update={"data_dir": target})

    return copy


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", dev_mode=True, harvest_delay_seconds=0.0)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = Store.open(settings)
    yield s
    s.close()


@pytest.fixture
def snapshot_papers(shared_data: Path) -> list[Paper]:
    """The first 200 records of arXiv's metadata snapshot, as papers (no authors)."""
    out = []
    for line in (shared_data / "arxiv" / "kaggle_snapshot_head200.jsonl").open():
        rec = json.loads(line)
        created = parsedate_to_datetime(rec["versions"][0]["created"])
        cats = tuple(rec["categories"].split())
        out.append(
            Paper(
                paper_id=rec["id"],
                arxiv_id=rec["id"],
                title=" ".join(rec["title"].split()),
                abstract=" ".join(rec["abstract"].split()),
                categories=cats,
                primary_category=cats[0],
                submitted_at=created,
                feed_date=created.date(),
                source="arxiv-snapshot",
            )
        )
    return out


LoadForYou = Callable[[Settings, Store, np.ndarray, int], None]


@pytest.fixture
def load_for_you(snapshot_papers: list[Paper]) -> LoadForYou:
    """Stores the snapshot's papers and writes the recommender's candidate matrix from
    ``vectors`` (a row a paper, in snapshot order) projected to ``dim`` dimensions."""
    from paperscope.rank.recommend import candidates_folder
    from paperscope.rank.recommend.candidates import build_candidates
    from paperscope.store.papers import upsert_papers

    def load(settings: Settings, store: Store, vectors: np.ndarray, dim: int) -> None:
        upsert_papers(store=store, papers_in=snapshot_papers)
        build_candidates(
            folder=candidates_folder(settings),
            paper_ids=[p.paper_id for p in snapshot_papers],
            dates=[p.feed_date or date(2007, 4, 1) for p in snapshot_papers],
            vectors=vectors,
            model_name=settings.embedding_model,
            store_seq=1,
            dim=dim,
        )

    return load


def _postgres_database() -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("PAPERSCOPE_TEST_POSTGRES_URL not set (make test starts PostgreSQL)")
    from sqlalchemy import create_engine, text

    name = f"ps_test_{uuid.uuid4().hex[:12]}"
    admin_url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Store]:
    """The store on each backend: tests using it run against SQLite and PostgreSQL."""
    if request.param == "sqlite":
        s = Store.open(settings)
        yield s
        s.close()
        return
    for url in _postgres_database():
        s = Store.open(settings.model_copy(update={"database_url": url}))
        yield s
        s.close()
