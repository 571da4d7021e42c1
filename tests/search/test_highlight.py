"""Marking matched words in titles and abstract snippets."""

from __future__ import annotations

from paperscope.search.highlight import SNIPPET_CHARS, highlight_paper, query_tokens


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
