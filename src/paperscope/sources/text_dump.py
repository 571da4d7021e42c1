"""Plain-text dumps of paper listings, such as a Hugging Face Papers page saved as text:
an optional header (site navigation, a date), then a title line and an abstract
paragraph per paper, paragraphs separated by blank lines.

Papers from text have no arXiv id; they get a stable id from their title
(arxiv_ids.text_paper_id), and the store merges them into the arXiv record of the
same title when it has one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from paperscope.arxiv_ids import text_paper_id
from paperscope.models import Paper, Rejected

FORMAT = "text"

# Titles are short and do not end like sentences; abstracts are long paragraphs.
# Measured on real listings: titles 31-164 characters, abstracts 140+.
_TITLE_MAX_CHARS = 250
_TITLE_MAX_LINES = 2
# A header longer than this is not a header: the file has none.
_HEADER_MAX_PARAGRAPHS = 50
# A paragraph is kept up to this many characters (the longest arXiv abstracts are
# about 2,000): past it, the rest is read but not held, and the record is rejected, so
# a file without blank lines costs bounded memory.
_PARAGRAPH_MAX_CHARS = 100_000
_SHOWN_CHARS = 120  # of a title quoted in a rejection


@dataclass(frozen=True, slots=True)
class _Paragraph:
    line_no: int  # first line, 1-based
    text: str  # lines joined by single spaces
    line_count: int
    bad_line: int | None  # first line that was not UTF-8
    too_long: bool = False  # cut at _PARAGRAPH_MAX_CHARS

    @property
    def looks_like_title(self) -> bool:
        return (
            len(self.text) <= _TITLE_MAX_CHARS
            and self.line_count <= _TITLE_MAX_LINES
            and not self.text.endswith(".")
        )


def sniff(head: bytes) -> bool:
    """Readable text that is not JSON or XML, with at least one blank-line break."""
    if not head.strip() or b"\x00" in head:
        return False
    # The head may end inside a multi-byte character.
    text = (
        head[:-4].decode("utf-8", "replace") if len(head) > 4 else head.decode("utf-8", "replace")
    )
    if text.count("\ufffd") > len(text) // 100:
        return False
    stripped = text.lstrip("\ufeff \t\r\n")
    return not stripped.startswith(("{", "[", "<")) and "\n\n" in text.replace("\r\n", "\n")


def read_records(stream: BinaryIO, *, name: str) -> Iterator[Paper | Rejected]:
    """Papers in file order; a title without an abstract, or a record holding bytes
    that are not UTF-8, becomes a Rejected with its line number."""
    paragraphs = _skip_header(_paragraphs(stream))
    title: _Paragraph | None = None
    for paragraph in paragraphs:
        if title is None:
            title = paragraph
            continue
        if paragraph.looks_like_title:
            # Two titles in a row: the first lost its abstract; pair up from here.
            yield _lone_title(name, title, "title without abstract")
            title = paragraph
            continue
        yield _record(name, title, paragraph)
        title = None
    if title is not None:
        yield _lone_title(name, title, "title without abstract at end of file")


def _lone_title(name: str, title: _Paragraph, reason: str) -> Rejected:
    """A title-like paragraph with no abstract after it; one that is not text at all
    (bytes that are not UTF-8, an endless paragraph) is rejected for that instead."""
    return _unreadable(name, title, title) or Rejected(
        f"{name}:{title.line_no}", f"{reason}: {_shown(title.text)}"
    )


def _unreadable(name: str, title: _Paragraph, abstract: _Paragraph) -> Rejected | None:
    bad = title.bad_line or abstract.bad_line
    if bad is not None:
        return Rejected(f"{name}:{title.line_no}", f"invalid UTF-8 on line {bad}")
    long = next((p for p in (title, abstract) if p.too_long), None)
    if long is not None:
        return Rejected(
            f"{name}:{title.line_no}",
            f"paragraph from line {long.line_no} longer than {_PARAGRAPH_MAX_CHARS:,} "
            "characters (no blank line between papers?)",
        )
    return None


def _shown(text: str) -> str:
    """A title as quoted in a rejection, cut so one line of the report stays one line."""
    return repr(text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…")


def _record(name: str, title: _Paragraph, abstract: _Paragraph) -> Paper | Rejected:
    unreadable = _unreadable(name, title, abstract)
    if unreadable is not None:
        return unreadable
    return Paper(
        paper_id=text_paper_id(title.text),
        title=title.text,
        abstract=abstract.text,
        source=FORMAT,
    )


def _skip_header(paragraphs: Iterator[_Paragraph]) -> Iterator[_Paragraph]:
    """Drop the paragraphs before the first title/abstract pair.

    The first pair is the first abstract-like paragraph preceded by a title-like one;
    everything before that title is the header."""
    held: list[_Paragraph] = []
    for paragraph in paragraphs:
        if held and not paragraph.looks_like_title and held[-1].looks_like_title:
            yield held[-1]
            yield paragraph
            break
        held.append(paragraph)
        if len(held) > _HEADER_MAX_PARAGRAPHS:
            yield from held
            break
    else:
        # No pair at all: nothing was a header; let the pairing report what it finds.
        yield from held
        return
    yield from paragraphs


def _paragraphs(stream: BinaryIO) -> Iterator[_Paragraph]:
    lines: list[str] = []
    start, bad, count, size = 0, None, 0, 0
    for line_no, raw in enumerate(stream, 1):
        try:
            text, valid = raw.decode("utf-8"), True
        except UnicodeDecodeError:
            text, valid = raw.decode("utf-8", "replace"), False
        text = " ".join(text.split())
        if text:
            if not count:
                start = line_no
            count += 1
            if size <= _PARAGRAPH_MAX_CHARS:
                lines.append(text)
                size += len(text) + 1
            bad = bad or (None if valid else line_no)
        elif count:
            yield _paragraph(start, lines, count, bad)
            lines, bad, count, size = [], None, 0, 0
    if count:
        yield _paragraph(start, lines, count, bad)


def _paragraph(start: int, lines: list[str], count: int, bad: int | None) -> _Paragraph:
    text = " ".join(lines)
    too_long = len(text) > _PARAGRAPH_MAX_CHARS
    return _Paragraph(start, text[:_PARAGRAPH_MAX_CHARS], count, bad, too_long)
