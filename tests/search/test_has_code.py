"""The "has code" filter of SearchQuery, in every mode, on the indexed seed corpus."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from search_samples import paper_id

from paperscope.models import SearchQuery
from paperscope.search.engine import SearchEngine
from paperscope.store import Store
from paperscope.store.paper_links import set_paper_links


@pytest.fixture
def with_code(seed_store: Store) -> Iterator[frozenset[str]]:
    chosen = frozenset({paper_id(3), paper_id(10), paper_id(40)})
    for pid in chosen:
        set_paper_links(
            store=seed_store, paper_id=pid, code_url="https://github.com/o/r",
            project_url=None, edited_by="test",
        )  # fmt: skip
    yield chosen
    for pid in chosen:  # the corpus is shared by the session: leave it as found
        set_paper_links(
            store=seed_store, paper_id=pid, code_url=None, project_url=None, edited_by=""
        )


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_has_code_keeps_papers_with_a_code_link(
    engine: SearchEngine, with_code: frozenset[str], mode: str
) -> None:
    every = engine.search(SearchQuery(text="learning optimizer", mode=mode, limit=50))
    assert len(every.hits) > len(with_code)
    coded = engine.search(
        SearchQuery(text="learning optimizer", mode=mode, limit=50, has_code=True)
    )
    assert coded.hits and {h.paper_id for h in coded.hits} <= with_code
    among = frozenset({paper_id(3)})
    both = engine.search(
        SearchQuery(text="learning", mode=mode, limit=50, has_code=True, paper_ids=among)
    )
    assert {h.paper_id for h in both.hits} <= among
    listing = engine.search(SearchQuery(text="", has_code=True, limit=50))
    assert {h.paper_id for h in listing.hits} == with_code
