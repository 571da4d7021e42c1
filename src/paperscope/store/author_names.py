"""How one author is printed across their papers: the spellings that share an author
key ("Søren Hauberg", "Soren Hauberg"), most used first."""

from __future__ import annotations

from sqlalchemy import func, select

from paperscope.models import author_key
from paperscope.store.database import Store
from paperscope.store.schema import paper_authors

MAX_SPELLINGS = 6


def spellings(*, store: Store, name: str) -> list[tuple[str, int]]:
    """(printed name, papers) for the author ``name`` names in any spelling, the most
    used first (then alphabetically); at most MAX_SPELLINGS."""
    count = func.count().label("n")
    query = (
        select(paper_authors.c.name, count)
        .where(paper_authors.c.name_key == author_key(name))
        .group_by(paper_authors.c.name)
        .order_by(count.desc(), paper_authors.c.name)
        .limit(MAX_SPELLINGS)
    )
    with store.read() as conn:
        return [(str(printed), int(n)) for printed, n in conn.execute(query)]
