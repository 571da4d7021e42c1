"""The categories of given papers, for lists ranked outside SQL (trending) that are
counted and narrowed by category like the daily feed, and the archive of a category."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select

from paperscope.store.chunks import chunks
from paperscope.store.database import Store
from paperscope.store.schema import paper_categories


def categories_of(*, store: Store, paper_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each given paper's categories in the order it lists them (papers without any
    are left out)."""
    found: dict[str, list[str]] = {}
    query = (
        select(paper_categories.c.paper_id, paper_categories.c.category)
        .where(paper_categories.c.paper_id.in_(bindparam("ids", expanding=True)))
        .order_by(paper_categories.c.paper_id, paper_categories.c.position)
    )
    with store.read() as conn:
        for piece in chunks(list(dict.fromkeys(paper_ids))):
            for paper_id, category in conn.execute(query, {"ids": piece}):
                found.setdefault(paper_id, []).append(category)
    return {paper_id: tuple(cats) for paper_id, cats in found.items()}


def only_in_category(*, store: Store, paper_ids: Sequence[str], category: str) -> list[str]:
    """The given papers that are in ``category`` (see in_category), in their order: a
    list ranked outside SQL (trending) narrowed as the daily feed is."""
    held = categories_of(store=store, paper_ids=paper_ids)
    return [pid for pid in paper_ids if in_category(held.get(pid, ()), category)]


def archive_of(category: str) -> str:
    """The archive a category belongs to: "cs" for cs.LG; a category without a dot
    (hep-th) is its own archive. Stored beside each category (paper_categories.archive)
    so that a whole archive is read from an index."""
    return category.split(".", 1)[0]


def in_category(categories: Sequence[str], chosen: str) -> bool:
    """Whether a paper with ``categories`` is in ``chosen``: that category, or any of a
    whole archive's ("cs" holds cs.LG), as the daily feed's filter reads it
    (papers.in_categories states the same rule in SQL)."""
    if "." in chosen:
        return chosen in categories
    return any(archive_of(c) == chosen for c in categories)
