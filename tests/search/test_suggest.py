"""Suggestions for a query that found nothing, from a real index's vocabulary."""

from __future__ import annotations

from pathlib import Path

from paperscope.index.lexical import LexicalIndex
from paperscope.models import Paper
from paperscope.search.suggest import broader_query, respelling_to_offer, spelling_suggestion


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
    # Words of under four letters are abbreviations more often than typos: "cs" is
    # not respelled "s", though "s" is a word of the index and "cs" is not.
    index.upsert([Paper(paper_id="d", title="S notes", abstract="Short s notes.")])
    index.commit()
    assert count("s") and not count("cs")
    assert spelling_suggestion("cs", count) is None
    assert spelling_suggestion("cs memroy", count) == "cs memory"


def test_broader_query_drops_syntax_only_when_there_is_some() -> None:
    assert broader_query('"memory barrier" au:hinton -survey') == "memory barrier"
    assert broader_query("ti:memory AND barrier") == "memory barrier"
    assert broader_query("memory barrier") is None
    assert broader_query("au:hinton") is None


def test_respelling_offered_beside_results_only_for_plain_words(tmp_path: Path) -> None:
    index = LexicalIndex.open(tmp_path / "lexical")
    index.upsert([Paper(paper_id="a", title="Memory barriers", abstract="Memory models.")])
    index.commit()
    count = index.document_count
    assert respelling_to_offer("memroy barriers", count, beside_results=True) == ("memory barriers")
    # Syntax could mean something else respelled: only when nothing matched.
    assert respelling_to_offer('"memroy" barriers', count, beside_results=True) is None
    # A query made only of filters has no words to respell.
    assert respelling_to_offer("au:memroy", count, beside_results=True) is None
    assert respelling_to_offer("cat:cs.memroy", count, beside_results=True) is None
    # When nothing matched, the respelling keeps the query's syntax as typed.
    assert respelling_to_offer('"memroy" barriers', count, beside_results=False) == (
        '"memory" barriers'
    )
    assert respelling_to_offer("au:memroy", count, beside_results=False) == "au:memory"
    assert respelling_to_offer(
        'ti:"memroy barier" -memroy OR (barriers AND NOT memroy)', count, beside_results=False
    ) == ('ti:"memory barrier" -memory OR (barriers AND NOT memory)')
    # A category is a label: never respelled, and it does not block the words' respelling.
    assert respelling_to_offer("cat:cs.memroy", count, beside_results=False) is None
    assert respelling_to_offer("memroy cat:cs.memroy", count, beside_results=False) == (
        "memory cat:cs.memroy"
    )
    # An id or a DOI is never respelled.
    assert respelling_to_offer("arXiv:2312.99999", count, beside_results=False) is None
    assert respelling_to_offer("10.1000/memroy", count, beside_results=False) is None
