"""Catching the indexes up with the store: only new or changed papers, resumable
after an interruption, deletions removed, rebuild from scratch."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperscope.config import Settings
from paperscope.index import catch_up
from paperscope.index.catch_up import catch_up_indexes, dense_index_dir, lexical_index_dir
from paperscope.index.lexical import LexicalIndex
from paperscope.models import Paper
from paperscope.search.query import Text
from paperscope.store import Store
from paperscope.store.papers import upsert_papers


def papers(count: int, start: int = 0) -> list[Paper]:
    return [
        Paper(
            paper_id=f"2401.{10000 + i:05d}",
            arxiv_id=f"2401.{10000 + i:05d}",
            title=f"Study number {i} of sparse attention",
            abstract=f"We examine topic{i} with transformers and graphs.",
            submitted_at=datetime(2024, 1, 1, tzinfo=UTC),
            source="arxiv-snapshot",
        )
        for i in range(start, start + count)
    ]


def lexical_ids(settings: Settings, word: str) -> list[str]:
    index = LexicalIndex.open(lexical_index_dir(settings), create=False)
    return [pid for pid, _ in index.search(Text((word,)), limit=100).hits]


def test_only_new_and_changed_papers_are_indexed(settings: Settings, any_store: Store) -> None:
    store = any_store
    upsert_papers(store=store, papers_in=papers(5))
    first = catch_up_indexes(settings=settings, store=store, dense=False)
    assert (first.lexical_indexed, first.lexical_count) == (5, 5)
    again = catch_up_indexes(settings=settings, store=store, dense=False)
    assert again.lexical_indexed == 0 and again.high_water_mark == first.high_water_mark

    changed = papers(1)[0].replace(title="Study of state space models", source="arxiv-api")
    upsert_papers(store=store, papers_in=[changed, *papers(2, start=5)])
    third = catch_up_indexes(settings=settings, store=store, dense=False)
    assert third.lexical_indexed == 3 and third.lexical_count == 7
    assert lexical_ids(settings, "state") == ["2401.10000"]


def test_interrupted_run_resumes_from_its_checkpoint(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catch_up, "LEXICAL_BATCH", 4)
    upsert_papers(store=store, papers_in=papers(10))
    seen: list[int] = []

    def stop_after_first_batch(stage: str, done: int, total: int) -> None:
        seen.append(done)
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        catch_up_indexes(
            settings=settings, store=store, dense=False, progress=stop_after_first_batch
        )
    assert seen == [4]
    resumed = catch_up_indexes(settings=settings, store=store, dense=False)
    # All ten share one store seq (one import batch), so the checkpoint stays below it
    # until the run ends: the rest of the batch is indexed again, never skipped.
    assert resumed.lexical_indexed == 10 and resumed.lexical_count == 10


def test_papers_gone_from_the_store_are_removed(settings: Settings, store: Store) -> None:
    from sqlalchemy import delete

    from paperscope.store.schema import paper_sources
    from paperscope.store.schema import papers as papers_table

    upsert_papers(store=store, papers_in=papers(3))
    catch_up_indexes(settings=settings, store=store, dense=False)
    with store.write() as conn:
        conn.execute(delete(paper_sources).where(paper_sources.c.paper_id == "2401.10001"))
        conn.execute(delete(papers_table).where(papers_table.c.paper_id == "2401.10001"))
    report = catch_up_indexes(settings=settings, store=store, dense=False)
    assert report.removed == 1 and report.lexical_count == 2
    assert "2401.10001" not in lexical_ids(settings, "sparse")


def test_rebuild_starts_over(settings: Settings, store: Store) -> None:
    upsert_papers(store=store, papers_in=papers(3))
    catch_up_indexes(settings=settings, store=store, dense=False)
    rebuilt = catch_up_indexes(settings=settings, store=store, dense=False, rebuild=True)
    assert rebuilt.lexical_indexed == 3 and rebuilt.lexical_count == 3


def test_a_lexical_only_rebuild_keeps_the_dense_index(settings: Settings, store: Store) -> None:
    upsert_papers(store=store, papers_in=papers(3))
    catch_up_indexes(settings=settings, store=store, dense=False)
    kept = dense_index_dir(settings) / "manifest.json"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text("{}")
    rebuilt = catch_up_indexes(settings=settings, store=store, dense=False, rebuild=True)
    assert rebuilt.lexical_indexed == 3 and kept.read_text() == "{}"


def test_dense_index_follows_the_store(settings: Settings, store: Store, tmp_path: Path) -> None:
    from paperscope.index.dense import DenseIndex

    model_settings = settings.model_copy(update={"embedding_cache_dir": tmp_path / "models"})
    upsert_papers(store=store, papers_in=[*papers(3), Paper(paper_id="ps-empty", title="")])
    first = catch_up_indexes(settings=model_settings, store=store)
    assert first.embedded == 4  # read four papers, embedded the three with text
    assert first.dense_count == 3 and first.dense_skipped is None
    again = catch_up_indexes(settings=model_settings, store=store)
    assert again.embedded == 0
    manifest_dir = dense_index_dir(model_settings)
    index = DenseIndex.open(manifest_dir, model_name="all-MiniLM-L6-v2", dim=384, create=False)
    assert index.high_water_mark == first.high_water_mark
    assert "2401.10002" in index and "ps-empty" not in index


def test_dense_graph_is_built_with_the_configured_storage(
    settings: Settings, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperscope.index.dense import DenseIndex

    opened = DenseIndex.open.__func__

    def open_with_a_graph(cls: type[DenseIndex], *args: object, **kwargs: object) -> DenseIndex:
        # A graph from the third paper on, instead of from DEFAULT_EXACT_LIMIT papers.
        return opened(cls, *args, **{**kwargs, "exact_limit": 3})

    monkeypatch.setattr(DenseIndex, "open", classmethod(open_with_a_graph))
    model_settings = settings.model_copy(update={"embedding_cache_dir": tmp_path / "models"})
    upsert_papers(store=store, papers_in=papers(4))
    assert catch_up_indexes(settings=model_settings, store=store).dense_count == 4
    folder = dense_index_dir(model_settings)
    index = DenseIndex.open(folder, model_name="all-MiniLM-L6-v2", dim=384)
    assert index._graph is not None and index._graph.storage == "float16"
    # A changed setting applies at the next run, from the graph's vectors: nothing embedded.
    float8 = model_settings.model_copy(update={"dense_index_storage": "float8"})
    report = catch_up_indexes(settings=float8, store=store)
    assert report.embedded == 0 and report.dense_count == 4
    index = DenseIndex.open(folder, model_name="all-MiniLM-L6-v2", dim=384)
    assert index._graph is not None and index._graph.storage == "float8"
    assert index.search(index.vector("2401.10002"), 1)[0][0] == "2401.10002"


def test_outdated_lexical_format_is_rebuilt_from_the_store(
    settings: Settings, store: Store
) -> None:
    import json

    upsert_papers(store=store, papers_in=papers(3))
    catch_up_indexes(settings=settings, store=store, dense=False)
    manifest_path = lexical_index_dir(settings) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 0
    manifest_path.write_text(json.dumps(manifest))
    report = catch_up_indexes(settings=settings, store=store, dense=False)
    assert report.lexical_indexed == 3 and report.lexical_count == 3
    assert json.loads(manifest_path.read_text())["format_version"] > 0
