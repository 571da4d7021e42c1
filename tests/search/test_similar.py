"""Similar papers: a paper turned into a query, and neighbours without the paper
itself, on a real lexical index (no dense index: the lexical fallback)."""

from __future__ import annotations

from pathlib import Path

from paperscope.config import Settings
from paperscope.index.lexical import LexicalIndex
from paperscope.models import Paper
from paperscope.search.query import Group, Text
from paperscope.search.semantic import SemanticSide
from paperscope.search.similar import MAX_QUERY_WORDS, find_similar, paper_as_query


def paper(pid: str, title: str, abstract: str = "") -> Paper:
    return Paper(paper_id=pid, title=title, abstract=abstract)


def test_paper_as_query_keeps_distinct_content_words_title_first() -> None:
    node = paper_as_query(paper("p", "Diffusion models", "The diffusion of an idea in models."))
    assert isinstance(node, Group)
    words = [child.words[0] for _, child in node.clauses if isinstance(child, Text)]
    # Stop words and words of two letters or fewer are left out; repeats once.
    assert words == ["diffusion", "models", "idea"]
    assert all(occur == "should" for occur, _ in node.clauses)


def test_paper_as_query_is_bounded_and_none_when_empty() -> None:
    many = " ".join(f"word{n}" for n in range(200))
    node = paper_as_query(paper("p", many))
    assert isinstance(node, Group) and len(node.clauses) == MAX_QUERY_WORDS
    assert paper_as_query(paper("p", "of the a", "an is")) is None


def test_lexical_neighbours_leave_the_paper_out(tmp_path: Path) -> None:
    corpus = [
        paper("p1", "Protein folding with transformers", "Attention predicts folds."),
        paper("p2", "Protein folding by simulation", "Molecular dynamics of folds."),
        paper("p3", "Stock prices", "Markets and trading."),
    ]
    lexical = LexicalIndex.open(tmp_path / "lexical")
    lexical.upsert(corpus)
    lexical.commit()
    semantic = SemanticSide(settings=Settings(data_dir=tmp_path), directory=tmp_path / "dense")
    found = find_similar(corpus[0], limit=5, lexical=lexical, semantic=semantic)
    assert found.method == "lexical"
    assert [pid for pid, _ in found.scored] == ["p2"]
    assert find_similar(corpus[0], limit=0, lexical=lexical, semantic=semantic).scored == []
