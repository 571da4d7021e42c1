"""Upvotes on comments: one per account and comment, with the comment's counter moved
in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, delete, select, update

from paperscope.store.chunks import found_ids
from paperscope.store.database import Store
from paperscope.store.discussions import CommentNotFound, check_not_banned
from paperscope.store.page_versions import bump_page_version
from paperscope.store.schema_discussions import comment_votes, comments
from paperscope.store.upvotes import insert_ignoring_duplicates


def _vote_count(conn: Connection, comment_id: int) -> int:
    return int(
        conn.scalar(select(comments.c.upvotes).where(comments.c.comment_id == comment_id)) or 0
    )


def _votable(conn: Connection, comment_id: int, user_id: int) -> None:
    check_not_banned(conn, user_id)
    state = conn.execute(
        select(comments.c.deleted_at, comments.c.hidden_at).where(
            comments.c.comment_id == comment_id
        )
    ).first()
    if state is None or state.deleted_at is not None or state.hidden_at is not None:
        raise CommentNotFound(f"There is no comment {comment_id} to upvote.")


def set_comment_vote(
    *, store: Store, comment_id: int, user_id: int, upvoted: bool | None, now: datetime
) -> tuple[bool, int]:
    """Make the account's upvote exist (True), not exist (False) or flip it (None);
    returns (upvoted now, the comment's count). The counter moves in the same
    transaction and only when a vote row really appeared or went, so concurrent
    clicks count exactly (the comment row lock serialises them on PostgreSQL)."""
    with store.write() as conn:
        # The paper page shows this: cached copies must go.
        bump_page_version(conn)
        _votable(conn, comment_id, user_id)
        mine = and_(comment_votes.c.comment_id == comment_id, comment_votes.c.user_id == user_id)
        removed = 0
        if upvoted is not True:
            removed = conn.execute(delete(comment_votes).where(mine)).rowcount
        added = False
        if upvoted is True or (upvoted is None and not removed):
            added = insert_ignoring_duplicates(
                conn,
                comment_votes,
                {"comment_id": comment_id, "user_id": user_id, "created_at": now},
            )
        delta = int(added) - int(removed)
        if delta:
            conn.execute(
                update(comments)
                .where(comments.c.comment_id == comment_id)
                .values(upvotes=comments.c.upvotes + delta)
            )
        now_up = upvoted if upvoted is not None else not removed
        return now_up, _vote_count(conn, comment_id)


def voted_by(*, store: Store, user_id: int, comment_ids: Sequence[int]) -> set[int]:
    """Which of ``comment_ids`` the user has upvoted."""
    return found_ids(
        store=store,
        column=comment_votes.c.comment_id,
        ids=comment_ids,
        where=comment_votes.c.user_id == user_id,
    )
