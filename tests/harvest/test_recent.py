"""`--recent` from RSS and from the API, and fetching one paper by id, against the
replay server."""

from __future__ import annotations

from datetime import date

import pytest

from harvest.replay_server import ReplayServer
from paperscope.config import Settings
from paperscope.ingest.harvest import HarvestError, fetch_paper, harvest_recent
from paperscope.store import Store
from paperscope.store.papers import get_paper, list_paper_ids

ANNOUNCED = date(2024, 2, 1)


def test_recent_from_rss_dates_new_papers_for_the_feed(
    any_store: Store, harvest_settings: Settings, server: ReplayServer
) -> None:
    report = harvest_recent(settings=harvest_settings, store=any_store, categories=["cs.LG"])
    assert report.announced == ANNOUNCED
    assert (report.found, report.in_feed, report.new) == (3, 2, 3)
    assert [r.location for r in report.rejected] == [
        f"{server.rss_url}/cs.LG item oai:arXiv.org:2401.17001v1"
    ]
    in_feed = list_paper_ids(store=any_store, feed_from=ANNOUNCED, feed_to=ANNOUNCED)
    assert sorted(in_feed) == ["2401.17262", "2401.17268"]
    replaced = get_paper(store=any_store, paper_id="2312.01234")
    assert replaced is not None and replaced.feed_date is None and replaced.latest_version == 3
    assert [path for path, _, _ in server.requests] == ["/rss/cs.LG"]


def test_recent_from_the_api_keeps_the_newest_announcement(
    store: Store, harvest_settings: Settings, server: ReplayServer
) -> None:
    report = harvest_recent(
        settings=harvest_settings, store=store, categories=["cs.LG", "cs.CL"], via="api"
    )
    assert report.announced == ANNOUNCED and (report.found, report.in_feed) == (2, 2)
    assert sorted(list_paper_ids(store=store, feed_from=ANNOUNCED)) == ["2401.17262", "2401.17268"]
    assert get_paper(store=store, paper_id="2401.16001") is None  # listed two days earlier
    _, params, _ = server.requests[0]
    assert params["search_query"] == "cat:cs.LG OR cat:cs.CL"
    assert (params["sortBy"], params["sortOrder"]) == ("submittedDate", "descending")


def test_recent_needs_known_categories(store: Store, harvest_settings: Settings) -> None:
    with pytest.raises(HarvestError, match="at least one --category"):
        harvest_recent(settings=harvest_settings, store=store, categories=[])
    with pytest.raises(HarvestError, match=r"unknown arXiv category: cs\.XX"):
        harvest_recent(settings=harvest_settings, store=store, categories=["cs.LG", "cs.XX"])


def test_fetch_paper_by_id(harvest_settings: Settings, server: ReplayServer) -> None:
    paper = fetch_paper(settings=harvest_settings, arxiv_id="https://arxiv.org/abs/2401.17262v1")
    assert paper is not None and paper.paper_id == "2401.17262"
    assert paper.title == "Curriculum Distillation for Small Language Models"
    assert server.requests[-1][1] == {"id_list": "2401.17262", "max_results": "1"}
    assert fetch_paper(settings=harvest_settings, arxiv_id="2402.00001") is None
    with pytest.raises(HarvestError, match="is not an arXiv id"):
        fetch_paper(settings=harvest_settings, arxiv_id="not-a-paper")
