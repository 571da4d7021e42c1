"""Milliseconds per page of a category's list by date, newest or oldest first (its page
and JSON, its feed, /api/v1/papers): a listing index walked where the store chooses it,
against every page sorted, side by side on one store.

    .venv/bin/python bench/listing_bench.py --data-dir /tmp/ps-crowd/100k
    .venv/bin/python bench/listing_bench.py --data-dir DIR --category cs.LG --category cs

The store must be at migration 0016 or later (0020 for oldest first to walk;
``paperscope db upgrade``); the store of bench/web_bench.py (or crowd_bench.py) fits.
Each figure is the best of --repeat runs, after one run that warms the page cache.

The crowd stores have neither code links nor citation counts. ``--add-links`` first
gives a seeded random 3% of the papers a code link and 60% a citation count (heavy
tailed, as real counts are: most papers have a few, some thousands), so the "has code"
and "most cited" lists have something to find; it writes into the store, so run it on a
copy, once."""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store import papers as papers_module
from paperscope.store.papers import list_paper_ids
from paperscope.store.schema import papers
from paperscope.store.schema_citations import paper_citations
from paperscope.store.title_search import search_titles


def _best(run: Callable[[], Any], repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def _cases(store: Store, category: str) -> list[tuple[str, Callable[[], Any]]]:
    def page(offset: int, **kw: Any) -> Callable[[], Any]:
        return lambda: search_titles(
            store=store, terms=[], categories=[category], limit=30, offset=offset, **kw
        )

    return [
        ("page 1 (newest)", page(0)),
        ("page 10", page(270)),
        ("page 300", page(8970)),
        ("page 1, oldest first", page(0, newest_first=False)),
        ("page 1, has code", page(0, has_code=True)),
        ("page 1, most cited", page(0, by_citations=True)),
        ("page 10, most cited", page(270, by_citations=True)),
        ("feed (newest 50)", lambda: list_paper_ids(store=store, category=category, limit=50)),
    ]


def _add_links(store: Store) -> None:
    rng = random.Random(1)
    with store.write() as conn:
        ids = list(conn.scalars(select(papers.c.paper_id)))
        coded = rng.sample(ids, len(ids) * 3 // 100)
        conn.execute(
            update(papers).where(papers.c.paper_id == bindparam("pid")),
            [{"pid": pid, "code_url": "https://github.com/example/code"} for pid in coded],
        )
        counted = rng.sample(ids, len(ids) * 60 // 100)
        fetched = datetime.now(UTC)
        conn.execute(
            insert(paper_citations),
            [
                {"paper_id": pid, "cited_by_count": int(1 / (1 - rng.random()) ** 1.2) - 1,
                 "fetched_at": fetched}
                for pid in counted
            ],
        )  # fmt: skip
    print(f"gave {len(coded):,} papers a code link and {len(counted):,} a citation count")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--category", action="append", help="default: cs.LG, cs, hep-th")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--add-links", action="store_true", help="write code links and counts first")
    args = ap.parse_args()
    store = Store.open(Settings(data_dir=args.data_dir), upgrade=False)
    if args.add_links:
        _add_links(store)
    walk_min = papers_module.LISTING_WALK_MIN
    print(f"{'category':<10} {'list':<22} {'chosen ms':>10} {'sorted ms':>10}  matches")
    for category in args.category or ["cs.LG", "cs", "hep-th"]:
        _, matches = search_titles(store=store, terms=[], categories=[category], limit=1)
        for label, run in _cases(store, category):
            papers_module.LISTING_WALK_MIN = walk_min
            chosen = _best(run, args.repeat)
            papers_module.LISTING_WALK_MIN = 10**12  # never walk: sort every page
            always_sorted = _best(run, args.repeat)
            print(f"{category:<10} {label:<22} {chosen:10.1f} {always_sorted:10.1f}  {matches}")
    papers_module.LISTING_WALK_MIN = walk_min


if __name__ == "__main__":
    main()
