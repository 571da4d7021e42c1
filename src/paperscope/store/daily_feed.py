"""Which papers make up a day's (or week's, month's) feed, and in what order.

The operator chooses the feed's source (Settings.feed_mode): community submissions
(ours, and Hugging Face daily papers imported with their feed day), every new paper
in chosen categories, or both. A paper's day is its feed_date (the listing day from
`harvest --recent`, or the day it was submitted to the feed), else the day of its
first version."""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Select,
    and_,
    exists,
    func,
    or_,
    select,
    union_all,
)

from paperscope.store.database import Store
from paperscope.store.papers import has_code_condition, in_categories, listing_day
from paperscope.store.schema import paper_categories, paper_sources, papers
from paperscope.store.schema_accounts import paper_stats, submissions, users

FeedMode = Literal["submissions", "categories", "both"]
FeedSort = Literal["upvotes", "newest"]


def _day_range(column: Any, start: date | None, end: date | None) -> ColumnElement[bool]:
    conds = [column.is_not(None)]
    if start is not None:
        conds.append(column >= start)
    if end is not None:
        conds.append(column <= end)
    return and_(*conds)


def _time_range(column: Any, start: date | None, end: date | None) -> ColumnElement[bool]:
    conds = [column.is_not(None)]
    if start is not None:
        conds.append(column >= datetime.combine(start, time.min, tzinfo=UTC))
    if end is not None and end < date.max:  # the day after date.max does not exist
        conds.append(column < datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))
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
        # Papers with no listing day (bulk imports: snapshot, OAI-PMH) enter on the day
        # of their first version, as in arXiv's own listings. A range on the indexed
        # submitted_at keeps this a seek, not a scan.
        first_day = func.date(papers.c.submitted_at, type_=Date)
        unlisted = select(papers.c.paper_id, first_day.label("day")).where(
            papers.c.feed_date.is_(None), _time_range(papers.c.submitted_at, start, end)
        )
        if categories:
            arm = arm.where(in_categories(categories, per_paper=True))
            unlisted = unlisted.where(in_categories(categories, per_paper=True))
        arms.append((arm, papers.c.feed_date))
        arms.append((unlisted, first_day))
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


def submitted_by_condition(name: str) -> ColumnElement[bool]:
    """Papers submitted by ``name``: here (an account, any case) or on the listing site
    they were imported from (Hugging Face's submitter)."""
    local = select(submissions.c.paper_id).join(users, users.c.user_id == submissions.c.user_id)
    local = local.where(func.lower(users.c.username) == name.strip().lower())
    # Any case on both sides, as usernames are; it narrows a feed's candidates already
    # chosen by day, so the index on the name is not needed.
    hf = func.lower(papers.c.submitted_by_name) == name.strip().lower()
    return or_(hf, papers.c.paper_id.in_(local))


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
    has_code: bool = False,
    submitter: str | None = None,
    category: str | None = None,
) -> tuple[list[str], int]:
    """A page of feed paper ids between start and end (inclusive), and the total;
    ``has_code`` keeps papers with a code link, ``submitter`` those one person
    submitted, ``category`` those in one category or archive (the reader's choice,
    within the operator's ``categories``)."""
    cand = _narrowed(
        _candidates(mode, categories, start, end), has_code, submitter, category
    ).subquery()
    newest = listing_day()
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


def _narrowed(
    cand: Select[Any], has_code: bool, submitter: str | None, category: str | None
) -> Select[Any]:
    """The feed's (paper_id, day) rows kept by the reader's filters."""
    if not (has_code or submitter or category):
        return cand
    sub = cand.subquery()
    narrowed = select(sub).join(papers, papers.c.paper_id == sub.c.paper_id)
    if has_code:
        narrowed = narrowed.where(has_code_condition())
    if submitter:
        narrowed = narrowed.where(submitted_by_condition(submitter))
    if category:
        narrowed = narrowed.where(in_categories([category], per_paper=True))
    return narrowed


def feed_category_counts(
    *,
    store: Store,
    start: date,
    end: date,
    mode: FeedMode,
    categories: Sequence[str] = (),
    has_code: bool = False,
    limit: int = 200,
) -> list[tuple[str, int]]:
    """How many of the feed's papers between start and end are in each category, most
    first (then by name): a cross-listed paper counts in each of its categories, as the
    ``category`` filter of list_feed finds it under each."""
    cand = _narrowed(_candidates(mode, categories, start, end), has_code, None, None).subquery()
    count = func.count().label("n")
    q = (
        select(paper_categories.c.category, count)
        .join(cand, cand.c.paper_id == paper_categories.c.paper_id)
        .group_by(paper_categories.c.category)
        .order_by(count.desc(), paper_categories.c.category)
        .limit(limit)
    )
    with store.read() as conn:
        return [(str(cat), int(n)) for cat, n in conn.execute(q)]


# Days that have papers, per store and feed selection, with the data version they were
# computed at. Prev/next navigation then costs two index lookups (the version) and a
# bisect instead of a scan; the list is rebuilt only after an import or submission.
_DAYS_CACHE: weakref.WeakKeyDictionary[
    Store, dict[tuple[str, tuple[str, ...]], tuple[Any, list[date]]]
]
_DAYS_CACHE = weakref.WeakKeyDictionary()


def _data_version(conn: Connection) -> tuple[Any, ...]:
    return (
        conn.scalar(select(func.max(papers.c.seq))),
        conn.scalar(select(func.max(submissions.c.submission_id))),
    )


def feed_days(*, store: Store, mode: FeedMode, categories: Sequence[str] = ()) -> list[date]:
    """Every day that has papers in the feed, oldest first (cached until data changes)."""
    key = (mode, tuple(categories))
    per_store = _DAYS_CACHE.setdefault(store, {})
    with store.read() as conn:
        version = _data_version(conn)
        cached = per_store.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        rows = union_all(
            *(
                arm.with_only_columns(day_col).distinct()
                for arm, day_col in _arms(mode, categories, None, None)
            )
        )
        days = sorted(
            {d if isinstance(d, date) else date.fromisoformat(str(d)) for d in conn.scalars(rows)}
        )
    per_store[key] = (version, days)
    return days


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
    after ``after`` (``inclusive`` also accepts the day itself), or the latest of all."""
    days = feed_days(store=store, mode=mode, categories=categories)
    if after is not None:
        i = bisect.bisect_left(days, after) if inclusive else bisect.bisect_right(days, after)
        return days[i] if i < len(days) else None
    if before is not None:
        i = bisect.bisect_right(days, before) if inclusive else bisect.bisect_left(days, before)
        return days[i - 1] if i > 0 else None
    return days[-1] if days else None


def in_feed(
    *, store: Store, paper_id: str, day: date, mode: FeedMode, categories: Sequence[str] = ()
) -> bool:
    cand = _candidates(mode, categories, day, day).subquery()
    with store.read() as conn:
        return (
            conn.scalar(select(cand.c.paper_id).where(cand.c.paper_id == paper_id).limit(1))
            is not None
        )


def submitted_day(*, store: Store, paper_id: str) -> date | None:
    """The first day ``paper_id`` was put forward for the feed by the community (a
    submission here, or Hugging Face's daily listing), or None. The categories' new
    papers do not count: a paper of the firehose may still be put forward later."""
    # The paper's id in each arm (an indexed look-up in each), not around the union.
    arms = [
        arm.where(arm.selected_columns.paper_id == paper_id)
        for arm, _ in _arms("submissions", (), None, None)
    ]
    rows = union_all(*arms).subquery()
    with store.read() as conn:
        found: date | None = conn.scalar(select(func.min(rows.c.day)))
    return found
