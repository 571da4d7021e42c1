from datetime import UTC, date, datetime

from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.daily_feed import feed_category_counts, feed_day_near, list_feed
from paperscope.store.papers import upsert_papers


def _paper(pid: str, cat: str, submitted: datetime, feed: date | None = None, *also: str) -> Paper:
    return Paper(
        paper_id=pid, arxiv_id=pid, title=f"Paper {pid}", categories=(cat, *also),
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


def test_a_reader_narrows_the_feed_to_a_category_counted_as_the_filter_finds_it(
    any_store: Store,
) -> None:
    day = date(2024, 1, 25)
    at = datetime(2024, 1, 25, 9, tzinfo=UTC)
    upsert_papers(
        store=any_store,
        papers_in=[
            _paper("2401.00001", "cs.LG", at, None, "stat.ML"),  # cross-listed
            _paper("2401.00002", "cs.LG", at),
            _paper("2401.00003", "cs.CL", at, None, "cs.LG"),
            _paper("2401.00004", "hep-th", at),
            _paper("2401.00005", "math.CO", at),
            _paper("2401.00006", "cs.CL", datetime(2024, 1, 26, 9, tzinfo=UTC)),  # next day
        ],
    )
    counts = feed_category_counts(store=any_store, start=day, end=day, mode="categories")
    # Each paper counts in each of its categories; most first, then by name.
    assert counts == [("cs.LG", 3), ("cs.CL", 1), ("hep-th", 1), ("math.CO", 1), ("stat.ML", 1)]
    for name, n in counts:
        ids, total = list_feed(
            store=any_store, start=day, end=day, mode="categories", category=name
        )
        assert total == n == len(ids)
    ids, total = list_feed(store=any_store, start=day, end=day, mode="categories", category="cs")
    assert sorted(ids) == ["2401.00001", "2401.00002", "2401.00003"] and total == 3
    # The reader's category narrows the operator's choice, never widens it.
    ids, total = list_feed(
        store=any_store, start=day, end=day, mode="categories", categories=("cs",),
        category="hep-th",
    )  # fmt: skip
    assert (ids, total) == ([], 0)
    assert feed_category_counts(
        store=any_store, start=day, end=day, mode="categories", categories=("hep-th",)
    ) == [("hep-th", 1)]
