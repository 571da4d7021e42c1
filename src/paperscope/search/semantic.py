"""The semantic side of search: the dense index, the query embedder (loaded on the
first query that needs it, then kept), and filtered nearest-neighbour retrieval."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from paperscope.index import artifacts
from paperscope.index.artifacts import IndexMismatchError
from paperscope.index.lexical import LexicalIndex
from paperscope.index.lexical_compile import Filters

if TYPE_CHECKING:
    from paperscope.config import Settings
    from paperscope.index.dense import DenseIndex
    from paperscope.index.embedder import Embedder

FloatArray = npt.NDArray[np.float32]

# Filters matching at most this many papers are scored exactly (every vector that
# passes); broader filters over-fetch from the graph and check the candidates.
EXACT_FILTER_LIMIT = 5_000
MAX_OVERFETCH = 4_096
PREPARE_KEYS_MIN = 200_000  # papers from which building the key lookup takes ~0.2 s


class SemanticSide:
    def __init__(self, *, settings: Settings, directory: Path) -> None:
        self._settings = settings
        self._directory = directory
        self._lock = threading.Lock()
        self._embedder: Embedder | None = None
        self.index: DenseIndex | None = None
        self._generation = -1
        self._query_vectors: OrderedDict[str, FloatArray] = OrderedDict()
        self.refresh()

    def refresh(self) -> None:
        """(Re)open the dense index when ``paperscope index`` has saved a new one."""
        manifest = artifacts.read_manifest(self._directory)
        if manifest is None or manifest.generation == self._generation:
            return
        from paperscope.index.dense import DenseIndex

        index = DenseIndex.open(
            self._directory,
            model_name=manifest.model_name or "",
            dim=int(manifest.dim or 0),
            create=False,
        )
        with self._lock:
            self.index, self._generation = index, manifest.generation
        if len(index) >= PREPARE_KEYS_MIN:
            # Filters that keep few papers find them by key (nearest -> _exact); the
            # lookup is made ready beside the requests instead of in the first such
            # search (read from the index's keys file, or built for an index without).
            threading.Thread(
                target=index.prepare_key_lookup, name="paperscope-dense-keys", daemon=True
            ).start()

    @property
    def available(self) -> bool:
        return self.index is not None and len(self.index) > 0

    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from paperscope.index.embedder import load_embedder, query_settings

                settings = self._settings
                if not settings.embedding_threads:
                    # One short query at a time: a second ONNX thread only spins
                    # (measured: 5.4 against 10.8 ms of CPU per query, docs/performance.md).
                    settings = settings.model_copy(update={"embedding_threads": 1})
                settings = query_settings(settings)
                if settings.query_embedding_model.strip():
                    embedder = self._query_encoder(settings)
                else:
                    embedder = load_embedder(settings)
                if self.index is not None and embedder.model_name != self.index.model_name:
                    raise IndexMismatchError(
                        f"{self._directory}: the dense index holds {self.index.model_name!r} "
                        f"vectors but the configured model is {embedder.model_name!r}; rebuild "
                        "it with `paperscope index --rebuild` or set PAPERSCOPE_EMBEDDING_MODEL."
                    )
                self._embedder = embedder
            return self._embedder

    def _query_encoder(self, settings: Settings) -> Embedder:
        """The tuned query encoder (index/query_encoder.py), refused unless it was
        trained against this dense index's document model."""
        from paperscope.index.embedder import load_embedder
        from paperscope.index.query_encoder import QueryEncoder, read_query_model

        folder = Path(settings.query_embedding_model.strip()).expanduser().resolve()
        info = read_query_model(folder)
        if self.index is not None and info.document_model != self.index.model_name:
            raise IndexMismatchError(
                f"PAPERSCOPE_QUERY_EMBEDDING_MODEL={folder} was trained against "
                f"{info.document_model!r} vectors but the dense index in {self._directory} "
                f"holds {self.index.model_name!r} vectors; train it again on this index "
                "(`paperscope models finetune`) or unset the setting."
            )
        encoder = load_embedder(settings.model_copy(update={"embedding_model": str(folder)}))
        return QueryEncoder(encoder, document_model=info.document_model)

    def use_embedder(self, embedder: Embedder) -> None:
        """Use an already loaded embedder (evaluation and benchmarks share one)."""
        self._embedder = embedder

    def embed_query(self, text: str) -> FloatArray:
        """The query's vector; repeated queries (popular searches, the pages of one
        search) come from a small LRU instead of the model, which costs ~10 ms each."""
        with self._lock:
            cached = self._query_vectors.get(text)
            if cached is not None:
                self._query_vectors.move_to_end(text)
                return cached
        vector = np.asarray(self.embedder().encode_query(text), dtype=np.float32).reshape(-1)
        vector.flags.writeable = False  # shared by every later search for the same text
        size = self._settings.query_embedding_cache
        if size:
            with self._lock:
                self._query_vectors[text] = vector
                while len(self._query_vectors) > size:
                    self._query_vectors.popitem(last=False)
        return vector

    def vectors(self, paper_ids: Sequence[str]) -> FloatArray:
        if self.index is None:
            return np.zeros((0, 0), dtype=np.float32)
        return self.index.vectors(paper_ids)

    def cosines(self, vector: FloatArray, paper_ids: Sequence[str]) -> dict[str, float]:
        """Cosine of ``vector`` with each given paper that is embedded."""
        if self.index is None or not paper_ids:
            return {}
        present, vectors = self.index.known_vectors(paper_ids)
        if not present:
            return {}
        scores = vectors @ vector
        return {pid: float(s) for pid, s in zip(present, scores, strict=True)}

    def nearest(
        self,
        vector: FloatArray,
        depth: int,
        *,
        filters: Filters,
        lexical: LexicalIndex,
    ) -> dict[str, float]:
        """The ``depth`` papers closest to ``vector`` that pass ``filters``."""
        index = self.index
        if index is None or depth <= 0:
            return {}
        if not filters.active:
            return dict(index.search(vector, depth))
        # The count is remembered per index state (LexicalIndex.count); the keys are
        # read fresh, up to the limit, so a count a moment old cannot drop a paper.
        matching = lexical.count(filters)
        if matching <= EXACT_FILTER_LIMIT:
            ids = index.with_keys(lexical.filter_keys(filters, limit=EXACT_FILTER_LIMIT))
            return self._exact(vector, ids, depth)
        share = matching / max(len(index), 1)
        fetch = min(MAX_OVERFETCH, max(depth, int(depth / share * 1.5)))
        found = index.search(vector, fetch)
        allowed = lexical.matching([pid for pid, _ in found], filters)
        return dict([(pid, score) for pid, score in found if pid in allowed][:depth])

    def _exact(self, vector: FloatArray, paper_ids: list[str], depth: int) -> dict[str, float]:
        if not paper_ids:
            return {}
        assert self.index is not None
        scores = self.index.vectors(paper_ids) @ vector
        top = np.argsort(-scores, kind="stable")[:depth]
        return {paper_ids[i]: float(scores[i]) for i in top}
