"""Follows: a reader follows an author (by the printed name, compared as
store.papers.author_key) or an account. ``followed_papers`` is the one query the For-you
page and the digests use to show what the followed people brought, with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select

from paperscope.store.database import Store
from paperscope.store.page_versions import bump_page_version
from paperscope.store.papers import author_key
from paperscope.store.schema import paper_authors, papers
from paperscope.store.schema_accounts import submissions
from paperscope.store.schema_people import authorship_claims, follows
from paperscope.store.upvotes import insert_ignoring_duplicates

KINDS = ("author", "user")
MAX_FOLLOWS = 1000  # per reader: bounds the digest and For-you queries
MAX_TARGET = 300  # characters of a stored key: the width of follows.target


class TooManyFollows(Exception):
    """The reader follows MAX_FOLLOWS people already."""


@dataclass(frozen=True, slots=True)
class Follow:
    kind: str  # author | user
    target: str  # author key, or the account's user id as text
    label: str  # the author's name or the username, as shown
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FollowedPaper:
    paper_id: str
    follow: Follow  # the first follow that brought it
    how: str  # "author" (by that author), "submitted" or "authored" (by that account)

    @property
    def reason(self) -> str:
        return f"Because you follow {self.follow.label}"


def target_of(kind: str, name_or_id: str | int) -> str:
    """The stored key of a follow: an author's key, or a user id as text."""
    return author_key(str(name_or_id)) if kind == "author" else str(name_or_id)


def follow(
    *, store: Store, user_id: int, kind: str, target: str, label: str, now: datetime
) -> bool:
    """Start following (idempotent); True when it is new."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    with store.write() as conn:
        count = conn.scalar(
            select(func.count()).select_from(follows).where(follows.c.user_id == user_id)
        )
        if int(count or 0) >= MAX_FOLLOWS:
            raise TooManyFollows(f"you follow {MAX_FOLLOWS} people already")
        added = insert_ignoring_duplicates(
            conn,
            follows,
            {"user_id": user_id, "kind": kind, "target": target, "label": label, "created_at": now},
        )
        if added:
            bump_page_version(conn, now=now)  # author pages show their follower count
        return added


def unfollow(*, store: Store, user_id: int, kind: str, target: str) -> bool:
    with store.write() as conn:
        removed = conn.execute(
            delete(follows).where(
                follows.c.user_id == user_id, follows.c.kind == kind, follows.c.target == target
            )
        ).rowcount
        if removed:
            bump_page_version(conn)
    return bool(removed)


def is_following(*, store: Store, user_id: int, kind: str, target: str) -> bool:
    with store.read() as conn:
        found = conn.scalar(
            select(follows.c.target).where(
                follows.c.user_id == user_id, follows.c.kind == kind, follows.c.target == target
            )
        )
    return found is not None


def follower_count(*, store: Store, kind: str, target: str) -> int:
    with store.read() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(follows)
                .where(follows.c.kind == kind, follows.c.target == target)
            )
            or 0
        )


def list_follows(*, store: Store, user_id: int) -> list[Follow]:
    with store.read() as conn:
        rows = conn.execute(
            select(follows)
            .where(follows.c.user_id == user_id)
            .order_by(follows.c.created_at, follows.c.kind, follows.c.target)
        )
        return [Follow(r.kind, r.target, r.label, r.created_at) for r in rows]


def followed_papers(
    *, store: Store, user_id: int, since: datetime, until: datetime, limit: int = 50
) -> list[FollowedPaper]:
    """Papers the reader's follows brought in (since, until], newest first: papers by a
    followed author or by a followed account (an approved claim) that entered the
    store in the window, and papers a followed account submitted in it."""
    wanted = list_follows(store=store, user_id=user_id)
    if not wanted:
        return []
    authors = {f.target: f for f in wanted if f.kind == "author"}
    accounts = {int(f.target): f for f in wanted if f.kind == "user"}
    found: list[tuple[datetime, str, Follow, str]] = []
    arrived = and_(papers.c.created_at > since, papers.c.created_at <= until)
    with store.read() as conn:
        if authors:
            rows = conn.execute(
                select(papers.c.paper_id, papers.c.created_at, paper_authors.c.name_key)
                .select_from(
                    papers.join(paper_authors, paper_authors.c.paper_id == papers.c.paper_id)
                )
                .where(arrived, paper_authors.c.name_key.in_(list(authors)))
                .order_by(papers.c.created_at.desc())
                .limit(limit * 2)
            )
            found += [(r.created_at, r.paper_id, authors[r.name_key], "author") for r in rows]
        if accounts:
            rows = conn.execute(
                select(submissions.c.paper_id, submissions.c.created_at, submissions.c.user_id)
                .where(
                    submissions.c.user_id.in_(list(accounts)),
                    submissions.c.created_at > since,
                    submissions.c.created_at <= until,
                )
                .order_by(submissions.c.created_at.desc())
                .limit(limit * 2)
            )
            found += [(r.created_at, r.paper_id, accounts[r.user_id], "submitted") for r in rows]
            rows = conn.execute(
                select(papers.c.paper_id, papers.c.created_at, authorship_claims.c.user_id)
                .select_from(
                    papers.join(
                        authorship_claims, authorship_claims.c.paper_id == papers.c.paper_id
                    )
                )
                .where(
                    arrived,
                    authorship_claims.c.status == "approved",
                    authorship_claims.c.user_id.in_(list(accounts)),
                )
                .order_by(papers.c.created_at.desc())
                .limit(limit * 2)
            )
            found += [(r.created_at, r.paper_id, accounts[r.user_id], "authored") for r in rows]
    found.sort(key=lambda t: (t[0], t[1]), reverse=True)
    out: dict[str, FollowedPaper] = {}
    for _, paper_id, by, how in found:
        if paper_id not in out:
            out[paper_id] = FollowedPaper(paper_id, by, how)
    return list(out.values())[:limit]
