"""Read a bibliography file of any supported format, within bounds: the format is
named or guessed, the size and the number of entries are capped, and input that cannot
be used at all raises ReferenceFormatError with a message for the user."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from paperscope.models import Rejected
from paperscope.references.bibtex import parse_bibtex
from paperscope.references.csl_json import CslJsonError, parse_csl_json
from paperscope.references.records import Reference
from paperscope.references.ris import parse_ris

FORMATS = ("bibtex", "ris", "csl-json")
MAX_FILE_BYTES = 16 * 1024 * 1024  # a 10,000-entry Zotero export with abstracts is ~15 MB
MAX_ENTRIES = 10_000

_EXTENSIONS = {
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".biblatex": "bibtex",
    ".ris": "ris",
    ".json": "csl-json",
    ".csljson": "csl-json",
}
_BIBTEX_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_RIS_START = re.compile(r"^TY  - ", re.MULTILINE)


class ReferenceFormatError(ValueError):
    """The input cannot be used: unknown format, too large, not parseable at all."""


@dataclass(frozen=True, slots=True)
class ReadResult:
    format: str
    references: list[Reference]
    rejected: list[Rejected]
    notices: list[str]


def guess_format(text: str, filename: str | None = None) -> str:
    """The format from the file's extension, else from how its text begins."""
    if filename:
        by_name = _EXTENSIONS.get(PurePath(filename).suffix.casefold())
        if by_name:
            return by_name
    head = text.lstrip()[:1]
    if head in ("[", "{"):
        return "csl-json"
    if _RIS_START.search(text[:10_000]):
        return "ris"
    if _BIBTEX_START.search(text[:100_000]):
        return "bibtex"
    raise ReferenceFormatError(
        "cannot tell the format of this file: give one of " + ", ".join(FORMATS)
    )


def read_references(
    data: bytes, *, format: str | None = None, filename: str | None = None
) -> ReadResult:
    """Parse ``data``; malformed entries come back in ``rejected`` with their location."""
    if len(data) > MAX_FILE_BYTES:
        raise ReferenceFormatError(
            f"file too large: {len(data):,} bytes, the limit is {MAX_FILE_BYTES:,}; "
            "split the bibliography and import it in parts"
        )
    notices: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Older exports in Latin-1: keep the entries, say that some letters may be off.
        text = data.decode("utf-8", errors="replace")
        notices.append(f"the file is not valid UTF-8 (byte {exc.start}): odd characters replaced")
    if not text.strip():
        raise ReferenceFormatError("the file is empty")
    if format is not None and format not in FORMATS:
        raise ReferenceFormatError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    fmt = format or guess_format(text, filename)
    _check_entry_count(text, fmt)
    references, rejected = _parse(text, fmt)
    if len(references) > MAX_ENTRIES:
        raise ReferenceFormatError(_too_many(len(references)))
    if not references:
        first = f" ({rejected[0].location}: {rejected[0].reason})" if rejected else ""
        raise ReferenceFormatError(f"no {fmt} entries found in the file{first}")
    return ReadResult(fmt, references, rejected, notices)


def _parse(text: str, fmt: str) -> tuple[list[Reference], list[Rejected]]:
    if fmt == "bibtex":
        return parse_bibtex(text)
    if fmt == "ris":
        return parse_ris(text)
    try:
        return parse_csl_json(text)
    except CslJsonError as exc:
        raise ReferenceFormatError(str(exc)) from None


def _check_entry_count(text: str, fmt: str) -> None:
    """Refuse before parsing when the file plainly holds too many entries."""
    if fmt == "bibtex":
        count = len(_BIBTEX_START.findall(text))
    elif fmt == "ris":
        count = len(_RIS_START.findall(text))
    else:
        return  # counted after json.loads, which the byte cap already bounds
    if count > MAX_ENTRIES:
        raise ReferenceFormatError(_too_many(count))


def _too_many(count: int) -> str:
    return (
        f"too many entries: {count:,}, the limit is {MAX_ENTRIES:,} per import; "
        "split the bibliography and import it in parts"
    )
