"""Community submissions: a signed-in user proposes a paper for one day's feed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update

from paperscope.models import Submission
from paperscope.store.database import Store
from paperscope.store.page_versions import bump_page_version
from paperscope.store.schema_accounts import login_throttle, submissions

DAY = timedelta(days=1)


class AlreadySubmitted(Exception):
    """The paper is already in that day's submissions."""


class SubmissionCapReached(Exception):
    """The user has used up today's submissions."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"daily cap of {cap} submissions reached")
        self.cap = cap


def add_submission(
    *,
    store: Store,
    user_id: int,
    paper_id: str,
    feed_date: date,
    now: datetime,
    daily_cap: int,
) -> Submission:
    """Record a submission; the cap counts the user's submissions in the last 24 hours
    and is checked inside the same transaction as the insert."""
    with store.write() as conn:
        dup = conn.scalar(
            select(submissions.c.submission_id).where(
                submissions.c.paper_id == paper_id, submissions.c.feed_date == feed_date
            )
        )
        if dup is not None:
            raise AlreadySubmitted(paper_id)
        if _used(conn, user_id, now) >= daily_cap:
            raise SubmissionCapReached(daily_cap)
        conn.execute(
            insert(submissions).values(
                user_id=user_id, paper_id=paper_id, feed_date=feed_date, created_at=now
            )
        )
        bump_page_version(conn, now=now)
    return Submission(paper_id=paper_id, user_id=user_id, feed_date=feed_date, submitted_at=now)


def _failure_key(user_id: int) -> str:
    return f"submission-fetch-failures:{user_id}"


def _used(conn: Connection, user_id: int, now: datetime) -> int:
    """Submissions in the last 24 hours plus the arXiv fetches that failed in the
    current day-long window: a failing fetch costs arXiv and us as much as a success."""
    recorded = conn.scalar(
        select(func.count()).where(
            submissions.c.user_id == user_id, submissions.c.created_at > now - DAY
        )
    )
    failed = conn.execute(
        select(login_throttle.c.failures, login_throttle.c.window_start).where(
            login_throttle.c.key == _failure_key(user_id)
        )
    ).first()
    in_window = failed is not None and now - failed.window_start <= DAY
    return int(recorded or 0) + (int(failed.failures) if failed is not None and in_window else 0)


def record_failed_fetch(*, store: Store, user_id: int, now: datetime) -> None:
    """Count a submission whose arXiv fetch failed against the user's daily cap
    (a counter per user in the throttle table, its window a day long)."""
    key = _failure_key(user_id)
    with store.write() as conn:
        row = conn.execute(select(login_throttle).where(login_throttle.c.key == key)).first()
        if row is None:
            conn.execute(insert(login_throttle).values(key=key, failures=1, window_start=now))
        elif now - row.window_start > DAY:
            conn.execute(
                update(login_throttle)
                .where(login_throttle.c.key == key)
                .values(failures=1, window_start=now)
            )
        else:
            conn.execute(
                update(login_throttle)
                .where(login_throttle.c.key == key)
                .values(failures=login_throttle.c.failures + 1)
            )


def submissions_left(*, store: Store, user_id: int, now: datetime, daily_cap: int) -> int:
    with store.read() as conn:
        return max(0, daily_cap - _used(conn, user_id, now))


def submitters(*, store: Store, paper_ids: list[str]) -> dict[str, tuple[int, datetime]]:
    """Who first submitted each paper, and when (for the HF-compatible API)."""
    if not paper_ids:
        return {}
    with store.read() as conn:
        rows = conn.execute(
            select(submissions.c.paper_id, submissions.c.user_id, submissions.c.created_at)
            .where(submissions.c.paper_id.in_(paper_ids))
            .order_by(submissions.c.created_at.desc())
        )
        return {r.paper_id: (r.user_id, r.created_at) for r in rows}
