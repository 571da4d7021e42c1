"""Learn the dense floor (the cosine a dense-only candidate needs to count as a match)
on the SciFact TRAIN split, and print nDCG@10 and recall@100 with and without it.

The 809 train queries are split by position as bench/tune_fusion.py does: even
positions choose the floor, odd positions are held out and only scored. Each query's
candidates (both retrievers, depth 200, both scores) are computed once with no floor;
every floor is then applied offline exactly as search/engine.py applies it (a
candidate without a lexical match is dropped below the floor) and fused again.

Nonsense queries (random letter strings, fixed seed) show what the floor is for: the
cosine of their nearest paper, which without a floor would make them "match".

    python bench/dense_cut.py --work-dir /tmp/scifact_work   # indexed by an eval run
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import string
from pathlib import Path

import numpy as np

from paperscope.models import SearchQuery
from paperscope.search.engine import SearchEngine
from paperscope.search.eval_beir import ID_PREFIX, indexed_engine, load_beir
from paperscope.search.fusion import FusionSettings, fuse
from paperscope.search.metrics import mean, ndcg_at_k, recall_at_k
from paperscope.search.query import parse_query

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "beir" / "scifact"
FLOORS = [round(0.05 * step, 2) for step in range(0, 13)]
# The most a floor may cost on the tune half to be chosen.
MAX_NDCG_LOSS = 0.001
MAX_RECALL_LOSS = 0.002
Pool = tuple[dict[str, float], dict[str, float]]


def pools(engine: SearchEngine, queries: dict[str, str]) -> dict[str, Pool]:
    """Both scores of every candidate, with no floor."""
    engine.fusion = dataclasses.replace(engine.fusion, dense_floor=-2.0)
    out: dict[str, Pool] = {}
    for query_id, text in queries.items():
        found = engine._relevance(
            SearchQuery(text=text, limit=100), "hybrid", parse_query(text), _no_filters(), {}
        )
        bm25 = {k.removeprefix(ID_PREFIX): v for k, v in found.bm25.items()}
        semantic = {k.removeprefix(ID_PREFIX): v for k, v in found.semantic.items()}
        out[query_id] = (bm25, semantic)
    return out


def _no_filters():  # type: ignore[no-untyped-def]
    from paperscope.index.lexical_compile import Filters

    return Filters()


def cut(pool: Pool, floor: float) -> Pool:
    bm25, semantic = pool
    return bm25, {pid: s for pid, s in semantic.items() if pid in bm25 or s >= floor}


def score(
    pool: dict[str, Pool], qrels: dict[str, dict[str, int]], floor: float, fusion: FusionSettings
) -> tuple[float, float, float]:
    """nDCG@10, recall@100 and the mean number of matches per query."""
    ndcg, recall, matches = [], [], []
    for query_id, candidates in pool.items():
        bm25, semantic = cut(candidates, floor)
        ranking = [doc for doc, _ in fuse(bm25, semantic, fusion)]
        ndcg.append(ndcg_at_k(ranking, qrels[query_id], 10))
        recall.append(recall_at_k(ranking, qrels[query_id], 100))
        matches.append(float(len(ranking)))
    return mean(ndcg), mean(recall), mean(matches)


def nonsense_queries(count: int = 200) -> list[str]:
    rng = random.Random(13)
    words = lambda: "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 8)))  # noqa: E731
    return [" ".join(words() for _ in range(rng.randint(1, 3))) for _ in range(count)]


def nearest_cosines(engine: SearchEngine, texts: list[str]) -> list[float]:
    assert engine.semantic.index is not None
    out = []
    for text in texts:
        found = engine.semantic.index.search(engine.embed_query(text), 1)
        out.append(found[0][1] if found else 0.0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", type=Path, required=True)
    args = parser.parse_args()
    dataset = load_beir(SCIFACT, split="train")
    ordered = list(dataset.queries.items())
    tune, held_out = dict(ordered[0::2]), dict(ordered[1::2])
    with indexed_engine(dataset, work_dir=args.work_dir) as engine:
        fusion = dataclasses.replace(engine.fusion)
        tune_pool, held_pool = pools(engine, tune), pools(engine, held_out)
        base = score(tune_pool, dataset.qrels, -2.0, fusion)
        print(f"tune half ({len(tune)} queries), floor: nDCG@10 / recall@100 / matches")
        print(f"  none: {base[0]:.4f} / {base[1]:.4f} / {base[2]:.0f}")
        chosen = -2.0
        for floor in FLOORS:
            ndcg, recall, matches = score(tune_pool, dataset.qrels, floor, fusion)
            print(f"  {floor:.2f}: {ndcg:.4f} / {recall:.4f} / {matches:.0f}")
            if base[0] - ndcg <= MAX_NDCG_LOSS and base[1] - recall <= MAX_RECALL_LOSS:
                chosen = floor
        print(f"chosen floor (highest within -{MAX_NDCG_LOSS} nDCG, -{MAX_RECALL_LOSS} R@100):")
        print(f"  {chosen:.2f}")
        nearest = np.asarray(nearest_cosines(engine, nonsense_queries()))
        print(
            f"nonsense queries ({len(nearest)}): nearest-paper cosine "
            f"median {np.median(nearest):.3f}, p95 {np.quantile(nearest, 0.95):.3f}, "
            f"max {nearest.max():.3f}; left with a dense match at the floor: "
            f"{int((nearest >= chosen).sum())}"
        )
        print("\nwithout / with the floor, nDCG@10 and recall@100:")
        for name, pool in (("tune", tune_pool), ("held-out", held_pool)):
            off = score(pool, dataset.qrels, -2.0, fusion)
            on = score(pool, dataset.qrels, chosen, fusion)
            print(
                f"  {name:9s} ({len(pool)} q): without {off[0]:.4f} / {off[1]:.4f} "
                f"({off[2]:.0f} matches)   with {on[0]:.4f} / {on[1]:.4f} ({on[2]:.0f} matches)"
            )
        print("SciFact's test judgements are not in ../shared/data: no test figures.")


if __name__ == "__main__":
    main()
