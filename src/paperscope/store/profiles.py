"""Lists behind profile pages: an account's submissions."""

from __future__ import annotations

from sqlalchemy import func, select

from paperscope.store.database import Store
from paperscope.store.schema_accounts import submissions


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
