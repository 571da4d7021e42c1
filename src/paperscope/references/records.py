"""One bibliography entry as the matcher sees it, whatever format it came from, and the
rules that pull identifiers out of the fields reference managers write them to."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from paperscope.arxiv_ids import parse_arxiv_id


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed entry. ``location`` says where it was in the file ("line 12", "item 3")."""

    key: str  # citation key / RIS ID / CSL id; "" when the entry has none
    location: str
    title: str = ""
    authors: tuple[str, ...] = ()  # "Given Family", as far as the format says
    year: int | None = None
    doi: str | None = None  # lower-case, without resolver prefix
    arxiv_id: str | None = None  # without version
    keywords: tuple[str, ...] = ()
    note: str = ""

    @property
    def label(self) -> str:
        """How a report names the entry: its key, else its title, else where it is."""
        return self.key or self.title[:80] or self.location


# arXiv ids as reference managers write them: "arXiv:2401.12345v2", "arXiv preprint
# arXiv:2401.12345", the arXiv DOI 10.48550/arXiv.2401.12345, "arXiv: hep-th/9901001".
_ARXIV_IN_TEXT = re.compile(
    r"arxiv[:.]\s*(\d{4}\.\d{4,5}(?:v\d+)?|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#}\"'<>]+)", re.IGNORECASE)
# DBLP's CoRR entries: journal = {CoRR}, volume = {abs/2401.12345}
_CORR = re.compile(r"^abs/(\d{4}\.\d{4,5})$")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def arxiv_id_in(texts: Iterable[str | None]) -> str | None:
    """The first arXiv id (without version) found in any of ``texts``."""
    for text in texts:
        if not text:
            continue
        for pattern in (_ARXIV_URL, _ARXIV_IN_TEXT, _CORR):
            m = pattern.search(text.strip())
            if m:
                parsed = parse_arxiv_id(m.group(1).removesuffix(".pdf"))
                if parsed:
                    return parsed.base
    return None


def eprint_arxiv_id(eprint: str | None, prefix: str | None) -> str | None:
    """The id in an ``eprint`` field when the archive is arXiv (or not named)."""
    if not eprint or (prefix and prefix.strip().casefold() != "arxiv"):
        return None
    parsed = parse_arxiv_id(eprint)
    return parsed.base if parsed else arxiv_id_in([eprint])


def clean_doi(text: str | None) -> str | None:
    """A DOI without resolver prefix, lower-cased (DOIs are case-insensitive)."""
    if not text:
        return None
    m = _DOI.search(_DOI_PREFIX.sub("", text.strip()))
    return m.group(0).rstrip(".,;").casefold() if m else None


def doi_arxiv_id(doi: str | None) -> str | None:
    """arXiv's own DOIs (10.48550/arXiv.2401.12345) name the paper."""
    if doi and doi.startswith("10.48550/"):
        return arxiv_id_in([doi])
    return None


MAX_AUTHORS = 50  # kept per entry: enough to match on, bounded for huge collaborations


def person_name(text: str) -> str:
    """ "Family, Given" (BibTeX, RIS) -> "Given Family"; braces dropped."""
    name = " ".join(text.replace("{", "").replace("}", "").split())
    if name.count(",") == 1:
        family, given = (part.strip() for part in name.split(","))
        name = f"{given} {family}".strip()
    return name


def parse_year(text: str | None) -> int | None:
    m = re.search(r"\b(1[89]\d\d|2\d\d\d)\b", text or "")
    return int(m.group(1)) if m else None


def split_keywords(values: Iterable[str | None]) -> tuple[str, ...]:
    """Keywords from fields that hold one or many ("a, b; c"). Zotero's automatic tags
    such as "Computer Science - Machine Learning" lose the spaced dash."""
    out: dict[str, None] = {}
    for value in values:
        for part in re.split(r"[,;]", value or ""):
            word = re.sub(r"\s+-\s+", " ", part).strip()
            if word:
                out[word] = None
    return tuple(out)


def clean_title(text: str | None) -> str:
    """One line, without the braces BibTeX uses to protect capitals."""
    return " ".join((text or "").replace("{", "").replace("}", "").split())


def title_words(title: str) -> str:
    """The title as compared: accents and case folded, punctuation dropped."""
    decomposed = unicodedata.normalize("NFKD", title)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain.casefold()).split())


# Latin letters that Unicode does not decompose into a letter and an accent.
_TRANSLITERATE = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "Th"}
    | dict(zip("øØłŁđĐðÐħĦıŀĿ", "oOlLdDdDhHilL", strict=True))
)


def ascii_text(text: str, *, other: str = "") -> str:
    """Latin text in ASCII letters ("Müller" -> "Muller", "Øster" -> "Oster"), as
    citation keys and download file names want it. Accents go; a character with no
    ASCII form ("’", "中") becomes ``other``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    return "".join(
        c if c.isascii() else "" if unicodedata.combining(c) else other for c in decomposed
    )
