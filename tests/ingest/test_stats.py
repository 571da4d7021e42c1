"""Store counts behind `paperscope stats`, on both backends."""

from __future__ import annotations

from pathlib import Path

from paperscope.ingest.pipeline import import_file
from paperscope.store import Store
from paperscope.store.stats import UNKNOWN_MONTH, store_stats


def test_counts_by_source_category_and_month(any_store: Store, shared_data: Path) -> None:
    for sample in (
        "arxiv/kaggle_snapshot_head200.jsonl",
        "hf/daily_papers_2024-10-25.first8.json",
        "seed/hf_papers_search_page.txt",
    ):
        import_file(store=any_store, path=shared_data / sample)
    stats = store_stats(store=any_store, top_categories=3)
    assert stats.papers == 289
    assert stats.by_source == {"arxiv-snapshot": 200, "text": 81, "hf-daily": 8}
    assert len(stats.by_category) == 3
    counts = list(stats.by_category.values())
    assert counts == sorted(counts, reverse=True)
    assert sum(stats.by_month.values()) == 289
    assert stats.by_month[UNKNOWN_MONTH] == 81  # text dumps carry no dates
    assert list(stats.by_month)[-1] == UNKNOWN_MONTH
    assert stats.by_month["2024-10"] == 8
    assert stats.by_month["2007-03"] + stats.by_month["2007-04"] == 200


def test_empty_store(any_store: Store) -> None:
    stats = store_stats(store=any_store)
    assert (stats.papers, stats.by_source, stats.by_category, stats.by_month) == (0, {}, {}, {})
