"""Suggestions for a query that found nothing: a spelling from the index's own
vocabulary, and a broader query (the same words without phrase, field or operator
syntax)."""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from paperscope.index.analysis import WORD, analyze_word
from paperscope.search.identifiers import identify
from paperscope.search.query import FIELD_NAMES, parse_query

_LETTERS = string.ascii_lowercase
MAX_WORD = 24  # longer "words" are not typos worth correcting
# Shorter ones are mostly abbreviations (cs, RL, GAN, LLM): one edit away from some
# other short word, rarely mistyped. (Elasticsearch's term suggester draws the same
# line: min_word_length 4.)
MIN_WORD = 4
MAX_WORDS = 8


def respelling_to_offer(
    text: str, document_count: Callable[[str], int], *, beside_results: bool
) -> str | None:
    """The respelling to show for ``text``: when nothing matched, for any query; beside
    results, only for plain words, since respelling quotes, fields or operators could
    change what the query asks (a typo beside words that match still finds papers,
    usually not the ones meant). None for an arXiv id or DOI."""
    if identify(text) is not None:  # an id or DOI is not words to respell
        return None
    if beside_results and not _plain_words(text):
        return None
    return spelling_suggestion(text, document_count)


def spelling_suggestion(text: str, document_count: Callable[[str], int]) -> str | None:
    """``text`` with each word the index does not know replaced by the known word one
    edit away (delete, swap, replace or insert a letter) that most papers contain;
    None when no word could be corrected. The query's syntax is kept as typed: quotes,
    operators and field prefixes stay, and a category (``cat:cs.CV``) is a label, never
    respelled. ``document_count`` gives the number of papers holding an index token."""
    budget, changed = MAX_WORDS, False

    def word(match: re.Match[str]) -> str:
        nonlocal budget, changed
        typed = match.group()
        budget -= 1
        lowered = typed.lower()
        tokens = analyze_word(lowered)
        if budget < 0 or not tokens or not MIN_WORD <= len(lowered) <= MAX_WORD:
            return typed
        if any(document_count(token) for token in tokens):
            return typed
        best = _best_neighbour(lowered, document_count)
        if best is None:
            return typed
        changed = True
        return best

    def piece(match: re.Match[str]) -> str:
        prefix = match.group("field")
        field = FIELD_NAMES.get((prefix or "").lower())
        if field == "categories":
            return match.group()
        value = WORD.sub(word, match.group("value"))
        if prefix is None:
            return value
        if field is None:  # not a field to the query parser either: its words are words
            prefix = WORD.sub(word, prefix)
        return f"{prefix}:{value}"

    respelled = _PIECE.sub(piece, text.strip())
    return respelled if changed else None


# A field-prefixed term (its value a word run or a quoted phrase), or anything else up
# to the next space.
_PIECE = re.compile(r'(?:(?P<field>[A-Za-z]+):)?(?P<value>"[^"]*"?|[^\s"]+|")')


def _best_neighbour(word: str, document_count: Callable[[str], int]) -> str | None:
    best, best_count = None, 0
    for candidate in sorted(_edits(word)):
        tokens = analyze_word(candidate)
        if len(tokens) != 1:
            continue
        count = document_count(tokens[0])
        if count > best_count:
            best, best_count = candidate, count
    return best


def _edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletes | swaps | replaces | inserts) - {word}


def _plain_words(text: str) -> bool:
    """True when ``text`` is nothing but words to search (a query made only of filters,
    such as ``cat:cs.CV`` or ``au:hinton``, has none)."""
    plain = parse_query(text).semantic_text
    return bool(plain) and plain == " ".join(text.split())


def broader_query(text: str) -> str | None:
    """The query's own words without quotes, fields or operators, when that differs
    from what was typed (plain words match any of them)."""
    plain = parse_query(text).semantic_text
    return plain if plain and plain != " ".join(text.split()) else None
