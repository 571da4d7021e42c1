"""Export papers as BibTeX, RIS or CSL-JSON: one function per format, used for a
library, a tag, a collection or search results alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.library import list_items
from paperscope.store.papers import get_papers

EXPORT_FORMATS = ("bibtex", "ris", "csl-json")
MAX_EXPORT = 10_000  # papers per export: bounds memory for a very large library
_PAGE = 500
_MEDIA = {
    "bibtex": ("application/x-bibtex", "bib"),
    "ris": ("application/x-research-info-systems", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json", "json"),
}


@dataclass(frozen=True, slots=True)
class ExportEntry:
    """A paper and, for library exports, the reader's tags and note for it."""

    paper: Paper
    tags: tuple[str, ...] = ()
    note: str = ""


def _writer(fmt: str) -> Callable[[Sequence[ExportEntry]], str]:
    from paperscope.references.bibtex import write_bibtex
    from paperscope.references.csl_json import write_csl_json
    from paperscope.references.ris import write_ris

    writers = {"bibtex": write_bibtex, "ris": write_ris, "csl-json": write_csl_json}
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    return writers[fmt]


def media_type(fmt: str) -> tuple[str, str]:
    """(media type, file extension) of an export format."""
    if fmt not in _MEDIA:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    return _MEDIA[fmt]


def export_entries(entries: Sequence[ExportEntry], fmt: str) -> str:
    return _writer(fmt)(entries)


def export_papers(papers: Sequence[Paper], fmt: str) -> str:
    """Any list of papers (search results, a collection) in ``fmt``."""
    return export_entries([ExportEntry(p) for p in papers], fmt)


def export_paper_ids(*, store: Store, paper_ids: Sequence[str], fmt: str) -> str:
    """Papers by id, in the given order (unknown ids are left out): for collections."""
    _writer(fmt)  # refuse an unknown format before reading the store
    return export_papers(get_papers(store=store, paper_ids=list(paper_ids)[:MAX_EXPORT]), fmt)


def export_library(*, store: Store, user_id: int, fmt: str, tag: str | None = None) -> str:
    """The reader's library (or one tag of it), newest save first, with their tags as
    keywords and their notes, so a re-import restores both."""
    _writer(fmt)
    entries: list[ExportEntry] = []
    for offset in range(0, MAX_EXPORT, _PAGE):
        # Pages keep each IN (...) small.
        items, _ = list_items(store=store, user_id=user_id, tag=tag, limit=_PAGE, offset=offset)
        ids = [i.paper_id for i in items]
        found = {p.paper_id: p for p in get_papers(store=store, paper_ids=ids)}
        entries += [
            ExportEntry(found[i.paper_id], i.tags, i.note) for i in items if i.paper_id in found
        ]
        if len(items) < _PAGE:
            break
    return export_entries(entries, fmt)
