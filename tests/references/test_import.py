"""Importing Zotero-style bibliographies into a reader's library, on SQLite and
PostgreSQL: what matches and how, what does not and why, tags and notes, re-imports,
and fetching missing arXiv papers from a replayed arXiv API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harvest.replay_server import ReplayServer
from paperscope.config import Settings
from paperscope.references import ReferenceImportReport, import_references
from paperscope.store import Store
from paperscope.store.library import get_item, list_items, update_item
from paperscope.store.papers import get_paper
from references.conftest import NOW, fixture_bytes

ARXIV_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv"


def _import(
    store: Store, settings: Settings, user: int, name: str, **kw: object
) -> ReferenceImportReport:
    return import_references(
        store=store,
        settings=settings,
        user_id=user,
        data=fixture_bytes(name),
        filename=name,
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )


def _outcomes(report: ReferenceImportReport) -> list[tuple[str, str, str | None, str | None]]:
    return [(e.location, e.status, e.paper_id, e.match) for e in report.entries]


def test_better_bibtex_report_names_every_entry(
    papers_store: Store, settings: Settings, reader: int
) -> None:
    report = _import(papers_store, settings, reader, "zotero_better_bibtex.bib")
    assert _outcomes(report) == [
        ("line 5", "matched", "0704.0006", "doi"),
        ("line 21", "matched", "0704.0002", "arxiv-id"),
        ("line 37", "matched", "0704.0003", "arxiv-id"),
        ("line 47", "matched", "0704.0004", "arxiv-id"),
        ("line 54", "matched", "0704.0007", "title"),
        ("line 64", "rejected", None, None),
        ("line 69", "matched", "0704.0062", "doi"),
        ("line 84", "unmatched", None, None),
        ("line 94", "unmatched", None, None),
        ("line 103", "unmatched", None, None),
    ]
    fuzzy = report.entries[4]
    assert fuzzy.key == "corichiPolymerQuantumMechanics2007"
    assert fuzzy.score is not None and 0.9 <= fuzzy.score < 1.0  # "Limits" vs "Limit"
    assert report.entries[8].reason.startswith("arXiv 2402.00001 is not in the store")
    assert report.entries[7].reason == "no paper with a similar title"
    assert (report.added, report.updated, report.saved) == (6, 0, 6)
    summary = report.to_dict()
    assert {k: summary[k] for k in ("total", "matched", "unmatched", "rejected")} == {
        "total": 10,
        "matched": 6,
        "unmatched": 3,
        "rejected": 1,
    }


def test_keywords_become_tags_and_notes_are_kept(
    papers_store: Store, settings: Settings, reader: int
) -> None:
    _import(papers_store, settings, reader, "zotero_better_bibtex.bib")
    pong = get_item(store=papers_store, user_id=reader, paper_id="0704.0006")
    assert pong is not None
    assert pong.tags == (
        "cold-atoms",
        "condensed-matter-mesoscale-and-nanoscale-physics",
        "to-read",
    )
    streinu = get_item(store=papers_store, user_id=reader, paper_id="0704.0002")
    assert streinu is not None and streinu.note.startswith("Comment: To appear in Graphs")
    items, total = list_items(store=papers_store, user_id=reader, tag="to-read")
    assert total == 1 and items[0].paper_id == "0704.0006"


def test_reimport_is_idempotent_and_keeps_the_readers_edits(
    papers_store: Store, settings: Settings, reader: int
) -> None:
    first = _import(papers_store, settings, reader, "zotero_plain.bib")
    before = list_items(store=papers_store, user_id=reader, limit=100)
    again = _import(papers_store, settings, reader, "zotero_plain.bib")
    assert (first.added, again.added, again.updated) == (4, 0, 0)
    assert list_items(store=papers_store, user_id=reader, limit=100) == before
    # The reader edits a note; another export of the same papers adds its tags but
    # leaves the edited note alone.
    update_item(store=papers_store, user_id=reader, paper_id="0704.0002", note="my own words")
    more = _import(papers_store, settings, reader, "zotero_better_bibtex.bib")
    assert (more.added, more.updated) == (4, 2)  # 0704.0002 and 0704.0007 gained tags
    streinu = get_item(store=papers_store, user_id=reader, paper_id="0704.0002")
    assert streinu is not None and streinu.note == "my own words"
    assert streinu.tags == (
        "computer-science-computational-geometry",
        "mathematics-combinatorics",
        "rigidity",
    )


def test_csl_json_and_ris_fixtures(papers_store: Store, settings: Settings, reader: int) -> None:
    csl = _import(papers_store, settings, reader, "zotero.json")
    assert _outcomes(csl) == [
        ("item 1", "matched", "0704.0002", "arxiv-id"),
        ("item 2", "matched", "0704.0006", "doi"),
        ("item 3", "matched", "0704.0023", "title"),
        ("item 4", "rejected", None, None),
        ("item 5", "unmatched", None, None),
    ]
    assert csl.entries[2].score == 1.0
    ris = _import(papers_store, settings, reader, "zotero.ris")
    assert _outcomes(ris) == [
        ("line 1", "matched", "0704.0002", "arxiv-id"),
        ("line 19", "matched", "0704.0010", "arxiv-id"),
        ("line 28", "rejected", None, None),
        ("line 33", "matched", "0704.0017", "doi"),
    ]
    alma = get_item(store=papers_store, user_id=reader, paper_id="0704.0023")
    assert alma is not None and alma.tags == ("alma", "solar-physics")
    assert alma.note == "Cited in chapter 2 of the thesis"


def test_fuzzy_titles_need_the_threshold(
    papers_store: Store, settings: Settings, reader: int
) -> None:
    bib = (
        b"@article{a, title = {Partial Cubes: Structures, Characterisations and Constructions}}\n"
        b"@article{b, title = {Characterizations and constructions of median graphs}}\n"
        b"@article{c, title = {Introduction}}\n"
        b"@article{d, title = {Partial cubes: structures, characterizations, and no constructions}}"
    )
    report = import_references(
        store=papers_store, settings=settings, user_id=reader, data=bib, now=NOW
    )
    a, b, c, d = report.entries
    assert (a.status, a.paper_id, a.match) == ("matched", "0704.0010", "title")
    assert a.score is not None and a.score >= 0.9
    assert b.status == "unmatched" and b.score is not None and b.score < 0.9
    assert "closest title scored" in b.reason
    assert (c.status, c.reason) == (
        "unmatched",
        "the title is too short to match on (under 20 letters)",
    )
    # Close in letters (0.95) but a word apart: another paper, not a match.
    assert d.status == "unmatched" and d.score is not None and d.score >= 0.9
    assert d.reason == "closest title (0704.0010) has a different word"


def test_entry_with_nothing_to_match_on(
    papers_store: Store, settings: Settings, reader: int
) -> None:
    report = import_references(
        store=papers_store,
        settings=settings,
        user_id=reader,
        now=NOW,
        data=b"@misc{empty, author = {Someone}, year = {2020}}\n",
    )
    assert report.entries[0].reason == "no title, DOI or arXiv id to match on"
    assert report.added == 0


@pytest.fixture
def arxiv_api(settings: Settings) -> Iterator[tuple[ReplayServer, Settings]]:
    api = (ARXIV_FIXTURES / "api_query_cs_lg.xml").read_bytes()
    with ReplayServer([], api_feed=api) as server:
        yield (
            server,
            settings.model_copy(
                update={
                    "arxiv_api_url": server.api_url,
                    "harvest_delay_seconds": 0.0,
                    "harvest_backoff_seconds": 0.01,
                    "harvest_max_retries": 1,
                    "harvest_contact_email": "ops@example.org",
                }
            ),
        )


def test_missing_arxiv_papers_are_harvested_on_request(
    papers_store: Store, reader: int, arxiv_api: tuple[ReplayServer, Settings]
) -> None:
    server, settings = arxiv_api
    bib = (
        b"@misc{known, title = {Sparsity-certifying Graph Decompositions}, eprint = {0704.0002},"
        b" archivePrefix = {arXiv}}\n"
        b"@misc{curriculum, title = {Curriculum Distillation}, eprint = {2401.17262v1},"
        b" archivePrefix = {arXiv}, keywords = {distillation}}\n"
        b"@misc{ghost, title = {Not on arXiv either}, eprint = {2402.00001},"
        b" archivePrefix = {arXiv}}\n"
    )
    without = import_references(
        store=papers_store, settings=settings, user_id=reader, data=bib, now=NOW
    )
    assert [e.status for e in without.entries] == ["matched", "unmatched", "unmatched"]
    assert server.requests == []  # nothing fetched unless asked
    report = import_references(
        store=papers_store,
        settings=settings,
        user_id=reader,
        data=bib,
        now=NOW,
        harvest_missing=True,
    )
    assert _outcomes(report) == [
        ("line 1", "matched", "0704.0002", "arxiv-id"),
        ("line 2", "harvested", "2401.17262", "arxiv-id"),
        ("line 3", "unmatched", None, None),
    ]
    assert report.entries[2].reason == "arXiv has no paper 2402.00001"
    assert [params["id_list"] for _, params, _ in server.requests] == ["2401.17262,2402.00001"]
    paper = get_paper(store=papers_store, paper_id="2401.17262")
    assert paper is not None and paper.title.startswith("Curriculum Distillation")
    item = get_item(store=papers_store, user_id=reader, paper_id="2401.17262")
    assert item is not None and item.tags == ("distillation",)


def test_unreachable_arxiv_is_reported_not_raised(
    papers_store: Store, settings: Settings, reader: int
) -> None:
    dead = settings.model_copy(
        update={
            "arxiv_api_url": "http://127.0.0.1:9/api/query",
            "harvest_max_retries": 0,
            "harvest_backoff_seconds": 0.01,
            "harvest_timeout_seconds": 1.0,
        }
    )
    bib = b"@misc{x, title = {Curriculum Distillation}, eprint = {2401.17262}}"
    report = import_references(
        store=papers_store, settings=dead, user_id=reader, data=bib, now=NOW, harvest_missing=True
    )
    assert report.entries[0].status == "unmatched"
    assert report.entries[0].reason.startswith("fetching from arXiv failed")
    assert report.notices and report.notices[0].startswith("fetching from arXiv failed")


def test_two_entries_for_one_paper_are_counted_once_and_named(
    papers_store: Store, settings: Settings, reader: int
) -> None:
    data = (
        b"@article{first, title={A}, eprint={0704.0002}, archivePrefix={arXiv}}\n"
        b"@article{again, title={B}, eprint={0704.0002}, archivePrefix={arXiv}}\n"
        b"@article{other, title={C}, eprint={0704.0003}, archivePrefix={arXiv}}\n"
    )
    report = import_references(
        store=papers_store, settings=settings, user_id=reader, data=data, now=NOW,
        filename="twice.bib",
    )  # fmt: skip
    assert [e.same_as for e in report.entries] == ["", "line 1", ""]
    assert (report.saved, report.papers, report.added, report.unchanged) == (3, 2, 2, 0)
    again = import_references(
        store=papers_store, settings=settings, user_id=reader, data=data, now=NOW,
        filename="twice.bib",
    )  # fmt: skip
    assert (again.papers, again.added, again.updated, again.unchanged) == (2, 0, 0, 2)


def test_authors_given_by_initials_still_find_the_paper(
    papers_store: Store, settings: Settings, reader: int
) -> None:
    """0704.0010 is stored with its author's full name, Sergei Ovchinnikov."""
    title = b"Partial Cubes: Structures, Characterisations and Constructions"
    bib = b"\n".join(
        b"@article{%s, author = {%s}, title = {%s}}" % (key, author, title)
        for key, author in (
            (b"initials", b"Ovchinnikov, S."),
            (b"spaced", b"S Ovchinnikov"),
            (b"full", b"Ovchinnikov, Sergei"),
            (b"other", b"Smith, John"),
            (b"another", b"Ovchinnikov, A."),
        )
    )
    report = import_references(
        store=papers_store, settings=settings, user_id=reader, data=bib, now=NOW
    )
    assert [(e.key, e.status, e.paper_id) for e in report.entries] == [
        ("initials", "matched", "0704.0010"),
        ("spaced", "matched", "0704.0010"),
        ("full", "matched", "0704.0010"),
        # Authors who are not the paper's: another paper of that title.
        ("other", "unmatched", None),
        ("another", "unmatched", None),
    ]
