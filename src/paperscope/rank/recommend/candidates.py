"""The candidate matrix: every paper's vector, projected to a few dimensions, sorted by
date, on disk as mmap-able arrays plus a manifest (no pickle).

Why a projection: a full 384-d float32 scan of a million papers reads 1.5 GB and takes
~70 ms on two cores; the 128-d PCA projection reads 512 MB and takes ~25 ms, and the
offline evaluation shows no loss of quality (docs/recommendations.md). Why sorted by
date: a "this week" window is then one contiguous row range, found by binary search.

Layout of ``DATA_DIR/recommend/``: ``CURRENT`` names the live build folder, which holds
``manifest.json``, ``columns.npy`` (dim, n) float32, ``days.npy`` (n,) int32 days since
1970-01-01, ``ids.npy`` (n,) bytes, ``sorted_ids.npy`` and ``sorted_rows.npy`` (the ids in
byte order and their rows, for binary-search look-ups),
``basis.npy`` (dim, source_dim) and ``mean.npy`` (source_dim,). A build is written to a
temporary folder and switched in by replacing ``CURRENT``, so readers never see half.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

FORMAT_VERSION = 2  # 2: vectors stored column-major (dim, n)
DEFAULT_DIM = 128
_EPOCH = date(1970, 1, 1)
_PCA_SAMPLE = 50_000


class CandidatesError(Exception):
    """The candidate matrix is missing or unusable; the message says what to run."""


@dataclass(frozen=True, slots=True)
class Projection:
    """Centred PCA projection from embedding space to the candidate space."""

    mean: NDArray[np.float32]  # (source_dim,)
    basis: NDArray[np.float32]  # (dim, source_dim), orthonormal rows

    @property
    def basis_id(self) -> str:
        digest = hashlib.sha256(self.mean.tobytes() + self.basis.tobytes())
        return digest.hexdigest()[:16]

    def project(self, vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        centred = np.asarray(vectors, dtype=np.float32) - self.mean
        return np.asarray(centred @ self.basis.T, dtype=np.float32)

    @classmethod
    def fit(cls, vectors: NDArray[np.float32], dim: int, seed: int = 0) -> Projection:
        """PCA on up to 50k rows: enough to pin the leading directions, fast at 1M."""
        rng = np.random.default_rng(seed)
        sample = vectors
        if len(vectors) > _PCA_SAMPLE:
            sample = vectors[np.sort(rng.choice(len(vectors), _PCA_SAMPLE, replace=False))]
        sample = np.asarray(sample, dtype=np.float32)
        mean = sample.mean(axis=0).astype(np.float32)
        _, _, vt = np.linalg.svd(sample - mean, full_matrices=False)
        dim = min(dim, vt.shape[0])
        return cls(mean=mean, basis=np.ascontiguousarray(vt[:dim], dtype=np.float32))


@dataclass(frozen=True, slots=True)
class Candidates:
    """A loaded candidate matrix (arrays are read-only memory maps)."""

    folder: Path
    manifest: dict[str, Any]
    # Column-major (dim, n): a block of consecutive papers is then a (dim x block)
    # slice that the ranking scan (recommend/scan.py) multiplies by each group's
    # weights while it is in cache; row-major (n, dim) products ran twice as slow.
    columns: NDArray[np.float32]
    days: NDArray[np.int32]
    ids: NDArray[np.bytes_]
    sorted_ids: NDArray[np.bytes_]
    sorted_rows: NDArray[np.int64]
    projection: Projection

    def __len__(self) -> int:
        return int(self.columns.shape[1])

    @property
    def dim(self) -> int:
        return int(self.columns.shape[0])

    def rows(self, rows: Any) -> NDArray[np.float32]:
        """Vectors of the given rows as a (k, dim) array (one row for an int)."""
        picked = self.columns[:, np.atleast_1d(np.asarray(rows, dtype=np.intp))]
        return np.ascontiguousarray(picked.T, dtype=np.float32)

    def window_start(self, since: date | None) -> int:
        """First row dated on or after ``since`` (0 for no window)."""
        if since is None:
            return 0
        return int(np.searchsorted(self.days, (since - _EPOCH).days, side="left"))

    def rows_of(self, paper_ids: Sequence[str]) -> NDArray[np.int64]:
        """Row numbers of the given papers; papers not in the matrix are left out."""
        if not paper_ids or len(self) == 0:
            return np.empty(0, dtype=np.int64)
        encoded = [p.encode() for p in paper_ids]
        # Longer than any stored id: cannot be present (and would be truncated).
        width = self.sorted_ids.dtype.itemsize
        keys = np.array([k for k in encoded if len(k) <= width], dtype=self.sorted_ids.dtype)
        pos = np.clip(np.searchsorted(self.sorted_ids, keys), 0, len(self) - 1)
        found = self.sorted_ids[pos] == keys
        return np.asarray(self.sorted_rows[pos[found]], dtype=np.int64)

    def paper_id(self, row: int) -> str:
        return bytes(self.ids[row]).decode()

    def date_of(self, row: int) -> date:
        return date.fromordinal(_EPOCH.toordinal() + int(self.days[row]))


def build_candidates(
    *,
    folder: Path,
    paper_ids: Sequence[str],
    dates: Sequence[date],
    vectors: NDArray[np.float32],
    model_name: str,
    store_seq: int,
    projection: Projection | None = None,
    dim: int = DEFAULT_DIM,
) -> Candidates:
    """Write a new candidate matrix under ``folder`` and switch to it atomically.

    ``projection`` keeps an existing basis so cached reader models stay valid; without
    one a fresh PCA basis is fitted (and every reader model retrains once)."""
    if not (len(paper_ids) == len(dates) == len(vectors)):
        raise ValueError("paper_ids, dates and vectors must have the same length")
    vectors = np.asarray(vectors, dtype=np.float32)
    if projection is None:
        if len(vectors) == 0:
            raise CandidatesError("no paper vectors yet: run `paperscope index` first")
        projection = Projection.fit(vectors, dim)
    days = np.array([(d - _EPOCH).days for d in dates], dtype=np.int32)
    order = np.argsort(days, kind="stable")
    ids = np.array([p.encode() for p in paper_ids], dtype=np.bytes_)[order]
    id_order = np.argsort(ids, kind="stable").astype(np.int64)
    arrays = {
        "columns.npy": _project_in_chunks(projection, vectors, order),
        "days.npy": days[order],
        "ids.npy": ids,
        "sorted_ids.npy": ids[id_order],
        "sorted_rows.npy": id_order,
        "basis.npy": projection.basis,
        "mean.npy": projection.mean,
    }
    manifest = {
        "format_version": FORMAT_VERSION,
        "model": model_name,
        "source_dim": int(projection.basis.shape[1]),
        "dim": int(projection.basis.shape[0]),
        "basis_id": projection.basis_id,
        "count": len(ids),
        "store_seq": store_seq,
    }
    _write_build(folder, arrays, manifest)
    return load_candidates(folder, model_name=model_name)


def _project_in_chunks(
    projection: Projection, vectors: NDArray[np.float32], order: NDArray[np.intp]
) -> NDArray[np.float32]:
    out = np.empty((projection.basis.shape[0], len(order)), dtype=np.float32)
    for start in range(0, len(order), 100_000):
        rows = order[start : start + 100_000]
        out[:, start : start + len(rows)] = projection.project(vectors[rows]).T
    return out


def _write_build(folder: Path, arrays: dict[str, NDArray[Any]], manifest: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"build-{uuid.uuid4().hex[:12]}"
    tmp = folder / f".tmp-{name}"
    tmp.mkdir()
    for filename, array in arrays.items():
        np.save(tmp / filename, array, allow_pickle=False)
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    tmp.rename(folder / name)
    pointer = folder / f".CURRENT-{name}"
    pointer.write_text(name)
    previous = _current_name(folder)
    os.replace(pointer, folder / "CURRENT")
    # Old builds may still be mapped by a running process; on POSIX removing them is
    # safe (the mapping keeps the data alive until it is dropped).
    for old in folder.glob("build-*"):
        if old.name not in (name, previous):
            shutil.rmtree(old, ignore_errors=True)


def _current_name(folder: Path) -> str | None:
    pointer = folder / "CURRENT"
    return pointer.read_text().strip() if pointer.exists() else None


def load_candidates(folder: Path, *, model_name: str) -> Candidates:
    """Map the live build. Refuses one written by another format or embedding model."""
    name = _current_name(folder)
    if name is None:
        raise CandidatesError(
            f"no recommendation candidates in {folder}: run `paperscope recommend --refresh`"
        )
    build = folder / name
    try:
        manifest = json.loads((build / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise CandidatesError(f"unreadable {build / 'manifest.json'}: {exc}") from exc
    if manifest.get("format_version") != FORMAT_VERSION or manifest.get("model") != model_name:
        raise CandidatesError(
            f"{build} was built with format {manifest.get('format_version')} and model "
            f"{manifest.get('model')!r}; this paperscope needs format {FORMAT_VERSION} and "
            f"model {model_name!r}: run `paperscope recommend --refresh`"
        )

    def mapped(filename: str) -> Any:
        return np.load(build / filename, mmap_mode="r", allow_pickle=False)

    return Candidates(
        folder=build,
        manifest=manifest,
        columns=mapped("columns.npy"),
        days=mapped("days.npy"),
        ids=mapped("ids.npy"),
        sorted_ids=mapped("sorted_ids.npy"),
        sorted_rows=mapped("sorted_rows.npy"),
        projection=Projection(mean=np.load(build / "mean.npy"), basis=np.load(build / "basis.npy")),
    )
