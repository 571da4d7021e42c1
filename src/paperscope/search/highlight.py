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
    matched: dict[str, None] = {}
    title_html = _mark(title, tokens, matched)
    start, end = _snippet_window(abstract, tokens)
    body = _mark(abstract[start:end], tokens, matched)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(abstract) else ""
    return Highlighted(title_html, f"{prefix}{body}{suffix}", tuple(matched))


def _matches(word: str, tokens: frozenset[str]) -> bool:
    return bool(tokens) and any(token in tokens for token in analyze_word(word))


def _mark(text: str, tokens: frozenset[str], matched: dict[str, None]) -> str:
    out: list[str] = []
    last = 0
    for match in WORD.finditer(text):
        if _matches(match.group(), tokens):
            out.append(html.escape(text[last : match.start()]))
            out.append(f"<mark>{html.escape(match.group())}</mark>")
            matched[match.group().lower()] = None
            last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _snippet_window(text: str, tokens: frozenset[str]) -> tuple[int, int]:
    """The ~SNIPPET_CHARS stretch of ``text`` with the most matches, cut at word
    boundaries; the start of the text when nothing matches."""
    if len(text) <= SNIPPET_CHARS + 80:
        return 0, len(text)
    positions = [m.start() for m in WORD.finditer(text) if _matches(m.group(), tokens)]
    best_start, best_count = 0, -1
    for index, position in enumerate(positions):
        count = sum(1 for p in positions[index:] if p < position + SNIPPET_CHARS)
        if count > best_count:
            best_start, best_count = position, count
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
