"""Backfill embedders side by side: how fast each embeds abstracts on this machine, and
what it costs in search quality on SciFact (held-out half of train).

    .venv/bin/python bench/backfill_embedders.py
    .venv/bin/python bench/backfill_embedders.py --variants static256,minilm-int8 --docs 256

Variants:

- ``minilm-fp32``: the default embedder (all-MiniLM-L6-v2, ONNX fp32).
- ``minilm-int8``: the same model, ONNX per-channel dynamic int8.
- ``minilm-int8-first``: int8, but each paper embedded from its title and the first
  sentence of its abstract (queries unchanged): a shorter input, same vector space.
- ``staticN``: the static model distilled from the bundled MiniLM with N PCA
  dimensions (``paperscope models distill --dims N``), made under bench/out/ on first
  use.

Speed: abstracts/s over wall time and per CPU-second on ``--docs`` SciFact abstracts
(the whole corpus for static models, which are too fast to time on a few hundred),
with the load average before and after (other work on the machine slows every row),
and the days all of arXiv (2.5 million abstracts) would take at that rate.

Quality: each variant indexes the 5,183 SciFact abstracts through the real pipeline
(store -> catch-up -> SearchEngine) in bench/out/backfill/<variant>/ (kept, so a rerun
only embeds what it has not), then ranks the held-out train claims (odd positions, as
bench/tune_fusion.py splits them) in dense and hybrid mode. "no floor" turns the dense
floor off (``FusionSettings.dense_floor``, learned for MiniLM's cosines), to show
whether a model needs its own; "tuned lexical weight" is the fusion weight chosen for
this model on the tune half (even positions) and its held-out hybrid score.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paperscope.config import Settings
from paperscope.index.embedder import (
    Embedder,
    available_cores,
    distill_bundled_model,
    load_embedder,
    paper_text,
)
from paperscope.search.eval_beir import indexed_engine, load_beir, rankings, score_rankings
from paperscope.search.fusion import fuse
from paperscope.search.metrics import mean, ndcg_at_k, recall_at_k

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "data" / "beir" / "scifact"
OUT = ROOT / "bench" / "out"
DEFAULT_VARIANTS = "static256,minilm-int8-first,minilm-int8,minilm-fp32"
ARXIV = 2_500_000
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class FirstSentence:
    """Embeds papers from the title and the abstract's first sentence (paper_text puts
    the title first, so that is the first two sentences); queries are untouched."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_name, self.dim, self.backend = inner.model_name, inner.dim, inner.backend

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None) -> Any:
        short = [" ".join(_SENTENCE_END.split(text, maxsplit=2)[:2]) for text in texts]
        return self.inner.encode(short, batch_size=batch_size, progress=progress)

    def encode_query(self, text: str) -> Any:
        return self.inner.encode_query(text)


def make_embedder(label: str, args: argparse.Namespace) -> Embedder:
    settings = Settings(
        data_dir=OUT / "backfill", dev_mode=True, embedding_cache_dir=OUT / "onnx-models",
        embedding_threads=args.threads, embedding_backend="onnx",
    )  # fmt: skip
    if label.startswith("static"):
        dims = int(label.removeprefix("static") or 256)
        folder = OUT / "static-models" / f"all-MiniLM-L6-v2-static{dims}"
        if not folder.is_dir():
            print(f"distilling {folder.name} (once) ...", flush=True)
            distill_bundled_model(settings=settings, out_dir=folder, dims=dims)
        return load_embedder(settings.model_copy(update={"embedding_model": str(folder)}))
    precision = "int8" if "int8" in label else "fp32"
    embedder = load_embedder(settings.model_copy(update={"embedding_precision": precision}))
    return FirstSentence(embedder) if label.endswith("-first") else embedder


def time_throughput(embedder: Embedder, texts: list[str]) -> dict[str, float]:
    embedder.encode(texts[:8])  # warm-up: first-run allocations are not throughput
    load_before = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    embedder.encode(texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "wall": len(texts) / wall,
        "cpu": len(texts) / max(cpu, 1e-9),
        "load": (load_before + os.getloadavg()[0]) / 2,
    }


def floor_scores(engine: Any, queries: dict[str, str], qrels: Any, mode: str) -> tuple[float, ...]:
    """nDCG@10 and recall@100 of ``mode`` with the default floor, then with none."""
    qrels = {q: qrels[q] for q in queries}
    out: list[float] = []
    default = engine.fusion
    for fusion in (default, dataclasses.replace(default, dense_floor=-2.0)):
        engine.fusion = fusion
        score = score_rankings(rankings(engine, queries, mode=mode), qrels, mode)
        out += [score.ndcg_at_10, score.recall_at_100]
    engine.fusion = default
    return tuple(out)


WEIGHTS = (0.3, 0.5, 0.7, 0.9)


def tuned_hybrid(engine: Any, tune: dict[str, str], held_out: dict[str, str], qrels: Any) -> str:
    """The fusion's lexical weight chosen on the tune half for this model, and the
    held-out nDCG@10 / R@100 with it (0.3, the default, was tuned for MiniLM)."""
    from tune_fusion import candidates  # bench/ is on the path when run as a script

    tune_pool, held_pool = candidates(engine, tune), candidates(engine, held_out)

    def scored(pool: Any, weight: float) -> tuple[float, float]:
        ndcg, recall = [], []
        for query_id, (bm25, semantic) in pool.items():
            settings = dataclasses.replace(engine.fusion, lexical_weight=weight)
            ranking = [doc for doc, _ in fuse(bm25, semantic, settings)]
            ndcg.append(ndcg_at_k(ranking, qrels[query_id], 10))
            recall.append(recall_at_k(ranking, qrels[query_id], 100))
        return mean(ndcg), mean(recall)

    best = max(WEIGHTS, key=lambda weight: scored(tune_pool, weight)[0])
    ndcg, recall = scored(held_pool, best)
    return f"{best} | {ndcg:.4f} | {recall:.4f}"


def main() -> None:
    args = parse_args()
    dataset = load_beir(args.data, split="train")
    ordered = list(dataset.queries.items())
    tune, held_out = dict(ordered[0::2]), dict(ordered[1::2])
    qrels = dataset.qrels
    texts = [paper_text(p.title, p.abstract) for p in dataset.corpus]
    print(
        f"SciFact: {len(texts)} abstracts, {len(held_out)} held-out train claims; "
        f"{args.threads} threads on {available_cores()} cores; load average now "
        f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())}",
        flush=True,
    )
    print(
        "| variant | dim | abstracts/s (wall) | per CPU-s | load avg | days for 2.5M | "
        "dense nDCG@10 | dense R@100 | hybrid nDCG@10 | hybrid R@100 | "
        "dense / hybrid nDCG@10, no floor | tuned lexical weight | hybrid nDCG@10 | "
        "hybrid R@100 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        sep="\n",
        flush=True,
    )
    for label in args.variants.split(","):
        embedder = make_embedder(label, args)
        sample = texts if label.startswith("static") else texts[: args.docs]
        speed = time_throughput(embedder, sample)
        with indexed_engine(dataset, work_dir=work_dir(label), embedder=embedder) as engine:
            dense = floor_scores(engine, held_out, qrels, "dense")
            hybrid = floor_scores(engine, held_out, qrels, "hybrid")
            tuned = tuned_hybrid(engine, tune, held_out, qrels)
        print(
            f"| {label} | {embedder.dim} | {speed['wall']:,.0f} | {speed['cpu']:,.0f} | "
            f"{speed['load']:.1f} | {ARXIV / speed['wall'] / 86_400:.2f} | "
            f"{dense[0]:.4f} | {dense[1]:.4f} | {hybrid[0]:.4f} | {hybrid[1]:.4f} | "
            f"{dense[2]:.4f} / {hybrid[2]:.4f} | {tuned} |",
            flush=True,
        )
    print_bm25(dataset, held_out, qrels)


def print_bm25(dataset: Any, held_out: dict[str, str], qrels: Any) -> None:
    with indexed_engine(dataset, work_dir=OUT / "backfill" / "bm25", dense=False) as engine:
        found = rankings(engine, held_out, mode="bm25")
    ndcg = mean([ndcg_at_k(found[q], qrels[q], 10) for q in held_out])
    recall = mean([recall_at_k(found[q], qrels[q], 100) for q in held_out])
    print(f"BM25 alone (no embedding): nDCG@10 {ndcg:.4f}, R@100 {recall:.4f}")


def work_dir(label: str) -> Path:
    folder = OUT / "backfill" / label
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", default=DEFAULT_VARIANTS)
    parser.add_argument("--docs", type=int, default=512, help="abstracts timed per MiniLM row")
    parser.add_argument("--threads", type=int, default=min(2, available_cores()))
    parser.add_argument("--data", type=Path, default=SCIFACT)
    return parser.parse_args()


if __name__ == "__main__":
    main()
