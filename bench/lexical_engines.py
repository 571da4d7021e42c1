"""The lexical engine choice, measured: tantivy (our LexicalIndex) against SQLite FTS5
on SciFact train (quality and speed on the same queries), optionally also on a larger
synthetic corpus for speed.

    python bench/lexical_engines.py [--synthetic 200000]

Both get the same OR-of-terms queries with English stop words removed; FTS5 uses its
porter stemmer and bm25() ranking (title and abstract weighted equally, as ours).
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_corpus import generate_papers, generate_queries

from paperscope.index.analysis import analyze_word
from paperscope.index.lexical import LexicalIndex
from paperscope.models import Paper
from paperscope.search.eval_beir import ID_PREFIX, load_beir, score_rankings
from paperscope.search.query import Group, Text

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "beir" / "scifact"
WORD = re.compile(r"[^\W_]+")
Search = Callable[[str], list[str]]


def terms(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if analyze_word(w)]


def tantivy_engine(papers: Sequence[Paper], folder: Path) -> tuple[float, Search, float]:
    tick = time.perf_counter()
    index = LexicalIndex.open(folder / "tantivy")
    for start in range(0, len(papers), 50_000):
        index.upsert(papers[start : start + 50_000])
        index.commit()
    build = time.perf_counter() - tick

    def search(text: str) -> list[str]:
        node = Group(tuple(("should", Text((w,))) for w in terms(text)))
        return [pid for pid, _ in index.search(node, limit=100).hits]

    size = sum(p.stat().st_size for p in (folder / "tantivy").rglob("*") if p.is_file())
    return build, search, size / 1e6


def fts5_engine(papers: Sequence[Paper], folder: Path) -> tuple[float, Search, float]:
    path = folder / "fts.db"
    tick = time.perf_counter()
    db = sqlite3.connect(path, check_same_thread=False)
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(pid UNINDEXED, title, abstract, tokenize='porter')"
    )
    db.executemany(
        "INSERT INTO docs VALUES (?, ?, ?)", ((p.paper_id, p.title, p.abstract) for p in papers)
    )
    db.commit()
    build = time.perf_counter() - tick

    def search(text: str) -> list[str]:
        words = terms(text)
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
        rows = db.execute(
            "SELECT pid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 100", (match,)
        )
        return [row[0] for row in rows]

    return build, search, path.stat().st_size / 1e6


def latencies(search: Search, queries: Sequence[str]) -> tuple[float, float]:
    times = []
    for text in queries:
        tick = time.perf_counter()
        search(text)
        times.append((time.perf_counter() - tick) * 1000)
    return statistics.median(times), float(np.percentile(times, 95))


def scifact() -> None:
    dataset = load_beir(SCIFACT, split="train")
    queries = list(dataset.queries.items())
    print("SciFact train (5,183 docs, 809 queries)")
    print("| engine | build s | size MB | p50 ms | p95 ms | nDCG@10 | recall@100 |")
    print("|---|---|---|---|---|---|---|")
    for name, make in (("tantivy", tantivy_engine), ("SQLite FTS5", fts5_engine)):
        with tempfile.TemporaryDirectory() as scratch:
            build, search, size = make(dataset.corpus, Path(scratch))
            found = {q: [d.removeprefix(ID_PREFIX) for d in search(t)] for q, t in queries}
            score = score_rankings(found, dataset.qrels, name)
            p50, p95 = latencies(search, [t for _, t in queries])
            print(
                f"| {name} | {build:.1f} | {size:.0f} | {p50:.2f} | {p95:.2f} | "
                f"{score.ndcg_at_10:.4f} | {score.recall_at_100:.4f} |"
            )


def synthetic(count: int) -> None:
    papers = list(generate_papers(count))
    queries = generate_queries(200)
    print(f"\nSynthetic corpus ({count:,} docs, 200 queries, top 100)")
    print("| engine | build s | size MB | p50 ms | p95 ms |")
    print("|---|---|---|---|---|")
    for name, make in (("tantivy", tantivy_engine), ("SQLite FTS5", fts5_engine)):
        with tempfile.TemporaryDirectory() as scratch:
            build, search, size = make(papers, Path(scratch))
            p50, p95 = latencies(search, queries)
            print(f"| {name} | {build:.1f} | {size:.0f} | {p50:.2f} | {p95:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=0, help="Also time on N synthetic docs.")
    args = parser.parse_args()
    scifact()
    if args.synthetic:
        synthetic(args.synthetic)


if __name__ == "__main__":
    main()
