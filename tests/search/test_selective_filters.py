"""Filters that keep few papers are scored exactly over those papers' vectors, found by
key in the dense index (DenseIndex.with_keys); a large index builds that lookup in the
background as soon as it is opened."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from paperscope.config import Settings
from paperscope.index.dense import DenseIndex
from paperscope.index.lexical import LexicalIndex
from paperscope.index.lexical_compile import Filters
from paperscope.models import Paper
from paperscope.search import semantic as semantic_module
from paperscope.search.semantic import SemanticSide

DIM = 8
START = datetime(2024, 3, 1, tzinfo=UTC)


def _corpus(tmp_path: Path) -> tuple[LexicalIndex, list[str], np.ndarray]:
    ids = [f"2403.{i:05d}" for i in range(400)]
    vectors = np.random.default_rng(3).normal(size=(400, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    lexical = LexicalIndex.open(tmp_path / "lexical")
    lexical.upsert(
        [Paper(paper_id=pid, title=f"Paper {i}", submitted_at=START + timedelta(days=i % 40))
         for i, pid in enumerate(ids)]
    )  # fmt: skip
    lexical.commit(high_water_mark=1)
    dense = DenseIndex.open(tmp_path / "dense", model_name="test-model", dim=DIM)
    dense.add(ids, vectors)
    dense.save()
    return lexical, ids, vectors


def test_a_selective_filter_scores_exactly_the_papers_it_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lexical, ids, vectors = _corpus(tmp_path)
    monkeypatch.setattr(semantic_module, "PREPARE_KEYS_MIN", 100)
    side = SemanticSide(settings=Settings(data_dir=tmp_path), directory=tmp_path / "dense")
    assert side.index is not None
    deadline = time.monotonic() + 10
    while side.index._key_order is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert side.index._key_order is not None, "the key lookup was not built on opening"

    day = (START + timedelta(days=7)).date()
    kept = [i for i in range(400) if i % 40 == 7]  # the papers of that day
    query = vectors[47] + 0.1 * vectors[3]
    query /= np.linalg.norm(query)
    found = side.nearest(query, 5, filters=Filters(date_from=day, date_to=day), lexical=lexical)
    expected = sorted(kept, key=lambda i: -float(vectors[i] @ query))[:5]
    assert list(found) == [ids[i] for i in expected]
    assert found[ids[47]] == pytest.approx(float(vectors[47] @ query), abs=1e-3)
    nothing = Filters(date_from=date(1990, 1, 1), date_to=date(1990, 1, 2))
    assert side.nearest(query, 5, filters=nothing, lexical=lexical) == {}


def test_a_small_index_builds_the_lookup_on_first_use(tmp_path: Path) -> None:
    lexical, ids, vectors = _corpus(tmp_path)
    side = SemanticSide(settings=Settings(data_dir=tmp_path), directory=tmp_path / "dense")
    assert side.index is not None and side.index._key_order is None
    day = START.date()
    found = side.nearest(
        vectors[0], 3, filters=Filters(date_from=day, date_to=day), lexical=lexical
    )
    assert ids[0] in found and all(int(pid.split(".")[1]) % 40 == 0 for pid in found)
