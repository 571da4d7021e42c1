"""Discussions on papers: threaded comments, the per-paper count of visible comments,
and which papers their authors take part in (upvotes on comments: comment_votes.py).

A comment is *visible* unless its author deleted it or an administrator hid it. A
deleted or hidden comment that still has replies stays in its thread as a placeholder
("[deleted]"), so the conversation under it keeps its shape. Posting checks, in the same
transaction as the insert, that the account is not banned and is under its hourly limit,
so neither can be raced past by sending many requests at once."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from paperscope.store.chunks import chunks
from paperscope.store.claims import approved_claimants
from paperscope.store.database import Store
from paperscope.store.page_versions import bump_page_version
from paperscope.store.papers import resolve_paper_id
from paperscope.store.schema import papers
from paperscope.store.schema_accounts import users
from paperscope.store.schema_discussions import (
    account_bans,
    comment_votes,
    comments,
    discussion_prefs,
)
from paperscope.store.upvotes import insert_ignoring_duplicates
from paperscope.typed_text import without_hidden

Order = Literal["newest", "oldest", "top"]
ORDERS: tuple[Order, ...] = ("newest", "oldest", "top")
# Deeper replies would be unreadable on a phone; the form offers replying higher up.
MAX_DEPTH = 8


class DiscussionError(Exception):
    """A refusal meant for the user; the message says what was wrong."""


class CommentRefused(DiscussionError):
    """The comment itself is not acceptable (empty, too long, bad parent); ``field``
    names what was refused: the ``body``, or the ``parent_id`` of a reply."""

    def __init__(self, message: str, field: str = "body") -> None:
        super().__init__(message)
        self.field = field


class CommentNotFound(DiscussionError):
    """No such comment (or, for a reply, no such parent on this paper)."""


class NotYourComment(DiscussionError):
    """Only a comment's author may edit or delete it."""


class AccountBanned(DiscussionError):
    """The account is banned from taking part."""


class RateLimited(DiscussionError):
    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True, slots=True)
class Comment:
    comment_id: int
    paper_id: str
    user_id: int
    username: str
    parent_id: int | None
    root_id: int | None
    depth: int
    body: str
    upvotes: int
    created_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    hidden_at: datetime | None = None

    @property
    def state(self) -> Literal["visible", "deleted", "hidden"]:
        """visible | deleted | hidden (deleted wins: its body is gone)."""
        if self.deleted_at is not None:
            return "deleted"
        return "hidden" if self.hidden_at is not None else "visible"


@dataclass(frozen=True, slots=True)
class ThreadNode:
    comment: Comment
    replies: tuple[ThreadNode, ...] = ()


@dataclass(frozen=True, slots=True)
class ThreadPage:
    paper_id: str
    threads: list[ThreadNode]
    total_threads: int
    comment_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BodyLimits:
    max_chars: int
    per_hour: int


def normalise_body(body: str, *, max_chars: int) -> str:
    """The text as stored: control characters dropped, line ends unified, outer blank
    space trimmed. Raises CommentRefused for an empty or too long body."""
    text = without_hidden(body.replace("\r\n", "\n")).strip()
    if not text:
        raise CommentRefused("The comment is empty. Write something before posting.")
    if len(text) > max_chars:
        raise CommentRefused(
            f"The comment is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Shorten it or split it in two."
        )
    return text


_COLUMNS = (
    comments.c.comment_id,
    comments.c.paper_id,
    comments.c.user_id,
    users.c.username,
    comments.c.parent_id,
    comments.c.root_id,
    comments.c.depth,
    comments.c.body,
    comments.c.upvotes,
    comments.c.created_at,
    comments.c.edited_at,
    comments.c.deleted_at,
    comments.c.hidden_at,
)


def _comment(row: Any) -> Comment:
    return Comment(**{c.name: getattr(row, c.name) for c in _COLUMNS})


def _select() -> Any:
    return select(*_COLUMNS).join(users, users.c.user_id == comments.c.user_id)


def load_comment(conn: Connection, comment_id: int) -> Comment | None:
    row = conn.execute(_select().where(comments.c.comment_id == comment_id)).first()
    return _comment(row) if row else None


def get_comment(*, store: Store, comment_id: int) -> Comment | None:
    with store.read() as conn:
        return load_comment(conn, comment_id)


def check_not_banned(conn: Connection, user_id: int) -> None:
    banned = conn.scalar(select(account_bans.c.user_id).where(account_bans.c.user_id == user_id))
    if banned is not None:
        raise AccountBanned("This account is banned from discussions.")


def _lock_user(conn: Connection, user_id: int) -> None:
    """Serialise one account's posts on PostgreSQL (SQLite has one writer anyway), so
    the hourly count cannot be raced past."""
    q = select(users.c.user_id).where(users.c.user_id == user_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    conn.execute(q)


def _check_rate(conn: Connection, user_id: int, per_hour: int, now: datetime) -> None:
    since = now - timedelta(hours=1)
    recent = conn.execute(
        select(func.count(), func.min(comments.c.created_at)).where(
            comments.c.user_id == user_id, comments.c.created_at > since
        )
    ).one()
    if recent[0] >= per_hour:
        wait = max(1, int((recent[1] + timedelta(hours=1) - now).total_seconds()) + 1)
        raise RateLimited(
            f"You have posted {recent[0]} comments in the last hour, the most allowed. "
            f"Try again in {max(1, wait // 60)} minute(s).",
            wait,
        )


def _parent_fields(conn: Connection, paper_id: str, parent_id: int) -> dict[str, Any]:
    parent = load_comment(conn, parent_id)
    if parent is None or parent.paper_id != paper_id:
        raise CommentNotFound(f"There is no comment {parent_id} on this paper to reply to.")
    if parent.state != "visible":
        raise CommentRefused(
            f"Comment {parent_id} was {parent.state}; it takes no more replies.", "parent_id"
        )
    if parent.depth + 1 > MAX_DEPTH:
        raise CommentRefused(
            f"Replies nest at most {MAX_DEPTH} deep; reply to a comment higher up the thread.",
            "parent_id",
        )
    return {
        "parent_id": parent.comment_id,
        "root_id": parent.root_id or parent.comment_id,
        "depth": parent.depth + 1,
    }


def post_comment(
    *,
    store: Store,
    paper_id: str,
    user_id: int,
    body: str,
    parent_id: int | None,
    limits: BodyLimits,
    now: datetime,
) -> Comment:
    """Add a comment (a reply when ``parent_id`` is given). Raises CommentRefused,
    CommentNotFound, AccountBanned or RateLimited, each with a message for the user."""
    text = normalise_body(body, max_chars=limits.max_chars)
    key = resolve_paper_id(paper_id)
    with store.write() as conn:
        # The paper page shows this: cached copies must go.
        bump_page_version(conn)
        _lock_user(conn, user_id)
        check_not_banned(conn, user_id)
        if conn.scalar(select(papers.c.paper_id).where(papers.c.paper_id == key)) is None:
            raise CommentNotFound(f"No paper {paper_id!r} here.")
        _check_rate(conn, user_id, limits.per_hour, now)
        values: dict[str, Any] = {"parent_id": None, "root_id": None, "depth": 0}
        if parent_id is not None:
            values = _parent_fields(conn, key, parent_id)
        new_id = conn.execute(
            insert(comments)
            .values(paper_id=key, user_id=user_id, body=text, created_at=now, **values)
            .returning(comments.c.comment_id)
        ).scalar_one()
        created = load_comment(conn, new_id)
    assert created is not None
    return created


def _own(conn: Connection, comment_id: int, user_id: int) -> Comment:
    found = load_comment(conn, comment_id)
    if found is None or found.deleted_at is not None:
        raise CommentNotFound(f"There is no comment {comment_id}.")
    if found.user_id != user_id:
        raise NotYourComment("Only the author of a comment can change or delete it.")
    check_not_banned(conn, user_id)
    return found


def edit_comment(
    *, store: Store, comment_id: int, user_id: int, body: str, max_chars: int, now: datetime
) -> Comment:
    """Replace the author's text; the comment is marked edited."""
    text = normalise_body(body, max_chars=max_chars)
    with store.write() as conn:
        # The paper page shows this: cached copies must go.
        bump_page_version(conn)
        _own(conn, comment_id, user_id)
        conn.execute(
            update(comments)
            .where(comments.c.comment_id == comment_id)
            .values(body=text, edited_at=now)
        )
        changed = load_comment(conn, comment_id)
    assert changed is not None
    return changed


def delete_comment(*, store: Store, comment_id: int, user_id: int, now: datetime) -> Comment:
    """The author withdraws a comment: its text is erased for good; replies stay."""
    with store.write() as conn:
        # The paper page shows this: cached copies must go.
        bump_page_version(conn)
        _own(conn, comment_id, user_id)
        conn.execute(
            update(comments)
            .where(comments.c.comment_id == comment_id)
            .values(body="", deleted_at=now, upvotes=0)
        )
        conn.execute(delete(comment_votes).where(comment_votes.c.comment_id == comment_id))
        gone = load_comment(conn, comment_id)
    assert gone is not None
    return gone


# ---------------------------------------------------------------- threads


def _gone(table: Any, include_hidden: bool) -> ColumnElement[bool]:
    deleted: ColumnElement[bool] = table.c.deleted_at.is_not(None)
    if include_hidden:
        return deleted
    return or_(table.c.deleted_at.is_not(None), table.c.hidden_at.is_not(None))


def _roots_condition(paper_id: str, include_hidden: bool) -> ColumnElement[bool]:
    reply = aliased(comments)
    live_reply = exists().where(
        reply.c.root_id == comments.c.comment_id, ~_gone(reply, include_hidden)
    )
    return and_(
        comments.c.paper_id == paper_id,
        comments.c.parent_id.is_(None),
        or_(~_gone(comments, include_hidden), live_reply),
    )


def _root_order(order: Order) -> list[Any]:
    if order == "oldest":
        return [comments.c.created_at, comments.c.comment_id]
    if order == "top":
        return [comments.c.upvotes.desc(), comments.c.created_at.desc(), comments.c.comment_id]
    return [comments.c.created_at.desc(), comments.c.comment_id.desc()]


def list_threads(
    *,
    store: Store,
    paper_id: str,
    order: Order = "newest",
    page: int = 1,
    limit: int = 20,
    include_hidden: bool = False,
) -> ThreadPage:
    """One page of a paper's threads: top-level comments in ``order`` with all their
    replies (by votes under ``top``, else oldest first, as a conversation reads).
    ``include_hidden``: administrators see hidden comments (marked)."""
    key = resolve_paper_id(paper_id)
    where = _roots_condition(key, include_hidden)
    with store.read() as conn:
        total = int(conn.scalar(select(func.count()).select_from(comments).where(where)) or 0)
        roots = [
            _comment(r)
            for r in conn.execute(
                _select()
                .where(where)
                .order_by(*_root_order(order))
                .limit(limit)
                .offset((page - 1) * limit)
            )
        ]
        replies: list[Comment] = []
        root_ids = [c.comment_id for c in roots]
        for chunk in chunks(root_ids):
            rows = conn.execute(_select().where(comments.c.root_id.in_(chunk)))
            replies.extend(_comment(r) for r in rows)
    threads = _build_trees(roots, replies, order, include_hidden)
    ids: list[int] = []
    _collect_ids(threads, ids)
    return ThreadPage(paper_id=key, threads=threads, total_threads=total, comment_ids=ids)


def _before(root: Comment, order: Order) -> ColumnElement[bool]:
    """Roots listed ahead of ``root`` in ``order`` (the keys of ``_root_order``)."""
    at, key, votes = comments.c.created_at, comments.c.comment_id, comments.c.upvotes
    same_time = at == root.created_at
    if order == "oldest":
        return or_(at < root.created_at, and_(same_time, key < root.comment_id))
    if order == "newest":
        return or_(at > root.created_at, and_(same_time, key > root.comment_id))
    newer_first = or_(at > root.created_at, and_(same_time, key < root.comment_id))
    return or_(votes > root.upvotes, and_(votes == root.upvotes, newer_first))


def thread_position(
    *, store: Store, comment_id: int, order: Order = "newest", include_hidden: bool = False
) -> tuple[str, int] | None:
    """The paper of a comment and the 0-based place of its thread among the paper's
    threads in ``order`` (so a link to a comment can open the page that shows it);
    None for an unknown comment or one that no longer shows in any thread."""
    with store.read() as conn:
        found = load_comment(conn, comment_id)
        if found is None:
            return None
        root = load_comment(conn, found.root_id or found.comment_id)
        assert root is not None
        where = _roots_condition(root.paper_id, include_hidden)
        shown = select(comments.c.comment_id).where(where, comments.c.comment_id == root.comment_id)
        if conn.scalar(shown) is None:
            return None
        ahead = conn.scalar(
            select(func.count()).select_from(comments).where(where, _before(root, order))
        )
    return root.paper_id, int(ahead or 0)


def _build_trees(
    roots: Sequence[Comment], replies: Sequence[Comment], order: Order, include_hidden: bool
) -> list[ThreadNode]:
    children: dict[int, list[Comment]] = {}
    for reply in replies:
        if reply.parent_id is not None:
            children.setdefault(reply.parent_id, []).append(reply)

    def key(c: Comment) -> tuple[int, datetime, int]:
        return (-c.upvotes if order == "top" else 0, c.created_at, c.comment_id)

    def node(comment: Comment) -> ThreadNode | None:
        kids = [
            n
            for n in (node(k) for k in sorted(children.get(comment.comment_id, []), key=key))
            if n is not None
        ]
        gone = comment.state == "deleted" or (comment.state == "hidden" and not include_hidden)
        if gone and not kids:
            return None  # a withdrawn comment nobody answered leaves no trace
        return ThreadNode(comment=comment, replies=tuple(kids))

    return [n for n in (node(r) for r in roots) if n is not None]


def _collect_ids(nodes: Iterable[ThreadNode], out: list[int]) -> None:
    for n in nodes:
        out.append(n.comment.comment_id)
        _collect_ids(n.replies, out)


# ---------------------------------------------------------------- counts and authors


def visible_comment_counts(*, store: Store, paper_ids: Sequence[str]) -> dict[str, int]:
    """Visible local comments per paper (papers without any are left out)."""
    out: dict[str, int] = {}
    ids = list(dict.fromkeys(paper_ids))
    with store.read() as conn:
        for chunk in chunks(ids):
            rows = conn.execute(_visible_counts(), {"ids": chunk})
            out.update({paper_id: int(n) for paper_id, n in rows})
    return out


@functools.cache
def _visible_counts() -> Select[Any]:
    """Built once: every list of cards asks for its papers' comment counts."""
    ids: BindParameter[Any] = bindparam("ids", expanding=True)
    return (
        select(comments.c.paper_id, func.count())
        .where(
            comments.c.paper_id.in_(ids),
            comments.c.deleted_at.is_(None),
            comments.c.hidden_at.is_(None),
        )
        .group_by(comments.c.paper_id)
    )


@dataclass(frozen=True)
class AccountComment:
    """A comment as listed on its author's profile, with the paper it is about."""

    comment: Comment
    paper_title: str


def comments_by_user(
    *, store: Store, user_id: int, limit: int = 30
) -> tuple[list[AccountComment], int]:
    """An account's visible comments, newest first, and how many it has in all. Deleted
    and hidden ones stay off the profile, as they are off the paper page."""
    visible = and_(
        comments.c.user_id == user_id,
        comments.c.deleted_at.is_(None),
        comments.c.hidden_at.is_(None),
    )
    with store.read() as conn:
        total = int(conn.scalar(select(func.count()).select_from(comments).where(visible)) or 0)
        rows = conn.execute(
            _select()
            .add_columns(papers.c.title.label("paper_title"))
            .join(papers, papers.c.paper_id == comments.c.paper_id)
            .where(visible)
            .order_by(comments.c.created_at.desc(), comments.c.comment_id.desc())
            .limit(limit)
        )
        found = [AccountComment(comment=_comment(r), paper_title=r.paper_title) for r in rows]
    return found, total


def claimants_by_paper(*, store: Store, paper_ids: Sequence[str]) -> dict[str, frozenset[int]]:
    """The accounts with an approved authorship claim on each paper: the one place
    author claims enter discussions. Papers without claimants are left out."""
    found = approved_claimants(store=store, paper_ids=paper_ids)
    return {pid: frozenset(ids) for pid, ids in found.items() if ids}


def is_paper_author(comment: Comment, claimants: Mapping[str, Set[int]]) -> bool:
    """Whether the comment's author is a claimed author of the paper (the "author" badge)."""
    return comment.user_id in claimants.get(comment.paper_id, frozenset())


def author_participating(*, store: Store, claimants: Mapping[str, Set[int]]) -> set[str]:
    """Papers on which at least one of their claimed authors has a visible comment."""
    found: set[str] = set()
    with store.read() as conn:
        for paper_id, user_ids in claimants.items():
            if not user_ids:
                continue
            hit = conn.scalar(
                select(comments.c.comment_id)
                .where(
                    comments.c.paper_id == paper_id,
                    comments.c.user_id.in_(list(user_ids)),
                    comments.c.deleted_at.is_(None),
                    comments.c.hidden_at.is_(None),
                )
                .limit(1)
            )
            if hit is not None:
                found.add(paper_id)
    return found


# ---------------------------------------------------------------- reply mail preference


def reply_mail_enabled(*, store: Store, user_id: int) -> bool:
    """Whether the account wants a mail when someone replies to it (off by default)."""
    with store.read() as conn:
        value = conn.scalar(
            select(discussion_prefs.c.reply_mail).where(discussion_prefs.c.user_id == user_id)
        )
    return bool(value)


def set_reply_mail(*, store: Store, user_id: int, enabled: bool) -> None:
    with store.write() as conn:
        insert_ignoring_duplicates(
            conn, discussion_prefs, {"user_id": user_id, "reply_mail": enabled}
        )
        conn.execute(
            update(discussion_prefs)
            .where(discussion_prefs.c.user_id == user_id)
            .values(reply_mail=enabled)
        )
