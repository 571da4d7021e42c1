"""RIS in and out. The file is cut into records here (``TY`` ... ``ER``) so a broken
record is reported by its line and the others still read; rispy parses each record
and writes the export."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from paperscope.arxiv_ids import abs_url
from paperscope.models import Rejected
from paperscope.references.notes import note_field, read_notes
from paperscope.references.records import (
    MAX_AUTHORS,
    Reference,
    arxiv_id_in,
    clean_doi,
    clean_title,
    doi_arxiv_id,
    parse_year,
    person_name,
    split_keywords,
)

if TYPE_CHECKING:
    from paperscope.references.export import ExportEntry

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_NUMBERING = re.compile(r"^\d+\.$")  # rispy's own files number their records


def _records(text: str) -> Iterator[tuple[int, list[str]] | Rejected]:
    """(first line number, lines) of each TY ... ER record; a Rejected for a record left
    open or text outside any record."""
    start: int | None = None
    lines: list[str] = []
    stray: int | None = None
    # Only CR and LF end a line: str.splitlines would also cut at U+2028 and the like,
    # which a field (a note, an abstract) may hold.
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        line = raw.rstrip()
        m = _TAG.match(line)
        tag = m.group(1) if m else None
        if tag == "TY":
            if start is not None:
                yield Rejected(f"line {start}", f"record not closed by ER before line {number}")
            start, lines = number, [line]
        elif start is None:
            if line.strip() and stray is None and not _NUMBERING.match(line):
                stray = number
                yield Rejected(f"line {number}", "text outside a TY ... ER record")
        elif tag == "ER":
            yield start, [*lines, "ER  - "]
            start, lines = None, []
        else:
            lines.append(line)
        if line.strip() == "" and start is None:
            stray = None
    if start is not None:
        yield Rejected(f"line {start}", "record not closed by ER at the end of the file")


def parse_ris(text: str) -> tuple[list[Reference], list[Rejected]]:
    import rispy

    references: list[Reference] = []
    rejected: list[Rejected] = []
    for record in _records(text):
        if isinstance(record, Rejected):
            rejected.append(record)
            continue
        start, lines = record
        try:
            parsed = rispy.loads("\n".join(lines) + "\n", implementation=_note_parser())
        except Exception as exc:  # rispy raises plain IOError/ValueError subclasses
            rejected.append(Rejected(f"line {start}", f"malformed RIS record ({exc})"))
            continue
        if not parsed:
            rejected.append(Rejected(f"line {start}", "malformed RIS record"))
            continue
        references.append(_reference(parsed[0], start))
    return references, rejected


@functools.cache
def _note_parser() -> type[Any]:
    import rispy

    class NoteRisParser(rispy.RisParser):  # type: ignore[misc]
        """Lines that continue an ``N1`` belong to that note: Zotero writes a note's HTML
        over several lines, which rispy would make notes of their own."""

        def _add_tag(
            self, record: dict[str, Any], tag: str, content: str, extend_multiline: bool = False
        ) -> None:
            if extend_multiline and tag == "N1" and record.get("notes"):
                record["notes"][-1] += "\n" + content
            else:
                super()._add_tag(record, tag, content, extend_multiline)

    return NoteRisParser


def _first(record: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = record.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            return str(value)
    return None


def _all(record: dict[str, Any], name: str) -> list[str]:
    value = record.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _reference(record: dict[str, Any], line: int) -> Reference:
    doi = clean_doi(_first(record, "doi"))
    arxiv = doi_arxiv_id(doi) or arxiv_id_in(
        [
            *_all(record, "urls"),
            *_all(record, "notes"),
            _first(record, "number", "note"),
            _first(record, "journal_name", "secondary_title"),
        ]
    )
    return Reference(
        key=_first(record, "id") or "",
        location=f"line {line}",
        title=clean_title(_first(record, "title", "primary_title", "translated_title")),
        authors=tuple(
            person_name(a) for a in [*_all(record, "authors"), *_all(record, "first_authors")]
        )[:MAX_AUTHORS],
        year=parse_year(_first(record, "year", "publication_year", "date")),
        doi=doi,
        arxiv_id=arxiv,
        keywords=split_keywords(_all(record, "keywords")),
        note=read_notes([*_all(record, "notes"), *_all(record, "research_notes")]),
    )


def write_ris(entries: Sequence[ExportEntry]) -> str:
    import rispy

    records = []
    for item in entries:
        paper = item.paper
        record: dict[str, Any] = {
            "type_of_reference": "JOUR" if paper.journal_ref else "UNPB",
            "title": _one_line(paper.title),
            "authors": [_one_line(_surname_first(a)) for a in paper.authors],
        }
        if paper.submitted_at:
            record["year"] = str(paper.submitted_at.year)
            record["date"] = paper.submitted_at.strftime("%Y/%m/%d")
        if paper.journal_ref:
            record["journal_name"] = _one_line(paper.journal_ref)
        if paper.doi:
            record["doi"] = _one_line(paper.doi)
        if paper.arxiv_id:
            record["urls"] = [abs_url(paper.arxiv_id)]
            record["number"] = f"arXiv:{paper.arxiv_id}"
            record["publisher"] = "arXiv"
        if paper.abstract:
            record["abstract"] = _one_line(paper.abstract)
        if item.tags:
            record["keywords"] = [_one_line(t) for t in item.tags]
        if item.note:
            record["notes"] = [note_field(item.note, one_line=True)]
        record["id"] = paper.paper_id
        records.append(record)
    return str(rispy.dumps(records, implementation=_plain_writer()))


def _plain_writer() -> type[Any]:
    import rispy

    class PlainRisWriter(rispy.RisWriter):  # type: ignore[misc]
        """Without rispy's "1.", "2." line before each record, which Zotero and
        EndNote do not write."""

        def set_header(self, count: int) -> str:
            return ""

    return PlainRisWriter


def _one_line(text: str) -> str:
    # A newline would start a new RIS tag line: field text must stay on one line.
    return " ".join(text.split())


def _surname_first(name: str) -> str:
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name
