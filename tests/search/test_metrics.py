"""nDCG@10 and recall@100 against values computed by hand."""

from __future__ import annotations

import math

import pytest

from paperscope.search.metrics import mean, ndcg_at_k, recall_at_k


def test_ndcg_hand_computed() -> None:
    # Relevant: a (grade 2), b (grade 1), z (grade 1, never retrieved).
    relevant = {"a": 2, "b": 1, "z": 1, "n": 0}
    ranking = ["x", "a", "n", "b"]
    dcg = 2 / math.log2(3) + 1 / math.log2(5)  # a at rank 2, b at rank 4
    idcg = 2 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(ranking, relevant, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(ranking, relevant, 10) == pytest.approx(0.5406, abs=1e-4)
    assert ndcg_at_k(["a", "b", "z"], relevant, 10) == pytest.approx(1.0)
    assert ndcg_at_k(ranking, relevant, 1) == 0.0
    assert ndcg_at_k(ranking, {"q": 0}, 10) == 0.0


def test_recall_hand_computed() -> None:
    relevant = {"a": 2, "b": 1, "z": 1, "n": 0}
    assert recall_at_k(["x", "a", "n", "b"], relevant, 100) == pytest.approx(2 / 3)
    assert recall_at_k(["x", "a", "n", "b"], relevant, 2) == pytest.approx(1 / 3)
    assert recall_at_k(["a"], {"n": 0}, 100) == 0.0
    assert mean([]) == 0.0 and mean([0.5, 1.0]) == 0.75
