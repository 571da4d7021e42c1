"""RM3 feedback: which queries it applies to and what it adds, on hand-made papers;
and on a real index that it re-ranks without changing what matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperscope.index.lexical import LexicalIndex
from paperscope.models import Paper
from paperscope.search.feedback import FeedbackSettings, expand
from paperscope.search.query import Group, Text, parse_query, plain_words


def test_only_plain_word_queries_get_feedback() -> None:
    assert plain_words(parse_query("protein folding").node) == ["protein", "folding"]
    assert plain_words(parse_query("folding").node) == ["folding"]
    for text in ('"protein folding"', "ti:protein", "protein -folding", "a AND b", ""):
        assert plain_words(parse_query(text).node) is None


def test_expansion_keeps_the_query_required_and_weights_new_words() -> None:
    node = parse_query("protein folding").node
    assert node is not None
    hits = [
        (
            Paper(paper_id="a", title="Protein folding", abstract="Chaperones assist chaperones."),
            3.0,
        ),
        (Paper(paper_id="b", title="Folding", abstract="Chaperones and ribosomes."), 1.0),
    ]
    expanded = expand(node, ["protein", "folding"], hits, FeedbackSettings(2, 2, 0.5))
    assert isinstance(expanded, Group)
    assert expanded.clauses[0] == ("must", node)
    added = [(occur, child) for occur, child in expanded.clauses[1:]]
    assert [child.words for _, child in added if isinstance(child, Text)] == [
        ("chaperones",),
        ("assist",),
    ]
    assert all(occur == "should" for occur, _ in added)
    boosts = [child.boost for _, child in added if isinstance(child, Text)]
    # Weights (relevance model, rescaled to the query's two words at weight 0.5) sum to 2.
    assert sum(boosts) == pytest.approx(2.0)
    assert boosts[0] > boosts[1]


def test_no_hits_no_expansion() -> None:
    node = Text(("folding",))
    assert expand(node, ["folding"], [], FeedbackSettings()) is node


def test_feedback_reranks_within_the_same_matches(tmp_path: Path) -> None:
    papers = [
        Paper(paper_id="a", title="Protein folding", abstract="Chaperones guide folding."),
        Paper(paper_id="b", title="Chaperones", abstract="Folding helpers, chaperones."),
        Paper(paper_id="c", title="Paper folding", abstract="Origami and folding art."),
        Paper(paper_id="d", title="Chaperones only", abstract="No match for the query."),
    ]
    index = LexicalIndex.open(tmp_path / "lexical")
    index.upsert(papers)
    index.commit()
    node = parse_query("folding").node
    assert node is not None
    first = index.search(node)
    top = [(next(p for p in papers if p.paper_id == pid), s) for pid, s in first.hits[:1]]
    expanded = index.search(expand(node, ["folding"], top, FeedbackSettings(1, 3, 0.2)))
    assert {pid for pid, _ in expanded.hits} == {pid for pid, _ in first.hits} == {"a", "b", "c"}
    assert expanded.total == first.total == 3
    # The feedback word "chaperones" lifts b above c.
    order = [pid for pid, _ in expanded.hits]
    assert order.index("b") < order.index("c")
