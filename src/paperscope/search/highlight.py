"""Why a hit matched: its title and an abstract snippet, HTML-escaped, with the words
that match the query (after the index's own stemming) wrapped in ``<mark>``."""

from __future__ import annotations

import functools
import html
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from paperscope.index.analysis import WORD, analyze_word

SNIPPET_CHARS = 320


@dataclass(frozen=True, slots=True)
class Highlighted:
    title_html: str
    abstract_html: str
    matched_terms: tuple[str, ...]


def query_tokens(words: Sequence[str]) -> frozenset[str]:
    """Index tokens of the query's words ("models" -> "model")."""
    tokens: set[str] = set()
    for word in words:
        for part in WORD.findall(word):
            tokens.update(analyze_word(part))
    return frozenset(tokens)


def highlight_paper(title: str, abstract: str, tokens: frozenset[str]) -> Highlighted:
    return Highlighter(tokens).paper(title, abstract)


class Highlighter:
    """Highlights the papers of one page for one query. Which words of the page match
    is worked out once, with set operations against the words met so far
    (``_Vocabulary``), and where they are by one regex of those words, so no Python
    code runs per word of a text and Python's (slow, pure-Python) regex compiler runs
    at most once per page: a page of 20 abstracts holds a few thousand words, ~1,500
    distinct."""

    def __init__(self, tokens: frozenset[str]) -> None:
        self._tokens = tokens

    def paper(self, title: str, abstract: str) -> Highlighted:
        return self.papers([(title, abstract)])[0]

    def papers(self, texts: Sequence[tuple[str, str]]) -> list[Highlighted]:
        """Each (title, abstract) of a page, highlighted."""
        pattern = self._pattern(texts)
        return [_highlighted(title, abstract, pattern) for title, abstract in texts]

    def _pattern(self, texts: Sequence[tuple[str, str]]) -> re.Pattern[str] | None:
        """Whole-word occurrences of the page's matching words, or None without any
        (a text without some of them simply does not match those)."""
        if not self._tokens or not texts:
            return None
        # Joined by a character outside WORD, so no word runs across two texts.
        page = "\n".join(part for pair in texts for part in pair)
        words = _VOCABULARY.matching(set(WORD.findall(page)), self._tokens)
        return _compiled(words) if words else None


def _highlighted(title: str, abstract: str, pattern: re.Pattern[str] | None) -> Highlighted:
    matched: dict[str, None] = {}
    title_html = _mark(title, pattern, matched)
    start, end = _snippet_window(abstract, pattern)
    # The window is cut between words, so whole-word matches in it are the same.
    body = _mark(abstract[start:end], pattern, matched)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(abstract) else ""
    return Highlighted(title_html, f"{prefix}{body}{suffix}", tuple(matched))


@functools.lru_cache(maxsize=512)
def _compiled(words: frozenset[str]) -> re.Pattern[str]:
    """The regex of ``words`` followed by no WORD character (``_whole_words`` checks
    the character before), kept for the pages of repeated and paged queries."""
    alternatives = "|".join(re.escape(word) for word in sorted(words))
    # Starting with the words, not with a look-behind, lets the regex engine skip to
    # their first letters: 3-5x faster over an abstract for a query's few words.
    return re.compile(rf"(?:{alternatives})(?![^\W_])")


def _whole_words(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern``'s matches that start a word: a run of WORD characters (``isalnum``)
    has nothing of WORD's on either side. A match refused here hides no whole word:
    every place inside it follows one of its letters."""
    for match in pattern.finditer(text):
        start = match.start()
        if start == 0 or not text[start - 1].isalnum():
            yield match


def _mark(text: str, pattern: re.Pattern[str] | None, matched: dict[str, None]) -> str:
    if pattern is None:
        return html.escape(text)
    out: list[str] = []
    last = 0
    for match in _whole_words(pattern, text):
        word = match.group()
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<mark>{html.escape(word)}</mark>")
        matched[word.lower()] = None
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


class _Vocabulary:
    """Every word highlighting has met, filed under each index token it analyses to
    ("Models" under "model"). The words of a text that match a query are then the
    text's words among those filed under the query's tokens: set operations in C.
    Only words never met before go through the analyser. Shared by all searches of
    the process; started afresh past MAX_WORDS, so memory stays bounded."""

    MAX_WORDS = 100_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: tuple[set[str], dict[str, set[str]]] = (set(), {})

    def matching(self, words: set[str], tokens: frozenset[str]) -> frozenset[str]:
        state = self._state
        unknown = words - state[0]
        if unknown:
            state = self._learn(words, unknown, state)
        by_token = state[1]
        found: set[str] = set()
        for token in tokens:
            found |= words.intersection(by_token.get(token, ()))
        return frozenset(found)

    def _learn(
        self,
        words: set[str],
        unknown: set[str],
        state: tuple[set[str], dict[str, set[str]]],
    ) -> tuple[set[str], dict[str, set[str]]]:
        """File ``unknown`` (all of ``words`` when the vocabulary was started afresh
        meanwhile) and return the state that holds them."""
        with self._lock:
            if self._state is not state:
                unknown = words
            if len(self._state[0]) + len(unknown) > self.MAX_WORDS:
                self._state, unknown = (set(), {}), words
            seen, by_token = self._state
            for word in unknown:
                for token in analyze_word(word):
                    by_token.setdefault(token, set()).add(word)
            # Filed before marked as seen: a reader that finds a word seen finds it filed.
            seen.update(unknown)
            return self._state


_VOCABULARY = _Vocabulary()


def _snippet_window(text: str, pattern: re.Pattern[str] | None) -> tuple[int, int]:
    """The ~SNIPPET_CHARS stretch of ``text`` with the most matches of ``pattern``,
    cut at word boundaries; the start of the text when nothing matches."""
    if len(text) <= SNIPPET_CHARS + 80:
        return 0, len(text)
    positions = [] if pattern is None else [m.start() for m in _whole_words(pattern, text)]
    best_start, best_count = 0, -1
    # Two pointers over the sorted positions: ``after`` is the first match at or
    # beyond SNIPPET_CHARS from ``position``, so each window count costs O(1).
    after = 0
    for index, position in enumerate(positions):
        while after < len(positions) and positions[after] < position + SNIPPET_CHARS:
            after += 1
        if after - index > best_count:
            best_start, best_count = position, after - index
    # Start a little before the first match so it reads as a sentence fragment.
    start = max(0, best_start - 60) if best_count > 0 else 0
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < best_start else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return start, end
