"""Fusion variants on the SciFact TRAIN split, chosen on the even half and reported on
the held-out odd half: the shipped convex fusion (BM25 / max BM25), min-max and
z-score normalisation of both scores, and a per-query BM25 weight from the BM25 score
distribution (more weight when the best BM25 hit stands out from the tenth).

Candidates and both scores come from the engine once per query (with the shipped
dense floor); variants are scored offline.

    python bench/fusion_variants.py --work-dir /tmp/scifact_work
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dense_cut import SCIFACT, Pool, pools

from paperscope.search.eval_beir import indexed_engine, load_beir
from paperscope.search.fusion import FusionSettings, fuse
from paperscope.search.metrics import mean, ndcg_at_k, recall_at_k

Fuser = Callable[[Mapping[str, float], Mapping[str, float]], list[tuple[str, float]]]


def _normalised(scores: Mapping[str, float], how: str) -> dict[str, float]:
    values = list(scores.values())
    if not values:
        return {}
    if how == "minmax":
        low, high = min(values), max(values)
        span = high - low or 1.0
        return {k: (v - low) / span for k, v in scores.items()}
    centre, spread = statistics.fmean(values), statistics.pstdev(values) or 1.0
    return {k: (v - centre) / spread for k, v in scores.items()}


def normalised_fusion(how: str, weight: float) -> Fuser:
    def fuser(bm25: Mapping[str, float], cosine: Mapping[str, float]) -> list[tuple[str, float]]:
        b, c = _normalised(bm25, how), _normalised(cosine, how)
        floor_b = min(b.values(), default=0.0)
        floor_c = min(c.values(), default=0.0)
        scores = {
            pid: weight * b.get(pid, floor_b) + (1 - weight) * c.get(pid, floor_c)
            for pid in set(b) | set(c)
        }
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))

    return fuser


def dynamic_fusion(base: float, slope: float) -> Fuser:
    def fuser(bm25: Mapping[str, float], cosine: Mapping[str, float]) -> list[tuple[str, float]]:
        ranked = sorted(bm25.values(), reverse=True)
        margin = ranked[0] / ranked[min(9, len(ranked) - 1)] - 1 if ranked and ranked[-1] else 0
        weight = min(0.8, max(0.05, base + slope * (margin - 0.5)))
        return fuse(bm25, cosine, FusionSettings("convex", weight))

    return fuser


def shipped(weight: float) -> Fuser:
    return lambda bm25, cosine: fuse(bm25, cosine, FusionSettings("convex", weight))


def score(
    pool: dict[str, Pool], qrels: dict[str, dict[str, int]], fuser: Fuser
) -> tuple[float, float]:
    ndcg, recall = [], []
    for query_id, (bm25, cosine) in pool.items():
        ranking = [doc for doc, _ in fuser(bm25, cosine)]
        ndcg.append(ndcg_at_k(ranking, qrels[query_id], 10))
        recall.append(recall_at_k(ranking, qrels[query_id], 100))
    return mean(ndcg), mean(recall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", type=Path, required=True)
    args = parser.parse_args()
    dataset = load_beir(SCIFACT, split="train")
    ordered = list(dataset.queries.items())
    tune, held_out = dict(ordered[0::2]), dict(ordered[1::2])
    variants: dict[str, Fuser] = {f"convex w={w}": shipped(w) for w in (0.2, 0.3, 0.4)}
    for how in ("minmax", "zscore"):
        variants |= {f"{how} w={w}": normalised_fusion(how, w) for w in (0.2, 0.3, 0.4, 0.5)}
    variants |= {
        f"per-query w={b}+{s}(margin-0.5)": dynamic_fusion(b, s)
        for b in (0.25, 0.3, 0.35)
        for s in (0.1, 0.2, 0.4)
    }
    with indexed_engine(dataset, work_dir=args.work_dir) as engine:
        floor = engine.fusion.dense_floor
        engine_pools = pools(engine, tune), pools(engine, held_out)
    # The shipped floor applied to the floorless pools, as the engine does.
    tune_pool, held_pool = (
        {q: (b, {p: s for p, s in c.items() if p in b or s >= floor}) for q, (b, c) in p.items()}
        for p in engine_pools
    )
    print(f"tune half ({len(tune)} queries), nDCG@10 / recall@100 (dense floor {floor}):")
    results = {name: score(tune_pool, dataset.qrels, fuser) for name, fuser in variants.items()}
    for name, (ndcg, recall) in results.items():
        print(f"  {name:32s} {ndcg:.4f} / {recall:.4f}")
    best = max(results, key=lambda name: results[name][0])
    print(f"chosen on the tune half: {best}")
    for name in dict.fromkeys(("convex w=0.3", best)):
        ndcg, recall = score(held_pool, dataset.qrels, variants[name])
        print(f"  held-out ({len(held_out)} q) {name:32s} {ndcg:.4f} / {recall:.4f}")


if __name__ == "__main__":
    main()
