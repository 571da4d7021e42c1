"""The blocked, threaded top-k scan returns exactly what a full product and sort would."""

from __future__ import annotations

import numpy as np
import pytest

from paperscope.rank.recommend import scan as recommend_scan
from paperscope.rank.recommend.scan import top_columns


def _brute(columns, weights, biases, start):  # type: ignore[no-untyped-def]
    """Every column's per-group scores from one full product."""
    return weights @ columns[:, start:] + biases[:, None]


@pytest.mark.parametrize("groups", [1, 4])
@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize(("start", "limit"), [(0, 50), (12_345, 7), (40_000, 5_000), (0, 60_000)])
def test_matches_a_full_sort(
    monkeypatch: pytest.MonkeyPatch, groups: int, parallel: bool, start: int, limit: int
) -> None:
    if parallel:
        monkeypatch.setattr(recommend_scan, "PARALLEL_COLUMNS", 1_000)
        monkeypatch.setattr(recommend_scan, "_THREADS", 3)
        monkeypatch.setattr(recommend_scan, "_POOL", [])
    rng = np.random.default_rng(groups * 7 + start)
    columns = rng.standard_normal((16, 50_000)).astype(np.float32)
    weights = rng.standard_normal((groups, 16)).astype(np.float32)
    biases = rng.standard_normal(groups).astype(np.float32)
    exclude = rng.choice(50_000, size=300, replace=False).astype(np.int64)

    rows, scores, best = top_columns(
        columns, weights, biases, start=start, limit=limit, exclude=exclude
    )
    per_group = _brute(columns, weights, biases, start)
    full = per_group.max(axis=0)
    allowed = np.setdiff1d(np.arange(start, 50_000), exclude) - start
    want = np.sort(full[allowed])[::-1][:limit]
    assert len(rows) == len(want)
    # The same scores as a full sort (blocked products round differently in the last
    # bits, so near-equal papers may swap places, but none better is missed) ...
    np.testing.assert_allclose(scores, want, rtol=1e-5, atol=1e-5)
    assert np.all(np.diff(scores) <= 0)
    # ... each the true score of the row it names, with its best group.
    np.testing.assert_allclose(full[rows - start], scores, rtol=1e-5, atol=1e-5)
    ranked = np.sort(per_group[:, rows - start], axis=0)
    clear = ranked[-1] - ranked[-2] > 1e-4 if groups > 1 else np.ones(len(rows), bool)
    assert np.array_equal(best[clear], per_group[:, rows - start].argmax(axis=0)[clear])
    assert not set(rows.tolist()) & set(exclude.tolist())


def test_nothing_to_rank() -> None:
    columns = np.ones((4, 10), dtype=np.float32)
    weights = np.ones((1, 4), dtype=np.float32)
    biases = np.zeros(1, dtype=np.float32)
    everything = np.arange(10, dtype=np.int64)
    for start, limit, exclude in [
        (10, 5, everything[:0]),
        (0, 0, everything[:0]),
        (0, 5, everything),
    ]:
        rows, scores, best = top_columns(
            columns, weights, biases, start=start, limit=limit, exclude=exclude
        )
        assert len(rows) == len(scores) == len(best) == 0
