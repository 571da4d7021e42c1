"""The tantivy lexical index on a temp folder: analysis, fields, filters, updates,
deletes, persistence and manifest checks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperscope.index.analysis import analyze_word, clean_text, paper_day
from paperscope.index.artifacts import IndexMismatchError
from paperscope.index.lexical import LexicalIndex
from paperscope.index.lexical_compile import Filters
from paperscope.models import Paper
from paperscope.search.query import Group, Text, parse_query


def make(pid: str, title: str, abstract: str = "", **extra: object) -> Paper:
    return Paper(paper_id=pid, title=title, abstract=abstract, **extra)  # type: ignore[arg-type]


CORPUS = [
    make(
        "p1",
        "Scaling GPT-4 style language models",
        "We study the state of the art in large language model training.",
        authors=("Geoffrey Hinton", "Yann LeCun"),
        categories=("cs.LG", "cs.CL"),
        submitted_at=datetime(2023, 5, 1, tzinfo=UTC),
        source="arxiv-snapshot",
    ),
    make(
        "p2",
        "BERT for protein folding",
        "A $\\mathcal{O}(n)$ transformer; the art of state estimation.",
        authors=("Ada Lovelace",),
        categories=("q-bio.BM",),
        submitted_at=datetime(2024, 2, 1, tzinfo=UTC),
        source="hf-daily",
    ),
    make(
        "p3",
        "Diffusion models beat GANs",
        "Generative modelling with diffusion; GPT 4 is not discussed. Modeling images.",
        authors=("Alex Nichol",),
        categories=("cs.CV",),
        submitted_at=datetime(2021, 5, 11, tzinfo=UTC),
    ),
]


@pytest.fixture
def index(tmp_path: Path) -> LexicalIndex:
    lexical = LexicalIndex.open(tmp_path / "lexical")
    lexical.upsert(CORPUS)
    lexical.commit(high_water_mark=7)
    return lexical


def ids(index: LexicalIndex, node: object, **kwargs: object) -> list[str]:
    return [pid for pid, _ in index.search(node, **kwargs).hits]  # type: ignore[arg-type]


def test_analyzer_stems_folds_and_drops_stop_words() -> None:
    assert analyze_word("Models") == ("model",)
    assert analyze_word("naïve") == analyze_word("naive")
    assert analyze_word("the") == ()
    assert clean_text("$\\mathcal{O}(n)$ time") == "$ {O}(n)$ time"


def test_stemmed_terms_match_across_forms(index: LexicalIndex) -> None:
    # "modelling", "modeling", "model", "models" share one stem.
    assert set(ids(index, Text(("modeling",)))) == {"p1", "p3"}


def test_hyphenated_word_counts_its_parts_and_the_whole_word(index: LexicalIndex) -> None:
    # "GPT-4" finds "GPT-4" (p1) first, then the spaced "GPT 4" of p3 (both parts),
    # then papers with one part only; the quoted phrase finds just the first two. (Other
    # papers, so that neither part is in more than a fifth of them: see the next test.)
    fillers = [make(f"f{i}", "Filler paper", "On topology.") for i in range(12)]
    index.upsert([make("p4", "GPT models", ""), *fillers])
    index.commit()
    assert ids(index, Text(("GPT-4",))) == ["p1", "p3", "p4"]
    assert ids(index, Text(("gpt–4",))) == ["p1", "p3", "p4"]  # any joining punctuation
    assert ids(index, Text(("GPT", "4"), phrase=True)) == ["p1", "p3"]
    assert ids(index, Text(("GPT-4",), field="abstract")) == ["p3"]  # a phrase there
    # Stop words drop out of the whole word as they do from the text: the paper that
    # writes "state-of-the-art" as one word comes before those with "state ... art".
    index.upsert([make("p5", "Parsing", "A state-of-the-art parser.")])
    index.commit()
    assert ids(index, Text(("state-of-the-art",)))[0] == "p5"


def test_common_parts_of_a_word_are_left_out(tmp_path: Path) -> None:
    # "1" is in 6 of these 15 papers, "dradra" in 3 (a fifth): "dradra-1" finds the
    # whole word first, then the spaced "dradra 1" and a lone "dradra" alike (the part
    # "1" is no longer a term), and no paper that holds only "1".
    lexical = LexicalIndex.open(tmp_path / "lexical")
    lexical.upsert(
        [
            make("whole", "The dradra-1 pathway"),
            make("spaced", "Dradra 1 in mice", "Cohort 1."),
            make("part", "Dradra signalling"),
            *(make(f"one{i}", "Trial", "Phase 1 results.") for i in range(5)),
            make("view", "A high-level view"),
            make("energy", "High energy physics"),
            make("voltage", "High voltage lines"),
            make("sea", "Sea level rise"),
            *(make(f"filler{i}", "Filler paper", "On topology.") for i in range(3)),
        ]
    )
    lexical.commit()
    found = ids(lexical, Text(("dradra-1",)))
    assert found[0] == "whole"
    assert set(found) == {"whole", "spaced", "part"}
    assert lexical.search(Text(("dradra-1",))).total == 3
    # When every part is common, the rarest stays: at a tenth, "high" (3 papers) and
    # "level" (2) both are, so "high-level" keeps "level" only.
    lexical.common_part_share = 0.1
    assert ids(lexical, Text(("high-level",))) == ["view", "sea"]
    # Off (1.0), every part is a term again: "1" finds the trials too.
    lexical.common_part_share = 1.0
    assert set(ids(lexical, Text(("dradra-1",)), limit=20)) == {
        "whole",
        "spaced",
        "part",
        *(f"one{i}" for i in range(5)),
    }
    assert set(ids(lexical, Text(("high-level",)))) == {"view", "energy", "voltage", "sea"}


def test_phrase_respects_order_and_stop_word_gaps(index: LexicalIndex) -> None:
    assert ids(index, Text(("state", "of", "the", "art"), phrase=True)) == ["p1"]
    assert ids(index, Text(("art", "of", "state"), phrase=True)) == ["p2"]


def test_latex_commands_are_not_indexed(index: LexicalIndex) -> None:
    assert ids(index, Text(("mathcal",))) == []


def test_field_queries(index: LexicalIndex) -> None:
    assert ids(index, Text(("hinton",), field="authors")) == ["p1"]
    assert ids(index, Text(("diffusion",), field="title")) == ["p3"]
    assert ids(index, Text(("cs",), field="categories")) == ["p1", "p3"] or set(
        ids(index, Text(("cs",), field="categories"))
    ) == {"p1", "p3"}
    assert ids(index, Text(("CS.lg",), field="categories")) == ["p1"]


def test_boolean_clauses(index: LexicalIndex) -> None:
    both = Group((("must", Text(("model",))), ("must_not", Text(("language",)))))
    assert ids(index, both) == ["p3"]
    only_not = Group((("must_not", Text(("diffusion",))),))
    assert set(ids(index, only_not)) == {"p1", "p2"}


def test_exclusions_nested_in_optional_groups(index: LexicalIndex) -> None:
    # "bert (gan (model -language))": the exclusion binds only inside its own group.
    nested = Group(
        (
            ("should", Text(("bert",))),
            (
                "should",
                Group(
                    (
                        ("should", Text(("zebra",))),
                        (
                            "should",
                            Group(
                                (("should", Text(("model",))), ("must_not", Text(("language",))))
                            ),
                        ),
                    )
                ),
            ),
        )
    )
    assert set(ids(index, nested)) == {"p2", "p3"}


_WORDS = st.sampled_from(["model", "art", "-language", "+model", "ti:art", '"state of"', "OR"])
# Queries with groups nested a few deep: "model (art (+model -language))".
_QUERIES = st.lists(
    st.recursive(
        _WORDS,
        lambda inner: st.lists(inner, min_size=1, max_size=3).map(lambda xs: f"({' '.join(xs)})"),
        max_leaves=8,
    ),
    min_size=1,
    max_size=4,
).map(" ".join)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_QUERIES)
def test_every_parsed_query_compiles_and_runs(index: LexicalIndex, text: str) -> None:
    node = parse_query(text).node
    found = index.search(node, limit=5)
    assert found.total == len(found.hits) or found.total > 5
    assert set(index.scores_for(["p1", "p2", "p3"], node)) <= {"p1", "p2", "p3"}


def test_filters_restrict_without_scoring(index: LexicalIndex) -> None:
    node = Text(("state",))
    plain = dict(index.search(node).hits)
    filtered = index.search(node, filters=Filters(categories=("q-bio.BM",)))
    assert [pid for pid, _ in filtered.hits] == ["p2"]
    assert filtered.hits[0][1] == pytest.approx(plain["p2"])
    assert ids(index, None, filters=Filters(authors=("ada lovelace",))) == ["p2"]
    assert ids(index, None, filters=Filters(authors=("Lovelace Ada",))) == []
    window = Filters(date_from=date(2022, 1, 1), date_to=date(2023, 12, 31))
    assert ids(index, None, filters=window) == ["p1"]
    assert ids(index, None, filters=Filters(sources=("hf-daily",))) == ["p2"]
    assert set(ids(index, None, filters=Filters(paper_ids=frozenset({"p3", "zz"})))) == {"p3"}
    assert ids(index, None, filters=Filters(paper_ids=frozenset())) == []


def test_a_name_with_an_apostrophe_is_found_with_or_without_it(tmp_path: Path) -> None:
    lexical = LexicalIndex.open(tmp_path / "lexical")
    lexical.upsert(
        [
            make("n1", "Plain title", authors=("Conor O'Brien",)),
            make("n2", "Another title", authors=("Anna D\u2019Angelo",)),
            make("n3", "Third title", authors=("Brien O. Smith",)),
        ]
    )
    lexical.commit(high_water_mark=1)
    for typed, expected in [
        ("obrien", ["n1"]),
        ("O'Brien", ["n1"]),
        ("O\u2019Brien", ["n1"]),
        ("Conor OBrien", ["n1"]),
        ("dangelo", ["n2"]),
        ("D'Angelo", ["n2"]),
    ]:
        assert ids(lexical, None, filters=Filters(authors=(typed,))) == expected, typed
        assert ids(lexical, parse_query(f"au:{typed.split()[-1]}").node) == expected, typed
    # A free-text word reaches the authors field too; "Brien" alone still finds both.
    assert ids(lexical, Text(("obrien",))) == ["n1"]
    assert set(ids(lexical, None, filters=Filters(authors=("brien",)))) == {"n1", "n3"}


def test_sort_by_date_and_count(index: LexicalIndex) -> None:
    assert ids(index, None, sort="newest") == ["p2", "p1", "p3"]
    assert ids(index, None, sort="oldest", limit=2, offset=1) == ["p1", "p2"]
    assert index.search(None, limit=1).total == 3
    assert index.count(Filters(categories=("cs",))) == 2


def test_filter_counts_follow_every_change(index: LexicalIndex, tmp_path: Path) -> None:
    """Counts are remembered per index state, never past a change: this index's own
    commits, and another process's once this one reloads."""
    cs = Filters(categories=("cs",))
    reader = LexicalIndex.open(tmp_path / "lexical", create=False)
    assert index.count(cs) == reader.count(cs) == 2
    index.upsert([make("p4", "Graph search", categories=("cs.DS",))])
    index.commit()
    reader.reload()
    assert index.count(cs) == reader.count(cs) == 3
    # A paper moving out of the filter: same number of papers, another count.
    index.upsert([make("p4", "Graph search", categories=("math.CO",))])
    index.commit()
    reader.reload()
    assert index.count(cs) == reader.count(cs) == 2
    index.remove(["p1"])
    index.commit()
    assert index.count(cs) == 1 and index.count(Filters(categories=("math",))) == 1


def test_scores_matching_and_days(index: LexicalIndex) -> None:
    scores = index.scores_for(["p1", "p2", "p3"], Text(("protein",)))
    assert set(scores) == {"p2"} and scores["p2"] > 0
    assert index.matching(["p1", "p2"], Filters(categories=("cs.CL",))) == {"p1"}
    days = index.days_for(["p1", "p3"])
    assert days == {"p1": paper_day(CORPUS[0]), "p3": paper_day(CORPUS[2])}


@pytest.mark.parametrize(
    "text",
    [
        "protein",
        "state art",
        "gpt-4 language",
        '"state of the art" models',
        "diffusion -gans",
        "language AND models",
        "au:hinton transformer",
        "ti:diffusion OR abs:protein",
        "cat:cs models",
        "NOT diffusion",
        "(bert OR gpt-4) AND (protein OR language)",
    ],
)
def test_scores_for_some_papers_equal_their_search_scores(tmp_path: Path, text: str) -> None:
    """Score completion visits only the given papers, yet must give each the score a
    full search gives it, and leave out the papers that do not match."""
    from paperscope.search.query import parse_query

    words = ["state", "art", "protein", "language", "models", "diffusion"]
    words += ["gpt", "4", "bert", "transformer", "gans"]
    corpus = [
        *CORPUS,
        *(
            make(
                f"x{n}",
                " ".join(words[(n + k) % len(words)] for k in range(3)),
                " ".join(words[(n * k + 1) % len(words)] for k in range(2 + n % 9)),
                authors=(("Geoffrey Hinton",) if n % 7 == 0 else ("Jane Doe",)),
                categories=("cs.LG",) if n % 3 else ("math.ST",),
            )
            for n in range(300)
        ),
    ]
    lexical = LexicalIndex.open(tmp_path / "lexical")
    lexical.upsert(corpus)
    lexical.commit()
    node = parse_query(text).node
    full = dict(lexical.search(node, limit=len(corpus)).hits)
    asked = [paper.paper_id for paper in corpus[::4]]
    scores = lexical.scores_for(asked, node)
    assert full and scores, "the query should match some of the papers"
    assert set(scores) == {pid for pid in asked if pid in full}
    for pid, score in scores.items():
        assert score == pytest.approx(full[pid], rel=1e-5), pid


def test_update_replaces_and_remove_deletes(index: LexicalIndex) -> None:
    index.upsert([CORPUS[1].replace(title="Graph networks for protein folding")])
    index.commit()
    assert len(index) == 3
    assert ids(index, Text(("bert",))) == []
    assert ids(index, Text(("graph",))) == ["p2"]
    index.remove(["p2"])
    index.commit()
    assert len(index) == 2 and "p2" not in index and "p1" in index


def test_reopen_keeps_documents_and_high_water_mark(index: LexicalIndex, tmp_path: Path) -> None:
    index.close()
    reopened = LexicalIndex.open(tmp_path / "lexical", create=False)
    assert reopened.high_water_mark == 7
    assert len(reopened) == 3
    assert ids(reopened, Text(("protein",))) == ["p2"]


def test_index_of_another_format_is_refused(index: LexicalIndex, tmp_path: Path) -> None:
    index.close()
    manifest_path = tmp_path / "lexical" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 999
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="paperscope index --rebuild"):
        LexicalIndex.open(tmp_path / "lexical")


def test_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    from paperscope.index.artifacts import ArtifactError

    with pytest.raises(ArtifactError, match="paperscope index"):
        LexicalIndex.open(tmp_path / "nothing", create=False)
