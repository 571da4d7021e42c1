"""People on author pages: the accounts approved as an author and the follow state,
added to the author's list of papers (web/routes/browse.py)."""

from __future__ import annotations

from urllib.parse import quote

from paperscope.models import User
from paperscope.store import Store
from paperscope.store.claims import accounts_for_author
from paperscope.store.follows import follower_count, is_following, target_of
from paperscope.web.people_schemas import AccountLink, AuthorPage
from paperscope.web.schemas import BrowsePage


def user_url(username: str) -> str:
    return "/users/" + quote(username, safe="")


def author_page(*, store: Store, user: User | None, base: BrowsePage) -> AuthorPage:
    target = target_of("author", base.name)
    return AuthorPage(
        **base.model_dump(),
        accounts=[
            AccountLink(username=u, url=user_url(u))
            for _, u in accounts_for_author(store=store, name=base.name)
        ],
        followers=follower_count(store=store, kind="author", target=target),
        following=is_following(store=store, user_id=user.user_id, kind="author", target=target)
        if user
        else None,
    )
