"""BibTeX for papers (paper pages, library export)."""

from __future__ import annotations

import re
import unicodedata

from paperscope.models import Paper

_SPECIAL = str.maketrans({"{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_"})


def _clean(text: str) -> str:
    """One line, BibTeX specials escaped, braces balanced (LaTeX math is kept)."""
    text = " ".join(text.split())
    if text.count("{") != text.count("}"):
        text = text.replace("{", "").replace("}", "")
    return text.replace("&", r"\&").replace("%", r"\%").replace("#", r"\#")


def citation_key(paper: Paper) -> str:
    first = paper.authors[0] if paper.authors else "anon"
    surname = first.split()[-1] if first.split() else "anon"
    ascii_name = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z]", "", ascii_name).lower() or "anon"
    year = paper.submitted_at.year if paper.submitted_at else ""
    word = next((w for w in re.findall(r"[A-Za-z]{4,}", paper.title)), "paper").lower()
    return f"{name}{year}{word}"


def make_bibtex(paper: Paper) -> str:
    fields: list[tuple[str, str]] = [
        ("title", "{" + _clean(paper.title) + "}"),
        ("author", " and ".join(_clean(a).translate(_SPECIAL) for a in paper.authors) or "Unknown"),
    ]
    if paper.submitted_at:
        fields.append(("year", str(paper.submitted_at.year)))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
        if paper.primary_category:
            fields.append(("primaryClass", paper.primary_category))
        fields.append(("url", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    if paper.doi:
        fields.append(("doi", _clean(paper.doi)))
    if paper.journal_ref:
        fields.append(("journal", _clean(paper.journal_ref)))
    entry = "article" if paper.journal_ref else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry}{{{citation_key(paper)},\n{body}\n}}\n"
