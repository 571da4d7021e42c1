"""The dense (vector) index: one L2-normalised embedding per paper, cosine search.

Interface used by search, similar papers and recommendations::

    index = DenseIndex.open(directory, model_name="all-MiniLM-L6-v2", dim=384)
    index.add(paper_ids, vectors)           # incremental; re-adding an id replaces it
    index.remove(paper_ids)
    index.search(query_vector, k, allowed=lambda paper_id: ...)  # [(id, cosine)], best first
    index.vector(paper_id) / index.vectors(paper_ids)            # float32 rows
    paper_id in index; index.known(paper_ids); index.known_vectors(paper_ids); len(index)
    index.high_water_mark = seq             # store seq up to which papers are embedded
    index.save()                            # atomic: a crash keeps the previous index

``open`` raises ``IndexMismatchError`` when the folder was built with another model,
dimension or format: vectors from two models live in different spaces and must never be
mixed. ``open(..., create=False)`` raises ``ArtifactError`` when there is no index yet.

Layout of the folder (see ``artifacts``): ``manifest.json``, ``doc_ids.<gen>.txt`` (one
paper id per row, empty for a deleted row) and the vectors in one of two forms. Below
``exact_limit`` live vectors they are ``vectors.<gen>.npy`` (float16 rows, opened
memory-mapped) and search is brute force, exact and well under a few milliseconds. From
``exact_limit`` on they live only in ``hnsw.<gen>.usearch``, a usearch HNSW graph over
float16 vectors opened as a memory-mapped view: the graph needs its own copy of every
vector to walk, so a second copy beside it would double the disk and page-cache cost of
the index (0.8 GB at a million papers) for nothing. Rows are read back from the graph.
A filtered search over-fetches from the graph and falls back to an exact scan when the
filter keeps too few candidates.

A graph saved once is the *base* and stays as it is: papers added or embedded again
later go into a small second graph, ``delta.<gen>.usearch`` (rows from
``extra.base_rows`` on), and search asks both. A paper embedded again gets a new row
there; its old row is marked deleted and its old vector, left in the base, is skipped.
So a catch-up neither loads the base into memory nor rewrites it, and publishing a
generation uploads the delta and the id list, not the whole graph (1.4-2.3 GB at 2.5M
papers). Once the delta passes a twentieth of the base (``DELTA_MIN_ROWS`` at least),
it is folded into the base, which is then loaded, changed and rewritten; compaction
(a fifth of the rows deleted) and a storage change build one new base.

The graph stores its vectors in float16 or, with ``storage="float8"`` (the setting
``dense_index_storage``), in 8-bit floats (E4M3) compared by cosine: half the bytes per
vector (the graph file 2.3 -> 1.4 GB at 2.5M papers) for the same SciFact quality
(docs/embeddings.md).
A graph's vectors share one type: a graph keeps the type it was built with until
``convert_storage`` rebuilds it (catch-up does when the setting changed).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.index import artifacts
from paperscope.index.analysis import paper_key
from paperscope.index.artifacts import ArtifactError, IndexMismatchError, Manifest
from paperscope.index.row_ids import RowIds

__all__ = ["ArtifactError", "DenseIndex", "IndexMismatchError"]
log = logging.getLogger(__name__)

KIND = "dense"
# 3: a base graph and a delta graph. 2: one graph holding the only copy of the vectors
# (read as a base with no delta). Format 1 kept a vectors file beside the graph too; it
# is read (that file is ignored). Both are rewritten as 3 on the next save.
FORMAT_VERSION = 3
_OLDER_READABLE_FORMATS = (1, 2)
STORAGE_DTYPE = np.float16
DEFAULT_EXACT_LIMIT = 20_000
# Exact scans convert float16 rows to float32 in blocks to bound the temporary memory.
_SCAN_BLOCK_ROWS = 65_536
# When an over-fetch from the graph reaches this many candidates without finding k that
# pass the filter, the filter is selective enough that an exact scan is cheaper.
_MAX_OVERFETCH = 4_096
# The delta graph is folded into the base once it holds more rows than this share of
# the base, and at least DELTA_MIN_ROWS: a fold rewrites the whole base file.
DELTA_SHARE = 0.05
DELTA_MIN_ROWS = 20_000

# HNSW parameters chosen with bench/ann_bench.py: at 1M clustered vectors, search
# expansion 256 gives recall@20 0.99 for ~0.2 ms more than 128 (0.98); 64 drops to 0.89.
HNSW_CONNECTIVITY = 16
HNSW_EXPANSION_ADD = 128
HNSW_EXPANSION_SEARCH = 256
# How deep HnswGraph._reattach_stranded searches for each added row.
_REATTACH_EXPANSION = 32

# The graph's vector storage: usearch scalar type and metric. float8 uses cosine, which
# renormalises the rounded vectors: at 200k clustered vectors its recall@20 against exact
# search is 0.94, against 0.90 by inner product (float16: 0.999).
GRAPH_STORAGE = {"float16": ("f16", "ip"), "float8": ("e4m3", "cos")}
DEFAULT_STORAGE = "float16"

FloatArray = npt.NDArray[np.float32]
Allowed = Callable[[str], bool]


class HnswGraph:
    """A usearch HNSW graph keyed by row number, over unit vectors stored as
    ``GRAPH_STORAGE`` says.

    Opened from disk as a read-only memory-mapped view, so serving processes share the
    page cache; the first change loads it into memory."""

    def __init__(self, index: Any, path: Path | None) -> None:
        self._index = index
        self._view_path = path

    @classmethod
    def create(cls, dim: int, storage: str = DEFAULT_STORAGE) -> HnswGraph:
        Index = _usearch_index_class()

        dtype, metric = GRAPH_STORAGE[storage]
        index = Index(
            ndim=dim,
            metric=metric,
            dtype=dtype,
            connectivity=HNSW_CONNECTIVITY,
            expansion_add=HNSW_EXPANSION_ADD,
            expansion_search=HNSW_EXPANSION_SEARCH,
        )
        return cls(index, None)

    @classmethod
    def view(cls, path: Path, dim: int) -> HnswGraph:
        Index = _usearch_index_class()

        # Typed as Any: usearch's stubs declare expansion_search read-only, it is not.
        index: Any = Index.restore(str(path), view=True) if path.is_file() else None
        if index is None or index.ndim != dim:
            raise ArtifactError(f"{path}: HNSW graph is missing or damaged; rebuild the index.")
        index.expansion_search = HNSW_EXPANSION_SEARCH
        return cls(index, path)

    @property
    def is_view(self) -> bool:
        """Whether the graph is still the read-only view of a file."""
        return self._view_path is not None

    @property
    def storage(self) -> str:
        """The key of ``GRAPH_STORAGE`` this graph was built with."""
        dtype = str(self._index.dtype).rsplit(".", 1)[-1].lower()
        return next((name for name, (kind, _) in GRAPH_STORAGE.items() if kind == dtype), dtype)

    def make_writable(self) -> None:
        if self._view_path is not None:
            Index = _usearch_index_class()

            self._index = Index.restore(str(self._view_path), view=False)
            self._index.expansion_search = HNSW_EXPANSION_SEARCH
            self._view_path = None

    def upsert(self, rows: npt.NDArray[np.int64], vectors: FloatArray) -> None:
        if rows.size == 0:
            return
        keys = rows.astype(np.uint64)
        present = np.asarray(self._index.contains(keys), dtype=bool).reshape(-1)
        if present.any():
            self._index.remove(keys[present])
        self._index.add(keys, vectors)
        self._reattach_stranded(keys, vectors)

    def _reattach_stranded(self, keys: npt.NDArray[np.uint64], vectors: FloatArray) -> None:
        """Add again, on one thread, the just-added rows a search for their own vector
        does not find.

        usearch's concurrent add() can leave a node stored but unreachable by search
        (unum-cloud/USearch#735): measured here, 0.26% of 1,500 and 0.02% of 50,000
        rows added on two threads, none on one. One thread would double the build time
        on two cores (and cost far more on bigger machines); this check and the adds
        again cost 0.7 of a build at 50,000 random vectors, the worst case for its
        shallow search (ef ``_REATTACH_EXPANSION``): rows missed only for that are
        added again too, which is harmless."""
        self._index.expansion_search = _REATTACH_EXPANSION
        try:
            found = np.asarray(self._index.search(vectors, 1).keys).reshape(-1)
        finally:
            self._index.expansion_search = HNSW_EXPANSION_SEARCH
        stranded = keys[found != keys]
        if stranded.size:
            self._index.remove(stranded)
            self._index.add(stranded, vectors[found != keys], threads=1)

    def remove(self, rows: npt.NDArray[np.int64]) -> None:
        """Drop the vectors of those ``rows`` the graph holds."""
        keys = rows.astype(np.uint64)
        present = np.asarray(self._index.contains(keys), dtype=bool).reshape(-1)
        if present.any():
            self._index.remove(keys[present])

    def search(
        self, query: FloatArray, count: int, *, exact: bool = False
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """Rows and cosine similarities of the ``count`` nearest vectors, best first;
        ``exact`` compares with every vector instead of walking the graph."""
        matches = self._index.search(query, count, exact=exact)
        rows = np.asarray(matches.keys, dtype=np.int64)
        scores = (1.0 - np.asarray(matches.distances, dtype=np.float32)).astype(np.float32)
        return rows, scores

    def vectors(self, rows: npt.NDArray[np.int64], dtype: Any = np.float32) -> npt.NDArray[Any]:
        """The stored vectors of ``rows`` (all present in the graph), in that order."""
        if len(rows) == 0:
            return np.zeros((0, self._index.ndim), dtype=dtype)
        found = self._index.get(rows.astype(np.uint64), dtype=dtype)
        if any(vector is None for vector in found):
            raise ArtifactError("the HNSW graph lacks rows its id list names; rebuild the index.")
        return np.stack(found)

    def save(self, path: Path) -> None:
        with artifacts.atomic_write(path) as tmp:
            self._index.save(str(tmp))


class DenseIndex:
    """Vectors keyed by paper id; see the module docstring for the interface."""

    def __init__(
        self,
        directory: Path,
        *,
        model_name: str,
        dim: int,
        exact_limit: int,
        manifest: Manifest | None,
        ids: RowIds,
        vectors: npt.NDArray[Any] | None,
        graph: HnswGraph | None,
        delta: HnswGraph | None = None,
        base_rows: int | None = None,
        storage: str = DEFAULT_STORAGE,
    ) -> None:
        self.directory = directory
        self.storage = storage
        self.model_name = model_name
        self.dim = dim
        self.exact_limit = exact_limit
        self.high_water_mark = manifest.high_water_mark if manifest else 0
        self._manifest = manifest
        self._ids = ids
        # Rows below the graph threshold; None once the graph holds the vectors.
        self._vectors = vectors
        self._owned = False
        # The base graph (rows below _base_rows) and the delta graph (the rows after).
        self._graph = graph
        self._delta = delta
        self._base_rows = ids.size if base_rows is None else base_rows
        self._changed: set[str] = set()
        self._exact_cache: FloatArray | None = None
        self._key_order: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None
        self._key_lock = threading.Lock()
        self._changes = 0  # writes so far, so a key lookup built across one is not kept

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        model_name: str,
        dim: int,
        create: bool = True,
        exact_limit: int = DEFAULT_EXACT_LIMIT,
        storage: str = DEFAULT_STORAGE,
    ) -> DenseIndex:
        """Open the index in ``directory`` (memory-mapped), or an empty one to fill;
        ``storage``: how a graph built from now on stores its vectors (``GRAPH_STORAGE``)."""
        if storage not in GRAPH_STORAGE:
            raise ValueError(
                f"unknown dense index storage {storage!r}; use one of {', '.join(GRAPH_STORAGE)}"
            )
        manifest = artifacts.read_manifest(directory)
        if manifest is None:
            if not create:
                raise ArtifactError(
                    f"{directory}: no dense index here yet; build it with `paperscope index`."
                )
            empty = np.zeros((0, dim), dtype=STORAGE_DTYPE)
            return cls(
                directory,
                model_name=model_name,
                dim=dim,
                exact_limit=exact_limit,
                manifest=None,
                ids=RowIds.from_ids([]),
                vectors=empty,
                graph=None,
                storage=storage,
            )
        artifacts.check_manifest(
            manifest,
            directory=directory,
            kind=KIND,
            format_version=FORMAT_VERSION,
            also_reads=_OLDER_READABLE_FORMATS,
            model_name=model_name,
            dim=dim,
        )
        ids, vectors, graph, delta = _load_files(directory, manifest, dim)
        base_rows = manifest.extra.get("base_rows", ids.size)
        if not isinstance(base_rows, int) or not 0 <= base_rows <= ids.size:
            raise ArtifactError(
                f"{directory}: manifest gives {base_rows!r} base rows for {ids.size} ids; "
                "the folder is damaged, rebuild the index."
            )
        return cls(
            directory,
            model_name=model_name,
            dim=dim,
            exact_limit=exact_limit,
            manifest=manifest,
            ids=ids,
            vectors=vectors,
            graph=graph,
            delta=delta,
            base_rows=base_rows,
            storage=storage,
        )

    # -- reading -------------------------------------------------------------------

    def __len__(self) -> int:
        return self._ids.live_count()

    def __contains__(self, paper_id: object) -> bool:
        return isinstance(paper_id, str) and self._ids.row(paper_id) is not None

    def known(self, paper_ids: Sequence[str]) -> list[str]:
        """The given ids that are indexed, in the given order (one look-up for all,
        cheaper than ``in`` for each)."""
        rows = self._ids.rows(paper_ids)
        return [
            paper_id for paper_id, row in zip(paper_ids, rows.tolist(), strict=True) if row >= 0
        ]

    def with_keys(self, keys: Sequence[int]) -> list[str]:
        """The indexed papers whose ``paper_key`` is among ``keys``, in row order: how a
        filter's matches (which the lexical index gives as keys) are found here. Each
        key is found by binary search in the rows' keys, sorted once: a test of every
        row took about 300 ms per call at 2.5M papers."""
        sorted_keys, rows_by_key = self._key_rows()
        wanted = np.unique(np.asarray(keys, dtype=np.int64))
        wanted = wanted[wanted >= 0]  # paper keys are 63-bit; -1 marks deleted rows
        first = np.searchsorted(sorted_keys, wanted, side="left")
        found = np.searchsorted(sorted_keys, wanted, side="right") - first
        total = int(found.sum())
        if not total:
            return []
        # Every position from first to first + found of each key (a key shared by two
        # ids, vanishingly rare for 63-bit hashes, gives both).
        positions = np.repeat(first - np.cumsum(found) + found, found) + np.arange(total)
        return self._ids.ids_of(np.sort(rows_by_key[positions].astype(np.int64)))

    def prepare_key_lookup(self) -> None:
        """Have what ``with_keys`` searches ready now rather than in the first call:
        read from the index's keys file, or, for an index saved without one or changed
        since, built by hashing every id and sorting the keys, about 2 s at 2.5M papers
        (search/semantic.py does it in the background when it opens a large index)."""
        self._key_rows()

    def _key_rows(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Every row's ``paper_key`` sorted, and the row of each (40 MB at 2.5M rows).
        Kept until the index changes. Built once: a search that needs it while the
        background build runs waits for that build rather than starting its own."""
        found = self._key_order
        if found is None:
            with self._key_lock:
                found = self._key_order
                if found is None:
                    changes = self._changes
                    found = self._saved_key_rows() or self._built_key_rows()
                    if changes == self._changes:  # else a write came meanwhile: not kept
                        self._key_order = found
        return found

    def _built_key_rows(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        keys = np.fromiter(
            (paper_key(pid) if pid else -1 for pid in self._ids), np.int64, self._ids.size
        )
        order = np.argsort(keys, kind="stable")
        return keys[order], order.astype(np.int64)

    def _saved_key_rows(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None:
        """The key order written by ``save`` (memory-mapped: the workers of a server
        share its pages), while the ids are still those it was written for."""
        manifest = self._manifest
        if manifest is None or "ids" in self._changed:
            return None
        name = manifest.files.get("keys")
        if name is None or manifest.extra.get("keys_for") != manifest.doc_ids:
            return None  # none, or saved by a writer that did not keep it up to date
        try:
            saved = artifacts.load_array(self.directory / name, mmap=True)
        except ArtifactError as exc:
            log.warning("%s; the key lookup is built from the ids instead", exc)
            return None
        if saved.shape != (2, self._ids.size) or saved.dtype != np.int64:
            log.warning(
                "%s holds %s %s, not the key order of %d rows; built from the ids instead",
                self.directory / name,
                saved.shape,
                saved.dtype,
                self._ids.size,
            )
            return None
        return saved[0], saved[1]

    def vector(self, paper_id: str) -> FloatArray | None:
        row = self._ids.row(paper_id)
        if row is None:
            return None
        vector: FloatArray = self._row_vectors(np.asarray([row], dtype=np.int64))[0]
        return vector

    def vectors(self, paper_ids: Sequence[str]) -> FloatArray:
        """float32 rows for the ids that are in the index, in the given order; ids that
        are not indexed are skipped (filter with ``in`` first to keep rows aligned)."""
        rows = self._ids.rows(paper_ids)
        return self._row_vectors(rows[rows >= 0])

    def known_vectors(self, paper_ids: Sequence[str]) -> tuple[list[str], FloatArray]:
        """``known`` and ``vectors`` of the same ids with one look-up of their rows."""
        rows = self._ids.rows(paper_ids)
        present = rows >= 0
        known = [pid for pid, kept in zip(paper_ids, present.tolist(), strict=True) if kept]
        return known, self._row_vectors(rows[present])

    def ids(self) -> list[str]:
        """Indexed paper ids, in row order."""
        return [paper_id for paper_id in self._ids if paper_id]

    def search(
        self, vector: npt.ArrayLike, k: int, *, allowed: Allowed | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` nearest papers by cosine similarity, best first, among those for
        which ``allowed(paper_id)`` is true (all when ``allowed`` is None)."""
        if k <= 0 or not len(self):
            return []
        query = self._prepare_query(vector)
        if self._graph is None or len(self) < self.exact_limit:
            return self._exact_search(query, k, allowed)
        return self._graph_search(query, k, allowed)

    # -- writing -------------------------------------------------------------------

    def add(self, paper_ids: Sequence[str], vectors: npt.ArrayLike) -> None:
        """Add or replace the vectors of ``paper_ids`` (rows are L2-normalised here)."""
        matrix = _as_matrix(vectors, self.dim)
        if len(paper_ids) != matrix.shape[0]:
            raise ValueError(f"{len(paper_ids)} paper ids but {matrix.shape[0]} vectors given")
        if not paper_ids:
            return
        latest = {paper_id: position for position, paper_id in enumerate(paper_ids)}
        for paper_id in latest:
            if not paper_id or "\n" in paper_id or "\0" in paper_id:
                raise ValueError(
                    f"invalid paper id {paper_id!r}: empty, or has a line break or NUL byte"
                )
        if len(latest) != len(paper_ids):  # duplicates: the last vector of an id wins
            matrix = matrix[list(latest.values())]
        matrix = _normalise(matrix)
        if self._graph is not None and self._graph.is_view:
            self._add_to_delta(list(latest), matrix)
            return
        if self._graph is None:
            self._make_writable(extra_rows=len(latest))
        rows = np.asarray([self._ids.append(paper_id) for paper_id in latest], dtype=np.int64)
        if self._graph is not None:  # built in this process: changed in place
            self._graph.upsert(rows, matrix)
            self._base_rows = self._ids.size
            self._after_change({"ids", "graph"})
            return
        assert self._vectors is not None
        self._vectors[rows] = matrix.astype(STORAGE_DTYPE)
        self._after_change({"ids", "vectors"})
        if len(self) >= self.exact_limit:
            self._build_graph()

    def remove(self, paper_ids: Sequence[str]) -> None:
        if not any(paper_id in self for paper_id in set(paper_ids)):
            return
        # Only the ids change: the vectors file and a base graph read from disk keep
        # the rows (an empty id marks them, and search skips them) until a save
        # compacts them, so a mapped index is not copied into memory here.
        deleted = (self._ids.delete(paper_id) for paper_id in set(paper_ids))
        rows = np.asarray([row for row in deleted if row is not None], dtype=np.int64)
        changed = {"ids"}
        if self._graph is not None and not self._graph.is_view:
            self._graph.remove(rows[rows < self._base_rows])
            changed.add("graph")
        if self._delta is not None and (rows >= self._base_rows).any():
            self._delta.make_writable()
            self._delta.remove(rows[rows >= self._base_rows])
            changed.add("delta")
        self._after_change(changed)

    def save(self, *, key_lookup: bool = True) -> None:
        """Write the index atomically; unchanged files are reused, not rewritten.
        ``key_lookup``: also write the rows' keys in order for ``with_keys`` (hashing
        every id, about 2 s at 2.5M papers); the checkpoints of a long run leave it to
        the run's last save."""
        self._compact_if_sparse()
        previous = self._manifest
        generation = artifacts.next_generation(previous)
        files = dict(previous.files) if previous else {}
        doc_ids = previous.doc_ids if previous else None
        if "ids" in self._changed or doc_ids is None:
            doc_ids = artifacts.generation_name("doc_ids", generation, ".txt")
            artifacts.write_doc_ids(self.directory / doc_ids, list(self._ids))
        if (previous.extra.get("keys_for") if previous else None) != doc_ids:
            files.pop("keys", None)  # written for other ids, or by a version without it
        if key_lookup and "keys" not in files:
            # The rows' keys in order, so that a server opening this generation has its
            # filter lookup at once instead of hashing every id (with_keys).
            files["keys"] = artifacts.generation_name("keys", generation, ".npy")
            artifacts.save_array(self.directory / files["keys"], np.stack(self._key_rows()))
        if self._graph is None:
            assert self._vectors is not None
            files.pop("hnsw", None)
            if "vectors" in self._changed or "vectors" not in files:
                files["vectors"] = artifacts.generation_name("vectors", generation, ".npy")
                artifacts.save_array(
                    self.directory / files["vectors"], self._vectors[: self._ids.size]
                )
        else:
            files.pop("vectors", None)
            if "graph" in self._changed or "hnsw" not in files:
                files["hnsw"] = artifacts.generation_name("hnsw", generation, ".usearch")
                self._graph.save(self.directory / files["hnsw"])
            if self._delta is None:
                files.pop("delta", None)
            elif "delta" in self._changed or "delta" not in files:
                files["delta"] = artifacts.generation_name("delta", generation, ".usearch")
                self._delta.save(self.directory / files["delta"])
        if self._graph is None:
            files.pop("delta", None)
        manifest = Manifest(
            kind=KIND,
            format_version=FORMAT_VERSION,
            model_name=self.model_name,
            dim=self.dim,
            count=len(self),
            high_water_mark=self.high_water_mark,
            generation=generation,
            doc_ids=doc_ids,
            files=files,
            extra={
                "rows": self._ids.size,
                "base_rows": self._base_rows,
                "vector_dtype": self._graph.storage if self._graph else DEFAULT_STORAGE,
                # The id list the keys file is the order of (see _saved_key_rows).
                **({"keys_for": doc_ids} if "keys" in files else {}),
            },
        )
        self._manifest = artifacts.commit_manifest(self.directory, replace(manifest))
        self._changed.clear()

    # -- internals -----------------------------------------------------------------

    def _prepare_query(self, vector: npt.ArrayLike) -> FloatArray:
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dim:
            raise ValueError(f"query vector has {query.shape[0]} dimensions, expected {self.dim}")
        norm = float(np.linalg.norm(query))
        return query / norm if norm > 0 else query

    def _row_vectors(self, rows: npt.NDArray[np.int64]) -> FloatArray:
        if self._graph is not None:
            if self._delta is None:
                found: FloatArray = self._graph.vectors(rows)
                return found
            out = np.empty((len(rows), self.dim), dtype=np.float32)
            in_base = rows < self._base_rows
            out[in_base] = self._graph.vectors(rows[in_base])
            out[~in_base] = self._delta.vectors(rows[~in_base])
            return out
        assert self._vectors is not None
        return np.asarray(self._vectors[rows], dtype=np.float32).reshape(len(rows), self.dim)

    def _exact_search(
        self, query: FloatArray, k: int, allowed: Allowed | None
    ) -> list[tuple[str, float]]:
        if self._graph is not None:

            def best(count: int) -> tuple[npt.NDArray[np.int64], FloatArray]:
                rows, scores, _ = self._graphs_search(query, count, exact=True)
                return rows, scores

        else:
            scores = self._exact_scores(query)

            def best(count: int) -> tuple[npt.NDArray[np.int64], FloatArray]:
                rows = _top_order(scores, count)
                return rows, scores[rows]

        count = k if allowed is None else max(4 * k, 64)
        while True:
            hits = self._collect(*best(count), k, allowed)
            if len(hits) >= k or count >= self._ids.size:
                return hits
            count = min(self._ids.size, 8 * count)

    def _collect(
        self, rows: npt.NDArray[np.int64], scores: FloatArray, k: int, allowed: Allowed | None
    ) -> list[tuple[str, float]]:
        """The first ``k`` allowed papers of ``rows`` (best first, ``scores`` aligned)."""
        hits: list[tuple[str, float]] = []
        for paper_id, score in zip(self._ids.ids_of(rows), scores.tolist(), strict=True):
            if score == -np.inf:  # deleted rows of the vectors file, sorted last
                break
            if not paper_id:  # a deleted row's vector left in a base graph
                continue
            if allowed is None or allowed(paper_id):
                # float16 rows can put a self-match a hair above 1; cosines stay <= 1.
                hits.append((paper_id, min(score, 1.0)))
                if len(hits) == k:
                    break
        return hits

    def _exact_scores(self, query: FloatArray) -> FloatArray:
        """Cosine of ``query`` with every row of the vectors file; deleted rows score
        -inf."""
        assert self._vectors is not None
        size = self._ids.size
        if size <= self.exact_limit:
            if self._exact_cache is None:
                self._exact_cache = np.asarray(self._vectors[:size], dtype=np.float32)
            scores: FloatArray = self._exact_cache @ query
        else:
            scores = np.empty(size, dtype=np.float32)
            for start in range(0, size, _SCAN_BLOCK_ROWS):
                block = np.asarray(self._vectors[start : start + _SCAN_BLOCK_ROWS], np.float32)
                scores[start : start + len(block)] = block @ query
        if len(self) < size:
            scores[self._ids.deleted()] = -np.inf
        return scores

    def _graph_search(
        self, query: FloatArray, k: int, allowed: Allowed | None
    ) -> list[tuple[str, float]]:
        fetch = k if allowed is None else max(4 * k, 64)
        while True:
            rows, scores, more = self._graphs_search(query, fetch)
            hits = self._collect(rows, scores, k, allowed)
            if len(hits) == k or not more or fetch >= self._ids.size:
                return hits
            if fetch >= _MAX_OVERFETCH:
                return self._exact_search(query, k, allowed)
            fetch *= 4

    def _graphs_search(
        self, query: FloatArray, count: int, *, exact: bool = False
    ) -> tuple[npt.NDArray[np.int64], FloatArray, bool]:
        """The nearest rows of the base and the delta graph, merged best first (deleted
        rows included), ``count`` asked of each; and whether either may hold more."""
        assert self._graph is not None
        rows, scores = self._graph.search(query, count, exact=exact)
        if self._delta is None:
            return rows, scores, len(rows) >= count
        delta_rows, delta_scores = self._delta.search(query, count, exact=exact)
        # A graph that gave all ``count`` may hold more rows just below its last one, so
        # the merged list holds every row only down to the higher of those last scores.
        floors = [found[-1] for found in (scores, delta_scores) if len(found) >= count]
        rows = np.concatenate([rows, delta_rows])
        scores = np.concatenate([scores, delta_scores])
        order = np.argsort(-scores, kind="stable")
        rows, scores = rows[order], scores[order]
        if floors:
            kept = scores >= max(floors)
            rows, scores = rows[kept], scores[kept]
        return rows, scores, bool(floors)

    def _make_writable(self, *, extra_rows: int) -> None:
        """Copy a memory-mapped vectors file into growable memory before the first
        change."""
        assert self._vectors is not None
        size = self._ids.size
        needed = size + extra_rows
        if not self._owned or needed > self._vectors.shape[0]:
            capacity = max(needed, int(self._vectors.shape[0] * 1.5), 1024)
            buffer = np.zeros((capacity, self.dim), dtype=STORAGE_DTYPE)
            buffer[:size] = self._vectors[:size]
            self._vectors = buffer
            self._owned = True

    def _after_change(self, parts: set[str]) -> None:
        """``parts``: what the next save must write ("ids", "vectors", "graph" for the
        base graph, "delta")."""
        self._changed |= parts
        self._exact_cache = None
        self._key_order = None
        self._changes += 1

    def _add_to_delta(self, paper_ids: list[str], matrix: FloatArray) -> None:
        """Add to a base graph read from disk without changing it: new rows go to the
        delta graph; a paper of the base embedded again moves there, its base row
        marked deleted."""
        assert self._graph is not None
        rows = self._ids.rows(paper_ids)
        for paper_id in np.asarray(paper_ids, dtype=object)[(rows >= 0) & (rows < self._base_rows)]:
            self._ids.delete(paper_id)
        rows = np.asarray([self._ids.append(paper_id) for paper_id in paper_ids], dtype=np.int64)
        if self._delta is None:
            self._delta = HnswGraph.create(self.dim, self._graph.storage)
        self._delta.make_writable()
        self._delta.upsert(rows, matrix)
        self._after_change({"ids", "delta"})
        if self._ids.size - self._base_rows > max(
            DELTA_MIN_ROWS, int(self._base_rows * DELTA_SHARE)
        ):
            self._fold_delta()

    def _fold_delta(self) -> None:
        """Move the delta's vectors into the base graph, loaded into memory for it (the
        next save rewrites it); deleted rows' vectors left in the base go too."""
        assert self._graph is not None and self._delta is not None
        graph, delta = self._graph, self._delta
        graph.make_writable()
        deleted = self._ids.deleted()
        graph.remove(np.flatnonzero(deleted[: self._base_rows]))
        added = np.arange(self._base_rows, self._ids.size, dtype=np.int64)
        added = added[~deleted[self._base_rows :]]
        for start in range(0, len(added), _SCAN_BLOCK_ROWS):
            block = added[start : start + _SCAN_BLOCK_ROWS]
            graph.upsert(block, delta.vectors(block))
        self._delta = None
        self._base_rows = self._ids.size
        self._after_change({"graph", "delta"})

    def convert_storage(self) -> bool:
        """Rebuild a graph built with another storage type than ``self.storage`` from
        the vectors it holds (no embedding: minutes for millions of papers, the time
        of an HNSW build); False when there is nothing to convert. Rows keep their
        numbers. Vectors once rounded to float8 stay rounded when converted back to
        float16; only embedding them again restores them."""
        if self._graph is None or self._graph.storage == self.storage:
            return False
        self._graph = self._new_graph(self._row_vectors)
        self._delta = None
        self._base_rows = self._ids.size
        self._after_change({"graph", "delta"})
        return True

    def _new_graph(
        self,
        read: Callable[[npt.NDArray[np.int64]], npt.NDArray[Any]],
        *,
        renumber: bool = False,
    ) -> HnswGraph:
        """A graph in ``self.storage`` of every live row, whose vectors ``read``
        gives a block of rows at a time (so only a block is ever copied out).
        ``renumber``: the live rows become rows 0, 1, 2... in their order, as after
        a compaction; otherwise they keep their numbers."""
        live = np.flatnonzero(~self._ids.deleted())
        graph = HnswGraph.create(self.dim, self.storage)
        for start in range(0, len(live), _SCAN_BLOCK_ROWS):
            block = live[start : start + _SCAN_BLOCK_ROWS]
            keys = np.arange(start, start + len(block), dtype=np.int64) if renumber else block
            graph.upsert(keys, np.asarray(read(block), dtype=np.float32))
        return graph

    def _build_graph(self) -> None:
        """Move the vectors into a new graph, which from now on is their only copy."""
        vectors = self._vectors
        assert vectors is not None
        self._graph = self._new_graph(lambda rows: vectors[rows])
        self._delta = None
        self._base_rows = self._ids.size
        self._vectors = None
        self._owned = False
        self._after_change({"graph", "vectors"})

    def _compact_if_sparse(self) -> None:
        """Drop deleted rows once they are a fifth of the file (renumbers the rows)."""
        deleted = self._ids.size - len(self)
        if deleted < max(1_000, self._ids.size // 5):
            return
        live = np.flatnonzero(~self._ids.deleted())
        if self._graph is not None and len(live) >= self.exact_limit:
            # Row numbers are the graph's keys, so renumbering means a new graph, built
            # straight from the old ones a block at a time: a copy of every vector in
            # between would take 1.9 GB at 2.5M papers.
            self._graph = self._new_graph(self._row_vectors, renumber=True)
            self._after_change({"ids", "graph", "delta"})
        else:
            if self._graph is not None:  # few enough rows left for the exact form
                self._vectors = self._row_vectors(live).astype(STORAGE_DTYPE)
                self._graph = None
            else:
                assert self._vectors is not None
                self._vectors = np.ascontiguousarray(self._vectors[live])
            self._owned = True
            self._after_change({"ids", "vectors"})
        self._delta = None
        self._ids = RowIds.from_ids(self._ids.ids_of(live))
        self._base_rows = self._ids.size
        if self._graph is None and len(self) >= self.exact_limit:
            self._build_graph()


def _usearch_index_class() -> Any:
    # usearch's extension links its own copy of libstdc++ and exports its symbols;
    # importing onnxruntime *after* it crashes the process (std::codecvt facet clash in
    # locale set-up). The other order is safe, so load onnxruntime first when present.
    with contextlib.suppress(ImportError):
        import onnxruntime  # noqa: F401
    from usearch.index import Index

    return Index


def _load_files(
    directory: Path, manifest: Manifest, dim: int
) -> tuple[RowIds, npt.NDArray[Any] | None, HnswGraph | None, HnswGraph | None]:
    if manifest.doc_ids is None or not {"vectors", "hnsw"} & set(manifest.files):
        raise ArtifactError(f"{directory}: the manifest names no vectors; rebuild the index.")
    ids = RowIds.from_bytes(artifacts.read_doc_ids(directory / manifest.doc_ids))
    if "hnsw" in manifest.files:
        graph = HnswGraph.view(directory / manifest.files["hnsw"], dim)
        delta = manifest.files.get("delta")
        return ids, None, graph, HnswGraph.view(directory / delta, dim) if delta else None
    vectors = artifacts.load_array(directory / manifest.files["vectors"], mmap=True)
    if vectors.ndim != 2 or vectors.shape != (ids.size, dim):
        raise ArtifactError(
            f"{directory}: vectors file has shape {vectors.shape} but the index lists "
            f"{ids.size} ids of dimension {dim}; the folder is damaged, rebuild the index."
        )
    return ids, vectors, None, None


def _as_matrix(vectors: npt.ArrayLike, dim: int) -> FloatArray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1 and matrix.shape[0] == dim:
        matrix = matrix.reshape(1, dim)
    if matrix.ndim != 2 or matrix.shape[1] != dim:
        raise ValueError(f"vectors must have shape (n, {dim}), got {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("vectors contain NaN or infinite values")
    return matrix


def _normalise(matrix: FloatArray) -> FloatArray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    normalised: FloatArray = (matrix / np.where(norms > 0, norms, 1.0)).astype(
        np.float32, copy=False
    )
    return normalised


def _top_order(scores: FloatArray, count: int) -> npt.NDArray[np.int64]:
    """Indices of the ``count`` highest scores, best first."""
    count = min(count, scores.shape[0])
    if count < scores.shape[0]:
        part = np.argpartition(-scores, count - 1)[:count]
    else:
        part = np.arange(scores.shape[0])
    order: npt.NDArray[np.int64] = part[np.argsort(-scores[part], kind="stable")]
    return order
