from datetime import UTC, date, datetime

from paperscope.models import Paper, Version
from paperscope.store.merge import merge_papers, record_hash


def _p(**kw: object) -> Paper:
    base: dict[str, object] = {
        "paper_id": "2401.00001",
        "arxiv_id": "2401.00001",
        "title": "T",
        "source": "oai-pmh",
    }
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


def test_unknown_never_erases_known() -> None:
    stored = _p(abstract="Known abstract", doi="10.1/x", authors=("A",))
    merged = merge_papers(stored, _p(source="hf-daily"))
    assert merged.abstract == "Known abstract"
    assert merged.doi == "10.1/x"
    assert merged.authors == ("A",)


def test_versions_accumulate_and_older_text_loses() -> None:
    t1 = datetime(2024, 1, 1, tzinfo=UTC)
    t2 = datetime(2024, 2, 1, tzinfo=UTC)
    stored = _p(
        title="New", versions=(Version(1, t1), Version(2, t2)), submitted_at=t1, updated_at=t2
    )
    merged = merge_papers(stored, _p(title="Old", versions=(Version(1, t1),), submitted_at=t1))
    assert merged.title == "New"
    assert [v.number for v in merged.versions] == [1, 2]
    assert merged.updated_at == t2


def test_feed_date_never_moves_and_upvotes_refresh() -> None:
    stored = _p(feed_date=date(2024, 10, 25), external_upvotes=3)
    merged = merge_papers(stored, _p(feed_date=date(2024, 10, 26), external_upvotes=9))
    assert merged.feed_date == date(2024, 10, 25)
    assert merged.external_upvotes == 9


def test_record_hash_ignores_where_stored() -> None:
    assert record_hash(_p(sources=("a",))) == record_hash(_p(sources=("b",)))
    assert record_hash(_p(title="x")) != record_hash(_p(title="y"))
