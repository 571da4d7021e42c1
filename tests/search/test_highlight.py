"""Marking matched words in titles and abstract snippets."""

from __future__ import annotations

import pytest

from paperscope.search import highlight
from paperscope.search.highlight import SNIPPET_CHARS, Highlighter, highlight_paper, query_tokens


def test_query_tokens_are_index_tokens() -> None:
    assert query_tokens(["Models", "the", "GPT-4"]) == frozenset({"model", "gpt", "4"})
    assert query_tokens([]) == frozenset()


def test_marks_stemmed_matches_and_escapes_html() -> None:
    tokens = query_tokens(["modelling"])
    marked = highlight_paper("<b>Models</b> & modeling", "A model.", tokens)
    assert marked.title_html == (
        "&lt;b&gt;<mark>Models</mark>&lt;/b&gt; &amp; <mark>modeling</mark>"
    )
    assert marked.abstract_html == "A <mark>model</mark>."
    assert marked.matched_terms == ("models", "modeling", "model")


def test_nothing_marked_without_tokens() -> None:
    marked = highlight_paper("Diffusion <models>", "text", frozenset())
    assert marked.title_html == "Diffusion &lt;models&gt;"
    assert marked.matched_terms == ()


def test_long_abstract_snippet_is_cut_around_the_densest_matches() -> None:
    filler = "word " * 200
    abstract = f"{filler}the transformer beats the transformer baseline. {filler}"
    marked = highlight_paper("Title", abstract, query_tokens(["transformer"]))
    body = marked.abstract_html
    assert body.startswith("… ") and body.endswith(" …")
    assert body.count("<mark>transformer</mark>") == 2
    plain = body.replace("<mark>", "").replace("</mark>", "")
    assert len(plain) <= SNIPPET_CHARS + 4


def test_long_abstract_without_matches_starts_at_the_beginning() -> None:
    abstract = "first " + "word " * 200
    marked = highlight_paper("Title", abstract, query_tokens(["absent"]))
    assert marked.abstract_html.startswith("first word")
    assert marked.abstract_html.endswith(" …")


def test_only_whole_words_are_marked() -> None:
    # Words are runs of letters and digits: "_" and "-" part them, "remodel" is its own.
    marked = highlight_paper("remodel model_x x-model models2 Model", "", query_tokens(["model"]))
    assert marked.title_html == (
        "remodel <mark>model</mark>_x x-<mark>model</mark> models2 <mark>Model</mark>"
    )


def test_marks_stay_right_when_the_word_list_starts_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    # The process-wide list of words met is bounded; starting afresh in the middle of a
    # text must not lose the text's words that were filed before.
    monkeypatch.setattr(highlight._Vocabulary, "MAX_WORDS", 8)
    monkeypatch.setattr(highlight, "_VOCABULARY", highlight._Vocabulary())
    tokens = query_tokens(["graph"])
    for n in range(30):
        marked = highlight_paper(f"graph a{n} Graphs b{n}", "", tokens)
        assert marked.title_html == f"<mark>graph</mark> a{n} <mark>Graphs</mark> b{n}"
    assert len(highlight._VOCABULARY._state[0]) <= 8


def test_a_page_is_marked_as_each_of_its_papers_alone() -> None:
    # One pattern serves the whole page: a word matched in one paper is not marked
    # inside a longer word of another ("Subgraph", "subnetworks").
    tokens = query_tokens(["graph", "networks"])
    texts = [
        ("Graph networks", "A graph."),
        ("Subgraph mining", "subnetworks, graphs and a network_x"),
        ("Nothing", "here"),
    ]
    page = Highlighter(tokens).papers(texts)
    assert page == [highlight_paper(title, abstract, tokens) for title, abstract in texts]
    assert [h.title_html for h in page] == [
        "<mark>Graph</mark> <mark>networks</mark>",
        "Subgraph mining",
        "Nothing",
    ]
    assert page[1].abstract_html == "subnetworks, <mark>graphs</mark> and a <mark>network</mark>_x"
    assert page[1].matched_terms == ("graphs", "network")
    assert Highlighter(tokens).papers([]) == []
