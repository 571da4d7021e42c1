"""Field clean-up shared by the arXiv sources: whitespace, TeX accents in author names,
author lists, dates and versions, each written once for OAI-PMH, the API and RSS."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from paperscope.links import links_in_text
from paperscope.models import Paper, Version

# TeX accent command -> Unicode combining mark (\'e -> é, \"o -> ö, \c{c} -> ç ...).
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_ACCENT = re.compile(r"\{?\\(['`^\"~=.]|[uvHckr](?=[\s{]))\s*\{?\\?([A-Za-zı])\}?\}?")
_LETTERS = {
    r"\ss": "ß",
    r"\o": "ø",
    r"\O": "Ø",
    r"\aa": "å",
    r"\AA": "Å",
    r"\ae": "æ",
    r"\AE": "Æ",
    r"\l": "ł",
    r"\L": "Ł",
    r"\i": "ı",
}
_LETTER = re.compile(r"\{?(\\(?:ss|aa|AA|ae|AE|o|O|l|L|i))(?![A-Za-z])\}?")
_AND = re.compile(r"\s+and\s+|\s*;\s*", re.IGNORECASE)
_SPLIT_INITIALS = re.compile(r"\. +-(?=\w)")


def clean_text(text: str | None) -> str:
    """Collapse the line breaks and indentation arXiv keeps in titles and abstracts."""
    return " ".join(text.split()) if text else ""


def detex_name(name: str) -> str:
    """Turn the TeX accents arXiv keeps in author names into Unicode (Bal\\'azs ->
    Balázs), so the same author matches across sources."""
    if "\\" not in name:
        return name
    name = _LETTER.sub(lambda m: _LETTERS[m.group(1)], name)
    # A dotless i (from \i) takes the accent as a plain i: \'\i -> í.
    name = _ACCENT.sub(lambda m: m.group(2).replace("ı", "i") + _ACCENTS[m.group(1)], name)
    return unicodedata.normalize("NFC", name.replace("{", "").replace("}", ""))


def forenames(text: str) -> str:
    """arXiv's parsed forenames with hyphenated initials rejoined: its parser writes
    "C.-P. Yuan" apart, as forenames "C. -P." (the snapshot's authors_parsed and the
    OAI ``arXiv`` format alike)."""
    return _SPLIT_INITIALS.sub(".-", text)


def name_from_sorted(sorted_name: str) -> str:
    """``Last, First`` (Dublin Core creators) -> ``First Last``; ``Last, First, Jr.``
    keeps the suffix at the end; a name without a comma is returned as it is."""
    parts = [p.strip() for p in sorted_name.split(",")]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return clean_text(sorted_name)
    last, first, *rest = parts
    return clean_text(" ".join([first, last, *rest]))


def split_authors(authors: str) -> tuple[str, ...]:
    """Split an author string (``A. Smith, B. Jones (MIT) and C. Wu``) into names,
    dropping parenthesised affiliations and never splitting inside them."""
    names: list[str] = []
    depth, current = 0, list[str]()
    for char in authors:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            names.append("".join(current))
            current = []
        elif depth == 0:
            current.append(char)
    names.append("".join(current))
    out: list[str] = []
    for chunk in names:
        for name in _AND.split(chunk):
            cleaned = clean_text(detex_name(name))
            if cleaned:
                out.append(cleaned)
    return tuple(out)


def parse_datetime(text: str | None) -> datetime | None:
    """An aware UTC datetime from the spellings arXiv uses: ``2024-01-25``,
    ``2024-01-25T12:00:00Z``, ISO with an offset, or RFC 2822 (``Mon, 2 Apr 2007
    19:18:42 GMT``). None for empty or unreadable text."""
    if not text or not text.strip():
        return None
    s = text.strip()
    try:
        parsed = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_date(text: str | None) -> date | None:
    """The calendar day of a date or timestamp, in the offset it was written in (an
    RSS pubDate of ``Thu, 01 Feb 2024 00:00:00 -0500`` is 1 February)."""
    if not text or not text.strip():
        return None
    s = text.strip()
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(s).date()
    except (TypeError, ValueError, IndexError):
        return None


def first_and_latest_versions(
    first: datetime | None, latest: datetime | None, latest_number: int
) -> tuple[Version, ...]:
    """Versions when a source gives only v1's date and the latest version's (the arXiv
    API): v1 and vN are known, the ones between are left out rather than invented."""
    if latest_number <= 1:
        return (Version(1, first),)
    return (Version(1, first), Version(latest_number, latest))


def doi_from_text(text: str) -> str | None:
    """A DOI from ``doi:10.1/x``, ``https://doi.org/10.1/x`` or a bare ``10.1/x``."""
    s = text.strip()
    for prefix in (
        "doi:",
        "https://doi.org/",
        "http://doi.org/",
        "http://dx.doi.org/",
        "https://dx.doi.org/",
    ):
        if s.lower().startswith(prefix):
            s = s[len(prefix) :]
            break
    return s if s.startswith("10.") and "/" in s else None


def with_text_links(paper: Paper) -> Paper:
    """The paper with the code and project links its comments or abstract announce
    ("Code: https://github.com/org/repo"), where it has none of its own."""
    if paper.code_url and paper.project_url:
        return paper
    code, project = links_in_text(paper.comments, paper.abstract)
    if not code and not project:
        return paper
    return paper.replace(code_url=paper.code_url or code, project_url=paper.project_url or project)
