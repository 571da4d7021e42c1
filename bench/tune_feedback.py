"""Pseudo-relevance feedback (RM3, search/feedback.py) on the SciFact TRAIN split:
choose its settings on the even-position half, report the held-out odd half, BM25 and
hybrid, beside no feedback; and the extra lexical time per query.

    python bench/tune_feedback.py --work-dir /tmp/scifact_work   # indexed by an eval run
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from paperscope.search.engine import SearchEngine
from paperscope.search.eval_beir import indexed_engine, load_beir, rankings, score_rankings
from paperscope.search.feedback import FeedbackSettings

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "beir" / "scifact"
GRID = [
    FeedbackSettings(documents, terms, weight)
    for documents, terms, weight in itertools.product((3, 10), (10, 20), (0.6, 0.8))
]


def measure(
    engine: SearchEngine,
    queries: dict[str, str],
    qrels: dict[str, dict[str, int]],
    settings: FeedbackSettings | None,
    modes: tuple[str, ...],
) -> str:
    engine.feedback = settings
    qrels = {q: qrels[q] for q in queries}
    parts = []
    for mode in modes:
        started = time.perf_counter()
        result = score_rankings(rankings(engine, queries, mode=mode), qrels, mode)
        per_query = (time.perf_counter() - started) * 1000 / len(queries)
        parts.append(
            f"{mode} {result.ndcg_at_10:.4f} / {result.recall_at_100:.4f} ({per_query:.1f} ms/q)"
        )
    return "   ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", type=Path, required=True)
    args = parser.parse_args()
    dataset = load_beir(SCIFACT, split="train")
    ordered = list(dataset.queries.items())
    tune, held_out = dict(ordered[0::2]), dict(ordered[1::2])
    with indexed_engine(dataset, work_dir=args.work_dir) as engine:
        print(f"tune half ({len(tune)} queries), nDCG@10 / recall@100:")
        print(f"  no feedback: {measure(engine, tune, dataset.qrels, None, ('bm25',))}")
        best, best_ndcg = None, -1.0
        for settings in GRID:
            engine.feedback = settings
            tune_qrels = {q: dataset.qrels[q] for q in tune}
            found = score_rankings(rankings(engine, tune, mode="bm25"), tune_qrels, "bm25")
            print(
                f"  docs {settings.documents} terms {settings.terms} "
                f"query weight {settings.original_weight}: bm25 {found.ndcg_at_10:.4f} / "
                f"{found.recall_at_100:.4f}"
            )
            if found.ndcg_at_10 > best_ndcg:
                best, best_ndcg = settings, found.ndcg_at_10
        print(f"chosen on the tune half (BM25): {best}")
        for name, part in (("tune", tune), ("held-out", held_out)):
            for label, settings in (("without", None), ("with RM3", best)):
                line = measure(engine, part, dataset.qrels, settings, ("bm25", "hybrid"))
                print(f"  {name:9s} {label:9s} {line}")
        print("SciFact's test judgements are not in ../shared/data: no test figures.")


if __name__ == "__main__":
    main()
