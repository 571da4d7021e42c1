"""Facet cost on the synthetic corpus: counts per category, year and month of the
whole match set, by tantivy aggregation over its columns (no document loaded).

Builds a lexical index of ``--size`` papers from bench/generate_corpus.py (cached in
``--work``), then times, for each benchmark query, the facets of its lexical matches
plus 200 dense-only ids (the most a hybrid search adds), beside the BM25 search
itself; and the facets of the whole corpus (an empty query).

    python bench/facet_bench.py --size 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_corpus import generate_papers, generate_queries

from paperscope.index.lexical import LexicalIndex
from paperscope.search.query import parse_query


def build(size: int, folder: Path) -> LexicalIndex:
    index = LexicalIndex.open(folder)
    if len(index) == size:
        return index
    index.clear()
    started = time.perf_counter()
    batch = []
    for paper in generate_papers(size):
        batch.append(paper)
        if len(batch) == 10_000:
            index.upsert(batch)
            index.commit()
            batch = []
    index.upsert(batch)
    index.commit()
    index.close()
    print(f"built {size:,} papers in {time.perf_counter() - started:.1f} s")
    return index


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/tmp/paperscope-facet-bench"))
    args = parser.parse_args()
    index = build(args.size, args.work / f"lexical-{args.size}")
    dense_only = [f"syn-{number:07d}" for number in range(0, args.size, args.size // 200)][:200]
    search_ms, facet_ms, matches = [], [], []
    for text in generate_queries(args.queries):
        node = parse_query(text).node
        tick = time.perf_counter()
        found = index.search(node, limit=200)
        search_ms.append((time.perf_counter() - tick) * 1000)
        tick = time.perf_counter()
        facets = index.facets(node, also=dense_only)
        facet_ms.append((time.perf_counter() - tick) * 1000)
        matches.append(sum(count for _, count in facets.years))
        assert sum(count for _, count in facets.years) >= found.total
    tick = time.perf_counter()
    everything = index.facets(None)
    whole_ms = (time.perf_counter() - tick) * 1000
    print(f"{args.size:,} papers, {len(facet_ms)} queries")
    print(f"  matches per query: median {statistics.median(matches):,.0f}, max {max(matches):,}")
    print(
        f"  BM25 search (top 200):  p50 {statistics.median(search_ms):.1f} ms, "
        f"p95 {percentile(search_ms, 0.95):.1f} ms"
    )
    print(
        f"  facets of the matches:  p50 {statistics.median(facet_ms):.1f} ms, "
        f"p95 {percentile(facet_ms, 0.95):.1f} ms, max {max(facet_ms):.1f} ms"
    )
    print(
        f"  facets of all papers:   {whole_ms:.1f} ms "
        f"({len(everything.months)} months, {len(everything.categories)} categories)"
    )


if __name__ == "__main__":
    main()
