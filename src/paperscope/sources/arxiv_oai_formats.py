"""The three metadata formats arXiv's OAI-PMH endpoint serves, each turned into a Paper:
``oai_dc`` (Dublin Core), ``arXiv`` (structured authors) and ``arXivRaw`` (versions
with dates and sizes). Pure functions of one parsed ``<metadata>`` child."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from lxml import etree

from paperscope.arxiv_ids import parse_arxiv_id
from paperscope.models import Paper, Version
from paperscope.sources.arxiv_categories import category_code, category_from_set_spec
from paperscope.sources.arxiv_fields import (
    clean_text,
    detex_name,
    doi_from_text,
    forenames,
    name_from_sorted,
    parse_datetime,
    split_authors,
    with_text_links,
)

SOURCE = "oai-pmh"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
ARXIV_NS = "http://arxiv.org/OAI/arXiv/"
ARXIV_RAW_NS = "http://arxiv.org/OAI/arXivRaw/"

# metadataPrefix -> namespace of its root element, for the harvester's --format.
METADATA_PREFIXES = {"oai_dc": OAI_DC_NS, "arXiv": ARXIV_NS, "arXivRaw": ARXIV_RAW_NS}

Element = etree._Element
Fields = dict[str, list[Element]]


class RecordProblem(ValueError):
    """A record that cannot become a Paper; the message says why."""


def fields_of(metadata: Element) -> Fields:
    """Children grouped by local name, so the prefix a server picks does not matter."""
    out: Fields = defaultdict(list)
    for child in metadata:
        if isinstance(child.tag, str):
            out[etree.QName(child).localname].append(child)
    return out


def _text(fields: Fields, name: str) -> str:
    found = fields.get(name)
    return clean_text(found[0].text) if found else ""


def _texts(fields: Fields, name: str) -> list[str]:
    return [t for t in (clean_text(e.text) for e in fields.get(name, ())) if t]


def _optional(fields: Fields, name: str) -> str | None:
    return _text(fields, name) or None


def _arxiv_id(candidates: Sequence[str]) -> str:
    for candidate in candidates:
        parsed = parse_arxiv_id(candidate)
        if parsed:
            return parsed.base
    raise RecordProblem("no arXiv id in the record; check the <id> or dc:identifier element")


def _require_title(fields: Fields) -> str:
    title = _text(fields, "title")
    if not title:
        raise RecordProblem("the record has no title")
    return title


def paper_from_oai_dc(metadata: Element, *, identifier: str, set_specs: Sequence[str]) -> Paper:
    """Dublin Core: creators are ``Last, First``, subjects are long category names,
    each dc:date is one version's date, and the comment rides in a description."""
    fields = fields_of(metadata)
    title = _require_title(fields)
    identifiers = _texts(fields, "identifier")
    arxiv_id = _arxiv_id([i for i in identifiers if "arxiv.org/abs/" in i] + [identifier])
    abstract, comments = "", None
    for description in _texts(fields, "description"):
        if description.startswith("Comment:"):
            comments = description.removeprefix("Comment:").strip() or None
        elif not abstract:
            abstract = description
    doi, journal_ref = None, None
    for ident in identifiers:
        if "arxiv.org/abs/" in ident:
            continue
        found_doi = doi_from_text(ident) if ident.lower().startswith(("doi:", "http")) else None
        if found_doi:
            doi = doi or found_doi
        elif not ident.lower().startswith("http") and journal_ref is None:
            journal_ref = ident
    categories = _dc_categories(_texts(fields, "subject"), set_specs)
    dates = [parse_datetime(d) for d in _texts(fields, "date")]
    versions = tuple(Version(i + 1, d) for i, d in enumerate(dates))
    paper = Paper(
        paper_id=arxiv_id,
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=tuple(name_from_sorted(c) for c in _texts(fields, "creator")),
        categories=categories,
        primary_category=categories[0] if categories else None,
        versions=versions,
        submitted_at=dates[0] if dates else None,
        updated_at=dates[-1] if dates else None,
        comments=comments,
        journal_ref=journal_ref,
        doi=doi,
        license=_optional(fields, "rights"),
        source=SOURCE,
    )
    return with_text_links(paper)


def _dc_categories(subjects: Sequence[str], set_specs: Sequence[str]) -> tuple[str, ...]:
    """Category codes of the subjects arXiv lists, primary first; MSC and ACM classes
    are dropped. Without any known subject, the setSpec still names the archive."""
    codes = [c for c in (category_code(s) for s in subjects) if c]
    if not codes:
        codes = [c for c in (category_from_set_spec(s) for s in set_specs) if c]
    return tuple(dict.fromkeys(codes))


def paper_from_arxiv(metadata: Element, *, identifier: str, set_specs: Sequence[str]) -> Paper:
    """The ``arXiv`` format: structured authors (keyname, forenames, suffix), space-
    separated category codes with the primary first, created and updated dates."""
    fields = fields_of(metadata)
    title = _require_title(fields)
    arxiv_id = _arxiv_id([_text(fields, "id"), identifier])
    authors: list[str] = []
    for group in fields.get("authors", ()):
        for author in group:
            if isinstance(author.tag, str) and etree.QName(author).localname == "author":
                authors.append(_structured_author(author))
    categories = tuple(dict.fromkeys(_text(fields, "categories").split()))
    created = parse_datetime(_text(fields, "created"))
    updated = parse_datetime(_text(fields, "updated"))
    paper = Paper(
        paper_id=arxiv_id,
        arxiv_id=arxiv_id,
        title=title,
        abstract=_text(fields, "abstract"),
        authors=tuple(a for a in authors if a),
        categories=categories,
        primary_category=categories[0] if categories else None,
        versions=(Version(1, created),) if created else (),
        submitted_at=created,
        updated_at=updated or created,
        comments=_optional(fields, "comments"),
        journal_ref=_optional(fields, "journal-ref"),
        doi=_first_doi(_text(fields, "doi")),
        report_no=_optional(fields, "report-no"),
        license=_optional(fields, "license"),
        source=SOURCE,
    )
    return with_text_links(paper)


def _structured_author(author: Element) -> str:
    parts = {etree.QName(p).localname: clean_text(p.text) for p in author if isinstance(p.tag, str)}
    name = " ".join(
        p
        for p in (forenames(parts.get("forenames", "")), parts.get("keyname"), parts.get("suffix"))
        if p
    )
    return detex_name(name)


def _first_doi(text: str) -> str | None:
    # arXiv separates several DOIs of one paper with spaces; the first is the article's.
    return text.split()[0] if text else None


def paper_from_arxiv_raw(metadata: Element, *, identifier: str, set_specs: Sequence[str]) -> Paper:
    """``arXivRaw``: every version with its date and size, authors as one TeX string,
    and the submitter."""
    fields = fields_of(metadata)
    title = _require_title(fields)
    arxiv_id = _arxiv_id([_text(fields, "id"), identifier])
    versions = tuple(sorted((_raw_version(v) for v in fields.get("version", ())), key=_number))
    categories = tuple(dict.fromkeys(_text(fields, "categories").split()))
    paper = Paper(
        paper_id=arxiv_id,
        arxiv_id=arxiv_id,
        title=title,
        abstract=_text(fields, "abstract"),
        authors=split_authors(_text(fields, "authors")),
        categories=categories,
        primary_category=categories[0] if categories else None,
        versions=versions,
        submitted_at=versions[0].submitted_at if versions else None,
        updated_at=versions[-1].submitted_at if versions else None,
        comments=_optional(fields, "comments"),
        journal_ref=_optional(fields, "journal-ref"),
        doi=_first_doi(_text(fields, "doi")),
        report_no=_optional(fields, "report-no"),
        license=_optional(fields, "license"),
        submitter=_optional(fields, "submitter"),
        source=SOURCE,
    )
    return with_text_links(paper)


def _number(version: Version) -> int:
    return version.number


def _raw_version(element: Element) -> Version:
    label = (element.get("version") or "").strip().lower().removeprefix("v")
    if not label.isdigit():
        raise RecordProblem(f"a <version> element has no usable version attribute ({label!r})")
    parts = fields_of(element)
    return Version(
        number=int(label),
        submitted_at=parse_datetime(_text(parts, "date")),
        size=_optional(parts, "size"),
    )


class Converter(Protocol):
    def __call__(
        self, metadata: Element, *, identifier: str, set_specs: Sequence[str]
    ) -> Paper: ...


# Root element namespace -> converter.
CONVERTERS: dict[str, Converter] = {
    OAI_DC_NS: paper_from_oai_dc,
    ARXIV_NS: paper_from_arxiv,
    ARXIV_RAW_NS: paper_from_arxiv_raw,
}
