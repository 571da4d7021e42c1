"""Exports in BibTeX, RIS and CSL-JSON, each parsed back by a maintained parser
(bibtexparser, rispy, json) and compared field by field; an export imported again
restores the same library."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.references import export_library, export_paper_ids, export_papers, import_references
from paperscope.store import Store
from paperscope.store.accounts import ensure_user
from paperscope.store.library import list_items, save_paper
from paperscope.store.papers import get_papers
from references.conftest import NOW, sample_papers

HOSTILE = Paper(
    paper_id="2410.99999",
    arxiv_id="2410.99999",
    title='Robust {attention} & 100% "quoted" #1 <script>alert(1)</script> }{',
    abstract="Line one\nline two with @misc{x, and a stray } brace",
    authors=("Zoë O'Brien", "Jean-Luc Picard and Sons", "Ada"),
    categories=("cs.LG",),
    primary_category="cs.LG",
    submitted_at=datetime(2024, 10, 24, 12, tzinfo=UTC),
    doi="10.1234/ABC.def_5",
    journal_ref="J. Hostile Data 1 (2024) 1-2",
    source="export",
)


def _bibtex_entries(text: str) -> list[dict[str, str]]:
    """Entries as bibtexparser reads them, values as written (LaTeX not decoded)."""
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    return [
        {"ID": e.key, "type": e.entry_type, **{k: str(v) for k, v in e.items()}}
        for e in library.entries
    ]


def _unescape(value: str) -> str:
    return value.replace(r"\&", "&").replace(r"\%", "%").replace(r"\#", "#")


def _title(entry: dict[str, str]) -> str:
    return entry["title"].removeprefix("{").removesuffix("}")


def test_bibtex_export_parses_back_field_by_field() -> None:
    papers = sample_papers()[:20]
    entries = _bibtex_entries(export_papers(papers, "bibtex"))
    assert len(entries) == len(papers)
    assert len({e["ID"] for e in entries}) == len(papers)  # keys unique
    for paper, entry in zip(papers, entries, strict=True):
        # arXiv titles keep their LaTeX, which BibTeX reads; double braces keep capitals
        assert _unescape(_title(entry)) == " ".join(paper.title.split())
        assert _unescape(entry["abstract"]) == " ".join(paper.abstract.split())
        assert entry["eprint"] == paper.arxiv_id and entry["archivePrefix"] == "arXiv"
        assert entry.get("doi") == paper.doi
        assert entry["year"] == str(paper.submitted_at.year if paper.submitted_at else "")
        assert entry["url"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert len(entry["author"].split(" and ")) == len(paper.authors)
        assert entry["type"] == ("article" if paper.journal_ref else "misc")


def test_hostile_strings_stay_inside_their_bibtex_fields() -> None:
    [entry] = _bibtex_entries(export_papers([HOSTILE], "bibtex"))
    # Unbalanced braces are dropped so the entry stays whole; the rest is kept.
    assert _unescape(_title(entry)) == (
        'Robust attention & 100% "quoted" #1 <script>alert(1)</script>'
    )
    assert _unescape(entry["abstract"]) == "Line one line two with @misc{x, and a stray } brace"
    assert entry["journal"] == r"J. Hostile Data 1 (2024) 1-2"
    decoded = bibtexparser.parse_string(
        export_papers([HOSTILE], "bibtex"),
        append_middleware=[middlewares.LatexDecodingMiddleware()],
    ).entries[0]
    assert decoded["author"].startswith("Zoë O'Brien and Jean-Luc Picard and Sons and Ada")


def test_ris_export_parses_back() -> None:
    papers = [*sample_papers()[:20], HOSTILE]
    records = rispy.loads(export_papers(papers, "ris"))
    assert len(records) == len(papers)
    for paper, record in zip(papers, records, strict=True):
        assert record["title"] == " ".join(paper.title.split())
        assert record["id"] == paper.paper_id
        assert record.get("doi") == paper.doi
        assert record["urls"] == [f"https://arxiv.org/abs/{paper.arxiv_id}"]
        assert len(record["authors"]) == len(paper.authors)
        assert record["abstract"] == " ".join(paper.abstract.split())
    assert records[-1]["authors"][0] == "O'Brien, Zoë"


def test_csl_json_export_parses_back() -> None:
    papers = [*sample_papers()[:20], HOSTILE]
    items = json.loads(export_papers(papers, "csl-json"))
    assert [i["id"] for i in items] == [p.paper_id for p in papers]
    for paper, item in zip(papers, items, strict=True):
        assert item["title"] == paper.title and item["abstract"] == paper.abstract
        assert item.get("DOI") == paper.doi
        assert item["number"] == f"arXiv:{paper.arxiv_id}"
        assert item["type"] == ("article-journal" if paper.journal_ref else "article")
        when = paper.submitted_at
        assert when is not None
        assert item["issued"] == {"date-parts": [[when.year, when.month, when.day]]}
    assert items[-1]["author"][0] == {"family": "O'Brien", "given": "Zoë"}


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format 'docx'"):
        export_papers(sample_papers()[:1], "docx")


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csl-json"])
def test_library_export_round_trips_tags_and_notes(
    papers_store: Store, settings: Settings, reader: int, fmt: str
) -> None:
    save_paper(
        store=papers_store,
        user_id=reader,
        paper_id="0704.0002",
        now=NOW,
        tags=["rigidity", "to-read"],
        note="Pebble games, section 4 & appendix",
    )
    save_paper(
        store=papers_store,
        user_id=reader,
        paper_id="0704.0006",
        now=NOW,
        tags=["cold-atoms"],
        # typed on the library page (a textarea sends CRLF): every character comes back
        note="  line1\r\n\r\n50% of {cases}, $\\alpha$, Müller, a <b> c, x < y & z\n<p>text</p>",
    )
    save_paper(store=papers_store, user_id=reader, paper_id="0704.0010", now=NOW)
    whole = export_library(store=papers_store, user_id=reader, fmt=fmt)
    tagged = export_library(store=papers_store, user_id=reader, fmt=fmt, tag="to-read")
    assert whole.count("0704.0010") >= 1 and "0704.0010" not in tagged
    # Into a new reader's library: same papers, same tags, same notes.
    other = ensure_user(store=papers_store, username="ben", now=NOW).user_id
    report = import_references(
        store=papers_store,
        settings=settings,
        user_id=other,
        data=whole.encode(),
        format=fmt,
        now=NOW,
    )
    assert {e.match for e in report.entries} == {"arxiv-id"}
    mine, _ = list_items(store=papers_store, user_id=reader)
    theirs, _ = list_items(store=papers_store, user_id=other)
    assert sorted((i.paper_id, i.tags, i.note) for i in theirs) == sorted(
        (i.paper_id, i.tags, i.note) for i in mine
    )


def test_collection_export_by_paper_ids_keeps_order(papers_store: Store) -> None:
    text = export_paper_ids(
        store=papers_store, paper_ids=["0704.0010", "missing-id", "0704.0002"], fmt="csl-json"
    )
    assert [i["id"] for i in json.loads(text)] == ["0704.0010", "0704.0002"]
    papers = get_papers(store=papers_store, paper_ids=["0704.0010"])
    assert json.loads(export_papers(papers, "csl-json"))[0]["title"] == papers[0].title
