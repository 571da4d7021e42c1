"""Query vectors are kept in a small LRU per worker: a repeated query skips the
model, the answer is the model's own vector, and the cache stays within its size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperscope.config import Settings
from paperscope.index.embedder import Embedder, load_embedder
from paperscope.search.semantic import SemanticSide


class CountingEmbedder:
    """The real model, counting how often it is asked for a query vector."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.calls = inner, 0
        self.model_name = inner.model_name

    def encode_query(self, text: str) -> np.ndarray:
        self.calls += 1
        return self.inner.encode_query(text)


@pytest.fixture(scope="module")
def model() -> Embedder:
    return load_embedder(Settings(dev_mode=True))


def _side(tmp_path: Path, model: Embedder, size: int) -> tuple[SemanticSide, CountingEmbedder]:
    settings = Settings(data_dir=tmp_path, query_embedding_cache=size)
    side = SemanticSide(settings=settings, directory=tmp_path / "dense")
    counting = CountingEmbedder(model)
    side.use_embedder(counting)  # type: ignore[arg-type]
    return side, counting


def test_a_repeated_query_is_embedded_once(tmp_path: Path, model: Embedder) -> None:
    side, counting = _side(tmp_path, model, size=2)
    first = side.embed_query("sparse attention")
    again = side.embed_query("sparse attention")
    assert counting.calls == 1
    assert np.array_equal(first, again)
    assert np.allclose(first, np.asarray(model.encode_query("sparse attention")).reshape(-1))
    with pytest.raises(ValueError):
        first[0] = 1.0  # shared between searches, so read-only
    side.embed_query("graph networks")
    side.embed_query("protein folding")  # the oldest, "sparse attention", goes
    side.embed_query("sparse attention")
    assert counting.calls == 4


def test_size_zero_turns_the_cache_off(tmp_path: Path, model: Embedder) -> None:
    side, counting = _side(tmp_path, model, size=0)
    side.embed_query("sparse attention")
    side.embed_query("sparse attention")
    assert counting.calls == 2
