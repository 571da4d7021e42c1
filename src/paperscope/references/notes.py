"""Notes in and out of bibliographies. A note in the library is plain text (any
characters, line breaks and spacing), and an export imported again must give back the
same text, so every format reads a note with ``read_notes`` and writes it with
``note_field``, which turns to HTML exactly when ``read_notes`` would change the note.

Only a note that starts with a block tag (``<p>``, ``<div>``, ``<h1>``…) is HTML, as
Zotero writes them; ``a <b> c`` or ``x < y`` is text as written."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from html.parser import HTMLParser

MAX_NOTE_LENGTH = 10_000  # as for notes typed on the library page

# A note that only restates the arXiv id (Zotero writes "arXiv:2401.12345 [cs]" there).
_ID_ONLY_NOTE = re.compile(r"^\s*arxiv:\s*\S+(\s*\[[^\]]*\])?\s*$", re.IGNORECASE)
_HTML_NOTE = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|blockquote|pre|table)(?=[\s/>])", re.IGNORECASE
)
# Blocks that a browser sets apart by a blank line; the other blocks start a new line.
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "table"}
)
_LINES = frozenset({"div", "li", "tr", "hr", "dt", "dd"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # what HTML folds (not &nbsp;)
_LINE_BREAKS = re.compile(r"[\r\n]")  # what ends a line of a RIS file


def is_html_note(text: str) -> bool:
    return bool(_HTML_NOTE.match(text))


def read_notes(values: Iterable[str | None]) -> str:
    """An entry's notes as one text, blank-line separated: HTML ones as the text a
    browser shows, the others as written; empty and identifier-only notes left out."""
    parts = []
    for value in values:
        if not value or not value.strip() or _ID_ONLY_NOTE.match(value):
            continue
        parts.append(html_to_text(value) if is_html_note(value) else value)
    return "\n\n".join(p for p in parts if p)[:MAX_NOTE_LENGTH]


def note_field(text: str, *, one_line: bool = False) -> str:
    """``text`` as a note field that ``read_notes`` gives back exactly: as written when
    it reads as itself (on one line with nothing to strip, for ``one_line`` formats),
    else as HTML."""
    plain = not one_line or (text == text.strip() and not _LINE_BREAKS.search(text))
    return text if plain and read_notes([text]) == text else text_to_html(text)


def text_to_html(text: str) -> str:
    """HTML on one line that ``html_to_text`` turns back into ``text``: paragraphs and
    ``<br>`` as Zotero writes notes, or ``<pre>`` when the text has spacing that
    paragraphs would fold (runs of spaces, leading spaces, tabs)."""
    paragraphs = "".join(f"<p>{_escape(part, '<br>')}</p>" for part in text.split("\n\n"))
    if html_to_text(paragraphs) == text:
        return paragraphs
    return f"<pre>{_escape(text, '&#10;')}</pre>"


def _escape(text: str, newline: str) -> str:
    # & < > as entities, line breaks as ``newline`` or references: the HTML is one line.
    escaped = html.escape(text, quote=False).replace("\n", newline)
    return _LINE_BREAKS.sub(lambda m: f"&#{ord(m.group())};", escaped)


def html_to_text(markup: str) -> str:
    """The text of an HTML note as a browser shows it: spaces folded, blocks and
    ``<br>`` on lines of their own, ``<pre>`` as written, entities decoded."""
    parser = _NoteText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.out)


class _NoteText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.gap = 0  # line breaks owed before the next text: a block ended or began
        self.space = False  # a folded space owed before the next text on its line
        self.pre = 0  # inside <pre>: nothing is folded

    def _write(self, text: str) -> None:
        if self.out and self.gap:
            written = len(self.out[-1]) - len(self.out[-1].rstrip("\n"))
            self.out.append("\n" * max(0, self.gap - written))
        elif self.space and self.out and not self.out[-1].endswith("\n"):
            self.out.append(" ")
        self.gap, self.space = 0, False
        self.out.append(text)

    def _block(self, tag: str) -> None:
        self.gap = max(self.gap, 2 if tag in _PARAGRAPHS else 1)
        self.space = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "br":
            self.space = False
            self._write("\n")
        elif tag in _PARAGRAPHS or tag in _LINES:
            self._block(tag)
            self.pre += tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        if tag in _PARAGRAPHS or tag in _LINES:
            self._block(tag)
            self.pre = max(0, self.pre - (tag == "pre"))

    def handle_data(self, data: str) -> None:
        if self.pre:
            self._write(data)
            return
        for i, word in enumerate(_HTML_SPACE.split(data)):
            self.space = self.space or i > 0
            if word:
                self._write(word)
