"""The common-word cut: in a query of three or more plain words, the words found in
more than a fifth of the papers are left out of the lexical side.

Their BM25 weight is small (an idf under 1.6) but their posting lists are the
longest, so they make most of the cost of a broad query at the scale of arXiv, and a
paper holding only "learning" is no match for "deep learning protein folding" anyway.
The dense side still embeds every word and highlighting still marks them. Measured
(bench/common_term_pruning.py, docs/search.md and docs/performance.md): on SciFact's
train claims hybrid nDCG@10 moves by -0.002 (tune half) and -0.001 (held-out), BM25
alone by -0.007 and -0.009, so bm25 mode keeps every word; at 2.5M papers BM25 takes
8.4 / 32.4 ms (p50 / p95) instead of 11.7 / 43.7.
"""

from __future__ import annotations

from collections.abc import Callable

from paperscope.index.analysis import analyze_word
from paperscope.search.query import Group, Node, Text, plain_words

COMMON_WORD_SHARE = 0.2
MIN_WORDS = 3  # shorter queries keep every word: each one carries more of the meaning


def without_common_words(
    node: Node | None,
    document_count: Callable[[str], int],
    papers: int,
    share: float = COMMON_WORD_SHARE,
) -> Node | None:
    """``node`` without the words in more than ``share`` of ``papers`` (a word counts by
    its rarest token, so "GPT-4" stays while "GPT" is rare). Unchanged when it is not
    plain words, has fewer than MIN_WORDS, or every word is that common."""
    words = plain_words(node)
    if words is None or len(words) < MIN_WORDS or share >= 1.0:
        return node
    most = share * papers
    kept = []
    for word in words:
        tokens = analyze_word(word)
        if tokens and min(document_count(token) for token in tokens) <= most:
            kept.append(word)
    if not kept or len(kept) == len(words):
        return node
    return Group(tuple(("should", Text((word,))) for word in kept))
