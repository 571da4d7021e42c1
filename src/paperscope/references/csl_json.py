"""CSL-JSON in and out (Zotero's "CSL JSON" export, citeproc's input): a JSON array of
items. An item that is not an object, or has nothing to match on, is reported by its
position and skipped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from paperscope.arxiv_ids import abs_url
from paperscope.models import Rejected
from paperscope.references.notes import note_field, read_notes
from paperscope.references.records import (
    MAX_AUTHORS,
    Reference,
    arxiv_id_in,
    clean_doi,
    clean_title,
    doi_arxiv_id,
    parse_year,
    split_keywords,
)

if TYPE_CHECKING:
    from paperscope.references.export import ExportEntry


class CslJsonError(ValueError):
    """The text is not a CSL-JSON array."""


def parse_csl_json(text: str) -> tuple[list[Reference], list[Rejected]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CslJsonError(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]  # some tools wrap the array
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise CslJsonError("CSL-JSON must be an array of items")
    references: list[Reference] = []
    rejected: list[Rejected] = []
    for number, item in enumerate(data, start=1):
        where = f"item {number}"
        if not isinstance(item, dict):
            rejected.append(Rejected(where, f"not a JSON object but {type(item).__name__}"))
            continue
        references.append(_reference(item, where))
    return references, rejected


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _year(item: dict[str, Any]) -> int | None:
    issued = item.get("issued")
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return parse_year(str(parts[0][0]))
        return parse_year(_text(issued, "raw") or _text(issued, "literal"))
    return parse_year(_text(item, "issued"))


def _authors(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = []
    for person in value[:MAX_AUTHORS]:
        if isinstance(person, dict):
            parts = [_text(person, k) for k in ("given", "non-dropping-particle", "family")]
            name = " ".join(p for p in parts if p) or _text(person, "literal") or ""
            if name.strip():
                names.append(" ".join(name.split()))
    return tuple(names)


def _reference(item: dict[str, Any], where: str) -> Reference:
    doi = clean_doi(_text(item, "DOI"))
    arxiv = doi_arxiv_id(doi) or arxiv_id_in(
        [_text(item, n) for n in ("URL", "number", "note", "container-title", "archive_location")]
    )
    keywords = item.get("keyword")
    tags = item.get("tags")  # not CSL, but some exporters add a list of tags
    tag_list = [str(t) for t in tags if isinstance(t, str | int)] if isinstance(tags, list) else []
    return Reference(
        key=_text(item, "id") or _text(item, "citation-key") or "",
        location=where,
        title=clean_title(_text(item, "title")),
        authors=_authors(item.get("author")),
        year=_year(item),
        doi=doi,
        arxiv_id=arxiv,
        keywords=split_keywords([_text(item, "keyword") if keywords else None, *tag_list]),
        note=read_notes([_text(item, "note"), _text(item, "annote")]),
    )


def write_csl_json(entries: Sequence[ExportEntry]) -> str:
    items = []
    for entry in entries:
        paper = entry.paper
        item: dict[str, Any] = {
            "id": paper.paper_id,
            "type": "article-journal" if paper.journal_ref else "article",
            "title": paper.title,
            "author": [_name(a) for a in paper.authors],
        }
        if paper.submitted_at:
            day = paper.submitted_at
            item["issued"] = {"date-parts": [[day.year, day.month, day.day]]}
        if paper.journal_ref:
            item["container-title"] = paper.journal_ref
        if paper.doi:
            item["DOI"] = paper.doi
        if paper.arxiv_id:
            item["URL"] = abs_url(paper.arxiv_id)
            item["number"] = f"arXiv:{paper.arxiv_id}"
            item["publisher"] = "arXiv"
        if paper.abstract:
            item["abstract"] = paper.abstract
        if entry.tags:
            item["keyword"] = ", ".join(entry.tags)
        if entry.note:
            item["note"] = note_field(entry.note)
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _name(author: str) -> dict[str, str]:
    parts = author.split()
    if len(parts) < 2:
        return {"literal": author}
    return {"family": parts[-1], "given": " ".join(parts[:-1])}
