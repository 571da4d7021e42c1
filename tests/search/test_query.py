"""The query parser: syntax, repairs with notices, and never an exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from paperscope.search.query import MAX_QUERY_CHARS, Group, Text, parse_query


def test_plain_words_are_optional_clauses() -> None:
    parsed = parse_query("sparse attention")
    assert parsed.node == Group((("should", Text(("sparse",))), ("should", Text(("attention",)))))
    assert parsed.semantic_text == "sparse attention"
    assert parsed.notices == ()


def test_phrases_fields_and_operators() -> None:
    parsed = parse_query('"state space" au:"Albert Gu" cat:cs.LG -survey +mamba')
    assert parsed.node == Group(
        (
            ("should", Text(("state", "space"), phrase=True)),
            ("should", Text(("Albert", "Gu"), field="authors", phrase=True)),
            ("should", Text(("cs.LG",), field="categories")),
            ("must_not", Text(("survey",))),
            ("must", Text(("mamba",))),
        )
    )
    # Names, categories and excluded words say nothing about the topic.
    assert parsed.semantic_text == "state space mamba"


def test_and_binds_both_neighbours_and_not_excludes() -> None:
    parsed = parse_query("diffusion AND video NOT audio")
    assert parsed.node == Group(
        (
            ("must", Text(("diffusion",))),
            ("must", Text(("video",))),
            ("must_not", Text(("audio",))),
        )
    )


def test_parentheses_group() -> None:
    parsed = parse_query("(gan OR vae) AND faces")
    assert isinstance(parsed.node, Group)
    first_occur, first = parsed.node.clauses[0]
    assert first_occur == "must" and isinstance(first, Group)
    assert parsed.node.clauses[1] == ("must", Text(("faces",)))


def test_repairs_are_reported() -> None:
    unbalanced = parse_query('"state space model')
    assert unbalanced.node is not None
    assert "unbalanced quote ignored" in unbalanced.notices
    stray = parse_query("AND AND vision - :")
    assert stray.node == Text(("vision",))
    assert any("stray" in notice for notice in stray.notices)
    empty_field = parse_query("cat: transformers")
    assert empty_field.node == Text(("transformers",))
    assert any("empty cat: filter" in notice for notice in empty_field.notices)
    parens = parse_query("(a b")
    assert "unbalanced parenthesis ignored" in parens.notices


def test_unknown_prefixes_stay_words() -> None:
    assert parse_query("http://x.org").node == Text(("http://x.org",))


def test_long_query_is_shortened_with_notice() -> None:
    parsed = parse_query("graph " * 2_000)
    assert parsed.node is not None
    assert any(str(MAX_QUERY_CHARS) in notice for notice in parsed.notices)
    assert any("first 64 terms" in notice for notice in parsed.notices)


def test_invisible_and_broken_characters_are_dropped() -> None:
    parsed = parse_query("tra\u200bnsformer\x00 \ud800 \u202emodel")
    assert parsed.node == Group((("should", Text(("transformer",))), ("should", Text(("model",)))))


def test_nothing_searchable() -> None:
    assert parse_query("").node is None and parse_query("").notices == ()
    blank = parse_query(' -- && : " ')
    assert blank.node is None
    assert "nothing searchable in the query" in blank.notices


def test_emoji_and_right_to_left_text_are_words() -> None:
    parsed = parse_query("🚀 شبكة عصبية")
    assert parsed.node is not None
    assert "شبكة" in parsed.semantic_text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=200))
def test_parser_never_raises(text: str) -> None:
    parsed = parse_query(text)
    assert isinstance(parsed.notices, tuple)
    assert len(parsed.semantic_text) <= MAX_QUERY_CHARS * 2


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ['"', "(", ")", "AND", "OR", "NOT", "-", "+", ":", "au:", "cat:", "x", 'ti:"y', "-z"]
        ),
        max_size=12,
    )
)
def test_operator_soup_never_raises(parts: list[str]) -> None:
    parse_query(" ".join(parts))
    parse_query("".join(parts))
