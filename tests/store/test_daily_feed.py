from datetime import UTC, date, datetime

from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.daily_feed import feed_day_near, list_feed
from paperscope.store.papers import upsert_papers


def _paper(pid: str, cat: str, submitted: datetime, feed: date | None = None) -> Paper:
    return Paper(
        paper_id=pid, arxiv_id=pid, title=f"Paper {pid}", categories=(cat,),
        primary_category=cat, submitted_at=submitted, feed_date=feed, source="oai-pmh",
    )  # fmt: skip


def test_bulk_imported_papers_enter_the_feed_on_their_first_version_day(any_store: Store) -> None:
    upsert_papers(
        store=any_store,
        papers_in=[
            _paper("2401.00001", "cs.LG", datetime(2024, 1, 25, 23, 30, tzinfo=UTC)),
            _paper("2401.00002", "hep-th", datetime(2024, 1, 25, 8, 0, tzinfo=UTC)),
            _paper("2401.00003", "cs.CL", datetime(2024, 1, 26, 0, 10, tzinfo=UTC)),
            # a listed paper keeps its listing day, not its submission day
            _paper("2401.00004", "cs.LG", datetime(2024, 1, 20, tzinfo=UTC), date(2024, 1, 26)),
        ],
    )
    day = date(2024, 1, 25)
    ids, total = list_feed(store=any_store, start=day, end=day, mode="categories")
    assert sorted(ids) == ["2401.00001", "2401.00002"] and total == 2
    ids, _ = list_feed(store=any_store, start=day, end=day, mode="categories", categories=("cs",))
    assert ids == ["2401.00001"]
    next_day = date(2024, 1, 26)
    ids, _ = list_feed(store=any_store, start=next_day, end=next_day, mode="both")
    assert sorted(ids) == ["2401.00003", "2401.00004"]
    assert feed_day_near(store=any_store, mode="categories") == next_day
    # submissions-only feeds are not filled by bulk imports
    assert list_feed(store=any_store, start=day, end=next_day, mode="submissions")[1] == 0
