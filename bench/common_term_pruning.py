"""BM25 time, and ranking quality, when the commonest words of a plain query (3 words
or more) are left out of the lexical side, at several shares, each with and without
the common parts of words ("4" of "GPT-4") left out too: the measurements behind
search/common_words.py and the part rule of index/lexical_compile.py
(docs/performance.md, docs/search.md).

    .venv/bin/python bench/common_term_pruning.py /tmp/psbench25/n2500000
    .venv/bin/python bench/common_term_pruning.py --scifact --work-dir /tmp/scifact_work

The first reads a lexical index built by bench/search_bench.py and runs its 200
benchmark queries through `LexicalIndex.search` (top 200, exact count), leaving out
the words whose rarest token is in more than the given share of the papers (all kept
when every word is that common), with every part of a word as a term and with parts
in more than a fifth of the papers left out (as shipped), one after the other for each
query, in turns. Prints p50 / p95 ms and the median share of papers matched.

The second runs SciFact's train claims through the whole engine (bm25 and hybrid,
the dense side unchanged: it still embeds every word) with the same pruning on the
lexical side, the search and the scores of the dense candidates alike, and prints
nDCG@10 / recall@100 on the tune (even) and held-out (odd) halves of
bench/tune_fusion.py. The work dir is indexed on first use (~4 minutes).
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

from paperscope.index.lexical import LexicalIndex
from paperscope.index.lexical_compile import COMMON_PART_SHARE
from paperscope.search.common_words import without_common_words
from paperscope.search.eval_beir import indexed_engine, load_beir, rankings, score_rankings
from paperscope.search.query import Node, parse_query

SHARES = (None, 0.5, 0.3, 0.2, 0.1)
PART_SHARES = (1.0, COMMON_PART_SHARE)  # every part a term; common parts left out
SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "beir" / "scifact"


def pruned(node: Node | None, lexical: LexicalIndex, share: float, papers: int) -> Node | None:
    return without_common_words(node, lexical.document_count, papers, share)


def label(share: float | None, part_share: float = 1.0) -> str:
    words = "all words" if share is None else f"words in <= {share:.0%} of papers"
    return words + ("" if part_share >= 1.0 else f", parts in <= {part_share:.0%}")


def scifact_quality(work_dir: Path) -> None:
    dataset = load_beir(SCIFACT, split="train")
    ordered = list(dataset.queries.items())
    halves = {"tune": dict(ordered[0::2]), "held-out": dict(ordered[1::2])}
    with indexed_engine(dataset, work_dir=work_dir) as engine:
        engine.common_word_share = 1.0  # the cut is applied here, in both modes
        lexical = engine.lexical
        papers = len(lexical)
        search, scores_for = lexical.search, lexical.scores_for
        print(f"SciFact train, {papers:,} papers; nDCG@10 / recall@100")
        for share, part_share in [
            (s, p) for s in (None, 0.5, 0.3, 0.2, 0.1, 0.05) for p in PART_SHARES
        ]:
            lexical.common_part_share = part_share
            if share is not None:
                # Both lexical calls of the engine see the pruned query.
                lexical.search = lambda node, _s=share, **kw: search(  # type: ignore[method-assign]
                    pruned(node, lexical, _s, papers), **kw
                )
                lexical.scores_for = lambda ids, node, _s=share: scores_for(  # type: ignore[method-assign]
                    ids, pruned(node, lexical, _s, papers)
                )
            line = [f"{label(share, part_share):44}"]
            for name, part in halves.items():
                qrels = {q: dataset.qrels[q] for q in part}
                for mode in ("bm25", "hybrid"):
                    found = score_rankings(rankings(engine, part, mode=mode), qrels, mode)
                    line.append(f"{name} {mode} {found.ndcg_at_10:.4f}/{found.recall_at_100:.4f}")
            print("  ".join(line), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, nargs="?", help="a search_bench.py size folder")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--scifact", action="store_true", help="ranking quality on SciFact")
    parser.add_argument("--work-dir", type=Path, help="SciFact work dir (with --scifact)")
    args = parser.parse_args()
    if args.scifact:
        if args.work_dir is None:
            parser.error("--scifact needs --work-dir")
        scifact_quality(args.work_dir)
        return
    if args.folder is None:
        parser.error("give a search_bench.py size folder, or --scifact")
    lexical = LexicalIndex.open(args.folder / "index" / "lexical", create=False)
    papers = len(lexical)
    nodes = [parse_query(q).node for q in generate_queries(args.queries)]
    print(f"{papers:,} papers, {len(nodes)} queries")
    for share in SHARES:
        times: dict[float, list[float]] = {p: [] for p in PART_SHARES}
        matched: dict[float, list[float]] = {p: [] for p in PART_SHARES}
        for i, node in enumerate(nodes):
            # Side by side, query by query, each variant first for every other query: the
            # first to run a query reads its posting lists from colder caches.
            for part_share in PART_SHARES[i % 2 :] + PART_SHARES[: i % 2]:
                lexical.common_part_share = part_share
                tick = time.perf_counter()
                query = pruned(node, lexical, share, papers) if share else node
                found = lexical.search(query, limit=200)
                times[part_share].append((time.perf_counter() - tick) * 1000)
                matched[part_share].append(found.total / papers)
        for part_share in PART_SHARES:
            spent = times[part_share]
            print(
                f"{label(share, part_share):44} p50 {statistics.median(spent):6.2f} ms  "
                f"p95 {float(np.percentile(spent, 95)):6.2f} ms  "
                f"median share matched {float(np.median(matched[part_share])):.3f}"
            )


if __name__ == "__main__":
    main()
