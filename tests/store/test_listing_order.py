"""Lists of a category by date, newest or oldest first, read the same papers in the
same order whether they walk a listing index or sort the category's papers
(store/papers.py chooses by size): ties on the date broken by paper id, undated papers
last either way."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from paperscope.models import Paper
from paperscope.store import Store, title_search
from paperscope.store import papers as papers_module
from paperscope.store.papers import list_paper_ids, upsert_papers
from paperscope.store.schema_citations import paper_citations
from paperscope.store.title_search import search_titles

START = datetime(2024, 1, 1, tzinfo=UTC)


def _papers() -> list[Paper]:
    out = []
    for i in range(2400):
        # Three papers a day (ties broken by id), every fifth in cs.LG and stat.ML too,
        # and one in a hundred without a date (they come last).
        day = None if i % 100 in (7, 8, 10) else START + timedelta(days=i // 3)
        cats = ("cs.LG", "stat.ML") if i % 5 == 0 else ("cs.LG",) if i % 2 else ("math.OC",)
        out.append(
            Paper(paper_id=f"2401.{i:05d}", arxiv_id=f"2401.{i:05d}", title=f"Paper {i}",
                  categories=cats, primary_category=cats[0], submitted_at=day, source="oai-pmh")
        )  # fmt: skip
    return out


@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize("category", ["cs.LG", "cs", "math.OC", "stat.ML"])
def test_walking_and_sorting_give_the_same_pages(
    any_store: Store, monkeypatch: pytest.MonkeyPatch, category: str, newest_first: bool
) -> None:
    upsert_papers(store=any_store, papers_in=_papers())
    pages = [(0, 30), (30, 30), (1500, 50), (2390, 30)]
    order = "newest" if newest_first else "oldest"

    def listed(offset: int, limit: int) -> tuple[list[tuple[str, str, str]], int]:
        return search_titles(store=any_store, terms=[], categories=[category], offset=offset,
                             limit=limit, newest_first=newest_first)  # fmt: skip

    walked = [listed(o, n) for o, n in pages]
    feed = list_paper_ids(store=any_store, category=category, order=order, limit=50)
    with any_store.read() as conn:
        big = category in ("cs.LG", "cs")  # the others are too small to walk
        matches = papers_module.count_in_categories(conn, [category])
        assert papers_module.walks_listing(conn, matches=matches, offset=0, limit=30) is big
    monkeypatch.setattr(papers_module, "LISTING_WALK_MIN", 10**9)  # always sort
    sorted_ = [listed(o, n) for o, n in pages]
    assert walked == sorted_
    assert feed == list_paper_ids(store=any_store, category=category, order=order, limit=50)
    (first, total), (last, _) = walked[0], walked[-1]
    assert total == sum(1 for p in _papers() if any(c.startswith(category) for c in p.categories))
    assert first and (first[0][0] > first[-1][0]) is newest_first
    if last:
        assert last[-1][1] == f"Paper {int(last[-1][0].split('.')[1])}"
    undated = {p.paper_id for p in _papers() if p.submitted_at is None}
    everything = listed(0, 3000)[0]
    ids = [row[0] for row in everything]
    tail = [pid for pid in ids if pid in undated]
    assert tail and ids[-len(tail) :] == tail  # undated papers last


def test_the_category_index_count_equals_the_paper_count(any_store: Store) -> None:
    upsert_papers(store=any_store, papers_in=_papers())
    _, total = search_titles(store=any_store, terms=[], categories=["cs.LG"], limit=1)
    _, with_code = search_titles(
        store=any_store, terms=[], categories=["cs.LG"], limit=1, has_code=True
    )
    assert total == sum(1 for p in _papers() if "cs.LG" in p.categories) and with_code == 0


@pytest.mark.parametrize("category", ["cs.LG", "math.OC", "cs"])
def test_has_code_lists_read_from_either_side_alike(
    any_store: Store, monkeypatch: pytest.MonkeyPatch, category: str
) -> None:
    """A "has code" list starts from the papers with code when they are fewer than the
    category's (title_search._from_code), else from the category: same pages."""
    with_code = [
        dataclasses.replace(p, code_url="https://github.com/a/b") if i % 7 == 0 else p
        for i, p in enumerate(_papers())
    ]
    upsert_papers(store=any_store, papers_in=with_code)
    expected = sorted(
        (p for p in with_code if p.code_url and any(c.startswith(category) for c in p.categories)),
        key=lambda p: (p.submitted_at is None, -(p.submitted_at or START).timestamp(), p.paper_id),
    )

    def pages() -> list[tuple[list[str], int]]:
        out = []
        for offset in (0, 30, 300):
            rows, total = search_titles(store=any_store, terms=[], categories=[category],
                                        offset=offset, limit=30, has_code=True)  # fmt: skip
            out.append(([row[0] for row in rows], total))
        return out

    with any_store.read() as conn:
        from_code = title_search._from_code(conn, [category])
    assert from_code is (category != "math.OC")  # math.OC is below the walking size
    chosen = pages()
    monkeypatch.setattr(title_search, "_from_code", lambda conn, categories: not from_code)
    assert pages() == chosen
    assert [total for _, total in chosen] == [len(expected)] * 3
    assert [ids for ids, _ in chosen] == [
        [p.paper_id for p in expected[offset : offset + 30]] for offset in (0, 30, 300)
    ]


@pytest.mark.parametrize("counted", ["none", "few", "most"])
@pytest.mark.parametrize("category", ["cs.LG", "cs"])
def test_most_cited_pages_are_the_same_walked_or_sorted(
    any_store: Store, monkeypatch: pytest.MonkeyPatch, category: str, counted: str
) -> None:
    """A large category's "most cited" page sorts only the papers cited at least as
    often as the page's last one, or follows the date index when no paper of it has a
    count: the same pages as sorting the whole category (counts tie often)."""
    listed = _papers()
    upsert_papers(store=any_store, papers_in=listed)
    every = {"none": 0, "few": 500, "most": 1}[counted]
    counts = {p.paper_id: (i * 37) % 11 for i, p in enumerate(listed) if every and i % every == 0}
    with any_store.write() as conn:
        conn.execute(
            insert(paper_citations),
            [
                {"paper_id": pid, "cited_by_count": n, "fetched_at": START}
                for pid, n in counts.items()
            ]
            + [{"paper_id": listed[3].paper_id, "cited_by_count": None, "fetched_at": START}]
            * (counted == "none"),
        )
    pages = [(0, 30), (30, 30), (600, 50), (1400, 30)]

    def most_cited() -> list[tuple[list[str], int]]:
        out = []
        for offset, limit in pages:
            rows, total = search_titles(store=any_store, terms=[], categories=[category],
                                        offset=offset, limit=limit, by_citations=True)  # fmt: skip
            out.append(([row[0] for row in rows], total))
        return out

    chosen = most_cited()
    monkeypatch.setattr(title_search, "walks_listing", lambda conn, **kw: False)
    assert most_cited() == chosen
    in_list = [p for p in listed if any(c.startswith(category) for c in p.categories)]
    expected = sorted(
        in_list,
        key=lambda p: (
            -counts.get(p.paper_id, -1),
            p.submitted_at is None,
            -(p.submitted_at or START).timestamp(),
            p.paper_id,
        ),
    )
    assert [ids for ids, _ in chosen] == [
        [p.paper_id for p in expected[offset : offset + limit]] for offset, limit in pages
    ]
