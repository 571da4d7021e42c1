"""Queries that name one paper: an arXiv id in any spelling (see arxiv_ids.py: bare,
versioned, ``arXiv:``, arxiv.org abs/pdf/html addresses, Hugging Face paper pages,
arXiv's 10.48550 DOIs), or a DOI, bare or as a doi.org address. Such a query goes
straight to the paper instead of being searched as words."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from paperscope.arxiv_ids import parse_pasted_arxiv_id
from paperscope.index.analysis import normalise_doi
from paperscope.models import Hit, Paper
from paperscope.search.highlight import Highlighter
from paperscope.store import Store
from paperscope.store.paper_lookup import paper_ids_by_arxiv, paper_ids_by_doi
from paperscope.store.papers import get_papers

# doi.org addresses, "doi:", and the publishers' pages that put the DOI after /doi/
# (ACM, Wiley, SAGE, Taylor & Francis: dl.acm.org/doi/pdf/10.1145/...).
_DOI_PREFIX = re.compile(
    r"(?:https?://)?(?:dx\.|www\.)?doi\.org/|doi:\s*"
    r"|(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}/doi/(?:(?:abs|full|pdf|epdf|epub|book)/)?(?=10\.)",
    re.IGNORECASE,
)
# The DOI handbook's syntax: "10." a registrant code, "/", then any printable suffix.
_DOI = re.compile(r"10\.\d{4,9}/\S+")


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: Literal["arxiv", "doi"]
    value: str  # the arXiv id without version, or the DOI in lower case


def identify(text: str) -> Identifier | None:
    """The paper ``text`` names, or None when it is not an identifier."""
    stripped = text.strip()
    arxiv = parse_pasted_arxiv_id(stripped)
    if arxiv is not None:
        return Identifier("arxiv", arxiv.base)
    prefix = _DOI_PREFIX.match(stripped)
    rest = stripped[prefix.end() :] if prefix else stripped
    if prefix and "/" in prefix.group():
        # A web address: its query and fragment are not the DOI's (a DOI's own "?"
        # and "#" are percent-encoded there).
        rest = re.split(r"[?#]", rest, maxsplit=1)[0]
    if not rest or any(char.isspace() for char in rest):
        return None
    candidate = unquote(rest)
    if _DOI.fullmatch(candidate):
        return Identifier("doi", normalise_doi(candidate))
    return None


def identified_paper(*, store: Store, identifier: Identifier) -> Paper | None:
    """The paper of this library that ``identifier`` names, or None. Indexed look-ups
    in the store, so ids are found before any search index is built too."""
    if identifier.kind == "doi":
        found = paper_ids_by_doi(store=store, dois=[identifier.value])
    else:
        found = paper_ids_by_arxiv(store=store, arxiv_ids=[identifier.value])
    papers = get_papers(store=store, paper_ids=list(found.values())[:1])
    return papers[0] if papers else None


def exact_hit(paper: Paper) -> Hit:
    """The one result of a query that names ``paper`` (nothing highlighted)."""
    shown = Highlighter(frozenset()).paper(paper.title, paper.abstract)
    return Hit(
        paper_id=paper.paper_id,
        score=1.0,
        bm25_score=None,
        semantic_score=None,
        rank=1,
        title_html=shown.title_html or html.escape(paper.paper_id),
        abstract_html=shown.abstract_html,
        exact=True,
    )


def not_in_library(identifier: Identifier) -> str:
    """The notice of a query naming a paper this library lacks."""
    name = "DOI" if identifier.kind == "doi" else "arXiv id"
    return f"No paper with {name} {identifier.value} in this library yet."
