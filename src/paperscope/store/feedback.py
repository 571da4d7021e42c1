"""Recommendation signals: explicit feedback, onboarding interests, everything a reader's
model is trained from in one read, and the cached models themselves. Every query is
scoped by user_id, so one reader's signals never reach another's model."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, insert, select, update

from paperscope.store.chunks import chunks
from paperscope.store.database import Store
from paperscope.store.papers import listing_day
from paperscope.store.schema import paper_categories, papers
from paperscope.store.schema_accounts import library_items, library_tags, upvotes
from paperscope.store.schema_feedback import (
    FEEDBACK_KINDS,
    INTEREST_KINDS,
    feedback,
    interests,
    recommend_models,
)

MAX_INTEREST_LENGTH = 500


@dataclass(frozen=True, slots=True)
class UserSignals:
    """Everything one reader told us, explicitly or by saving and upvoting."""

    library: dict[str, tuple[str, ...]] = field(default_factory=dict)  # paper -> tags
    upvoted: frozenset[str] = frozenset()
    feedback: dict[str, str] = field(default_factory=dict)  # paper -> kind
    interests: tuple[tuple[str, str], ...] = ()  # (kind, value), sorted

    @property
    def is_empty(self) -> bool:
        liked = any(k == "up" for k in self.feedback.values())
        return not (self.library or self.upvoted or liked or self.interests)


@dataclass(frozen=True, slots=True)
class CachedModel:
    """One trained interest-group model as stored (weights are float32 bytes)."""

    group_key: str
    signals_hash: str
    weights: bytes
    bias: float


def load_user_signals(*, store: Store, user_id: int) -> UserSignals:
    with store.read() as conn:
        library: dict[str, list[str]] = {
            pid: []
            for pid in conn.scalars(
                select(library_items.c.paper_id).where(library_items.c.user_id == user_id)
            )
        }
        tag_rows = conn.execute(
            select(library_tags.c.paper_id, library_tags.c.tag)
            .where(library_tags.c.user_id == user_id)
            .order_by(library_tags.c.paper_id, library_tags.c.tag)
        )
        for pid, tag in tag_rows:
            library.setdefault(pid, []).append(tag)
        upvoted = frozenset(
            conn.scalars(select(upvotes.c.paper_id).where(upvotes.c.user_id == user_id))
        )
        judged = {
            pid: kind
            for pid, kind in conn.execute(
                select(feedback.c.paper_id, feedback.c.kind).where(feedback.c.user_id == user_id)
            )
        }
        stated = conn.execute(
            select(interests.c.kind, interests.c.value)
            .where(interests.c.user_id == user_id)
            .order_by(interests.c.kind, interests.c.value)
        )
        return UserSignals(
            library={pid: tuple(tags) for pid, tags in library.items()},
            upvoted=upvoted,
            feedback=judged,
            interests=tuple((k, v) for k, v in stated),
        )


# ---------------------------------------------------------------- feedback


def set_feedback(
    *, store: Store, user_id: int, paper_id: str, kind: str | None, now: datetime
) -> str | None:
    """Record the reader's judgement of a paper, replacing any earlier one; ``None``
    clears it. Returns the judgement now in force."""
    if kind is not None and kind not in FEEDBACK_KINDS:
        raise ValueError(f"unknown feedback {kind!r}: use one of {', '.join(FEEDBACK_KINDS)}")
    with store.write() as conn:
        where = (feedback.c.user_id == user_id) & (feedback.c.paper_id == paper_id)
        if kind is None:
            conn.execute(delete(feedback).where(where))
            return None
        if conn.execute(update(feedback).where(where).values(kind=kind, created_at=now)).rowcount:
            return kind
        conn.execute(
            insert(feedback).values(user_id=user_id, paper_id=paper_id, kind=kind, created_at=now)
        )
        return kind


def get_feedback(*, store: Store, user_id: int, paper_ids: Sequence[str]) -> dict[str, str]:
    """The reader's judgements of the given papers (for drawing the buttons' state)."""
    found: dict[str, str] = {}
    with store.read() as conn:
        for chunk in chunks(paper_ids):
            rows = conn.execute(
                select(feedback.c.paper_id, feedback.c.kind).where(
                    feedback.c.user_id == user_id, feedback.c.paper_id.in_(chunk)
                )
            )
            found.update({pid: kind for pid, kind in rows})
    return found


# ---------------------------------------------------------------- interests


def add_interests(
    *, store: Store, user_id: int, kind: str, values: Iterable[str], now: datetime
) -> list[str]:
    """Add typed interests or categories (duplicates ignored); returns those added."""
    if kind not in INTEREST_KINDS:
        raise ValueError(f"unknown interest kind {kind!r}: use one of {', '.join(INTEREST_KINDS)}")
    cleaned = list(dict.fromkeys(" ".join(v.split())[:MAX_INTEREST_LENGTH] for v in values))
    cleaned = [v for v in cleaned if v]
    with store.write() as conn:
        have = set(
            conn.scalars(
                select(interests.c.value).where(
                    interests.c.user_id == user_id, interests.c.kind == kind
                )
            )
        )
        fresh = [v for v in cleaned if v not in have]
        if fresh:
            conn.execute(
                insert(interests),
                [{"user_id": user_id, "kind": kind, "value": v, "created_at": now} for v in fresh],
            )
    return fresh


def remove_interest(*, store: Store, user_id: int, kind: str, value: str) -> bool:
    with store.write() as conn:
        return bool(
            conn.execute(
                delete(interests).where(
                    interests.c.user_id == user_id,
                    interests.c.kind == kind,
                    interests.c.value == value,
                )
            ).rowcount
        )


# ---------------------------------------------------------------- cached models


def load_models(*, store: Store, user_id: int) -> dict[str, CachedModel]:
    with store.read() as conn:
        rows = conn.execute(
            select(
                recommend_models.c.group_key,
                recommend_models.c.signals_hash,
                recommend_models.c.weights,
                recommend_models.c.bias,
            ).where(recommend_models.c.user_id == user_id)
        )
        return {row[0]: CachedModel(row[0], row[1], bytes(row[2]), float(row[3])) for row in rows}


def save_models(
    *, store: Store, user_id: int, models: Sequence[CachedModel], keep: Iterable[str], now: datetime
) -> None:
    """Store freshly trained models and drop cached groups not in ``keep`` (a tag that
    was deleted). Models of groups in ``keep`` that were not retrained stay as they are."""
    keep_keys = set(keep) | {m.group_key for m in models}
    with store.write() as conn:
        existing = set(
            conn.scalars(
                select(recommend_models.c.group_key).where(recommend_models.c.user_id == user_id)
            )
        )
        stale = [k for k in existing if k not in keep_keys] + [
            m.group_key for m in models if m.group_key in existing
        ]
        if stale:
            conn.execute(
                delete(recommend_models).where(
                    recommend_models.c.user_id == user_id, recommend_models.c.group_key.in_(stale)
                )
            )
        if models:
            conn.execute(
                insert(recommend_models),
                [
                    {
                        "user_id": user_id,
                        "group_key": m.group_key,
                        "signals_hash": m.signals_hash,
                        "weights": m.weights,
                        "bias": m.bias,
                        "trained_at": now,
                    }
                    for m in models
                ],
            )


# ---------------------------------------------------------------- paper look-ups


UNDATED = date.min  # never in a recent window, nor the newest paper they count back from


def ranking_dates(*, store: Store) -> tuple[list[str], list[date]]:
    """Every paper with the day it counts as new for "recent" windows: the day it
    entered the daily feed, else its first submission. A paper with neither (a
    plain-text import) is UNDATED: the day it was stored says nothing of when it was
    written, and counted as new it would crowd every real paper out of the week."""
    day = func.coalesce(papers.c.feed_date, func.date(papers.c.submitted_at))
    with store.read() as conn:
        rows = conn.execute(select(papers.c.paper_id, day)).all()
    ids = [row[0] for row in rows]
    return ids, [_as_date(row[1]) or UNDATED for row in rows]


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def papers_in_categories(
    *, store: Store, categories: Sequence[str], per_category: int = 500
) -> dict[str, list[str]]:
    """Up to ``per_category`` of the newest papers in each category (for the category
    centroids of cold start)."""
    found: dict[str, list[str]] = defaultdict(list)
    newest = listing_day().desc()
    with store.read() as conn:
        for category in categories:
            q = (
                select(paper_categories.c.paper_id)
                .join(papers, papers.c.paper_id == paper_categories.c.paper_id)
                .where(paper_categories.c.category == category)
                .order_by(newest, paper_categories.c.paper_id)
                .limit(per_category)
            )
            found[category] = list(conn.scalars(q))
    return dict(found)


def known_categories(*, store: Store, limit: int = 200) -> list[tuple[str, int]]:
    """The most used categories with their paper counts (for the onboarding picker)."""
    count = func.count().label("n")
    with store.read() as conn:
        rows = conn.execute(
            select(paper_categories.c.category, count)
            .group_by(paper_categories.c.category)
            .order_by(count.desc(), paper_categories.c.category)
            .limit(limit)
        )
        return [(str(c), int(n)) for c, n in rows]
