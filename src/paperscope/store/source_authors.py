"""What listing sites (Hugging Face) say of one author across their papers: the
accounts there that the author's papers link to them."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from paperscope.models import Profile, author_key
from paperscope.store.database import Store
from paperscope.store.papers import author_details_from_json
from paperscope.store.schema import paper_authors, papers

# Papers read per author page at most: a prolific author's accounts show on their
# first few hundred linked papers already.
MAX_PAPERS = 500


def source_accounts(*, store: Store, name: str) -> list[Profile]:
    """The accounts a listing site links to the author printed as ``name`` (any
    spelling author_key folds), on most of their papers first; authors who hid a paper
    there are not counted for it."""
    key = author_key(name)
    query = (
        select(papers.c.author_details)
        .join(paper_authors, paper_authors.c.paper_id == papers.c.paper_id)
        .where(paper_authors.c.name_key == key, papers.c.author_details.is_not(None))
        .distinct()
        .limit(MAX_PAPERS)
    )
    with store.read() as conn:
        rows = list(conn.scalars(query))
    counts: Counter[str] = Counter()
    profiles: dict[str, Profile] = {}
    for text in rows:
        for detail in author_details_from_json(text):
            if detail.user and not detail.hidden and author_key(detail.name) == key:
                counts[detail.user.name] += 1
                profiles.setdefault(detail.user.name, detail.user)
    return [profiles[n] for n, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
