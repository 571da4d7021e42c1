"""Trending: what the community is paying attention to now.

    score(paper) = Σ over its activity e:  weight(e.kind) × count(e) × 2^(−age(e) / half_life)

Activity is local upvotes (weight 1), library saves (2: saving costs more thought than
a click), submissions to the daily feed (3), and the upvotes a paper arrived with from
Hugging Face (1 each, dated to noon of its feed day). Only activity inside the window
counts (day: 24 h, week: 7 d, month: 30 d), and the half-life scales with the window
(6 h, 2 d, 7 d) so "today" favours the last hours while "this month" remembers the
whole month. Ties go to the newer paper (higher id). One implementation: pages, API and
digests all call rank_trending."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from paperscope.store import Store
from paperscope.store.activity import ActivityRow, activity_since
from paperscope.store.paper_categories import only_in_category

Window = Literal["day", "week", "month"]
WINDOWS: tuple[Window, ...] = ("day", "week", "month")

WEIGHTS: dict[str, float] = {"upvote": 1.0, "external": 1.0, "save": 2.0, "submit": 3.0}
WINDOW_LENGTH: dict[str, timedelta] = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
}
HALF_LIFE: dict[str, timedelta] = {
    "day": timedelta(hours=6),
    "week": timedelta(days=2),
    "month": timedelta(days=7),
}


@dataclass(frozen=True, slots=True)
class Trending:
    paper_id: str
    score: float


def decay(age: timedelta, half_life: timedelta) -> float:
    """2^(−age/half_life); activity from the future (clock skew) counts as now."""
    hours = max(age.total_seconds(), 0.0) / 3600.0
    return float(0.5 ** (hours / (half_life.total_seconds() / 3600.0)))


def trending_score(events: Iterable[ActivityRow], *, now: datetime, half_life: timedelta) -> float:
    """The decayed, weighted sum of one paper's activity."""
    return sum(WEIGHTS.get(e.kind, 0.0) * e.count * decay(now - e.at, half_life) for e in events)


def score_activity(rows: Iterable[ActivityRow], *, now: datetime, window: Window) -> list[Trending]:
    """Scores of every paper with activity in ``rows``, best first."""
    by_paper: dict[str, list[ActivityRow]] = defaultdict(list)
    start = now - WINDOW_LENGTH[window]
    for row in rows:
        if start <= row.at:
            by_paper[row.paper_id].append(row)
    scored = [
        Trending(pid, trending_score(evs, now=now, half_life=HALF_LIFE[window]))
        for pid, evs in by_paper.items()
    ]
    scored = [t for t in scored if t.score > 0]
    # Two stable sorts: by id descending, then by score, so ties list newer ids first.
    scored.sort(key=lambda t: t.paper_id, reverse=True)
    scored.sort(key=lambda t: t.score, reverse=True)
    return scored


def rank_trending(
    *,
    store: Store,
    window: Window,
    now: datetime,
    paper_ids: Sequence[str] | None = None,
) -> list[Trending]:
    """Trending papers for ``window`` ending at ``now`` (optionally only among
    ``paper_ids``), best first. Reads only the window's activity rows."""
    rows = activity_since(store=store, since=now - WINDOW_LENGTH[window], paper_ids=paper_ids)
    return score_activity(rows, now=now, window=window)


def in_category(ranked: Sequence[Trending], *, store: Store, category: str) -> list[Trending]:
    """The papers of ``ranked`` in ``category`` (a category or whole archive, as the
    trending page narrows), in their order: one ranking serves every category."""
    ids = [t.paper_id for t in ranked]
    kept = set(only_in_category(store=store, paper_ids=ids, category=category))
    return [t for t in ranked if t.paper_id in kept]
