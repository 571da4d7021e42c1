"""The common-word cut of search/common_words.py on query trees, with made-up
document counts (the engine-level totals are checked in test_answers.py)."""

from __future__ import annotations

from paperscope.index.analysis import analyze_word
from paperscope.search.common_words import without_common_words
from paperscope.search.query import Group, Text, parse_query, plain_words

PAPERS = 1_000
COUNTS = {"learn": 400, "model": 700, "deep": 250, "protein": 12, "fold": 30, "gpt": 150}


def count(token: str) -> int:
    return COUNTS.get(token, 0)


def kept(text: str) -> list[str] | None:
    return plain_words(without_common_words(parse_query(text).node, count, PAPERS))


def test_common_words_leave_a_longer_query() -> None:
    assert kept("deep learning protein folding") == ["protein", "folding"]
    assert kept("protein model folding") == ["protein", "folding"]


def test_short_queries_and_all_common_words_are_kept_whole() -> None:
    assert kept("learning model") == ["learning", "model"]
    assert kept("deep learning model") == ["deep", "learning", "model"]
    node = parse_query("protein folding dynamics").node
    assert without_common_words(node, count, PAPERS) is node  # nothing common


def test_a_word_of_several_parts_counts_by_its_rarest_part() -> None:
    assert analyze_word("GPT-4") == ("gpt", "4")  # "4" is in no paper here
    assert kept("GPT-4 learning model") == ["GPT-4"]


def test_syntax_is_left_as_typed() -> None:
    for text in (
        '"deep learning" protein folding',
        "+learning protein folding model",
        "ti:learning protein folding",
        "learning protein -model",
    ):
        node = parse_query(text).node
        assert without_common_words(node, count, PAPERS) is node, text


def test_share_one_keeps_every_word() -> None:
    node = parse_query("deep learning protein model").node
    assert without_common_words(node, count, PAPERS, share=1.0) is node
    cut = without_common_words(node, count, PAPERS, share=0.5)
    assert cut == Group(
        (
            ("should", Text(("deep",))),
            ("should", Text(("learning",))),
            ("should", Text(("protein",))),
        )
    )
