"""Why a hit matched: its title and an abstract snippet, HTML-escaped, with the words
that match the query (after the index's own stemming) wrapped in ``<mark>``."""

from __future__ import annotations

import html
from collections.abc import Sequence
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
    """Highlights the papers of one page for one query, working out whether a word
    matches once per distinct word of the page: a page shows a few thousand words,
    mostly repeats, and analysing each one again was most of the cost."""

    def __init__(self, tokens: frozenset[str]) -> None:
        self._marks = _Matches(tokens)

    def paper(self, title: str, abstract: str) -> Highlighted:
        matched: dict[str, None] = {}
        title_html = _mark(title, self._marks, matched)
        start, end = _snippet_window(abstract, self._marks)
        body = _mark(abstract[start:end], self._marks, matched)
        prefix = "… " if start > 0 else ""
        suffix = " …" if end < len(abstract) else ""
        return Highlighted(title_html, f"{prefix}{body}{suffix}", tuple(matched))


class _Matches(dict[str, bool]):
    """Whether each word seen so far matches the query's tokens."""

    def __init__(self, tokens: frozenset[str]) -> None:
        super().__init__()
        self.tokens = tokens

    def __missing__(self, word: str) -> bool:
        found = bool(self.tokens) and not self.tokens.isdisjoint(analyze_word(word))
        self[word] = found
        return found


def _mark(text: str, marks: _Matches, matched: dict[str, None]) -> str:
    if not marks.tokens:
        return html.escape(text)
    out: list[str] = []
    last = 0
    for match in WORD.finditer(text):
        word = match.group()
        if marks[word]:
            out.append(html.escape(text[last : match.start()]))
            out.append(f"<mark>{html.escape(word)}</mark>")
            matched[word.lower()] = None
            last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _snippet_window(text: str, marks: _Matches) -> tuple[int, int]:
    """The ~SNIPPET_CHARS stretch of ``text`` with the most matches, cut at word
    boundaries; the start of the text when nothing matches."""
    if len(text) <= SNIPPET_CHARS + 80:
        return 0, len(text)
    if not marks.tokens:
        positions: list[int] = []
    else:
        positions = [m.start() for m in WORD.finditer(text) if marks[m.group()]]
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
