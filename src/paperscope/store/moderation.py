"""Moderation: administrators, reports on comments, hiding comments and banning
accounts. A ban ends the account's sessions in the same transaction; the checks that
refuse a banned account's posts and votes live where those are written
(store/discussions.py), and sign-in refuses it (web/auth.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, update

from paperscope.models import User
from paperscope.store.accounts import find_user
from paperscope.store.database import Store
from paperscope.store.discussions import (
    Comment,
    CommentNotFound,
    check_not_banned,
    load_comment,
)
from paperscope.store.page_versions import bump_page_version
from paperscope.store.schema_accounts import sessions, users
from paperscope.store.schema_discussions import account_bans, comment_reports, comments
from paperscope.store.upvotes import insert_ignoring_duplicates

MAX_REASON_CHARS = 200


class ReportRefused(ValueError):
    """A report that cannot be taken (empty reason, the reporter's own comment);
    ``field`` names what was refused: the ``reason`` or the ``comment_id``."""

    def __init__(self, message: str, field: str = "reason") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Report:
    username: str
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReportedComment:
    comment: Comment
    reports: tuple[Report, ...]


@dataclass(frozen=True, slots=True)
class Ban:
    user_id: int
    username: str
    reason: str
    banned_at: datetime


def set_admin(*, store: Store, username: str, is_admin: bool) -> User | None:
    """Make an account an administrator (or not); None when there is no such account."""
    found = find_user(store=store, username=username)
    if found is None:
        return None
    user = found[0]
    with store.write() as conn:
        conn.execute(update(users).where(users.c.user_id == user.user_id).values(is_admin=is_admin))
    return User(user.user_id, user.username, user.email, is_admin, user.created_at)


# ---------------------------------------------------------------- bans


def ban_user(*, store: Store, user_id: int, banned_by: int, reason: str, now: datetime) -> bool:
    """Ban an account and end all its sessions; False when it was banned already."""
    with store.write() as conn:
        # The paper page shows this: cached copies must go.
        bump_page_version(conn)
        added = insert_ignoring_duplicates(
            conn,
            account_bans,
            {
                "user_id": user_id,
                "banned_by": banned_by,
                "reason": reason.strip()[:MAX_REASON_CHARS],
                "banned_at": now,
            },
        )
        conn.execute(delete(sessions).where(sessions.c.user_id == user_id))
    return added


def unban_user(*, store: Store, user_id: int) -> bool:
    with store.write() as conn:
        # The paper page shows this: cached copies must go.
        bump_page_version(conn)
        return bool(
            conn.execute(delete(account_bans).where(account_bans.c.user_id == user_id)).rowcount
        )


def is_banned(*, store: Store, user_id: int) -> bool:
    with store.read() as conn:
        return (
            conn.scalar(select(account_bans.c.user_id).where(account_bans.c.user_id == user_id))
            is not None
        )


def list_bans(*, store: Store) -> list[Ban]:
    with store.read() as conn:
        rows = conn.execute(
            select(account_bans, users.c.username)
            .join(users, users.c.user_id == account_bans.c.user_id)
            .order_by(account_bans.c.banned_at.desc())
        )
        return [Ban(r.user_id, r.username, r.reason, r.banned_at) for r in rows]


# ---------------------------------------------------------------- reports and hiding


def report_comment(
    *, store: Store, comment_id: int, user_id: int, reason: str, now: datetime
) -> bool:
    """Report a comment to the administrators; False when this account already did."""
    text = " ".join(reason.split())
    if not text:
        raise ReportRefused("Say in a few words what is wrong with the comment.")
    if len(text) > MAX_REASON_CHARS:
        raise ReportRefused(f"Keep the reason under {MAX_REASON_CHARS} characters.")
    with store.write() as conn:
        check_not_banned(conn, user_id)
        found = load_comment(conn, comment_id)
        if found is None or found.deleted_at is not None:
            raise CommentNotFound(f"There is no comment {comment_id} to report.")
        if found.user_id == user_id:
            raise ReportRefused(
                "You cannot report your own comment; edit or delete it instead.", "comment_id"
            )
        return insert_ignoring_duplicates(
            conn,
            comment_reports,
            {"comment_id": comment_id, "user_id": user_id, "reason": text, "created_at": now},
        )


def set_hidden(*, store: Store, comment_id: int, hidden: bool, by: int, now: datetime) -> Comment:
    """Hide a comment from everyone but administrators (or show it again). Hiding
    settles the reports waiting on it."""
    with store.write() as conn:
        # The paper page shows this: cached copies must go.
        bump_page_version(conn)
        if load_comment(conn, comment_id) is None:
            raise CommentNotFound(f"There is no comment {comment_id}.")
        values = (
            {"hidden_at": now, "hidden_by": by}
            if hidden
            else {"hidden_at": None, "hidden_by": None}
        )
        conn.execute(update(comments).where(comments.c.comment_id == comment_id).values(values))
        if hidden:
            _resolve(conn, comment_id, now)
        changed = load_comment(conn, comment_id)
    assert changed is not None
    return changed


def dismiss_reports(*, store: Store, comment_id: int, now: datetime) -> int:
    """Settle a comment's open reports without hiding it; returns how many."""
    with store.write() as conn:
        if load_comment(conn, comment_id) is None:
            raise CommentNotFound(f"There is no comment {comment_id}.")
        return _resolve(conn, comment_id, now)


def _resolve(conn: Connection, comment_id: int, now: datetime) -> int:
    return int(
        conn.execute(
            update(comment_reports)
            .where(
                comment_reports.c.comment_id == comment_id, comment_reports.c.resolved_at.is_(None)
            )
            .values(resolved_at=now)
        ).rowcount
    )


def moderation_queue(*, store: Store, limit: int = 100) -> list[ReportedComment]:
    """Comments with open reports, most reported first, each with its open reports."""
    open_reports = comment_reports.c.resolved_at.is_(None)
    with store.read() as conn:
        ranked = conn.execute(
            select(comment_reports.c.comment_id, func.count().label("n"))
            .where(open_reports)
            .group_by(comment_reports.c.comment_id)
            .order_by(func.count().desc(), comment_reports.c.comment_id)
            .limit(limit)
        ).all()
        ids = [r.comment_id for r in ranked]
        reports: dict[int, list[Report]] = {}
        rows = conn.execute(
            select(comment_reports, users.c.username)
            .join(users, users.c.user_id == comment_reports.c.user_id)
            .where(open_reports, comment_reports.c.comment_id.in_(ids))
            .order_by(comment_reports.c.created_at)
        )
        for r in rows:
            reports.setdefault(r.comment_id, []).append(Report(r.username, r.reason, r.created_at))
        out = []
        for comment_id in ids:
            comment = load_comment(conn, comment_id)
            if comment is not None:
                out.append(ReportedComment(comment, tuple(reports.get(comment_id, ()))))
    return out


def open_report_count(*, store: Store, comment_ids: Sequence[int] = ()) -> int:
    with store.read() as conn:
        q = (
            select(func.count())
            .select_from(comment_reports)
            .where(comment_reports.c.resolved_at.is_(None))
        )
        if comment_ids:
            q = q.where(comment_reports.c.comment_id.in_(list(comment_ids)))
        return int(conn.scalar(q) or 0)
