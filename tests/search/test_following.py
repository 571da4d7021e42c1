"""A serving instance following INDEX_URL: new generations are swapped in while
searches run, an indexer killed mid-publish leaves instances on the previous
generation, and nothing is served from the local data folder meanwhile."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from paperscope.config import Settings
from paperscope.feeds.digest import build_due_digests
from paperscope.feeds.subscriptions import make_spec, subscribe
from paperscope.index.catch_up import catch_up_indexes, dense_index_dir
from paperscope.index.dense import DenseIndex
from paperscope.index.publish import Remote, publish_generation, read_pointer
from paperscope.models import Paper, SearchQuery
from paperscope.rank.recommend import CandidatesError, Recommender, refresh_candidates_from_index
from paperscope.search.following import IndexFollower
from paperscope.search.service import FALLBACK_NOTICE, SearchService
from paperscope.store import Store
from paperscope.store.papers import upsert_papers

SRC = Path(__file__).resolve().parents[2] / "src"

# Publishes like `paperscope index` does, pausing after the first object it uploads so
# the test can kill it there.
PAUSING_PUBLISHER = """
import sys, time
from pathlib import Path
from paperscope.config import Settings
from paperscope.index.publish import publish_generation

settings = Settings(data_dir=Path(sys.argv[1]), index_url=sys.argv[2], dev_mode=True)
marker = Path(sys.argv[3])

def pause(relative_path):
    marker.write_text(relative_path)
    time.sleep(120)

publish_generation(settings=settings, on_file=pause)
"""


def paper(number: int, title: str) -> Paper:
    return Paper(
        paper_id=f"2403.{10000 + number:05d}",
        arxiv_id=f"2403.{10000 + number:05d}",
        title=title,
        abstract=f"We study {title.lower()}.",
        submitted_at=datetime(2024, 3, 1, tzinfo=UTC),
        source="arxiv-snapshot",
    )


def index_papers(settings: Settings, store: Store, *papers: Paper) -> None:
    upsert_papers(store=store, papers_in=list(papers))
    catch_up_indexes(settings=settings, store=store, dense=False)


def ids(service: SearchService, text: str) -> list[str]:
    return sorted(h.paper_id for h in service.search(SearchQuery(text=text, mode="bm25")).hits)


@pytest.fixture
def indexer(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"index_url": str(tmp_path / "shared")})


@pytest.fixture
def server(indexer: Settings, tmp_path: Path) -> Settings:
    return indexer.model_copy(update={"data_dir": tmp_path / "server"})


def test_nothing_published_yet_means_title_match(
    indexer: Settings, server: Settings, store: Store
) -> None:
    # The indexer's own folder has an index, but a following instance never reads it.
    index_papers(indexer, store, paper(1, "Quantum error correction"))
    service = SearchService(settings=server, store=store)
    follower = IndexFollower(settings=server, store=store, service=service)
    assert follower.check() is False
    results = service.search(SearchQuery(text="quantum"))
    assert results.notice == FALLBACK_NOTICE and service.generation is None


def test_new_generations_are_swapped_in_while_searches_run(
    indexer: Settings, server: Settings, store: Store
) -> None:
    server = server.model_copy(update={"index_keep_generations": 2, "index_grace_seconds": 0})
    service = SearchService(settings=server, store=store)
    follower = IndexFollower(settings=server, store=store, service=service)
    index_papers(indexer, store, paper(1, "Protein folding"))
    publish_generation(settings=indexer)
    assert follower.check() is True and ids(service, "protein") == ["2403.10001"]
    held = service.engine()  # as a request in flight holds it
    assert held is not None

    errors: list[BaseException] = []
    stop = threading.Event()

    def search_forever() -> None:
        while not stop.is_set():
            try:
                assert "2403.10001" in ids(service, "protein")
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=search_forever) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for number in range(2, 6):
            index_papers(indexer, store, paper(number, f"Protein design round {number}"))
            publish_generation(settings=indexer)
            assert follower.check() is True
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(ids(service, "protein")) == 5
    assert service.generation == read_pointer(str(indexer.index_url)).generation  # type: ignore[union-attr]
    # The engine a request held before the swaps still answers, from its generation.
    assert [h.paper_id for h in held.search(SearchQuery(text="protein", mode="bm25")).hits] == [
        "2403.10001"
    ]


def test_an_indexer_killed_mid_publish_leaves_instances_on_the_previous_generation(
    indexer: Settings, server: Settings, store: Store, tmp_path: Path
) -> None:
    service = SearchService(settings=server, store=store)
    follower = IndexFollower(settings=server, store=store, service=service)
    index_papers(indexer, store, paper(1, "Climate models"))
    before = publish_generation(settings=indexer).generation
    assert follower.check() and ids(service, "climate") == ["2403.10001"]

    index_papers(indexer, store, paper(2, "Climate downscaling"))
    marker = tmp_path / "paused"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            PAUSING_PUBLISHER,
            str(indexer.data_dir),
            str(indexer.index_url),
            str(marker),
        ],
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the publisher never reached its first file"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    remote = Remote(str(indexer.index_url))
    assert read_pointer(str(indexer.index_url)).generation == before  # type: ignore[union-attr]
    assert len(remote.listing("generations")) == 1
    assert follower.check() is False
    assert ids(service, "climate") == ["2403.10001"]

    after = publish_generation(settings=indexer)  # the next run completes it
    assert after.changed and after.generation != before
    assert follower.check() is True
    assert ids(service, "climate") == ["2403.10001", "2403.10002"]


def test_the_follower_thread_polls_on_its_own(
    indexer: Settings, server: Settings, store: Store
) -> None:
    service = SearchService(
        settings=server.model_copy(update={"index_poll_seconds": 0.2}), store=store
    )
    service.start()
    try:
        index_papers(indexer, store, paper(1, "Robot grasping"))
        publish_generation(settings=indexer)
        deadline = time.monotonic() + 30
        while service.generation is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ids(service, "grasping") == ["2403.10001"]
    finally:
        service.stop()


def test_recommendations_read_the_candidates_of_the_generation_in_use(
    indexer: Settings, server: Settings, store: Store
) -> None:
    index_papers(indexer, store, paper(1, "Coral reefs"), paper(2, "Sea ice"))
    dense = DenseIndex.open(dense_index_dir(indexer), model_name="test-model", dim=8)
    dense.add(["2403.10001", "2403.10002"], np.eye(2, 8, dtype=np.float32))
    dense.save()
    refresh_candidates_from_index(settings=indexer, store=store)
    publish_generation(settings=indexer)

    service = SearchService(settings=server, store=store)
    recommender = Recommender.open(settings=server, store=store, folder=service.recommend_folder)
    with pytest.raises(CandidatesError, match="no index generation loaded"):
        recommender.candidates()
    assert IndexFollower(settings=server, store=store, service=service).check()
    assert len(recommender.candidates()) == 2


@pytest.mark.slow  # loads the embedding model
def test_a_digest_worker_elsewhere_searches_the_published_generation(
    indexer: Settings, server: Settings, store: Store
) -> None:
    index_papers(indexer, store, paper(1, "Glacier retreat"), paper(2, "Volcano ash"))
    # alerts wait for papers to be embedded: give them vectors in the published index
    dense = DenseIndex.open(dense_index_dir(indexer), model_name=indexer.embedding_model, dim=384)
    dense.add(["2403.10001", "2403.10002"], np.eye(2, 384, dtype=np.float32))
    dense.save()
    publish_generation(settings=indexer)
    worker = server.model_copy(update={"secret_key": "a-secret-key-long-enough"})
    spec = make_spec(search="glacier", send_time="00:00", time_zone="Pacific/Kiritimati")
    subscribe(store=store, settings=worker, email="g@example.org", spec=spec, confirmed=True)
    # without INDEX_URL this host has no index: the digest waits
    alone = build_due_digests(store=store, settings=worker.model_copy(update={"index_url": None}))
    assert alone.built == 0 and "search index unavailable" in alone.problems[0]
    report = build_due_digests(store=store, settings=worker)
    # searched (the made-up vectors match no query closely enough to send anything)
    assert report.problems == [] and report.built + report.empty == 1
    assert (worker.data_dir / "index-cache").is_dir()


def test_without_a_follower_the_published_generation_is_opened_on_first_use(
    indexer: Settings, server: Settings, store: Store
) -> None:
    # the Python API and `paperscope mcp` use the service without starting a follower
    index_papers(indexer, store, paper(1, "Bird migration"))
    name = publish_generation(settings=indexer).generation
    service = SearchService(settings=server, store=store)
    assert ids(service, "migration") == ["2403.10001"]
    assert service.generation == name
