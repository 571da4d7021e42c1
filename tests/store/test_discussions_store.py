"""Discussions in the store, on SQLite and PostgreSQL: threads and their order, the
life of a comment (edit, delete, hide), votes, limits, bans, reports, counts, and the
author badge computed from a set of claimants given directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_session, create_user, user_for_session
from paperscope.store.comment_votes import set_comment_vote, voted_by
from paperscope.store.discussions import (
    AccountBanned,
    BodyLimits,
    CommentNotFound,
    CommentRefused,
    NotYourComment,
    RateLimited,
    author_participating,
    delete_comment,
    edit_comment,
    get_comment,
    is_paper_author,
    list_threads,
    post_comment,
    thread_position,
    visible_comment_counts,
)
from paperscope.store.moderation import (
    ReportRefused,
    ban_user,
    dismiss_reports,
    moderation_queue,
    report_comment,
    set_admin,
    set_hidden,
    unban_user,
)
from paperscope.store.paper_links import comment_counts
from paperscope.store.papers import get_papers, upsert_papers

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
LIMITS = BodyLimits(max_chars=1000, per_hour=100)


@pytest.fixture
def ready(any_store: Store) -> tuple[Store, int, int]:
    upsert_papers(
        store=any_store,
        papers_in=[
            Paper(paper_id="2401.00001", title="A", source="text", source_comments=3),
            Paper(paper_id="hep-th/9901001", title="B", source="text"),
        ],
    )
    a = create_user(store=any_store, username="ann", email=None, password_hash=None, now=T0)
    b = create_user(store=any_store, username="ben", email=None, password_hash=None, now=T0)
    return any_store, a.user_id, b.user_id


def _post(
    store: Store,
    user: int,
    body: str,
    parent: int | None = None,
    minutes: int = 0,
    paper: str = "2401.00001",
) -> int:
    return post_comment(
        store=store,
        paper_id=paper,
        user_id=user,
        body=body,
        parent_id=parent,
        limits=LIMITS,
        now=T0 + timedelta(minutes=minutes),
    ).comment_id


def test_threads_orders_and_pages(ready: tuple[Store, int, int]) -> None:
    store, ann, ben = ready
    first = _post(store, ann, "first", minutes=1)
    second = _post(store, ben, "second", minutes=2)
    r1 = _post(store, ben, "reply late", parent=first, minutes=5)
    r0 = _post(store, ben, "reply early", parent=first, minutes=3)
    deep = _post(store, ann, "deep", parent=r0, minutes=6)
    newest = list_threads(store=store, paper_id="2401.00001", order="newest")
    assert [t.comment.comment_id for t in newest.threads] == [second, first]
    replies = newest.threads[1].replies
    assert [n.comment.comment_id for n in replies] == [r0, r1]  # oldest first under a thread
    assert (
        replies[0].replies[0].comment.comment_id == deep
        and replies[0].replies[0].comment.depth == 2
    )
    assert sorted(newest.comment_ids) == sorted([first, second, r0, r1, deep])
    oldest = list_threads(store=store, paper_id="2401.00001", order="oldest", limit=1)
    assert [t.comment.comment_id for t in oldest.threads] == [first] and oldest.total_threads == 2
    page2 = list_threads(store=store, paper_id="2401.00001", order="oldest", limit=1, page=2)
    assert [t.comment.comment_id for t in page2.threads] == [second]
    set_comment_vote(store=store, comment_id=r1, user_id=ann, upvoted=True, now=T0)
    set_comment_vote(store=store, comment_id=second, user_id=ann, upvoted=True, now=T0)
    top = list_threads(store=store, paper_id="2401.00001", order="top")
    assert top.threads[0].comment.comment_id == second
    assert [n.comment.comment_id for n in top.threads[1].replies] == [r1, r0]
    old = _post(store, ann, "slash id", paper="hep-th/9901001")
    assert list_threads(store=store, paper_id="hep-th/9901001").threads[0].comment.comment_id == old


def test_thread_position_matches_the_listed_pages(ready: tuple[Store, int, int]) -> None:
    """Where a comment's thread stands, for links that open the page showing it."""
    store, ann, ben = ready
    same_time = [_post(store, ann, f"thread {i}", minutes=10) for i in range(3)]
    roots = [_post(store, ben, f"later {i}", minutes=20 + i) for i in range(3)] + same_time
    reply = _post(store, ann, "a reply", parent=same_time[0], minutes=40)
    gone = _post(store, ben, "withdrawn", minutes=50)
    delete_comment(store=store, comment_id=gone, user_id=ben, now=T0)
    set_comment_vote(store=store, comment_id=same_time[2], user_id=ben, upvoted=True, now=T0)
    for order in ("newest", "oldest", "top"):
        listed = list_threads(store=store, paper_id="2401.00001", order=order, limit=100)
        ids = [t.comment.comment_id for t in listed.threads]
        assert sorted(ids) == sorted(roots)
        for comment_id in roots:
            found = thread_position(store=store, comment_id=comment_id, order=order)
            assert found == ("2401.00001", ids.index(comment_id)), (order, comment_id)
        # a reply stands where its thread does
        where = thread_position(store=store, comment_id=reply, order=order)
        assert where == ("2401.00001", ids.index(same_time[0]))
    assert thread_position(store=store, comment_id=gone) is None  # nothing left to show
    assert thread_position(store=store, comment_id=10_000) is None


def test_bidirectional_overrides_are_dropped(ready: tuple[Store, int, int]) -> None:
    """An override shows letters in another order than written ("evil" as "live")."""
    store, ann, _ben = ready
    made = _post(store, ann, "say \u202eevil\u202c or \u202dlive\u202c, مرحبا")
    assert get_comment(store=store, comment_id=made).body == "say evil or live, مرحبا"


def test_edit_delete_and_placeholders(ready: tuple[Store, int, int]) -> None:
    store, ann, ben = ready
    top = _post(store, ann, "top")
    reply = _post(store, ben, "reply", parent=top)
    with pytest.raises(NotYourComment):
        edit_comment(store=store, comment_id=top, user_id=ben, body="x", max_chars=100, now=T0)
    with pytest.raises(NotYourComment):
        delete_comment(store=store, comment_id=top, user_id=ben, now=T0)
    edited = edit_comment(
        store=store, comment_id=top, user_id=ann, body="new", max_chars=100, now=T0
    )
    assert edited.body == "new" and edited.edited_at == T0
    gone = delete_comment(store=store, comment_id=top, user_id=ann, now=T0)
    assert gone.state == "deleted" and gone.body == ""
    threads = list_threads(store=store, paper_id="2401.00001").threads
    assert (
        threads[0].comment.state == "deleted" and threads[0].replies[0].comment.comment_id == reply
    )
    with pytest.raises(CommentRefused):
        _post(store, ben, "to a deleted comment", parent=top)
    delete_comment(store=store, comment_id=reply, user_id=ben, now=T0)
    assert list_threads(store=store, paper_id="2401.00001").threads == []
    assert list_threads(store=store, paper_id="2401.00001").total_threads == 0
    with pytest.raises(CommentNotFound):
        edit_comment(store=store, comment_id=top, user_id=ann, body="back", max_chars=100, now=T0)


def test_bodies_are_checked(ready: tuple[Store, int, int]) -> None:
    store, ann, _ = ready
    for bad in ("", "  \n ", "\x00\x01"):
        with pytest.raises(CommentRefused, match="empty"):
            _post(store, ann, bad)
    with pytest.raises(CommentRefused, match="limit is 1,000"):
        _post(store, ann, "y" * 1001)
    cid = _post(store, ann, "a\x00b\r\nc")
    assert list_threads(store=store, paper_id="2401.00001").threads[0].comment.body == "ab\nc"
    with pytest.raises(CommentNotFound):
        _post(store, ann, "reply to nothing", parent=cid + 1000)
    with pytest.raises(CommentNotFound):
        _post(store, ann, "paper unknown", paper="2499.99999")
    parent = cid
    for _ in range(8):
        parent = _post(store, ann, "deeper", parent=parent)
    with pytest.raises(CommentRefused, match="at most 8 deep"):
        _post(store, ann, "too deep", parent=parent)


def test_hourly_limit(ready: tuple[Store, int, int]) -> None:
    store, ann, _ = ready
    limits = BodyLimits(max_chars=100, per_hour=3)
    for minute in range(3):
        post_comment(
            store=store,
            paper_id="2401.00001",
            user_id=ann,
            body="x",
            parent_id=None,
            limits=limits,
            now=T0 + timedelta(minutes=minute),
        )
    with pytest.raises(RateLimited) as refused:
        post_comment(
            store=store,
            paper_id="2401.00001",
            user_id=ann,
            body="x",
            parent_id=None,
            limits=limits,
            now=T0 + timedelta(minutes=10),
        )
    assert 0 < refused.value.retry_after_seconds <= 3600
    later = post_comment(
        store=store,
        paper_id="2401.00001",
        user_id=ann,
        body="x",
        parent_id=None,
        limits=limits,
        now=T0 + timedelta(minutes=61),
    )
    assert later.comment_id > 0


def test_votes_toggle_once_per_account(ready: tuple[Store, int, int]) -> None:
    store, ann, ben = ready
    cid = _post(store, ann, "vote me")
    assert set_comment_vote(store=store, comment_id=cid, user_id=ben, upvoted=True, now=T0) == (
        True,
        1,
    )
    assert set_comment_vote(store=store, comment_id=cid, user_id=ben, upvoted=True, now=T0) == (
        True,
        1,
    )
    assert set_comment_vote(store=store, comment_id=cid, user_id=ann, upvoted=None, now=T0) == (
        True,
        2,
    )
    assert set_comment_vote(store=store, comment_id=cid, user_id=ann, upvoted=None, now=T0) == (
        False,
        1,
    )
    assert set_comment_vote(store=store, comment_id=cid, user_id=ben, upvoted=False, now=T0) == (
        False,
        0,
    )
    with pytest.raises(CommentNotFound):
        set_comment_vote(store=store, comment_id=cid + 99, user_id=ben, upvoted=True, now=T0)
    # Which comments one account voted for, asked with more ids than one statement takes.
    other = _post(store, ben, "and me")
    set_comment_vote(store=store, comment_id=other, user_id=ben, upvoted=True, now=T0)
    set_comment_vote(store=store, comment_id=cid, user_id=ann, upvoted=True, now=T0)
    many = [*range(cid + 1000, cid + 3000), cid, other, cid]
    assert voted_by(store=store, user_id=ben, comment_ids=many) == {other}
    assert voted_by(store=store, user_id=ann, comment_ids=many) == {cid}
    assert voted_by(store=store, user_id=ann, comment_ids=[]) == set()


def test_bans_reports_and_hiding(ready: tuple[Store, int, int]) -> None:
    store, ann, ben = ready
    cid = _post(store, ann, "rude")
    with pytest.raises(ReportRefused):
        report_comment(store=store, comment_id=cid, user_id=ann, reason="mine", now=T0)
    with pytest.raises(ReportRefused):
        report_comment(store=store, comment_id=cid, user_id=ben, reason="   ", now=T0)
    assert report_comment(store=store, comment_id=cid, user_id=ben, reason="rude", now=T0)
    assert not report_comment(store=store, comment_id=cid, user_id=ben, reason="again", now=T0)
    queue = moderation_queue(store=store)
    assert [(q.comment.comment_id, [r.reason for r in q.reports]) for q in queue] == [
        (cid, ["rude"])
    ]
    assert dismiss_reports(store=store, comment_id=cid, now=T0) == 1
    assert moderation_queue(store=store) == []
    report_comment(store=store, comment_id=cid, user_id=ben, reason="x", now=T0)  # once only
    assert moderation_queue(store=store) == []

    hidden = set_hidden(store=store, comment_id=cid, hidden=True, by=ben, now=T0)
    assert hidden.state == "hidden"
    assert visible_comment_counts(store=store, paper_ids=["2401.00001"]) == {}
    assert list_threads(store=store, paper_id="2401.00001").threads == []
    admin_view = list_threads(store=store, paper_id="2401.00001", include_hidden=True)
    assert admin_view.threads[0].comment.state == "hidden"
    set_hidden(store=store, comment_id=cid, hidden=False, by=ben, now=T0)
    assert visible_comment_counts(store=store, paper_ids=["2401.00001"]) == {"2401.00001": 1}

    create_session(
        store=store, user_id=ann, session_hash="h" * 64, now=T0, lifetime=timedelta(days=1)
    )
    assert ban_user(store=store, user_id=ann, banned_by=ben, reason="spam", now=T0)
    assert not ban_user(store=store, user_id=ann, banned_by=ben, reason="spam", now=T0)
    assert user_for_session(store=store, session_hash="h" * 64, now=T0) is None
    with pytest.raises(AccountBanned):
        _post(store, ann, "still here")
    with pytest.raises(AccountBanned):
        set_comment_vote(store=store, comment_id=cid, user_id=ann, upvoted=True, now=T0)
    with pytest.raises(AccountBanned):
        edit_comment(store=store, comment_id=cid, user_id=ann, body="z", max_chars=10, now=T0)
    assert unban_user(store=store, user_id=ann)
    assert _post(store, ann, "back") > cid
    assert set_admin(store=store, username="BEN", is_admin=True).is_admin  # type: ignore[union-attr]
    assert set_admin(store=store, username="nobody", is_admin=True) is None


def test_counts_and_author_badges(ready: tuple[Store, int, int]) -> None:
    store, ann, ben = ready
    by_ann = _post(store, ann, "I wrote this paper")
    _post(store, ben, "reader")
    papers = get_papers(store=store, paper_ids=["2401.00001", "hep-th/9901001"])
    assert comment_counts(store, papers) == {
        "2401.00001": 3 + 2,  # the source site's count plus the visible local ones
        "hep-th/9901001": 0,
    }
    claimants = {"2401.00001": frozenset({ann}), "hep-th/9901001": frozenset({ann})}
    comments_ = {
        n.comment.user_id: n.comment
        for n in list_threads(store=store, paper_id="2401.00001").threads
    }
    assert is_paper_author(comments_[ann], claimants) and not is_paper_author(
        comments_[ben], claimants
    )
    assert author_participating(store=store, claimants=claimants) == {"2401.00001"}
    delete_comment(store=store, comment_id=by_ann, user_id=ann, now=T0)
    assert author_participating(store=store, claimants=claimants) == set()
    assert author_participating(store=store, claimants={}) == set()
