"""arXiv API Atom feeds, RSS listings and announcement days, on fixtures written from
arXiv's public documentation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperscope.sources.arxiv_api import (
    ApiQueryError,
    FeedError,
    listing_date,
    parse_atom,
    parse_rss,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv"


def test_atom_feed_entries() -> None:
    feed = parse_atom((FIXTURES / "api_query_cs_lg.xml").read_bytes())
    assert (feed.total_results, feed.start_index, feed.items_per_page) == (212504, 0, 4)
    assert [p.paper_id for p in feed.papers] == [
        "2401.17268",
        "2401.17262",
        "2401.16001",
        "2401.15000",
    ]
    moe = feed.papers[0]
    assert moe.title == "Sparse Mixtures of Experts Are Robust Learners Under Distribution Shift"
    assert moe.authors == ("Adaeze Okafor", "Sven Lindström", "Y. Ng")
    # The ACM class I.2.6 is dropped; the primary category comes first.
    assert moe.categories == ("cs.LG", "stat.ML", "cs.CL") and moe.primary_category == "cs.LG"
    assert [v.number for v in moe.versions] == [1, 2] and moe.latest_version == 2
    assert moe.submitted_at == datetime(2024, 1, 30, 19, 30, tzinfo=UTC)
    assert moe.updated_at == datetime(2024, 1, 31, 10, 2, 11, tzinfo=UTC)
    assert (moe.doi, moe.journal_ref, moe.comments) == (
        "10.5555/1234567",
        "ICLR 2024",
        "Accepted at ICLR 2024",
    )
    assert moe.source == "arxiv-api"
    distil = feed.papers[1]
    assert distil.primary_category == "cs.CL" and distil.categories == ("cs.CL", "cs.LG")
    assert distil.doi is None and distil.versions[0].number == 1


def test_api_error_entry_is_a_query_error() -> None:
    with pytest.raises(ApiQueryError, match=r"incorrect id format for 1234\.1234x"):
        parse_atom((FIXTURES / "api_error.xml").read_bytes())


def test_damaged_or_foreign_documents_are_feed_errors() -> None:
    data = (FIXTURES / "api_query_cs_lg.xml").read_bytes()
    with pytest.raises(FeedError, match="line"):
        parse_atom(data[: len(data) // 2])
    with pytest.raises(FeedError, match="not an arXiv API response"):
        parse_atom((FIXTURES / "rss_cs_lg.xml").read_bytes())
    with pytest.raises(FeedError, match=r"not an RSS 2\.0 feed"):
        parse_rss(data)


def test_rss_listing_dates_new_papers_and_cross_lists_only() -> None:
    listing = parse_rss((FIXTURES / "rss_cs_lg.xml").read_bytes(), name="cs.LG")
    assert listing.announced == date(2024, 2, 1)
    kinds = {e.paper.paper_id: e.announce_type for e in listing.entries}
    assert kinds == {"2401.17268": "new", "2401.17262": "cross", "2312.01234": "replace"}
    dated = {e.paper.paper_id: e.paper.feed_date for e in listing.entries}
    assert dated == {
        "2401.17268": date(2024, 2, 1),
        "2401.17262": date(2024, 2, 1),
        "2312.01234": None,
    }
    new = listing.entries[0].paper
    assert new.abstract.startswith("We show that sparse") and "Announce Type" not in new.abstract
    assert new.authors == ("Adaeze Okafor", "Sven Lindström", "Y. Ng")
    assert new.categories == ("cs.LG", "stat.ML", "cs.CL") and new.primary_category == "cs.LG"
    assert new.license == "http://creativecommons.org/licenses/by/4.0/"
    replaced = listing.entries[2].paper
    assert replaced.latest_version == 3
    assert (replaced.doi, replaced.journal_ref) == (
        "10.5555/7654321",
        "Trans. Mach. Learn. Res. 2024",
    )
    assert [r.location for r in listing.rejected] == ["cs.LG item oai:arXiv.org:2401.17001v1"]


@pytest.mark.parametrize(
    ("submitted", "listed"),
    [
        ("2024-01-30T18:59:00+00:00", date(2024, 1, 31)),  # Tue 13:59 EST -> Wed
        ("2024-01-30T19:00:00+00:00", date(2024, 2, 1)),  # Tue 14:00 EST -> Thu
        ("2024-01-26T15:00:00+00:00", date(2024, 1, 29)),  # Fri 10:00 EST -> Mon
        ("2024-01-26T20:00:00+00:00", date(2024, 1, 30)),  # Fri 15:00 EST -> Tue
        ("2024-01-27T12:00:00+00:00", date(2024, 1, 30)),  # Saturday -> Tue
        ("2024-07-02T17:30:00+00:00", date(2024, 7, 3)),  # Tue 13:30 EDT (summer time) -> Wed
        ("2024-07-02T18:30:00+00:00", date(2024, 7, 4)),  # Tue 14:30 EDT -> Thu
    ],
)
def test_listing_date(submitted: str, listed: date) -> None:
    assert listing_date(datetime.fromisoformat(submitted)) == listed
