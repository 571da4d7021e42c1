"""Bulk embedding throughput: the local ONNX embedder against Ray Data actor pools, on
real abstracts (BEIR SciFact), side by side in one run.

    .venv/bin/python bench/ray_embedding_bench.py                  # 1,024 abstracts
    .venv/bin/python bench/ray_embedding_bench.py --docs 5183 --actors 1 2 4
    .venv/bin/python bench/ray_embedding_bench.py --gpu            # on a GPU machine

Each variant embeds the same abstracts through the same `encode` call the index
catch-up uses (`RayEmbedder.encode` for Ray, so its scheduling overhead is included)
and prints abstracts/s over wall time, after one warm-up round that loads the models.
Ray variants start a local Ray with as many CPUs as the machine has; `--gpu` adds one
GPU actor (torch, fp16). On a shared machine the figures move with its load: compare
variants of one run, not runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from paperscope.config import Settings
from paperscope.index.embedder import available_cores, load_embedder, paper_text

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "data" / "beir" / "scifact" / "corpus.jsonl"


def abstracts(count: int) -> list[str]:
    texts: list[str] = []
    with SCIFACT.open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            texts.append(paper_text(doc.get("title", ""), doc.get("text", "")))
            if len(texts) == count:
                break
    return texts


def timed(label: str, encode: object, texts: list[str]) -> np.ndarray:
    encode(texts[:64])  # type: ignore[operator]  # warm-up: model loading, actor start
    started = time.perf_counter()
    vectors = encode(texts)  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(f"{label:34} {len(texts) / seconds:8.1f} abstracts/s  ({seconds:6.1f} s)", flush=True)
    return np.asarray(vectors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1024)
    parser.add_argument("--actors", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=256, help="abstracts per actor call")
    parser.add_argument("--gpu", action="store_true", help="also one GPU actor (torch fp16)")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / "out" / "models")
    args = parser.parse_args()
    if not SCIFACT.is_file():
        sys.exit(f"SciFact corpus not found at {SCIFACT}")
    texts = abstracts(args.docs)
    cores = available_cores()
    print(f"{len(texts)} SciFact abstracts, {cores} cores, load average {os.getloadavg()[0]:.1f}")
    base = Settings(data_dir=args.cache.parent, embedding_cache_dir=args.cache, dev_mode=True)
    reference = timed(f"local ONNX ({cores} threads)", load_embedder(base).encode, texts)

    from paperscope.index.ray_embedding import RayEmbedder

    variants = [(n, 0.0) for n in args.actors] + ([(1, 1.0)] if args.gpu else [])
    for actors, gpus in variants:
        threads = 1.0 if gpus else max(1.0, cores / actors)
        settings = base.model_copy(
            update={
                "ray_actors": actors,
                "ray_cpus_per_actor": threads,
                "ray_gpus_per_actor": gpus,
                "ray_batch_size": args.batch,
            }
        )
        with RayEmbedder.connect(settings=settings, address=None) as embedder:
            kind = "GPU" if gpus else f"{threads:g} CPU"
            label = f"Ray, {actors} actor(s) x {kind}"
            vectors = timed(label, embedder.encode, texts)
        gap = float(np.abs(vectors - reference).max())
        print(f"{'':34} largest difference from local ONNX: {gap:.1e}")


if __name__ == "__main__":
    main()
