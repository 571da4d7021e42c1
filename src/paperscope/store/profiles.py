"""Lists behind author and profile pages: an author's papers with their total, and an
account's submissions."""

from __future__ import annotations

from sqlalchemy import func, select

from paperscope.store.database import Store
from paperscope.store.papers import author_key
from paperscope.store.schema import paper_authors, papers
from paperscope.store.schema_accounts import submissions


def author_paper_ids(
    *, store: Store, name: str, limit: int = 30, offset: int = 0
) -> tuple[list[str], int]:
    """Papers printed with the author ``name`` (any case or accents), newest first, and
    how many there are."""
    key = author_key(name)
    with store.read() as conn:
        total = int(
            conn.scalar(
                select(func.count(func.distinct(paper_authors.c.paper_id))).where(
                    paper_authors.c.name_key == key
                )
            )
            or 0
        )
        newest = func.coalesce(papers.c.submitted_at, papers.c.created_at)
        ids = conn.scalars(
            select(papers.c.paper_id)
            .where(
                papers.c.paper_id.in_(
                    select(paper_authors.c.paper_id).where(paper_authors.c.name_key == key)
                )
            )
            .order_by(newest.desc(), papers.c.paper_id)
            .limit(limit)
            .offset(offset)
        )
        return list(ids), total


def submitted_paper_ids(*, store: Store, user_id: int, limit: int = 30) -> list[str]:
    """Papers the account submitted to the daily feed, most recent submission first."""
    with store.read() as conn:
        rows = conn.execute(
            select(submissions.c.paper_id, func.max(submissions.c.created_at).label("at"))
            .where(submissions.c.user_id == user_id)
            .group_by(submissions.c.paper_id)
            .order_by(func.max(submissions.c.created_at).desc(), submissions.c.paper_id)
            .limit(limit)
        )
        return [r.paper_id for r in rows]
