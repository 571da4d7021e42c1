"""Facets of many matches are counted over a uniform sample of them (papers whose
hashed id falls in the first part of its range) and scaled up; few matches are
counted exactly. Checked against a count by hand over the seed corpus."""

from __future__ import annotations

from collections import Counter

import pytest
from search_samples import seed_papers
from test_answers import real_matches

from paperscope.index.analysis import paper_key
from paperscope.index.lexical import KEY_RANGE
from paperscope.models import SearchQuery
from paperscope.search.engine import SearchEngine


def test_many_matches_are_counted_over_a_sample_and_scaled_up(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "language model"
    expected = real_matches(engine, text, "hybrid", {})
    assert len(expected) > 20  # enough matches for a sample to be taken
    monkeypatch.setattr(engine, "facet_exact_limit", 10)
    monkeypatch.setattr(engine, "facet_sample", 5)
    results = engine.search(SearchQuery(text=text, limit=3, facets=True))
    facets = results.facets
    assert facets is not None
    # The largest power-of-two share that leaves at least 5 of the matches.
    share = 1.0
    while len(expected) * share / 2 >= 5:
        share /= 2
    assert facets.sample == share < 1
    assert results.total == len(expected)  # the total stays an exact count
    sampled = [
        p
        for p in seed_papers()
        if p.paper_id in expected and paper_key(p.paper_id) < KEY_RANGE * share
    ]
    categories = Counter(c for p in sampled for c in p.categories)
    assert dict(facets.categories) == {name: round(n / share) for name, n in categories.items()}
    months = Counter(f"{p.submitted_at:%Y-%m}" for p in sampled if p.submitted_at)
    assert {m: n for m, n in facets.months if n} == {m: round(n / share) for m, n in months.items()}


def test_few_matches_are_counted_exactly(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "facet_exact_limit", 1_000)
    results = engine.search(SearchQuery(text="language model", facets=True))
    assert results.facets is not None and results.facets.sample == 1.0
    assert sum(n for _, n in results.facets.years) == results.total


def test_listing_facets_sample_every_paper(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "facet_exact_limit", 10)
    monkeypatch.setattr(engine, "facet_sample", 30)
    facets = engine.search(SearchQuery(text="", facets=True)).facets
    # 81 papers: a half leaves at least 30 of them, a quarter does not.
    assert facets is not None and facets.sample == 0.5
    kept = sum(1 for p in seed_papers() if paper_key(p.paper_id) < KEY_RANGE / 2)
    assert facets.years == ((2024, kept * 2),)
