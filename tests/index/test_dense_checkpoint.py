"""The dense index's catch-up point is saved after the last batch: a run with no
intermediate checkpoint still records its last seq, so the next run embeds nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from paperscope.config import Settings
from paperscope.index.artifacts import read_manifest
from paperscope.index.catch_up import catch_up_indexes, dense_index_dir
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.papers import max_seq, upsert_papers

DIM = 16


class HashingEmbedder:
    """Stands in for the sentence model (outside code): words hashed into DIM
    buckets, normalised. Counts the texts it was asked to encode."""

    model_name = "hashing-test"
    dim = DIM
    backend = "numpy"

    def __init__(self) -> None:
        self.encoded = 0

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None
    ) -> np.ndarray:
        self.encoded += len(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, hashlib.sha1(word.encode()).digest()[0] % DIM] += 1.0
        normalised: np.ndarray = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return normalised

    def encode_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.encode([text])[0]
        return vector


def test_the_last_batch_is_checkpointed(settings: Settings, store: Store) -> None:
    for i in range(5):  # five imports: five seqs, batches of two span several
        upsert_papers(
            store=store,
            papers_in=[
                Paper(
                    paper_id=f"2401.{10000 + i:05d}",
                    title=f"Paper {i} on graphs",
                    abstract=f"Topic {i}.",
                    submitted_at=datetime(2024, 1, 1, tzinfo=UTC),
                )
            ],
        )
    embedder = HashingEmbedder()
    report = catch_up_indexes(
        settings=settings, store=store, embedder=embedder, dense_batch=2, checkpoint_seconds=3600
    )
    assert report.embedded == 5 and embedder.encoded == 5
    manifest = read_manifest(dense_index_dir(settings))
    assert manifest is not None and manifest.high_water_mark == max_seq(store=store)
    again = catch_up_indexes(settings=settings, store=store, embedder=embedder, dense_batch=2)
    assert again.embedded == 0 and embedder.encoded == 5
