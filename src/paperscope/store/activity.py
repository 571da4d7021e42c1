"""Activity over time for trending: upvotes, library saves, submissions, and the
Hugging Face upvotes a paper arrived with (dated to its feed day)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import literal, select, union_all

from paperscope.store.database import Store
from paperscope.store.schema import papers
from paperscope.store.schema_accounts import library_items, submissions, upvotes


@dataclass(frozen=True, slots=True)
class ActivityRow:
    paper_id: str
    kind: str  # "upvote" | "save" | "submit" | "external"
    at: datetime
    count: int = 1


def activity_since(
    *, store: Store, since: datetime, paper_ids: Sequence[str] | None = None
) -> list[ActivityRow]:
    """Every activity at or after ``since`` (optionally only for ``paper_ids``). Each
    arm uses an index on its timestamp, so a day's trending reads a day's rows."""
    arms = [
        select(upvotes.c.paper_id, literal("upvote"), upvotes.c.created_at, literal(1)).where(
            upvotes.c.created_at >= since
        ),
        select(
            library_items.c.paper_id, literal("save"), library_items.c.saved_at, literal(1)
        ).where(library_items.c.saved_at >= since),
        select(
            submissions.c.paper_id, literal("submit"), submissions.c.created_at, literal(1)
        ).where(submissions.c.created_at >= since),
    ]
    if paper_ids is not None:
        ids = list(paper_ids)
        arms = [arm.where(arm.selected_columns[0].in_(ids)) for arm in arms]
    rows: list[ActivityRow] = []
    with store.read() as conn:
        for pid, kind, at, n in conn.execute(union_all(*arms)):
            rows.append(ActivityRow(pid, kind, at if at.tzinfo else at.replace(tzinfo=UTC), int(n)))
        ext = select(papers.c.paper_id, papers.c.feed_date, papers.c.external_upvotes).where(
            papers.c.feed_date >= since.date(), papers.c.external_upvotes > 0
        )
        if paper_ids is not None:
            ext = ext.where(papers.c.paper_id.in_(list(paper_ids)))
        for pid, day, n in conn.execute(ext):
            rows.append(
                ActivityRow(pid, "external", datetime.combine(day, time(12), tzinfo=UTC), int(n))
            )
    return rows
