"""Which papers make up a day's (or week's, month's) feed, and in what order.

The operator chooses the feed's source (Settings.feed_mode): community submissions
(ours, and Hugging Face daily papers imported with their feed day), every new paper
in chosen categories, or both. A paper's day is its submission day or its feed_date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, union_all

from paperscope.store.database import Store
from paperscope.store.schema import paper_categories, paper_sources, papers
from paperscope.store.schema_accounts import paper_stats, submissions

FeedMode = Literal["submissions", "categories", "both"]
FeedSort = Literal["upvotes", "newest"]


def _category_filter(categories: Sequence[str]) -> ColumnElement[bool]:
    """Exact categories, and whole archives: "cs" matches cs.LG, cs.CL ..."""
    conds: list[ColumnElement[bool]] = [paper_categories.c.category.in_(list(categories))]
    conds += [paper_categories.c.category.like(f"{c}.%") for c in categories if "." not in c]
    return exists().where(paper_categories.c.paper_id == papers.c.paper_id, or_(*conds))


def _day_range(column: Any, start: date | None, end: date | None) -> ColumnElement[bool]:
    conds = [column.is_not(None)]
    if start is not None:
        conds.append(column >= start)
    if end is not None:
        conds.append(column <= end)
    return and_(*conds)


def _arms(
    mode: FeedMode, categories: Sequence[str], start: date | None, end: date | None
) -> list[tuple[Select[Any], Any]]:
    """One (query of paper_id, day) per source of the feed, with its day column."""
    arms: list[tuple[Select[Any], Any]] = []
    if mode in ("categories", "both"):
        arm = select(papers.c.paper_id, papers.c.feed_date.label("day")).where(
            _day_range(papers.c.feed_date, start, end)
        )
        if categories:
            arm = arm.where(_category_filter(categories))
        arms.append((arm, papers.c.feed_date))
    if mode in ("submissions", "both"):
        sub = select(submissions.c.paper_id, submissions.c.feed_date.label("day")).where(
            _day_range(submissions.c.feed_date, start, end)
        )
        arms.append((sub, submissions.c.feed_date))
        hf = exists().where(
            paper_sources.c.paper_id == papers.c.paper_id, paper_sources.c.source == "hf-daily"
        )
        arm_hf = select(papers.c.paper_id, papers.c.feed_date.label("day")).where(
            _day_range(papers.c.feed_date, start, end), hf
        )
        arms.append((arm_hf, papers.c.feed_date))
    return arms


def _candidates(
    mode: FeedMode, categories: Sequence[str], start: date | None, end: date | None
) -> Select[Any]:
    """(paper_id, day) rows of every paper in the feed between start and end."""
    rows = union_all(*(arm for arm, _ in _arms(mode, categories, start, end))).subquery()
    return select(rows.c.paper_id, func.min(rows.c.day).label("day")).group_by(rows.c.paper_id)


def total_upvotes_expr() -> ColumnElement[int]:
    return func.coalesce(paper_stats.c.upvotes, 0) + func.coalesce(papers.c.external_upvotes, 0)


def list_feed(
    *,
    store: Store,
    start: date,
    end: date,
    mode: FeedMode,
    categories: Sequence[str] = (),
    sort: FeedSort = "upvotes",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[str], int]:
    """A page of feed paper ids between start and end (inclusive), and the total."""
    cand = _candidates(mode, categories, start, end).subquery()
    newest = func.coalesce(papers.c.submitted_at, papers.c.created_at)
    order = (
        [total_upvotes_expr().desc(), newest.desc()]
        if sort == "upvotes"
        else [cand.c.day.desc(), newest.desc()]
    )
    q = (
        select(papers.c.paper_id)
        .select_from(
            cand.join(papers, papers.c.paper_id == cand.c.paper_id).outerjoin(
                paper_stats, paper_stats.c.paper_id == papers.c.paper_id
            )
        )
        .order_by(*order, papers.c.paper_id)
    )
    with store.read() as conn:
        total = int(conn.scalar(select(func.count()).select_from(cand)) or 0)
        ids = list(conn.scalars(q.limit(limit).offset(offset)))
    return ids, total


def feed_day_near(
    *,
    store: Store,
    mode: FeedMode,
    categories: Sequence[str] = (),
    before: date | None = None,
    after: date | None = None,
    inclusive: bool = False,
) -> date | None:
    """The closest day that has papers: the latest before ``before``, the earliest
    after ``after`` (``inclusive`` also accepts the day itself), or the latest of all.
    Each source is asked for its first row in day order, which walks the day index
    and stops at the first match instead of aggregating the whole table."""
    found: list[date] = []
    with store.read() as conn:
        for arm, day_col in _arms(mode, categories, None, None):
            q = arm.with_only_columns(day_col)
            if after is not None:
                q = q.where(day_col >= after if inclusive else day_col > after).order_by(
                    day_col.asc()
                )
            else:
                if before is not None:
                    q = q.where(day_col <= before if inclusive else day_col < before)
                q = q.order_by(day_col.desc())
            day = conn.scalar(q.limit(1))
            if isinstance(day, date):
                found.append(day)
    if not found:
        return None
    return min(found) if after is not None else max(found)


def in_feed(
    *, store: Store, paper_id: str, day: date, mode: FeedMode, categories: Sequence[str] = ()
) -> bool:
    cand = _candidates(mode, categories, day, day).subquery()
    with store.read() as conn:
        return (
            conn.scalar(select(cand.c.paper_id).where(cand.c.paper_id == paper_id).limit(1))
            is not None
        )
