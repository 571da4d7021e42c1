"""People on author pages: the accounts approved as an author (here, and on the site
its papers were listed on) and the follow state,
added to the author's list of papers (web/routes/browse.py)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from paperscope.models import User
from paperscope.store import Store
from paperscope.store.claims import accounts_for_author
from paperscope.store.follows import follower_count, is_following, target_of
from paperscope.store.papers import list_paper_ids
from paperscope.store.source_authors import source_accounts
from paperscope.web.people_schemas import AccountLink, AuthorPage
from paperscope.web.schemas import BrowsePage
from paperscope.web.views import person


def user_url(username: str) -> str:
    return "/users/" + quote(username, safe="")


def author_page(
    *, store: Store, user: User | None, base: BrowsePage, also_written: Sequence[str] = ()
) -> AuthorPage:
    target = target_of("author", base.name)
    return AuthorPage(
        **base.model_dump(),
        also_written=list(also_written),
        accounts=[
            AccountLink(username=u, url=user_url(u))
            for _, u in accounts_for_author(store=store, name=base.name)
        ],
        source_accounts=[
            found
            for found in (person(p) for p in source_accounts(store=store, name=base.name))
            if found
        ],
        followers=follower_count(store=store, kind="author", target=target),
        following=is_following(store=store, user_id=user.user_id, kind="author", target=target)
        if user
        else None,
    )


def author_page_exists(*, store: Store, name: str, papers: int | None = None) -> bool:
    """The one rule for whether /authors/{name} has a page or answers 404: a name with
    papers, with accounts approved as that author, or with followers (the page is kept
    for a name someone follows, so that they can stop). ``papers`` is the number of the
    author's papers when the caller has counted them already."""
    if papers is None:
        papers = len(list_paper_ids(store=store, author=name, limit=1))
    return bool(
        papers
        or accounts_for_author(store=store, name=name)
        or follower_count(store=store, kind="author", target=target_of("author", name))
    )
