"""What Hugging Face daily papers carry, through the store: kept whole, never erased by
a later arXiv record, exported and imported back unchanged; hand-chosen links; the
"has code" and submitter filters; comment counts."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from paperscope.ingest.pipeline import export_store, import_file
from paperscope.models import Paper
from paperscope.sources import hf_daily
from paperscope.sources.arxiv_fields import with_text_links
from paperscope.sources.paperscope_export import read_records
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.claims import add_claim, decide_claim
from paperscope.store.daily_feed import list_feed
from paperscope.store.paper_links import (
    NotAnHttpUrl,
    UnknownPaper,
    can_edit_links,
    comment_counts,
    paper_ids_with_code,
    set_paper_links,
)
from paperscope.store.papers import get_paper, get_papers, upsert_papers
from paperscope.store.submissions import add_submission
from paperscope.store.title_search import search_titles

SAMPLE = "hf/daily_papers_2024-10-25.first8.json"
DAY = date(2024, 10, 25)
NOW = datetime(2024, 10, 25, 12, tzinfo=UTC)


@pytest.fixture
def sample_path(shared_data: Path) -> Path:
    return shared_data / SAMPLE


@pytest.fixture
def entries(sample_path: Path) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = orjson.loads(sample_path.read_bytes())
    return loaded


def _as_read(sample_path: Path) -> list[Paper]:
    with sample_path.open("rb") as stream:
        return [p for p in hf_daily.read_records(stream, name="x") if isinstance(p, Paper)]


def test_the_store_keeps_every_listing_field(any_store: Store, sample_path: Path) -> None:
    report = import_file(store=any_store, path=sample_path).report
    assert report.new == 8 and not report.rejected
    read = _as_read(sample_path)
    stored = get_papers(store=any_store, paper_ids=[p.paper_id for p in read])
    assert [p.replace(sources=()) for p in stored] == read
    first = stored[0]
    assert first.listed_at == datetime(2024, 10, 25, 0, 57, 9, 392000, tzinfo=UTC)
    assert first.submitted_by is not None and first.submitted_by.name == "ClownRat"
    assert [d.user.name for d in first.author_details if d.user] == [
        "ClownRat", "Zhiqiang007", "LidongBing",
    ]  # fmt: skip
    assert first.author_details[0].status_last_changed_at == datetime(
        2024, 10, 25, 9, 30, 2, 67000, tzinfo=UTC
    )


def test_a_later_arxiv_record_erases_nothing(any_store: Store, sample_path: Path) -> None:
    import_file(store=any_store, path=sample_path)
    before = get_paper(store=any_store, paper_id="2410.17243")
    assert before is not None
    arxiv = with_text_links(
        Paper(
            paper_id="2410.17243",
            arxiv_id="2410.17243",
            title=before.title,
            abstract=before.abstract,
            comments="Code: https://github.com/DAMO-NLP-SG/Inf-CLIP",
            categories=("cs.CV",),
            authors=before.authors,
            source="oai-pmh",
        )
    )
    assert len(before.author_details) == 3
    upsert_papers(store=any_store, papers_in=[arxiv])
    after = get_paper(store=any_store, paper_id="2410.17243")
    assert after is not None
    for name in (
        "submitted_by",
        "author_details",
        "listed_at",
        "thumbnail_url",
        "media_urls",
        "source_comments",
    ):
        assert getattr(after, name) == getattr(before, name), name
    assert after.code_url == "https://github.com/DAMO-NLP-SG/Inf-CLIP"  # filled a gap
    assert after.categories == ("cs.CV",)


def test_export_and_import_are_loss_free(any_store: Store, sample_path: Path) -> None:
    import_file(store=any_store, path=sample_path)
    set_paper_links(
        store=any_store,
        paper_id="2410.16251",
        code_url="https://github.com/o/r",
        project_url=None,
        edited_by="ada",
    )
    out = io.BytesIO()
    export_store(store=any_store, out=out)
    records = list(read_records(io.BytesIO(out.getvalue()), name="e"))
    held = get_papers(store=any_store, paper_ids=[p.paper_id for p in records])  # type: ignore[union-attr]
    assert records == held
    assert any(p.links_edited_by == "ada" for p in held)
    assert sum(len(p.author_details) for p in held) == 28  # every author HF said more of


def test_links_chosen_by_hand(any_store: Store, entries: list[dict[str, Any]]) -> None:
    upsert_papers(store=any_store, papers_in=[hf_daily.paper_from_entry(e) for e in entries])
    admin = create_user(
        store=any_store, username="root", email=None, password_hash=None, now=NOW, is_admin=True
    )
    ada = create_user(store=any_store, username="ada", email=None, password_hash=None, now=NOW)
    bob = create_user(store=any_store, username="bob", email=None, password_hash=None, now=NOW)
    add_submission(
        store=any_store, user_id=ada.user_id, paper_id="2410.16251", feed_date=DAY, now=NOW,
        daily_cap=5,
    )  # fmt: skip
    assert can_edit_links(any_store, admin, "2410.17243")
    assert can_edit_links(any_store, ada, "arXiv:2410.16251v2")
    assert not can_edit_links(any_store, ada, "2410.17243")
    assert not can_edit_links(any_store, bob, "2410.16251")
    pending = add_claim(
        store=any_store, user_id=bob.user_id, paper_id="2410.16251", author_name="Bob", now=NOW
    )
    assert not can_edit_links(any_store, bob, "2410.16251")  # not until an admin approves
    decide_claim(
        store=any_store, claim_id=pending.claim_id, approve=True, decided_by="root", now=NOW
    )
    assert can_edit_links(any_store, bob, "2410.16251v1")
    assert not can_edit_links(any_store, bob, "2410.17243")
    assert not can_edit_links(any_store, None, "2410.16251")
    with pytest.raises(NotAnHttpUrl, match="code_url"):
        set_paper_links(
            store=any_store, paper_id="2410.16251", code_url="javascript:alert(1)",
            project_url=None, edited_by="ada",
        )  # fmt: skip
    with pytest.raises(UnknownPaper):
        set_paper_links(
            store=any_store, paper_id="2101.00001", code_url=None, project_url=None,
            edited_by="ada",
        )  # fmt: skip
    paper = set_paper_links(
        store=any_store, paper_id="2410.16251", code_url=" https://github.com/a/b ",
        project_url="https://a.example/", edited_by="ada",
    )  # fmt: skip
    assert (paper.code_url, paper.project_url) == ("https://github.com/a/b", "https://a.example/")
    # the listing again, now with a repository of its own: the chosen links stay
    entry = next(e for e in entries if e["paper"]["id"] == "2410.16251")
    entry["paper"]["githubRepo"] = "https://github.com/listed/repo"
    upsert_papers(store=any_store, papers_in=[hf_daily.paper_from_entry(entry)])
    kept = get_paper(store=any_store, paper_id="2410.16251")
    assert kept is not None and kept.code_url == "https://github.com/a/b"


def test_has_code_and_submitter_filters(any_store: Store, entries: list[dict[str, Any]]) -> None:
    entries[0]["paper"]["githubRepo"] = "https://github.com/DAMO-NLP-SG/Inf-CLIP"
    upsert_papers(store=any_store, papers_in=[hf_daily.paper_from_entry(e) for e in entries])
    assert paper_ids_with_code(any_store) == {"2410.17243"}
    ids, total = list_feed(store=any_store, start=DAY, end=DAY, mode="submissions", has_code=True)
    assert ids == ["2410.17243"] and total == 1
    rows, total = search_titles(store=any_store, terms=[], has_code=True)
    assert [r[0] for r in rows] == ["2410.17243"] and total == 1
    name = entries[3]["submittedBy"]["name"]
    expected = sorted(e["paper"]["id"] for e in entries if e["submittedBy"]["name"] == name)
    ids, _ = list_feed(store=any_store, start=DAY, end=DAY, mode="submissions", submitter=name)
    assert sorted(ids) == expected
    # a local account's submissions count as theirs, whatever the case of the name
    ada = create_user(store=any_store, username="Ada", email=None, password_hash=None, now=NOW)
    add_submission(
        store=any_store, user_id=ada.user_id, paper_id="2410.18533", feed_date=DAY, now=NOW,
        daily_cap=5,
    )  # fmt: skip
    ids, _ = list_feed(store=any_store, start=DAY, end=DAY, mode="submissions", submitter="ada")
    assert ids == ["2410.18533"]


def test_comment_counts_start_from_the_source_count(
    any_store: Store, entries: list[dict[str, Any]]
) -> None:
    upsert_papers(store=any_store, papers_in=[hf_daily.paper_from_entry(e) for e in entries])
    ids = [e["paper"]["id"] for e in entries]
    counts = comment_counts(any_store, get_papers(store=any_store, paper_ids=ids))
    assert counts == {e["paper"]["id"]: e["numComments"] for e in entries}
