"""Counts for `paperscope stats`: papers in total, per source, per category and per
month of first submission. Each is one GROUP BY the database answers from indexes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from paperscope.store.database import Store
from paperscope.store.schema import paper_categories, paper_sources, papers

UNKNOWN_MONTH = "unknown"


@dataclass(frozen=True, slots=True)
class StoreStats:
    papers: int
    by_source: dict[str, int]  # papers each source gave (a paper can have several)
    by_category: dict[str, int]  # papers listed in each category, cross-lists included
    by_month: dict[str, int]  # "YYYY-MM" of the first version, oldest first


def store_stats(*, store: Store, top_categories: int = 20) -> StoreStats:
    """The counts; ``top_categories`` limits by_category to the largest ones."""
    with store.read() as conn:
        total = int(conn.scalar(select(func.count()).select_from(papers)) or 0)
        return StoreStats(
            papers=total,
            by_source=_by_source(conn),
            by_category=_by_category(conn, top_categories),
            by_month=_by_month(conn),
        )


def _by_source(conn: Connection) -> dict[str, int]:
    count = func.count().label("n")
    q = select(paper_sources.c.source, count).group_by(paper_sources.c.source)
    return {
        src: int(n) for src, n in conn.execute(q.order_by(count.desc(), paper_sources.c.source))
    }


def _by_category(conn: Connection, limit: int) -> dict[str, int]:
    count = func.count().label("n")
    q = (
        select(paper_categories.c.category, count)
        .group_by(paper_categories.c.category)
        .order_by(count.desc(), paper_categories.c.category)
        .limit(limit)
    )
    return {cat: int(n) for cat, n in conn.execute(q)}


def _by_month(conn: Connection) -> dict[str, int]:
    if conn.dialect.name == "sqlite":
        month = func.strftime("%Y-%m", papers.c.submitted_at)
    else:
        month = func.to_char(papers.c.submitted_at, "YYYY-MM")
    label = month.label("month")
    q = select(label, func.count()).group_by(label).order_by(label)
    counts = {m or UNKNOWN_MONTH: int(n) for m, n in conn.execute(q)}
    # Papers without a date sort last, after every real month.
    if UNKNOWN_MONTH in counts:
        counts[UNKNOWN_MONTH] = counts.pop(UNKNOWN_MONTH)
    return counts
