"""Queries that name one paper: an arXiv id in any spelling (see arxiv_ids.py: bare,
versioned, ``arXiv:``, arxiv.org abs/pdf/html addresses, Hugging Face paper pages,
arXiv's 10.48550 DOIs), or a DOI, bare or as a doi.org address. Such a query goes
straight to the paper instead of being searched as words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from paperscope.arxiv_ids import parse_arxiv_id
from paperscope.index.analysis import normalise_doi

_DOI_PREFIX = re.compile(r"(?:https?://)?(?:dx\.|www\.)?doi\.org/|doi:\s*", re.IGNORECASE)
# The DOI handbook's syntax: "10." a registrant code, "/", then any printable suffix.
_DOI = re.compile(r"10\.\d{4,9}/\S+")


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: Literal["arxiv", "doi"]
    value: str  # the arXiv id without version, or the DOI in lower case


def identify(text: str) -> Identifier | None:
    """The paper ``text`` names, or None when it is not an identifier."""
    stripped = text.strip()
    prefix = _DOI_PREFIX.match(stripped)
    rest = stripped[prefix.end() :] if prefix else stripped
    if not rest or any(char.isspace() for char in rest):
        return None
    arxiv = parse_arxiv_id(stripped)
    if arxiv is not None:
        return Identifier("arxiv", arxiv.base)
    candidate = unquote(rest)
    if _DOI.fullmatch(candidate):
        return Identifier("doi", normalise_doi(candidate))
    return None
