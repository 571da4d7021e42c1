"""Author pages, profile pages, follows, authorship claims (with the admin queue) and
e-mail verification. Thin: the work is in store/ and paperscope.people."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from paperscope.config import Settings
from paperscope.models import User
from paperscope.people.claims import ClaimRefused, claim_paper
from paperscope.site_paths import author_url, paper_url
from paperscope.store import Store
from paperscope.store.accounts import find_user
from paperscope.store.claims import (
    Claim,
    approved_claims,
    claim_of,
    claimed_paper_ids,
    decide_claim,
    get_claim,
    list_claims,
    withdraw_claim,
)
from paperscope.store.collections import list_collections
from paperscope.store.comment_votes import voted_by
from paperscope.store.discussions import claimants_by_paper, comments_by_user
from paperscope.store.follows import (
    MAX_TARGET,
    TooManyFollows,
    follow,
    follower_count,
    is_following,
    list_follows,
    target_of,
    unfollow,
)
from paperscope.store.papers import get_papers, resolve_paper_id
from paperscope.store.profiles import submitted_paper_ids
from paperscope.web.auth import now_utc, resolve_user
from paperscope.web.data_cache import memo_for
from paperscope.web.deps import CurrentUser, MaybeUser, RowId, SettingsDep, StoreDep
from paperscope.web.discussion_views import comment_out
from paperscope.web.errors import ApiError, NotFound, invalid_field
from paperscope.web.people_schemas import (
    ClaimIn,
    ClaimList,
    ClaimOut,
    FollowList,
    FollowOut,
    FollowState,
    ProfileComment,
    ProfilePage,
    clean_text,
)
from paperscope.web.people_views import author_page_exists, user_url
from paperscope.web.rendering import back_url, json_response, render, templates
from paperscope.web.routing import Routes
from paperscope.web.views import cards_for, collection_summary, load_paper

routes = Routes()
FollowKind = Literal["author", "user"]
PROFILE_LIST = 30
CLAIMS_MEMO_SIZE = 2000  # papers whose approved claims are kept per worker


def _account(store: Store, username: str) -> User:
    found = find_user(store=store, username=username)
    if found is None:
        raise NotFound(f"No account named {username!r} here.", {"username": username})
    return found[0]


# ---------------------------------------------------------------- profiles


@routes.twin(
    "/users/{username}",
    "/api/v1/users/{username}",
    response_model=ProfilePage,
    summary="A profile",
    tags=["people"],
)
def profile_page(request: Request, username: str, store: StoreDep, viewer: MaybeUser) -> Response:
    """An account's claimed papers, submissions, public collections and comments."""
    account = _account(store, username)
    claimed, claimed_total = claimed_paper_ids(
        store=store, user_id=account.user_id, limit=PROFILE_LIST
    )
    submitted = submitted_paper_ids(store=store, user_id=account.user_id, limit=PROFILE_LIST)
    target = target_of("user", account.user_id)
    comments, comments_total = _profile_comments(store, account.user_id, viewer)
    is_self = bool(viewer and viewer.user_id == account.user_id)
    model = ProfilePage(
        username=account.username,
        joined=account.created_at,
        claimed_papers=cards_for(store=store, paper_ids=claimed, user=viewer),
        claimed_total=claimed_total,
        submissions=cards_for(store=store, paper_ids=submitted, user=viewer),
        collections=[
            collection_summary(c)
            for c in list_collections(store=store, user_id=account.user_id, public_only=True)
        ],
        comments=comments,
        comments_total=comments_total,
        followers=follower_count(store=store, kind="user", target=target),
        following=is_following(store=store, user_id=viewer.user_id, kind="user", target=target)
        if viewer
        else None,
        is_self=is_self,
        pending_claims=_claims_out(
            store, list_claims(store=store, user_id=account.user_id, limit=PROFILE_LIST)[0]
        )
        if is_self
        else None,
    )
    return render(request, "people/profile.html", json_model=model)


def _profile_comments(
    store: Store, user_id: int, viewer: User | None
) -> tuple[list[ProfileComment], int]:
    found, total = comments_by_user(store=store, user_id=user_id, limit=PROFILE_LIST)
    paper_ids = [c.comment.paper_id for c in found]
    claimants = claimants_by_paper(store=store, paper_ids=paper_ids)
    voted = (
        voted_by(
            store=store, user_id=viewer.user_id, comment_ids=[c.comment.comment_id for c in found]
        )
        if viewer
        else frozenset()
    )
    listed = [
        ProfileComment(
            paper_id=c.comment.paper_id,
            paper_title=c.paper_title,
            paper_url=paper_url(c.comment.paper_id),
            comment=comment_out(c.comment, viewer=viewer, claimants=claimants, voted=voted),
        )
        for c in found
    ]
    return listed, total


# ---------------------------------------------------------------- follows


def _follow_target(store: Store, kind: FollowKind, name: str) -> tuple[str, str, str]:
    """(target key, label, page url) of an author or an account."""
    if kind == "user":
        account = _account(store, name)
        return target_of("user", account.user_id), account.username, user_url(account.username)
    # Stored as the label of the follow: control characters (NUL, which PostgreSQL
    # refuses) go, as from every other text a reader gives.
    name = clean_text(name)
    # The key can be longer than the name (æ is written ae): both must fit.
    key = target_of("author", name)
    if not name or len(name) > MAX_TARGET or len(key) > MAX_TARGET:
        raise invalid_field("name", f"An author name has 1 to {MAX_TARGET} characters.")
    return key, name, author_url(name)


def _set_follow(store: Store, user: User, kind: FollowKind, name: str, on: bool) -> FollowState:
    target, label, _ = _follow_target(store, kind, name)
    if on and target == target_of("user", user.user_id):
        # Following yourself would only inflate your own follower count.
        raise invalid_field(
            "name", f"You cannot follow your own account ({label}).", code="cannot_follow_self"
        )
    if on:
        try:
            follow(
                store=store,
                user_id=user.user_id,
                kind=kind,
                target=target,
                label=label,
                now=now_utc(),
            )
        except TooManyFollows as exc:
            raise ApiError(409, "too_many_follows", f"Cannot follow {label}: {exc}.") from None
    else:
        unfollow(store=store, user_id=user.user_id, kind=kind, target=target)
    return FollowState(
        kind=kind,
        name=label,
        following=on,
        followers=follower_count(store=store, kind=kind, target=target),
    )


def _follow_form(
    request: Request, kind: FollowKind, name: str, store: Store, user: User, action: str
) -> Response:
    state = _set_follow(store, user, kind, name, action == "follow")
    if kind == "author" and not author_page_exists(store=store, name=state.name):
        # The author page of a name without papers lives only while someone follows
        # it: after the last unfollow, going back to it would be a "not found".
        return RedirectResponse("/for-you", status_code=303)
    fallback = author_url(name) if kind == "author" else user_url(state.name)
    return RedirectResponse(back_url(request, fallback), status_code=303)


@routes.page("/authors/{name}/follow", methods=["POST"], csrf=True)
def follow_author_form(
    request: Request,
    name: str,
    store: StoreDep,
    user: CurrentUser,
    action: Literal["follow", "unfollow"] = Form("follow"),
) -> Response:
    """The Follow / Unfollow button of an author page."""
    return _follow_form(request, "author", name, store, user, action)


@routes.page("/users/{name}/follow", methods=["POST"], csrf=True)
def follow_user_form(
    request: Request,
    name: str,
    store: StoreDep,
    user: CurrentUser,
    action: Literal["follow", "unfollow"] = Form("follow"),
) -> Response:
    """The Follow / Unfollow button of a profile page."""
    return _follow_form(request, "user", name, store, user, action)


class FollowRequest(BaseModel):
    kind: FollowKind
    name: str = Field(min_length=1, max_length=300, description="Author name or username")


@routes.api(
    "/api/v1/follows",
    methods=["POST"],
    csrf=True,
    response_model=FollowState,
    summary="Follow an author or an account",
    tags=["people"],
)
def api_follow(body: FollowRequest, store: StoreDep, user: CurrentUser) -> Response:
    """Their new papers and submissions then show in your For-you page and digests."""
    return json_response(_set_follow(store, user, body.kind, body.name, True))


@routes.api(
    "/api/v1/follows",
    methods=["DELETE"],
    csrf=True,
    response_model=FollowState,
    summary="Stop following",
    tags=["people"],
)
def api_unfollow(
    store: StoreDep,
    user: CurrentUser,
    kind: FollowKind = Query(...),
    name: str = Query(..., min_length=1, max_length=300),
) -> Response:
    return json_response(_set_follow(store, user, kind, name, False))


@routes.api(
    "/api/v1/follows", response_model=FollowList, summary="Whom you follow", tags=["people"]
)
def api_follows(store: StoreDep, user: CurrentUser) -> Response:
    out = []
    for f in list_follows(store=store, user_id=user.user_id):
        url = author_url(f.label) if f.kind == "author" else user_url(f.label)
        out.append(
            FollowOut(
                kind="author" if f.kind == "author" else "user",
                name=f.label,
                url=url,
                since=f.created_at,
            )
        )
    return json_response(FollowList(follows=out))


# ---------------------------------------------------------------- claims


def _claims_out(store: Store, claims: list[Claim]) -> list[ClaimOut]:
    titles = {
        p.paper_id: p.title for p in get_papers(store=store, paper_ids=[c.paper_id for c in claims])
    }
    return [
        ClaimOut(
            id=c.claim_id,
            paper_id=c.paper_id,
            paper_url=paper_url(c.paper_id),
            paper_title=titles.get(c.paper_id, c.paper_id),
            author_name=c.author_name,
            username=c.username,
            status=c.status,
            decided_by=c.decided_by,
            decided_at=c.decided_at,
            created_at=c.created_at,
        )
        for c in claims
    ]


def _claim(store: Store, settings: Settings, user: User, paper_id: str, author_name: str) -> Claim:
    try:
        outcome = claim_paper(
            store=store,
            settings=settings,
            user_id=user.user_id,
            paper_id=paper_id,
            author_name=author_name,
            now=now_utc(),
        )
    except ClaimRefused as exc:
        raise ApiError(422, "claim_refused", str(exc)) from None
    return outcome.claim


@routes.api(
    "/api/v1/papers/{paper_id:path}/claim",
    methods=["POST"],
    csrf=True,
    response_model=ClaimOut,
    status_code=201,
    summary="Claim authorship of a paper",
    tags=["people"],
)
def api_claim(
    paper_id: str, body: ClaimIn, store: StoreDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Say which printed author you are. Approved at once when your verified e-mail
    domain matches the paper (docs/collections.md), else it waits for an admin."""
    paper = load_paper(store, paper_id)
    claim = _claim(store, settings, user, paper.paper_id, body.author_name)
    return json_response(_claims_out(store, [claim])[0], status_code=201)


@routes.api(
    "/api/v1/papers/{paper_id:path}/claims",
    response_model=ClaimList,
    summary="Who claimed a paper",
    tags=["people"],
)
def api_paper_claims(paper_id: str, store: StoreDep, user: MaybeUser) -> Response:
    """The approved authorship claims of a paper (the paper page's "Authors on
    paperscope"), and your own claim whatever its status."""
    paper = load_paper(store, paper_id)
    found = approved_claims(store=store, paper_ids=[paper.paper_id]).get(paper.paper_id, [])
    mine = claim_of(store=store, user_id=user.user_id, paper_id=paper.paper_id) if user else None
    if mine is not None and mine.status != "approved":
        found = [*found, mine]
    return json_response(ClaimList(claims=_claims_out(store, found), status=None, total=len(found)))


@routes.api(
    "/api/v1/papers/{paper_id:path}/claim",
    methods=["DELETE"],
    csrf=True,
    status_code=204,
    summary="Withdraw your claim",
    tags=["people"],
)
def api_withdraw(paper_id: str, store: StoreDep, user: CurrentUser) -> Response:
    # Any spelling of the id, as claiming takes; the paper need not be in the store.
    paper_id = resolve_paper_id(paper_id)
    if not withdraw_claim(store=store, user_id=user.user_id, paper_id=paper_id):
        raise NotFound(f"You have no claim on {paper_id!r}.", {"paper_id": paper_id})
    return Response(status_code=204)


@routes.page("/papers/{paper_id:path}/claim", methods=["POST"], csrf=True)
def claim_form(
    paper_id: str,
    store: StoreDep,
    settings: SettingsDep,
    user: CurrentUser,
    author_name: str = Form(..., max_length=300),
    action: Literal["claim", "withdraw"] = Form("claim"),
) -> Response:
    """The paper page's "I am an author" form."""
    paper = load_paper(store, paper_id)
    if action == "withdraw":
        withdraw_claim(store=store, user_id=user.user_id, paper_id=paper.paper_id)
    else:
        _claim(store, settings, user, paper.paper_id, author_name)
    return RedirectResponse(paper_url(paper.paper_id) + "#authors-here", status_code=303)


def paper_claims(request: Request, paper_id: str) -> dict[str, Any]:
    """For the paper page's panel: approved accounts (author name -> usernames) and
    the viewer's own claim."""
    store: Store = request.app.state.store
    viewer = resolve_user(request)
    # Approved claims change only with a decision or a withdrawal, both of which bump
    # the data version.
    approved = memo_for(store, "approved_claims", CLAIMS_MEMO_SIZE).get_or_compute(
        paper_id, lambda: _approved_by_author(store, paper_id)
    )
    mine = claim_of(store=store, user_id=viewer.user_id, paper_id=paper_id) if viewer else None
    return {"approved": approved, "mine": mine, "user_url": user_url}


def _approved_by_author(store: Store, paper_id: str) -> dict[str, list[str]]:
    approved: dict[str, list[str]] = {}
    for c in approved_claims(store=store, paper_ids=[paper_id]).get(paper_id, []):
        approved.setdefault(c.author_name, []).append(c.username)
    return approved


templates.env.globals["paper_claims"] = paper_claims


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise ApiError(403, "forbidden", "Only administrators can review authorship claims.")


@routes.twin(
    "/admin/claims",
    "/api/v1/admin/claims",
    response_model=ClaimList,
    summary="Authorship claims to review",
    tags=["people"],
)
def admin_claims(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    status: Literal["pending", "approved", "rejected", "all"] = Query("pending"),
) -> Response:
    """Claims waiting for a decision (or all, or the decided ones), oldest first."""
    _require_admin(user)
    found, total = list_claims(store=store, status=None if status == "all" else status)
    model = ClaimList(claims=_claims_out(store, found), status=status, total=total)
    return render(request, "people/admin_claims.html", json_model=model)


class ClaimDecision(BaseModel):
    approve: bool = Field(description="true approves, false rejects")


def _decide(store: Store, user: User, claim_id: int, approve: bool) -> Claim:
    _require_admin(user)
    if get_claim(store=store, claim_id=claim_id) is None:
        raise NotFound(f"No claim {claim_id} here.", {"claim_id": claim_id})
    decided = decide_claim(
        store=store,
        claim_id=claim_id,
        approve=approve,
        decided_by=f"admin:{user.username}",
        now=now_utc(),
    )
    assert decided is not None
    return decided


@routes.api(
    "/api/v1/admin/claims/{claim_id}",
    methods=["POST"],
    csrf=True,
    response_model=ClaimOut,
    summary="Approve or reject a claim",
    tags=["people"],
)
def api_decide(
    claim_id: RowId, body: ClaimDecision, store: StoreDep, user: CurrentUser
) -> Response:
    claim = _decide(store, user, claim_id, body.approve)
    return json_response(_claims_out(store, [claim])[0])


@routes.page("/admin/claims/{claim_id}", methods=["POST"], csrf=True)
def decide_form(
    claim_id: RowId,
    store: StoreDep,
    user: CurrentUser,
    decision: Literal["approve", "reject"] = Form(...),
) -> Response:
    _decide(store, user, claim_id, decision == "approve")
    return RedirectResponse("/admin/claims", status_code=303)
