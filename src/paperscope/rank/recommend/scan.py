"""The exact top-k scan behind "For you": score every candidate column by the best of a
reader's linear group models and keep the ``limit`` highest, without ever holding a
(groups x papers) score matrix.

Why it is shaped like this (bench/recommend_bench.py, 1M papers x 128 dims, 2 cores):
- OpenBLAS's GEMM is poor for a 4-row left operand: (4 x 128) @ (128 x 1M) took 72 ms on
  one thread, barely better than four separate GEMVs (4 x 22 ms). Scanning in blocks of
  8,192 columns (4 MB) and running one GEMV per group on a block while it is still in
  cache reads the matrix from memory once: 45 ms.
- A full argpartition over a million scores costs ~12 ms. Each block instead keeps only
  scores at or above a running threshold (the k-th best so far), which after the first
  blocks passes a handful of columns.
- The column range is split between worker threads (numpy releases the GIL in BLAS and
  in ufuncs), each running single-threaded BLAS: 28 ms for four groups, 16 ms for one.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

BLOCK = 8_192
# Below this many columns a scan is a few milliseconds; handing halves to another thread
# costs more than it saves.
PARALLEL_COLUMNS = 200_000
_THREADS = max(1, min(4, os.cpu_count() or 1))
_POOL: list[ThreadPoolExecutor] = []
_BLAS: list[Any] = []


def top_columns(
    columns: NDArray[np.float32],
    weights: NDArray[np.float32],
    biases: NDArray[np.float32],
    *,
    start: int,
    limit: int,
    exclude: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.float32], NDArray[np.int64]]:
    """The ``limit`` best columns from ``start`` on, best first (equal scores in column
    order), by ``max_g(weights[g] @ column + biases[g])``; columns in ``exclude`` never
    count. Returns (columns, scores, index of the best group for each)."""
    end = columns.shape[1]
    if limit <= 0 or end <= start:
        return _empty()
    exclude = np.unique(exclude[(exclude >= start) & (exclude < end)])
    weights = np.ascontiguousarray(weights, dtype=np.float32)
    biases = np.asarray(biases, dtype=np.float32)
    parts = 1 if end - start < PARALLEL_COLUMNS else _THREADS
    bounds = np.linspace(start, end, parts + 1).astype(np.int64)
    ranges = list(itertools.pairwise(int(b) for b in bounds))
    with _single_blas_thread():
        # The calling thread scans the first range itself; the pool takes the rest.
        jobs = [
            _pool().submit(_scan, columns, weights, biases, lo, hi, limit, exclude)
            for lo, hi in ranges[1:]
        ]
        found = [_scan(columns, weights, biases, *ranges[0], limit, exclude)]
        found += [job.result() for job in jobs]
    rows = np.concatenate([f[0] for f in found])
    scores = np.concatenate([f[1] for f in found])
    order = np.lexsort((rows, -scores))[:limit]
    rows, scores = rows[order], scores[order]
    picked = np.ascontiguousarray(columns[:, rows], dtype=np.float32)
    best = np.asarray((weights @ picked + biases[:, None]).argmax(axis=0), dtype=np.int64)
    return rows.astype(np.int64), scores.astype(np.float32), best


def _scan(
    columns: NDArray[np.float32],
    weights: NDArray[np.float32],
    biases: NDArray[np.float32],
    lo: int,
    hi: int,
    limit: int,
    exclude: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Best ``limit`` columns of [lo, hi) (unordered) with their scores."""
    threshold = -np.inf
    kept_rows: list[NDArray[np.int64]] = []
    kept_scores: list[NDArray[np.float32]] = []
    kept = 0
    for first in range(lo, hi, BLOCK):
        last = min(first + BLOCK, hi)
        block = columns[:, first:last]
        scores = weights[0] @ block
        scores += biases[0]
        for g in range(1, len(weights)):
            other = weights[g] @ block
            other += biases[g]
            np.maximum(scores, other, out=scores)
        a, b = np.searchsorted(exclude, [first, last])
        scores[exclude[a:b] - first] = -np.inf
        # Until a first threshold exists, keep everything but the excluded (-inf).
        hits = np.flatnonzero(scores >= threshold if threshold > -np.inf else scores > -np.inf)
        if len(hits) == 0:
            continue
        kept_rows.append(hits + first)
        kept_scores.append(scores[hits])
        kept += len(hits)
        if kept >= 4 * limit:
            rows, values = np.concatenate(kept_rows), np.concatenate(kept_scores)
            top = np.argpartition(-values, limit - 1)[:limit]
            kept_rows, kept_scores, kept = [rows[top]], [values[top]], limit
            threshold = float(values[top].min())
    if not kept_rows:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    return np.concatenate(kept_rows).astype(np.int64), np.concatenate(kept_scores)


def _empty() -> tuple[NDArray[np.int64], NDArray[np.float32], NDArray[np.int64]]:
    return np.empty(0, np.int64), np.empty(0, np.float32), np.empty(0, np.int64)


def _pool() -> ThreadPoolExecutor:
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=_THREADS - 1, thread_name_prefix="scan"))
    return _POOL[0]


def _single_blas_thread() -> Any:
    """One BLAS thread per product: parallelism comes from splitting the scan (and from
    concurrent requests), and OpenBLAS's own threads, waiting for busy cores, made a
    10k-row product 60x slower (12 ms instead of 0.2) on a loaded 2-core box."""
    if not _BLAS:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1, user_api="blas")
