"""Tune the lexical field weights and the fusion on the SciFact TRAIN split, and report
on a held-out half of it.

The train queries are split by position: even positions tune, odd positions are held
out and only scored with the chosen settings. Both retrievers' candidates (depth 200)
and both scores of every candidate are computed once per query; fusion variants are
then scored without searching again.

    python bench/tune_fusion.py --work-dir /tmp/psbeir/full   # indexed by the first run
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from paperscope.index.lexical_compile import Weights
from paperscope.models import SearchQuery
from paperscope.search.engine import SearchEngine
from paperscope.search.eval_beir import (
    ID_PREFIX,
    indexed_engine,
    load_beir,
    rankings,
    score_rankings,
)
from paperscope.search.fusion import FusionSettings, fuse
from paperscope.search.metrics import mean, ndcg_at_k, recall_at_k
from paperscope.search.query import parse_query

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "beir" / "scifact"
Scores = tuple[dict[str, float], dict[str, float]]


def candidates(engine: SearchEngine, queries: dict[str, str]) -> dict[str, Scores]:
    out: dict[str, Scores] = {}
    for query_id, text in queries.items():
        parsed = parse_query(text)
        query = SearchQuery(text=text, limit=100)
        found = engine._relevance(query, "hybrid", parsed, engine_filters(), {})
        bm25 = {k.removeprefix(ID_PREFIX): v for k, v in found.bm25.items()}
        semantic = {k.removeprefix(ID_PREFIX): v for k, v in found.semantic.items()}
        out[query_id] = (bm25, semantic)
    return out


def engine_filters():  # type: ignore[no-untyped-def]
    from paperscope.index.lexical_compile import Filters

    return Filters()


def score(
    pool: dict[str, Scores], qrels: dict[str, dict[str, int]], settings: FusionSettings
) -> tuple[float, float]:
    ndcg, recall = [], []
    for query_id, (bm25, semantic) in pool.items():
        ranking = [doc for doc, _ in fuse(bm25, semantic, settings)]
        ndcg.append(ndcg_at_k(ranking, qrels[query_id], 10))
        recall.append(recall_at_k(ranking, qrels[query_id], 100))
    return mean(ndcg), mean(recall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", type=Path, required=True)
    args = parser.parse_args()
    dataset = load_beir(SCIFACT, split="train")
    ordered = list(dataset.queries.items())
    tune = dict(ordered[0::2])
    held_out = dict(ordered[1::2])
    with indexed_engine(dataset, work_dir=args.work_dir) as engine:
        print("field weights (BM25 only, tune half):")
        best_weights, best = Weights(), -1.0
        for title, text in itertools.product((0.0, 0.3, 0.5, 1.0), (1.0,)):
            engine.lexical.weights = Weights(text=text, title=title)
            result = score_rankings(
                rankings(engine, tune, mode="bm25"), {q: dataset.qrels[q] for q in tune}, "bm25"
            )
            print(f"  text {text} title {title}: nDCG@10 {result.ndcg_at_10:.4f}")
            if result.ndcg_at_10 > best:
                best_weights, best = engine.lexical.weights, result.ndcg_at_10
        engine.lexical.weights = best_weights
        print(f"chosen: {best_weights}")
        tune_pool = candidates(engine, tune)
        print("fusion (tune half):")
        grid = [FusionSettings("convex", w) for w in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)]
        grid += [FusionSettings("rrf", w, k) for w in (0.3, 0.5, 0.7) for k in (10, 60)]
        scored = [(score(tune_pool, dataset.qrels, s), s) for s in grid]
        for (ndcg, recall), s in scored:
            print(
                f"  {s.method} w={s.lexical_weight} k={s.rrf_k}: "
                f"nDCG@10 {ndcg:.4f} R@100 {recall:.4f}"
            )
        (_, _), chosen = max(scored, key=lambda item: item[0][0])
        print(f"chosen: {chosen}")
        for name, part in (("tune", tune), ("held-out", held_out)):
            engine.fusion = chosen
            line = [f"{name} ({len(part)} queries):"]
            for mode in ("bm25", "dense", "hybrid"):
                result = score_rankings(
                    rankings(engine, part, mode=mode), {q: dataset.qrels[q] for q in part}, mode
                )
                line.append(f"{mode} {result.ndcg_at_10:.4f}/{result.recall_at_100:.4f}")
            print("  ".join(line))


if __name__ == "__main__":
    main()
