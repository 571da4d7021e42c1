"""Pseudo-relevance feedback on the lexical side (RM3, Lavrenko and Croft's relevance
model interpolated with the query, as in Anserini).

The best few BM25 hits are taken as relevant; their words, weighted by how much of
each paper they make up and by the paper's share of the BM25 score, form a relevance
model; its strongest words not already in the query are added with a weight of
``(1 - original_weight) / original_weight`` relative to the query. They only add to
the score: the query itself stays required, so the papers that match (and the total)
are exactly those of the query as typed. It costs a second lexical query and loading
``documents`` papers. Off unless enabled (see docs/search.md for what it measured).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from paperscope.index.analysis import WORD, analyze_word
from paperscope.models import Paper
from paperscope.search.query import Group, Node, Occur, Text


@dataclass(frozen=True, slots=True)
class FeedbackSettings:
    documents: int = 10  # top BM25 hits taken as relevant
    terms: int = 10  # words added to the query
    original_weight: float = 0.5  # the query's share against the added words


def expand(
    node: Node,
    words: Sequence[str],
    hits: Sequence[tuple[Paper, float]],
    settings: FeedbackSettings,
) -> Node:
    """``node`` required, plus the relevance model's strongest new words as optional
    clauses weighted by it."""
    total_score = sum(max(score, 0.0) for _, score in hits)
    if total_score <= 0:
        return node
    own = {token for word in words for part in WORD.findall(word) for token in analyze_word(part)}
    weights: dict[str, float] = {}
    surface: dict[str, Counter[str]] = {}
    for paper, score in hits:
        tokens = _tokens(f"{paper.title} {paper.abstract}", surface)
        if not tokens:
            continue
        share = max(score, 0.0) / total_score
        for token, count in Counter(tokens).items():
            if token not in own and not token.isdigit():
                weights[token] = weights.get(token, 0.0) + share * count / len(tokens)
    chosen = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[: settings.terms]
    mass = sum(weight for _, weight in chosen)
    if mass <= 0:
        return node
    scale = (1 - settings.original_weight) / settings.original_weight * max(len(own), 1) / mass
    should: Occur = "should"
    extra = tuple(
        (should, Text((surface[token].most_common(1)[0][0],), boost=weight * scale))
        for token, weight in chosen
    )
    must: Occur = "must"
    return Group(((must, node), *extra))


def _tokens(text: str, surface: dict[str, Counter[str]]) -> list[str]:
    """The paper's index tokens, remembering which written word gave each (a word,
    not a stem, goes back into the query, where it is analysed again)."""
    out: list[str] = []
    for word in WORD.findall(text):
        for token in analyze_word(word):
            out.append(token)
            surface.setdefault(token, Counter())[word.lower()] += 1
    return out
