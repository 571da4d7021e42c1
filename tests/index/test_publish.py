"""Publishing index generations to INDEX_URL and fetching them back: files first,
pointer last; unchanged indexes are not republished; unchanged files are linked, not
downloaded again; damaged copies are refused; old generations are collected."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from paperscope.config import Settings
from paperscope.index.catch_up import catch_up_indexes, dense_index_dir
from paperscope.index.dense import DenseIndex
from paperscope.index.publish import (
    GENERATION_FILE,
    PublishError,
    Remote,
    cache_root,
    fetch_generation,
    prune_cache,
    publish_generation,
    read_pointer,
)
from paperscope.models import Paper, SearchQuery
from paperscope.rank.recommend import refresh_candidates_from_index
from paperscope.rank.recommend.candidates import load_candidates
from paperscope.search.engine import SearchEngine
from paperscope.store import Store
from paperscope.store.papers import upsert_papers


def paper(number: int, title: str) -> Paper:
    return Paper(
        paper_id=f"2402.{10000 + number:05d}",
        arxiv_id=f"2402.{10000 + number:05d}",
        title=title,
        abstract=f"An abstract about {title.lower()}.",
        submitted_at=datetime(2024, 2, 1, tzinfo=UTC),
        source="arxiv-snapshot",
    )


def add_and_index(settings: Settings, store: Store, *papers: Paper) -> None:
    upsert_papers(store=store, papers_in=list(papers))
    catch_up_indexes(settings=settings, store=store, dense=False)


def found(settings: Settings, store: Store, root: Path, text: str) -> list[str]:
    engine = SearchEngine.open(settings=settings, store=store, root=root)
    return [h.paper_id for h in engine.search(SearchQuery(text=text, mode="bm25")).hits]


@pytest.fixture(params=["folder", "file-url", "memory"])
def index_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "folder":
        return str(tmp_path / "shared-index")
    if request.param == "file-url":
        return f"file://{tmp_path / 'shared-index'}"
    return f"memory://paperscope-{uuid.uuid4().hex}"


def test_a_published_generation_is_found_by_another_instance(
    tmp_path: Path, settings: Settings, store: Store, index_url: str
) -> None:
    indexer = settings.model_copy(update={"index_url": index_url})
    server = indexer.model_copy(update={"data_dir": tmp_path / "server"})
    assert read_pointer(index_url) is None
    add_and_index(indexer, store, paper(1, "Sparse attention for long documents"))
    first = publish_generation(settings=indexer)
    assert first.changed and first.uploaded == first.files > 0
    pointer = read_pointer(index_url)
    assert pointer is not None and pointer.generation == first.generation
    root = fetch_generation(settings=server, name=first.generation)
    assert root.parent == cache_root(server)
    assert found(server, store, root, "sparse") == ["2402.10001"]

    again = publish_generation(settings=indexer)
    assert not again.changed and again.generation == first.generation

    add_and_index(indexer, store, paper(2, "Sparse mixtures of experts"))
    second = publish_generation(settings=indexer)
    assert second.changed and second.generation > first.generation
    # tantivy keeps the first segment: only the new files travel
    assert 0 < second.uploaded < second.files
    newer = fetch_generation(settings=server, name=second.generation)
    assert sorted(found(server, store, newer, "sparse")) == ["2402.10001", "2402.10002"]
    assert found(server, store, root, "experts") == []  # the old copy is untouched


def test_unchanged_files_are_linked_from_the_previous_local_copy(
    tmp_path: Path, settings: Settings, store: Store
) -> None:
    indexer = settings.model_copy(update={"index_url": str(tmp_path / "shared")})
    server = indexer.model_copy(update={"data_dir": tmp_path / "server"})
    add_and_index(indexer, store, paper(1, "Graph neural networks"))
    first = fetch_generation(settings=server, name=publish_generation(settings=indexer).generation)
    add_and_index(indexer, store, paper(2, "Graph transformers"))
    second = fetch_generation(settings=server, name=publish_generation(settings=indexer).generation)
    inodes = {p.relative_to(first): p.stat().st_ino for p in first.rglob("*") if p.is_file()}
    shared = [
        rel
        for rel, ino in inodes.items()
        if (second / rel).exists() and (second / rel).stat().st_ino == ino
    ]
    assert shared, "no file of the first generation was reused"


def test_dense_files_travel_with_the_generation(
    tmp_path: Path, settings: Settings, store: Store
) -> None:
    indexer = settings.model_copy(update={"index_url": str(tmp_path / "shared")})
    add_and_index(indexer, store, paper(1, "Contrastive learning"), paper(2, "Diffusion models"))
    dense = DenseIndex.open(dense_index_dir(indexer), model_name="test-model", dim=8)
    dense.add(["2402.10001", "2402.10002"], np.eye(2, 8, dtype=np.float32))
    dense.save()
    refresh_candidates_from_index(settings=indexer, store=store)
    name = publish_generation(settings=indexer).generation
    root = fetch_generation(
        settings=indexer.model_copy(update={"data_dir": tmp_path / "server"}), name=name
    )
    copy = DenseIndex.open(root / "dense", model_name="test-model", dim=8, create=False)
    assert len(copy) == 2 and "2402.10002" in copy
    # the recommendation candidates of the generation come along, and load
    candidates = load_candidates(root / "recommend", model_name=indexer.embedding_model)
    assert sorted(candidates.ids.astype(str)) == ["2402.10001", "2402.10002"]
    described = json.loads((root / GENERATION_FILE).read_text())
    assert any(
        path.startswith("dense/hnsw") or path.startswith("dense/vectors")
        for path in described["files"]
    )


def test_a_damaged_object_is_refused(tmp_path: Path, settings: Settings, store: Store) -> None:
    shared = tmp_path / "shared"
    indexer = settings.model_copy(update={"index_url": str(shared)})
    add_and_index(indexer, store, paper(1, "Speech recognition"))
    name = publish_generation(settings=indexer).generation
    victim = max((shared / "objects").iterdir(), key=lambda p: p.stat().st_size)
    victim.write_bytes(victim.read_bytes()[:-1] + b"!")
    server = indexer.model_copy(update={"data_dir": tmp_path / "server"})
    with pytest.raises(PublishError, match="damaged copy"):
        fetch_generation(settings=server, name=name)
    assert not (cache_root(server) / name).exists()  # nothing half-fetched is kept


def test_hostile_names_from_the_shared_place_are_refused(
    tmp_path: Path, settings: Settings
) -> None:
    shared = tmp_path / "shared"
    (shared / "generations").mkdir(parents=True)
    bad = {
        "format_version": 1,
        "name": "x",
        "content": "c",
        "created_at": "",
        "files": {"../../escape": {"sha256": "0" * 64, "size": 1}},
    }
    (shared / "generations" / "evil.json").write_text(json.dumps(bad))
    server = settings.model_copy(update={"index_url": str(shared)})
    with pytest.raises(PublishError, match="unsafe path"):
        fetch_generation(settings=server, name="evil")
    with pytest.raises(PublishError, match="unsafe path"):
        fetch_generation(settings=server, name="../evil")


def test_old_generations_are_collected_after_the_grace_period(
    tmp_path: Path, settings: Settings, store: Store
) -> None:
    shared = tmp_path / "shared"
    indexer = settings.model_copy(
        update={"index_url": str(shared), "index_keep_generations": 2, "index_grace_seconds": 0}
    )
    names = []
    for number in range(1, 5):
        add_and_index(indexer, store, paper(number, f"Topic number {number}"))
        names.append(publish_generation(settings=indexer).generation)
    remote = Remote(str(shared))
    assert sorted(n[:-5] for n in remote.listing("generations")) == names[-2:]
    kept_objects = set(remote.listing("objects"))
    for name in names[-2:]:
        described = json.loads(remote.read("generations", f"{name}.json") or b"{}")
        assert {e["sha256"] for e in described["files"].values()} <= kept_objects

    server = indexer.model_copy(update={"data_dir": tmp_path / "server"})
    for name in names[-2:]:
        fetch_generation(settings=server, name=name)
    abandoned = cache_root(server) / ".gone.999999999.abcd.tmp"
    abandoned.mkdir()
    removed = prune_cache(
        settings=server.model_copy(update={"index_keep_generations": 2}), in_use=names[-1]
    )
    assert abandoned.name in removed
    assert sorted(p.name for p in cache_root(server).iterdir()) == names[-2:]


def test_publishing_needs_an_index_and_a_url(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="INDEX_URL is not set"):
        publish_generation(settings=settings)
    with pytest.raises(PublishError, match="no index to publish"):
        publish_generation(settings=settings.model_copy(update={"index_url": str(tmp_path)}))
    assert not os.path.exists(tmp_path / "CURRENT.json")
