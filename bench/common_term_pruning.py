"""BM25 time when the commonest words of a plain query (3 words or more) are left out
of the lexical side: a measurement for docs/performance.md, not what the engine does.

    .venv/bin/python bench/common_term_pruning.py /tmp/psbench25/n2500000

Reads a lexical index built by bench/search_bench.py and runs its 200 benchmark
queries through `LexicalIndex.search` (top 200, exact count), leaving out the words
whose rarest token is in more than the given share of the papers (all kept when
every word is that common). Prints p50 / p95 ms and the median share of papers
matched. Ranking quality with pruning is not measured here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_corpus import generate_queries

from paperscope.index.analysis import analyze_word
from paperscope.index.lexical import LexicalIndex
from paperscope.search.feedback import plain_words
from paperscope.search.query import Group, Node, Text, parse_query

SHARES = (None, 0.5, 0.3, 0.2, 0.1)


def pruned(node: Node | None, lexical: LexicalIndex, share: float, papers: int) -> Node | None:
    words = plain_words(node)
    if not words or len(words) < 3:
        return node
    kept = []
    for word in words:
        tokens = analyze_word(word)
        if tokens and min(lexical.document_count(t) for t in tokens) <= share * papers:
            kept.append(word)
    if not kept or len(kept) == len(words):
        return node
    return Group(tuple(("should", Text((word,))) for word in kept))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="a search_bench.py size folder")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    lexical = LexicalIndex.open(args.folder / "index" / "lexical", create=False)
    papers = len(lexical)
    nodes = [parse_query(q).node for q in generate_queries(args.queries)]
    print(f"{papers:,} papers, {len(nodes)} queries")
    for share in SHARES:
        times, matched = [], []
        for node in nodes:
            tick = time.perf_counter()
            query = pruned(node, lexical, share, papers) if share else node
            found = lexical.search(query, limit=200)
            times.append((time.perf_counter() - tick) * 1000)
            matched.append(found.total / papers)
        label = "all words" if share is None else f"words in <= {share:.0%} of papers"
        print(
            f"{label:28} p50 {statistics.median(times):6.2f} ms  "
            f"p95 {float(np.percentile(times, 95)):6.2f} ms  "
            f"median share matched {float(np.median(matched)):.3f}"
        )


if __name__ == "__main__":
    main()
