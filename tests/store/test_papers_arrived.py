"""Which new papers a digest's "new in your categories" section reads: a followed
category, or a whole archive (an alert made on /daily?category=cs follows "cs")."""

from datetime import UTC, datetime, timedelta

from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.papers import upsert_papers
from paperscope.store.subscriptions import papers_arrived


def test_new_papers_of_a_category_or_a_whole_archive(any_store: Store) -> None:
    before = datetime.now(UTC) - timedelta(minutes=1)
    upsert_papers(
        store=any_store,
        papers_in=[
            Paper(paper_id="2101.00001", title="Learning", categories=["cs.LG", "stat.ML"]),
            Paper(paper_id="2101.00002", title="Strings", categories=["hep-th"]),
            Paper(paper_id="2101.00003", title="Agents", categories=["cs.AI", "cs.MA"]),
        ],
    )
    after = datetime.now(UTC) + timedelta(minutes=1)

    def arrived(*categories: str) -> set[str]:
        found = papers_arrived(store=any_store, since=before, until=after, categories=categories)
        assert len(found) == len(set(found))  # a paper in two of them is listed once
        return set(found)

    assert arrived("cs.LG") == {"2101.00001"}
    assert arrived("cs") == {"2101.00001", "2101.00003"}
    assert arrived("hep-th") == {"2101.00002"}
    assert arrived("stat", "hep-th") == {"2101.00001", "2101.00002"}
    assert arrived("math") == set()
    assert arrived() == {"2101.00001", "2101.00002", "2101.00003"}
