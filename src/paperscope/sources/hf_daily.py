"""Hugging Face daily papers: the JSON array served by ``/api/daily_papers``, one entry
per paper of the day ({paper: {id, title, summary, authors, publishedAt, upvotes, ...},
publishedAt, title, numComments, submittedBy, ...}).

The array is one JSON document, so a file cut off in the middle would be unreadable
as a whole. It is read element by element instead: every complete entry before the
damage is kept, and after a malformed entry reading resumes at the next one."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from paperscope.arxiv_ids import parse_arxiv_id
from paperscope.links import safe_avatar, safe_url
from paperscope.models import AuthorDetail, Paper, Profile, Rejected, kept_author_details

FORMAT = "hf-daily"

_CHUNK = 1 << 16
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"\s*")
_ENTRY_START = re.compile(r'\{\s*"paper"\s*:')
_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*')
# Bytes that are not UTF-8 are decoded to lone surrogates (surrogateescape), so the
# entry that holds them can be rejected alone.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


class EntryError(ValueError):
    """An entry that cannot become a Paper; the message says why."""


def sniff(head: bytes) -> bool:
    """A JSON array whose elements carry a ``paper`` object."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return (
        text.startswith(b"[") and _ENTRY_START.search(head.decode("utf-8", "replace")) is not None
    )


def read_records(stream: BinaryIO, *, name: str) -> Iterator[Paper | Rejected]:
    """Papers in array order; a malformed entry becomes a Rejected naming its index."""
    elements = _ArrayElements(stream)
    for index, entry, problem in elements:
        location = f"{name} entry {index}"
        if problem is not None:
            yield Rejected(location, problem)
            continue
        try:
            yield paper_from_entry(entry)
        except EntryError as exc:
            yield Rejected(f"{location}{_id_suffix(entry)}", str(exc))
    if elements.top_level_problem:
        yield Rejected(name, elements.top_level_problem)


def paper_from_entry(entry: Any) -> Paper:
    """One daily-papers entry as a Paper; raises EntryError naming the problem.
    Links that are not http(s) URLs are dropped, the paper kept."""
    if not isinstance(entry, dict) or not isinstance(entry.get("paper"), dict):
        raise EntryError("entry has no 'paper' object")
    paper = entry["paper"]
    parsed = parse_arxiv_id(str(paper.get("id", "")))
    if parsed is None:
        raise EntryError(f"missing or invalid arXiv id {paper.get('id')!r}")
    title = _text(paper.get("title")) or _text(entry.get("title"))
    if not title:
        raise EntryError("entry has no title")

    def field(key: str) -> Any:  # HF puts most paper fields inside "paper", some outside
        value = paper.get(key)
        return entry.get(key) if value is None else value

    listed_at = _timestamp(paper.get("submittedOnDailyAt") or entry.get("publishedAt"))
    authors = _authors(paper.get("authors"))
    return Paper(
        paper_id=parsed.base,
        arxiv_id=parsed.base,
        title=title,
        abstract=_text(paper.get("summary")),
        authors=authors,
        author_details=kept_author_details(authors, _author_details(paper.get("authors"))),
        submitted_at=_timestamp(paper.get("publishedAt")),
        feed_date=listed_at.date() if listed_at else None,
        listed_at=listed_at,
        project_url=safe_url(field("projectPage")),
        code_url=safe_url(field("githubRepo")),
        github_stars=_count(field("githubStars")),
        external_upvotes=_count(paper.get("upvotes")),
        source_comments=_count(entry.get("numComments")),
        ai_summary=_text(field("ai_summary")) or None,
        ai_keywords=_keywords(field("ai_keywords")),
        submitted_by=profile_from_hf(entry.get("submittedBy"))
        or profile_from_hf(paper.get("submittedOnDailyBy")),
        organization=profile_from_hf(field("organization")),
        thumbnail_url=safe_url(entry.get("thumbnail")),
        media_urls=_urls(entry.get("mediaUrls")),
        source=FORMAT,
    )


# Hugging Face names the account "name" in submittedBy and organization, "user" in
# submittedOnDailyBy and author records; the avatar "avatarUrl", or "avatar" for an
# organization. The other plain fields are kept as given, within bounds.
_NAME_KEYS = ("name", "user")
_AVATAR_KEYS = ("avatarUrl", "avatar")
_MAX_DETAILS, _MAX_DETAIL_KEY, _MAX_DETAIL_TEXT = 32, 64, 500


def profile_from_hf(raw: Any) -> Profile | None:
    """A submitter or organisation object as a Profile; None without an account name."""
    if not isinstance(raw, dict):
        return None
    name = next((_text(raw.get(k)) for k in _NAME_KEYS if _text(raw.get(k))), "")
    if not name:
        return None
    avatar = next((raw[k] for k in _AVATAR_KEYS if isinstance(raw.get(k), str)), None)
    details = [
        (key, value)
        for key, value in raw.items()
        if key not in _NAME_KEYS + _AVATAR_KEYS + ("fullname",)
        and isinstance(key, str)
        and len(key) <= _MAX_DETAIL_KEY
        and (value is None or isinstance(value, int | float | bool) or _short_text(value))
    ]
    return Profile(
        name=name,
        fullname=_text(raw.get("fullname")),
        avatar_url=safe_avatar(avatar) or "",
        details=tuple(details[:_MAX_DETAILS]),
    )


_MAX_STATUS = 64


def _author_details(raw: Any) -> list[AuthorDetail]:
    """Author records that say more than a name: the account linked to the author
    (``user``), the claim's ``status`` and ``statusLastChangedAt``, ``hidden``."""
    if not isinstance(raw, list):
        return []
    out = []
    for record in raw:
        name = _text(record.get("name")) if isinstance(record, dict) else ""
        if not name:
            continue
        status = _text(record.get("status"))
        detail = AuthorDetail(
            name=name,
            user=profile_from_hf(record.get("user")),
            status=status if 0 < len(status) <= _MAX_STATUS else None,
            status_last_changed_at=_timestamp(record.get("statusLastChangedAt")),
            hidden=record.get("hidden") is True,
        )
        if detail != AuthorDetail(name):
            out.append(detail)
    return out


def _short_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= _MAX_DETAIL_TEXT


@dataclass
class _ArrayElements:
    """Iterates (index, element, problem) over a JSON array read in chunks."""

    stream: BinaryIO
    top_level_problem: str | None = None

    def __post_init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._buffer = ""
        self._eof = False
        self._truncated = False

    def __iter__(self) -> Iterator[tuple[int, Any, str | None]]:
        pos = self._skip_space(0)
        if self._buffer[pos : pos + 1] != "[":
            self.top_level_problem = "not a JSON array of daily papers"
            return
        pos, index = self._skip_space(pos + 1), 0
        while pos < len(self._buffer) and self._buffer[pos] != "]":
            try:
                entry, end = self._decode_at(pos)
            except json.JSONDecodeError as exc:
                yield index, None, self._damage(pos, exc)
                pos, index = self._resync(pos + 1), index + 1
                continue
            except RecursionError:
                # Python's JSON parser recurses once per level; the entry is skipped
                # by a scan that does not, and reading goes on after it.
                yield index, None, "nested too deeply to read (more than about 1000 levels)"
                pos, index = self._after_element(self._skip_element(pos)), index + 1
                self._buffer, pos = self._buffer[pos:], 0
                continue
            bad = _UNDECODABLE.search(self._buffer, pos, end)
            yield index, entry, (f"invalid UTF-8 at character {bad.start() - pos}" if bad else None)
            pos, index = self._after_element(end), index + 1
            # Keep memory flat: drop what has been decoded.
            self._buffer, pos = self._buffer[pos:], 0
        if pos >= len(self._buffer) and not self._truncated:
            self.top_level_problem = "file ends before the closing ']' of the array: truncated?"

    def _decode_at(self, pos: int) -> tuple[Any, int]:
        """Decode the element at ``pos``, reading more input while it may be incomplete.
        The same error twice, with more input, is real damage: stop reading then."""
        last: tuple[str, int] | None = None
        while True:
            try:
                return _DECODER.raw_decode(self._buffer, pos)
            except json.JSONDecodeError as exc:
                if (exc.msg, exc.pos) == last or not self._read_more():
                    raise
                last = (exc.msg, exc.pos)

    def _skip_element(self, pos: int) -> int:
        """The end of the JSON value starting at ``pos``, found without recursion;
        what is behind is dropped as the scan goes, so memory stays flat."""
        depth, in_string = 0, False
        while True:
            if in_string:
                body = _STRING_BODY.match(self._buffer, pos)
                pos = body.end() if body else pos
                if self._buffer[pos : pos + 1] == '"':
                    pos, in_string = pos + 1, False
                    continue
            else:
                found = _STRUCTURE.search(self._buffer, pos)
                if found is not None:
                    pos, char = found.end(), found.group()
                    in_string = char == '"'
                    depth += 1 if char in "[{" else -1 if char in "]}" else 0
                    if depth == 0 and char in "]}":
                        return pos
                    continue
                pos = len(self._buffer)
            self._buffer, pos = self._buffer[pos:], 0
            if not self._read_more():
                return len(self._buffer)

    def _after_element(self, end: int) -> int:
        pos = self._skip_space(end)
        if self._buffer[pos : pos + 1] == ",":
            return self._skip_space(pos + 1)
        return pos

    def _damage(self, pos: int, exc: json.JSONDecodeError) -> str:
        rest = self._buffer[pos:].rstrip()
        if self._eof and not rest.endswith("]") and not _ENTRY_START.search(self._buffer, pos + 1):
            self._truncated = True
            return "truncated at end of file (the entries before it were imported)"
        return f"malformed JSON at character {exc.pos - pos} of the entry: {exc.msg}"

    def _resync(self, pos: int) -> int:
        """Position of the next entry start ({"paper": ...}) after damaged input."""
        while True:
            found = _ENTRY_START.search(self._buffer, pos)
            if found:
                return found.start()
            if not self._read_more():
                return len(self._buffer)

    def _skip_space(self, pos: int) -> int:
        while True:
            match = _SPACE.match(self._buffer, pos)
            end = match.end() if match else pos
            if end < len(self._buffer) or not self._read_more():
                return end

    def _read_more(self) -> bool:
        if self._eof:
            return False
        chunk = self.stream.read(_CHUNK)
        self._eof = not chunk
        self._buffer += self._decoder.decode(chunk, final=self._eof)
        return True


def _id_suffix(entry: Any) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("paper"), dict):
        paper_id = entry["paper"].get("id")
        if isinstance(paper_id, str) and paper_id:
            return f" ({paper_id})"
    return ""


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _authors(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    names = (_text(a.get("name")) for a in raw if isinstance(a, dict))
    return tuple(n for n in names if n)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _urls(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(u for u in (safe_url(v) for v in raw) if u)


def _keywords(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(k for k in (_text(v) for v in raw) if k)


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
