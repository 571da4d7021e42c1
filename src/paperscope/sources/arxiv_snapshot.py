"""arXiv's bulk metadata snapshot: the Kaggle ``arxiv-metadata-oai-snapshot.json`` file,
one JSON object per line (id, submitter, authors, authors_parsed, title, abstract,
categories, versions, update_date, comments, journal-ref, doi, report-no, license).

The full snapshot holds about 2.5 million records (4 GB), so records are read line by
line and the per-record work is kept to a handful of dict look-ups and string splits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO

import orjson

from paperscope.arxiv_ids import parse_arxiv_id
from paperscope.models import Paper, Rejected, Version
from paperscope.sources.arxiv_fields import forenames, with_text_links

FORMAT = "arxiv-snapshot"
_SNIFF_LINES = 5

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_AUTHOR_SEPARATORS = re.compile(r"\s*,\s*|\s+and\s+")


class RecordError(ValueError):
    """A record that cannot become a Paper; the message says why."""


def sniff(head: bytes) -> bool:
    """JSON objects, one per line, with an arXiv ``id`` and snapshot keys. A few lines
    are tried, so a damaged first record does not hide the format."""
    lines = head.lstrip().split(b"\n")
    if not lines[0].startswith(b"{"):
        return False
    for line in lines[:_SNIFF_LINES]:
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if (
            isinstance(record, dict)
            and "id" in record
            and "title" in record
            and ("versions" in record or "authors_parsed" in record or "categories" in record)
        ):
            return True
    # A first record longer than the sniffed head.
    return len(lines) == 1 and b'"id"' in head and b'"authors_parsed"' in head


def read_records(stream: BinaryIO, *, name: str) -> Iterator[Paper | Rejected]:
    """Papers in file order; a bad line becomes a Rejected and reading goes on."""
    for line_no, line in enumerate(stream, 1):
        if len(line) < 3 and not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Rejected(f"{name}:{line_no}", describe_bad_json_line(line, exc))
            continue
        try:
            yield paper_from_record(record)
        except RecordError as exc:
            yield Rejected(f"{name}:{line_no}", str(exc))


def describe_bad_json_line(line: bytes, exc: orjson.JSONDecodeError) -> str:
    """Why a line is not a JSON record, in the words a user can act on."""
    if not line.endswith(b"\n"):
        return f"truncated record at end of file ({len(line)} bytes, {exc.msg})"
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"invalid UTF-8 at byte {bad.start} of the line"
    return f"invalid JSON at column {exc.colno}: {exc.msg}"


def paper_from_record(record: Any) -> Paper:
    """One snapshot record as a Paper; raises RecordError naming the problem."""
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object, found {type(record).__name__}")
    raw_id = record.get("id")
    parsed = parse_arxiv_id(raw_id) if isinstance(raw_id, str) else None
    if parsed is None:
        raise RecordError(f"missing or invalid arXiv id {raw_id!r}")
    title = _text(record, "title", parsed.base)
    if not title:
        raise RecordError(f"record {parsed.base} has no title")
    categories = tuple(_text(record, "categories", parsed.base).split())
    versions = _versions(record.get("versions"))
    updated = versions[-1].submitted_at if versions else None
    paper = Paper(
        paper_id=parsed.base,
        arxiv_id=parsed.base,
        title=title,
        abstract=_text(record, "abstract", parsed.base),
        authors=_authors(record),
        categories=categories,
        primary_category=categories[0] if categories else None,
        versions=versions,
        submitted_at=versions[0].submitted_at if versions else None,
        updated_at=updated or _update_date(record.get("update_date")),
        comments=_text(record, "comments", parsed.base) or None,
        journal_ref=_text(record, "journal-ref", parsed.base) or None,
        doi=_text(record, "doi", parsed.base) or None,
        report_no=_text(record, "report-no", parsed.base) or None,
        license=_text(record, "license", parsed.base) or None,
        submitter=_text(record, "submitter", parsed.base) or None,
        source=FORMAT,
    )
    return with_text_links(paper)


def _text(record: dict[str, Any], key: str, paper_id: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"record {paper_id}: {key} is not a string")
    # Snapshot text is hard-wrapped at ~80 columns; LaTeX stays as the authors wrote it.
    return " ".join(value.split())


def _authors(record: dict[str, Any]) -> tuple[str, ...]:
    """ "First Last Suffix" in byline order from ``authors_parsed`` ([last, first,
    suffix, affiliation...]); the raw ``authors`` string only when that is missing."""
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if isinstance(parts, list) and parts and all(isinstance(p, str) for p in parts[:3]):
                first = forenames(_at(parts, 1))
                name = " ".join(f"{first} {parts[0]} {_at(parts, 2)}".split())
                if name:
                    names.append(name)
        return tuple(names)
    raw = record.get("authors")
    if not isinstance(raw, str):
        return ()
    return tuple(n for n in (" ".join(a.split()) for a in _AUTHOR_SEPARATORS.split(raw)) if n)


def _at(parts: list[str], index: int) -> str:
    return parts[index] if len(parts) > index else ""


def _versions(raw: Any) -> tuple[Version, ...]:
    if not isinstance(raw, list):
        return ()
    versions: dict[int, Version] = {}
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        label = entry.get("version")
        if not isinstance(label, str) or not label[1:].isdigit():
            continue
        number = int(label[1:])
        versions[number] = Version(number=number, submitted_at=_created(entry.get("created")))
    return tuple(versions[n] for n in sorted(versions))


def _created(text: Any) -> datetime | None:
    """``Mon, 2 Apr 2007 19:18:42 GMT``, parsed by hand: email.utils is ten times slower
    and this runs for every version of 2.5 million papers."""
    if not isinstance(text, str):
        return None
    try:
        _weekday, day, month, year, clock, *_zone = text.split()
        hour, minute, second = clock.split(":")
        return datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except (ValueError, KeyError):
        pass
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _update_date(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
