"""What the people a reader follows brought lately, as labelled cards for the For-you
page: the same store query (store.follows.followed_papers) the digests use."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from paperscope.models import User
from paperscope.store import Store
from paperscope.store.follows import followed_papers
from paperscope.web.schemas import PaperCard
from paperscope.web.views import cards_for

# How far back each For-you window looks for followed papers ("all": a year).
WINDOW_DAYS = {"day": 1, "week": 7, "month": 31, "all": 365}
FOLLOWED_LIMIT = 30


class FollowedCard(PaperCard):
    reason: str = Field(description='"Because you follow <name>"')
    followed: str = Field(description="The author or account followed")
    followed_kind: str = Field(description="author or user")


def followed_cards(*, store: Store, user: User, window: str, now: datetime) -> list[FollowedCard]:
    found = followed_papers(
        store=store,
        user_id=user.user_id,
        since=now - timedelta(days=WINDOW_DAYS.get(window, 7)),
        until=now,
        limit=FOLLOWED_LIMIT,
    )
    cards = {
        c.paper_id: c
        for c in cards_for(store=store, paper_ids=[f.paper_id for f in found], user=user)
    }
    return [
        FollowedCard(
            **cards[f.paper_id].model_dump(),
            reason=f.reason,
            followed=f.follow.label,
            followed_kind=f.follow.kind,
        )
        for f in found
        if f.paper_id in cards
    ]
