"""Trending: the pure score (decay, weights, window) and the store query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from paperscope.models import Paper
from paperscope.rank.trending import HALF_LIFE, decay, rank_trending, score_activity, trending_score
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.activity import ActivityRow
from paperscope.store.library import save_paper
from paperscope.store.papers import upsert_papers
from paperscope.store.upvotes import set_upvote

NOW = datetime(2024, 10, 25, 18, tzinfo=UTC)


def test_decay_halves_every_half_life() -> None:
    assert decay(timedelta(0), timedelta(hours=6)) == 1.0
    assert decay(timedelta(hours=6), timedelta(hours=6)) == pytest.approx(0.5)
    assert decay(timedelta(hours=18), timedelta(hours=6)) == pytest.approx(0.125)
    assert decay(timedelta(hours=-1), timedelta(hours=6)) == 1.0  # clock skew counts as now


def test_score_weights_kinds_and_counts() -> None:
    half = HALF_LIFE["day"]
    rows = [
        ActivityRow("a", "upvote", NOW),
        ActivityRow("a", "save", NOW),
        ActivityRow("a", "submit", NOW - half),
        ActivityRow("a", "external", NOW, count=10),
    ]
    assert trending_score(rows, now=NOW, half_life=half) == pytest.approx(1 + 2 + 3 * 0.5 + 10)


def test_recent_beats_old_and_window_cuts_off() -> None:
    rows = [
        *[ActivityRow("old", "upvote", NOW - timedelta(hours=20)) for _ in range(8)],
        *[ActivityRow("new", "upvote", NOW - timedelta(hours=1)) for _ in range(3)],
        *[ActivityRow("ancient", "upvote", NOW - timedelta(days=2)) for _ in range(100)],
    ]
    day = [t.paper_id for t in score_activity(rows, now=NOW, window="day")]
    assert day == ["new", "old"]  # 3 × 0.89 > 8 × 0.10; "ancient" is outside the day
    month = [t.paper_id for t in score_activity(rows, now=NOW, window="month")]
    assert month[0] == "ancient"


def test_ties_list_newer_ids_first() -> None:
    rows = [ActivityRow("2410.00001", "upvote", NOW), ActivityRow("2410.00002", "upvote", NOW)]
    assert [t.paper_id for t in score_activity(rows, now=NOW, window="day")] == [
        "2410.00002",
        "2410.00001",
    ]


def test_rank_trending_reads_activity_from_the_store(any_store: Store) -> None:
    upsert_papers(
        store=any_store,
        papers_in=[
            Paper(paper_id="2410.00001", title="Quiet", source="text"),
            Paper(paper_id="2410.00002", title="Saved", source="text"),
            Paper(
                paper_id="2410.00003",
                title="HF",
                source="hf-daily",
                external_upvotes=4,
                feed_date=date(2024, 10, 25),
            ),
        ],
    )
    users = [
        create_user(
            store=any_store, username=f"u{i}", email=None, password_hash=None, now=NOW
        ).user_id
        for i in range(3)
    ]
    for u in users:
        set_upvote(
            store=any_store,
            user_id=u,
            paper_id="2410.00001",
            upvoted=True,
            now=NOW - timedelta(days=3),
        )
    save_paper(
        store=any_store, user_id=users[0], paper_id="2410.00002", now=NOW - timedelta(hours=1)
    )
    week = rank_trending(store=any_store, window="week", now=NOW)
    assert [t.paper_id for t in week] == ["2410.00003", "2410.00002", "2410.00001"]
    day = rank_trending(store=any_store, window="day", now=NOW)
    assert [t.paper_id for t in day] == ["2410.00003", "2410.00002"]  # 3-day-old upvotes are out
    only = rank_trending(store=any_store, window="week", now=NOW, paper_ids=["2410.00001"])
    assert [t.paper_id for t in only] == ["2410.00001"]
    assert only[0].score == pytest.approx(3 * decay(timedelta(days=3), HALF_LIFE["week"]))
