"""Suggestions for a query that found nothing, from a real index's vocabulary."""

from __future__ import annotations

from pathlib import Path

from paperscope.index.lexical import LexicalIndex
from paperscope.models import Paper
from paperscope.search.suggest import broader_query, spelling_suggestion


def test_unknown_words_are_respelled_from_the_vocabulary(tmp_path: Path) -> None:
    index = LexicalIndex.open(tmp_path / "lexical")
    index.upsert(
        [
            Paper(paper_id="a", title="Memory barriers", abstract="Memory models of CPUs."),
            Paper(paper_id="b", title="Memory safety", abstract="Rust and memory."),
            Paper(paper_id="c", title="Memos", abstract="Short notes."),
        ]
    )
    index.commit()
    count = index.document_count
    assert spelling_suggestion("memroy barriers", count) == "memory barriers"
    assert spelling_suggestion("Memry", count) == "memory"  # the commonest neighbour wins
    assert spelling_suggestion("memory barriers", count) is None  # nothing to correct
    assert spelling_suggestion("zzzxqj", count) is None  # nothing close enough
    assert spelling_suggestion("", count) is None


def test_broader_query_drops_syntax_only_when_there_is_some() -> None:
    assert broader_query('"memory barrier" au:hinton -survey') == "memory barrier"
    assert broader_query("ti:memory AND barrier") == "memory barrier"
    assert broader_query("memory barrier") is None
    assert broader_query("au:hinton") is None
