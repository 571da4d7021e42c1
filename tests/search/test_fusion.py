"""Fusion of lexical and semantic scores, checked against values worked out by hand."""

from __future__ import annotations

import pytest

from paperscope.search.fusion import FusionSettings, fuse


def test_convex_scales_bm25_by_its_best_and_mixes_with_the_cosine() -> None:
    bm25 = {"a": 10.0, "b": 5.0}
    cosine = {"a": 0.2, "b": 0.6, "c": 0.5}
    fused = dict(fuse(bm25, cosine, FusionSettings("convex", 0.3)))
    assert fused["a"] == pytest.approx(0.3 * 1.0 + 0.7 * 0.2)
    assert fused["b"] == pytest.approx(0.3 * 0.5 + 0.7 * 0.6)
    # No lexical match: BM25 counts as 0.
    assert fused["c"] == pytest.approx(0.7 * 0.5)


def test_convex_orders_best_first_and_breaks_ties_by_id() -> None:
    # a and b tie at 0.3 + 0.7 * 0.5 = 0.65; z has 0.7 * 0.9 = 0.63.
    ranked = fuse({"b": 1.0, "a": 1.0}, {"a": 0.5, "b": 0.5, "z": 0.9})
    assert [pid for pid, _ in ranked] == ["a", "b", "z"]
    assert ranked[0][1] == ranked[1][1] == pytest.approx(0.65)


def test_convex_ignores_negative_cosines_and_empty_bm25() -> None:
    fused = dict(fuse({}, {"a": -0.4, "b": 0.4}, FusionSettings("convex", 0.5)))
    assert fused == {"a": 0.0, "b": pytest.approx(0.2)}
    assert fuse({}, {}) == []


def test_fused_scores_stay_within_zero_and_one() -> None:
    fused = fuse({"a": 3.0, "b": 0.1}, {"a": 1.0, "b": 0.0, "c": 0.99})
    assert all(0.0 <= score <= 1.0 for _, score in fused)
    assert fused[0] == ("a", pytest.approx(1.0))


def test_rrf_sums_weighted_reciprocal_ranks() -> None:
    settings = FusionSettings("rrf", 0.5, 10)
    fused = dict(fuse({"a": 9.0, "b": 3.0}, {"b": 0.9, "c": 0.1}, settings))
    assert fused["a"] == pytest.approx(0.5 / 11)
    assert fused["b"] == pytest.approx(0.5 / 12 + 0.5 / 11)
    assert fused["c"] == pytest.approx(0.5 / 12)
    assert [pid for pid, _ in fuse({"a": 9.0, "b": 3.0}, {"b": 0.9, "c": 0.1}, settings)] == [
        "b",
        "a",
        "c",
    ]
