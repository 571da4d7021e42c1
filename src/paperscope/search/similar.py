"""Papers like a given one: nearest neighbours of its vector, or, while it is not
embedded yet, a BM25 search with its own title and abstract as the query."""

from __future__ import annotations

from dataclasses import dataclass

from paperscope.index.analysis import WORD, analyze_word
from paperscope.index.lexical import LexicalIndex
from paperscope.models import Paper
from paperscope.search.query import Group, Node, Occur, Text
from paperscope.search.semantic import SemanticSide

# The most informative words of a long abstract are enough, and keep the query fast.
MAX_QUERY_WORDS = 48


@dataclass(frozen=True, slots=True)
class Neighbours:
    scored: list[tuple[str, float]]  # best first, the paper itself left out
    method: str  # "semantic" or "lexical"


def find_similar(
    paper: Paper, *, limit: int, lexical: LexicalIndex, semantic: SemanticSide
) -> Neighbours:
    index = semantic.index
    if index is not None:
        vector = index.vector(paper.paper_id)
        if vector is not None:
            found = index.search(vector, limit + 1)
            return Neighbours(_without(found, paper.paper_id, limit), "semantic")
    node = paper_as_query(paper)
    if node is None:
        return Neighbours([], "lexical")
    found = lexical.search(node, limit=limit + 1).hits
    return Neighbours(_without(found, paper.paper_id, limit), "lexical")


def paper_as_query(paper: Paper) -> Node | None:
    """The distinct content words of the paper's title and abstract, title first."""
    words: dict[str, None] = {}
    for word in WORD.findall(f"{paper.title} {paper.abstract}"):
        if analyze_word(word) and len(word) > 2:
            words.setdefault(word.lower(), None)
        if len(words) >= MAX_QUERY_WORDS:
            break
    if not words:
        return None
    should: Occur = "should"
    return Group(tuple((should, Text((word,))) for word in words))


def _without(found: list[tuple[str, float]], paper_id: str, limit: int) -> list[tuple[str, float]]:
    return [(pid, score) for pid, score in found if pid != paper_id][:limit]
