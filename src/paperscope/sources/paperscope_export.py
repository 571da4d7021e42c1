"""paperscope's own export: JSON lines, a header line ``{"format": "paperscope-export",
"version": 1}`` then one object per paper with every Paper field (versions included).

Export then import is loss-free: the reader restores each paper exactly, including the
source it first came from and every source it was seen in. Fields added since version 1
(``author_details``) are optional: an export written before them reads as before."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any, BinaryIO

import orjson

from paperscope.links import safe_avatar, safe_url
from paperscope.models import AuthorDetail, Paper, Profile, Rejected, Version, kept_author_details

FORMAT = "export"
VERSION = 1
HEADER = {"format": "paperscope-export", "version": VERSION}


class FieldError(ValueError):
    """A field with the wrong type or an unreadable value; the message names it."""


def sniff(head: bytes) -> bool:
    """The first line is the export header."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    try:
        header = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(header, dict) and header.get("format") == HEADER["format"]


def write_export(papers: Iterable[Paper], out: BinaryIO) -> int:
    """Write the header and one line per paper; returns how many papers were written."""
    out.write(orjson.dumps(HEADER) + b"\n")
    count = 0
    for paper in papers:
        # orjson writes dataclasses field by field, in declaration order, and datetimes
        # as RFC 3339: the same paper always gives the same bytes.
        out.write(orjson.dumps(paper, option=orjson.OPT_APPEND_NEWLINE))
        count += 1
    return count


def read_records(stream: BinaryIO, *, name: str) -> Iterator[Paper | Rejected]:
    """Papers in file order; a file whose header is missing or newer than this version
    is rejected as a whole (nothing in it can be trusted to mean the same)."""
    lines = enumerate(stream, 1)
    problem = _header_problem(next(lines, (1, b""))[1])
    if problem:
        yield Rejected(f"{name}:1", problem)
        return
    for line_no, line in lines:
        if len(line) < 3 and not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            reason = "truncated record at end of file" if not line.endswith(b"\n") else exc.msg
            yield Rejected(f"{name}:{line_no}", f"invalid JSON: {reason}")
            continue
        try:
            yield paper_from_dict(record)
        except FieldError as exc:
            yield Rejected(f"{name}:{line_no}", str(exc))


def _header_problem(line: bytes) -> str | None:
    try:
        header = orjson.loads(line)
    except orjson.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("format") != HEADER["format"]:
        return f"not a paperscope export: the first line must be {orjson.dumps(HEADER).decode()}"
    version = header.get("version")
    if not isinstance(version, int) or version > VERSION:
        return (
            f"export format version {version!r} is newer than this paperscope reads "
            f"({VERSION}); upgrade paperscope to import it"
        )
    return None


def paper_from_dict(record: Any) -> Paper:
    """A Paper from one exported object; raises FieldError naming the bad field."""
    if not isinstance(record, dict):
        raise FieldError(f"expected a JSON object, found {type(record).__name__}")
    paper_id = record.get("paper_id")
    where = f"paper {paper_id}" if isinstance(paper_id, str) else "record"
    values: dict[str, Any] = {}
    for field, convert in _FIELDS.items():
        if field not in record:
            continue
        try:
            values[field] = convert(record[field])
        except (TypeError, ValueError) as exc:
            raise FieldError(f"{where}: field {field!r}: {exc}") from None
    if not values.get("paper_id") or not values.get("title"):
        raise FieldError(f"{where}: paper_id and title are required")
    values.setdefault("source", FORMAT)
    if "author_details" in values:
        # Bounded as from Hugging Face itself: one per listed author, within a size.
        values["author_details"] = kept_author_details(
            values.get("authors", ()), values["author_details"]
        )
    return Paper(**values)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, found {type(value).__name__}")
    return value


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of strings, found {type(value).__name__}")
    return tuple(_string(v) for v in value)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, found {type(value).__name__}")
    return value


def _timestamp(value: Any) -> datetime:
    return datetime.fromisoformat(_string(value))


def _day(value: Any) -> date:
    return date.fromisoformat(_string(value))


def _versions(value: Any) -> tuple[Version, ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of versions, found {type(value).__name__}")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise TypeError("each version must be an object")
        out.append(
            Version(
                number=_integer(item.get("number")),
                submitted_at=_optional(_timestamp)(item.get("submitted_at")),
                size=_optional(_string)(item.get("size")),
            )
        )
    return tuple(out)


def _link(value: Any) -> str | None:
    # A link that is not http(s) is dropped, as from every other source.
    return safe_url(_string(value))


def _links(value: Any) -> tuple[str, ...]:
    return tuple(u for u in (safe_url(v) for v in _strings(value)) if u)


def _profile(value: Any) -> Profile:
    if not isinstance(value, dict):
        raise TypeError(f"expected a profile object, found {type(value).__name__}")
    details = value.get("details", [])
    if not isinstance(details, list) or not all(
        isinstance(d, list) and len(d) == 2 and isinstance(d[0], str) for d in details
    ):
        raise TypeError("profile details must be a list of [key, value] pairs")
    if any(isinstance(d[1], list | dict) for d in details):
        raise TypeError("profile details hold plain values only")
    return Profile(
        name=_string(value.get("name")),
        fullname=_string(value.get("fullname", "")),
        avatar_url=safe_avatar(_string(value.get("avatar_url", ""))) or "",
        details=tuple((k, v) for k, v in details),
    )


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, found {type(value).__name__}")
    return value


def _author_details(value: Any) -> tuple[AuthorDetail, ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of author details, found {type(value).__name__}")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise TypeError("each author detail must be an object")
        out.append(
            AuthorDetail(
                name=_string(item.get("name")),
                user=_optional(_profile)(item.get("user")),
                status=_optional(_string)(item.get("status")),
                status_last_changed_at=_optional(_timestamp)(item.get("status_last_changed_at")),
                hidden=_boolean(item.get("hidden", False)),
            )
        )
    return tuple(out)


_OPTIONAL_STRING = _optional(_string)
_FIELDS: dict[str, Callable[[Any], Any]] = {
    "paper_id": _string,
    "title": _string,
    "abstract": _string,
    "arxiv_id": _OPTIONAL_STRING,
    "authors": _strings,
    "categories": _strings,
    "primary_category": _OPTIONAL_STRING,
    "versions": _versions,
    "submitted_at": _optional(_timestamp),
    "updated_at": _optional(_timestamp),
    "feed_date": _optional(_day),
    "comments": _OPTIONAL_STRING,
    "journal_ref": _OPTIONAL_STRING,
    "doi": _OPTIONAL_STRING,
    "report_no": _OPTIONAL_STRING,
    "license": _OPTIONAL_STRING,
    "submitter": _OPTIONAL_STRING,
    "project_url": _optional(_link),
    "code_url": _optional(_link),
    "external_upvotes": _optional(_integer),
    "ai_summary": _OPTIONAL_STRING,
    "ai_keywords": _strings,
    "submitted_by": _optional(_profile),
    "organization": _optional(_profile),
    "author_details": _author_details,
    "listed_at": _optional(_timestamp),
    "thumbnail_url": _optional(_link),
    "media_urls": _links,
    "github_stars": _optional(_integer),
    "source_comments": _optional(_integer),
    "links_edited_by": _OPTIONAL_STRING,
    "source": _string,
    "sources": _strings,
}
