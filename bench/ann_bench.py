"""The dense index on synthetic clustered unit vectors (384 dims, like MiniLM).

    .venv/bin/python bench/ann_bench.py                        # 100k vectors
    .venv/bin/python bench/ann_bench.py --sizes 100000,1000000 # the 1M run takes long

For each size it builds a ``DenseIndex`` (usearch HNSW over float16, the production
configuration), saves it, then in a fresh process (as a server would) opens it
memory-mapped and measures, for several search expansions: p50/p95 latency of k=20
queries, recall@20 against exact float32 search, a filtered search (10% of ids
allowed), and resident memory (anonymous and file-backed). It also times adding 10k
vectors to the saved index and saving again, and prints the folder's size on disk.
Exact numpy search (float32 matmul) is the baseline.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from paperscope.index import dense
from paperscope.index.dense import DenseIndex

DIM = 384
K = 20
MODEL = "synthetic"


def clustered_vectors(count: int, *, seed: int, clusters: int = 2_000) -> NDArray[np.float32]:
    """Unit vectors around random topic centres, generated in chunks to bound memory."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(1).normal(size=(clusters, DIM)).astype(np.float32)
    out = np.empty((count, DIM), dtype=np.float32)
    for start in range(0, count, 100_000):
        rows = min(100_000, count - start)
        labels = rng.integers(0, clusters, size=rows)
        block = centres[labels] + rng.normal(scale=0.9, size=(rows, DIM)).astype(np.float32)
        out[start : start + rows] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def ids_for(start: int, count: int) -> list[str]:
    return [f"p{i}" for i in range(start, start + count)]


def build(folder: Path, size: int) -> dict[str, float]:
    vectors = clustered_vectors(size, seed=size)
    index = DenseIndex.open(folder, model_name=MODEL, dim=DIM)
    start = time.perf_counter()
    index.add(ids_for(0, size), vectors)
    built = time.perf_counter() - start
    start = time.perf_counter()
    index.save()
    saved = time.perf_counter() - start
    del index, vectors
    extra = clustered_vectors(10_000, seed=size + 1)
    start = time.perf_counter()
    index = DenseIndex.open(folder, model_name=MODEL, dim=DIM)
    index.add(ids_for(size, 10_000), extra)
    added = time.perf_counter() - start
    start = time.perf_counter()
    index.save()
    resaved = time.perf_counter() - start
    disk = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    return {
        "build_s": built,
        "save_s": saved,
        "add10k_s": added,
        "resave_s": resaved,
        "disk_mb": disk,
    }


def serve(folder: Path, size: int, expansions: list[int]) -> list[dict[str, Any]]:
    """Runs in a fresh process: open memory-mapped, query, measure."""
    queries = clustered_vectors(200, seed=7)
    rows, found_by_ef, used = [], [], {}
    for expansion in expansions:
        dense.HNSW_EXPANSION_SEARCH = expansion
        start = time.perf_counter()
        index = DenseIndex.open(folder, model_name=MODEL, dim=DIM)
        opened = time.perf_counter() - start
        timings, found = [], []
        for query in queries:
            t0 = time.perf_counter()
            hits = index.search(query, K)
            timings.append(time.perf_counter() - t0)
            found.append([paper_id for paper_id, _ in hits])
        filtered = []
        for query in queries[:50]:
            t0 = time.perf_counter()
            index.search(query, K, allowed=lambda paper_id: paper_id.endswith("7"))
            filtered.append(time.perf_counter() - t0)
        used = used or memory()  # first open only: later ones map the same files again
        found_by_ef.append(found)
        rows.append(
            {
                "ef": expansion,
                "open_s": opened,
                "p50_ms": float(np.percentile(timings, 50) * 1000),
                "p95_ms": float(np.percentile(timings, 95) * 1000),
                "filtered_p50_ms": float(np.percentile(filtered, 50) * 1000),
                **used,
            }
        )
    truth = exact_truth(size, queries)
    for row, found in zip(rows, found_by_ef, strict=True):
        row["recall"] = float(
            np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)])
        )
    return rows


def exact_truth(size: int, queries: NDArray[np.float32]) -> list[list[str]]:
    """Top-k by exact float32 search over the original vectors (before float16)."""
    vectors = np.concatenate(
        [clustered_vectors(size, seed=size), clustered_vectors(10_000, seed=size + 1)]
    )
    top = np.argsort(-(queries @ vectors.T), axis=1)[:, :K]
    return [[f"p{i}" for i in row] for row in top]


def exact_baseline(size: int) -> dict[str, float]:
    vectors = clustered_vectors(size, seed=size)
    queries = clustered_vectors(50, seed=7)
    timings = []
    for query in queries:
        t0 = time.perf_counter()
        scores = vectors @ query
        np.argpartition(-scores, K)[:K]
        timings.append(time.perf_counter() - t0)
    return {
        "p50_ms": float(np.percentile(timings, 50) * 1000),
        "p95_ms": float(np.percentile(timings, 95) * 1000),
        "memory_mb": vectors.nbytes / 2**20,
    }


def memory() -> dict[str, float]:
    status = Path("/proc/self/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)

    def mb(name: str) -> float:
        return int(fields.get(name, "0 kB").split()[0]) / 1024

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rss_anon_mb": mb("RssAnon"), "rss_file_mb": mb("RssFile"), "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--expansions", default="64,128,256")
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    expansions = [int(e) for e in args.expansions.split(",")]
    if args.serve:
        print(json.dumps(serve(Path(args.serve[0]), int(args.serve[1]), expansions)))
        return
    for size in (int(s) for s in args.sizes.split(",")):
        folder = Path(tempfile.mkdtemp(prefix=f"ann-{size}-"))
        try:
            report(size, folder, args.expansions)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def report(size: int, folder: Path, expansions: str) -> None:
    baseline = exact_baseline(size)
    print(f"\n## {size:,} vectors × {DIM}")
    print(f"exact numpy f32: p50 {baseline['p50_ms']:.1f} ms, p95 {baseline['p95_ms']:.1f} ms, "
          f"{baseline['memory_mb']:.0f} MB of vectors")  # fmt: skip
    built = build(folder, size)
    print(f"build {built['build_s']:.1f} s, save {built['save_s']:.1f} s, "
          f"add 10k to the saved index {built['add10k_s']:.1f} s, save again "
          f"{built['resave_s']:.1f} s, disk {built['disk_mb']:.0f} MB")  # fmt: skip
    command = [sys.executable, __file__, "--serve", str(folder), str(size)]
    result = subprocess.run(
        [*command, "--expansions", expansions], check=True, capture_output=True, text=True
    )
    print("| ef | open s | p50 ms | p95 ms | filtered p50 ms | recall@20 | RSS anon MB |"
          " RSS file MB |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for row in json.loads(result.stdout):
        print(f"| {row['ef']} | {row['open_s']:.2f} | {row['p50_ms']:.2f} | {row['p95_ms']:.2f} "
              f"| {row['filtered_p50_ms']:.2f} | {row['recall']:.3f} | {row['rss_anon_mb']:.0f} "
              f"| {row['rss_file_mb']:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
