"""arXiv identifiers: parse every spelling users and sources use, never confusing
new-style (2401.12345) with old-style (hep-th/9901001) ids."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

# New style since April 2007: YYMM.NNNN (to 2014) or YYMM.NNNNN (2015 on).
_NEW = re.compile(r"(?P<id>(?P<yymm>\d{4})\.(?P<num>\d{4,5}))(?:v(?P<v>\d+))?")
# Old style: archive[.SUBJECT-CLASS]/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136.
_OLD = re.compile(
    r"(?P<id>(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.[A-Z]{2})?/(?P<num>\d{7}))(?:v(?P<v>\d+))?"
)
# Web addresses that name a paper: arxiv.org (any host spelling, abs/pdf/html pages),
# Hugging Face paper pages, and the sites readers open arXiv papers on (ar5iv's HTML,
# alphaXiv, Semantic Scholar's arXiv links); the id follows, then perhaps a query or a
# fragment.
_URL = re.compile(
    r"(?:https?://)?(?:(?:www\.|export\.|browse\.)?arxiv\.org/(?:abs|pdf|html|format)/"
    r"|(?:www\.)?(?:huggingface\.co|hf\.co)/papers/"
    r"|ar5iv(?:\.labs\.arxiv)?\.org/(?:abs|html)/"
    r"|(?:www\.)?alphaxiv\.org/(?:abs|overview|pdf)/"
    r"|(?:www\.)?semanticscholar\.org/arxiv/)",
    re.IGNORECASE,
)
_PREFIXES = ("oai:arxiv.org:", "arxiv:")
# arXiv's own DOIs (since 2022): 10.48550/arXiv.2401.12345
_ARXIV_DOI = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:)?10\.48550/arxiv\.", re.I)


ABS_PAGE = "https://arxiv.org/abs/"
PDF_PAGE = "https://arxiv.org/pdf/"


def abs_url(arxiv_id: str) -> str:
    """The paper's page on arxiv.org (its latest version when ``arxiv_id`` has none)."""
    return ABS_PAGE + arxiv_id


def pdf_url(arxiv_id: str) -> str:
    return PDF_PAGE + arxiv_id


@dataclass(frozen=True, slots=True)
class ArxivId:
    base: str  # without version: canonical key
    version: int | None

    @property
    def old_style(self) -> bool:
        return "/" in self.base


def parse_arxiv_id(text: str) -> ArxivId | None:
    """Return the id in ``text`` (a bare id; an arxiv.org abs, pdf or html address; a
    Hugging Face, ar5iv, alphaXiv or Semantic Scholar page of it; ``arXiv:``; an OAI
    identifier; arXiv's DOI 10.48550/arXiv.ID), or None when it is not an arXiv id."""
    s = text.strip()
    url = _URL.match(s) or _ARXIV_DOI.match(s)
    if url:
        s = re.split(r"[?#]", s[url.end() :], maxsplit=1)[0]
    else:
        lowered = s.lower()
        for prefix in _PREFIXES:
            if lowered.startswith(prefix):
                s = s[len(prefix) :]
                break
    s = s.rstrip("/").removesuffix(".pdf")
    # Old-style archive names are lowercase; the subject class (math.GT) is upper.
    for pattern in (_NEW, _OLD):
        m = pattern.fullmatch(s)
        if m:
            if pattern is _NEW and not _valid_new(m.group("yymm"), m.group("num")):
                return None
            base = m.group("id")
            if pattern is _OLD:
                # math.GT/0309136 is the same paper as math/0309136
                base = f"{m.group('archive')}/{m.group('num')}"
            v = m.group("v")
            return ArxivId(base=base, version=int(v) if v else None)
    return None


# How citations and listings write an id around it: "arXiv: 2410.17243", "arXiv
# 2410.17243", arXiv's own "arXiv:2410.17243 [cs.CV]", or the id in brackets or
# quotes or at the end of a sentence.
_LABEL = re.compile(r"arxiv(?:\s*:\s*|\s+)(?=\S)", re.IGNORECASE)
_LISTED_CATEGORY = re.compile(r"\s*\[[a-z]+(?:-[a-z]+)*(?:\.[a-z]{2,})?\]$", re.IGNORECASE)
_AROUND = "()[]<>{}\"'“”‘’.,;:"


def parse_pasted_arxiv_id(text: str) -> ArxivId | None:
    """``parse_arxiv_id`` of what a reader types or pastes: also the id as citations
    and listings write it (with an "arXiv" label, a listing's category, brackets,
    quotes or a full stop), but not an id beside other words."""
    found = parse_arxiv_id(text)
    if found is None:
        bare = _LISTED_CATEGORY.sub("", text.strip())
        label = _LABEL.match(bare)
        bare = bare[label.end() :] if label else bare
        bare = bare.strip(_AROUND)
        if bare and not any(char.isspace() for char in bare):
            found = parse_arxiv_id(bare)
    return found


def _valid_new(yymm: str, num: str) -> bool:
    month = int(yymm[2:])
    if not 1 <= month <= 12:
        return False
    # Five-digit numbers began in January 2015; four-digit ones ended in December 2014.
    return (len(num) == 5) == (yymm >= "1501")


def text_paper_id(title: str) -> str:
    """A stable id for a paper that has no arXiv id, derived from its normalised title,
    so the same paper imported twice from text dumps gets the same id."""
    norm = unicodedata.normalize("NFKC", title).casefold()
    norm = re.sub(r"[\W_]+", " ", norm).strip()
    return "ps-" + hashlib.sha1(norm.encode()).hexdigest()[:12]
