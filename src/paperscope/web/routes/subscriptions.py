"""E-mail subscriptions on the web: the subscribe form with double opt-in, one-click
unsubscribe (RFC 8058), the signed manage-preferences page and the signed-in reader's
subscription settings. Thin: each route calls feeds/ or store/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from paperscope.feeds import subscriptions as subs
from paperscope.feeds.syndication import FeedKind
from paperscope.store import Store
from paperscope.store.library import list_tags
from paperscope.store.subscriptions import (
    Subscriber,
    Subscription,
    delete_subscription,
    get_subscriber,
    list_subscriptions,
    public_tags_of,
    set_subscriber_state,
    set_subscription_active,
    set_tag_public,
    subscribers_of_user,
)
from paperscope.web.deps import CurrentUser, MaybeUser, SettingsDep, StoreDep
from paperscope.web.errors import ApiError
from paperscope.web.rendering import render
from paperscope.web.routing import Routes

routes = Routes()
KINDS: tuple[FeedKind, ...] = ("rss", "atom")


# ------------------------------------------------------------------ subscriptions


class SubscriptionOut(BaseModel):
    subscription_id: int
    summary: str
    active: bool
    confirmed: bool
    frequency: str
    last_period: str | None


class SubscriptionsPage(BaseModel):
    email: str | None = None
    state: str | None = None
    subscriptions: list[SubscriptionOut] = []
    public_tags: list[str] = []
    message: str | None = None
    error: str | None = None  # why the form just sent was refused


def _subscriptions_out(found: list[Subscription]) -> list[SubscriptionOut]:
    return [
        SubscriptionOut(
            subscription_id=s.subscription_id,
            summary=subs.describe(s.spec),
            active=s.active,
            confirmed=s.confirmed_at is not None,
            frequency=s.spec.frequency,
            last_period=s.last_period,
        )
        for s in found
    ]


def _of_subscribers(store: Store, subscriber_ids: list[int]) -> list[Subscription]:
    return [s for sid in subscriber_ids for s in list_subscriptions(store=store, subscriber_id=sid)]


def _of_user(store: Store, user_id: int) -> tuple[list[Subscription], list[int]]:
    """A reader's subscriptions: all those of addresses proven to be theirs, plus the
    ones they created that still wait for confirmation; and the proven address ids."""
    proven = [s.subscriber_id for s in subscribers_of_user(store=store, user_id=user_id)]
    found = {s.subscription_id: s for s in _of_subscribers(store, proven)}
    for s in list_subscriptions(store=store, created_by=user_id):
        if s.confirmed_at is None:
            found.setdefault(s.subscription_id, s)
    return sorted(found.values(), key=lambda s: s.subscription_id), proven


def _sentence(message: str) -> str:
    """A refusal as a form shows it: feeds/ words it to follow a field name or a
    command ("unknown time zone ..."), a page starts it with a capital."""
    return message[:1].upper() + message[1:]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _spec_from_form(form: dict[str, str]) -> Any:
    return subs.make_spec(
        search=form.get("q") or None,
        trending=form.get("trending") or None,
        trending_category=form.get("trending_category") or None,
        categories=_split(form.get("categories", "")),
        authors=_split(form.get("authors", "")),
        frequency=form.get("frequency", "daily"),
        send_time=form.get("send_time") or "08:00",
        time_zone=form.get("time_zone") or "UTC",
    )


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@routes.page("/subscribe")
def subscribe_page(
    request: Request,
    user: MaybeUser,
    q: str = "",
    category: str = "",
    author: str = "",
    trending: str = "",
    trending_category: str = "",
    frequency: str = "",
) -> Response:
    """The form, prefilled from the link that led here (a search's alert, a week's
    top 10 sent weekly...); the form's own checks apply when it is sent."""
    values = {
        "q": q,
        "categories": category,
        "authors": author,
        "trending": trending or ("" if q or category or author else "day"),
        "trending_category": trending_category,
        "frequency": frequency,
        "email": (user.email or "") if user else "",
    }
    return render(request, "feeds/subscribe.html", {"values": values}, json_model=None)


@routes.page("/subscribe", methods=["POST"], csrf=True)
async def subscribe_submit(
    request: Request, store: StoreDep, settings: SettingsDep, user: MaybeUser
) -> Response:
    form = await _form(request)
    try:
        result = subs.subscribe(
            store=store,
            settings=settings,
            email=form.get("email", ""),
            spec=_spec_from_form(form),
            user_id=user.user_id if user else None,
        )
    except subs.InvalidSubscription as exc:
        return render(
            request,
            "feeds/subscribe.html",
            {"values": form, "error": _sentence(str(exc))},
            json_model=None,
            status_code=400,
        )
    confirmed = result.subscription.confirmed_at is not None
    return render(
        request,
        "feeds/subscribe_sent.html",
        {
            "email": result.subscriber.email,
            "confirmed": confirmed,
            "summary": subs.describe(result.subscription.spec),
        },
        json_model=None,
    )


@routes.page("/subscribe/confirm/{token}")
def confirm_page(request: Request, store: StoreDep, settings: SettingsDep, token: str) -> Response:
    subscriber = subs.confirm(store=store, settings=settings, token=token)
    if subscriber is None:
        return _bad_link(request)
    return render(
        request,
        "feeds/confirmed.html",
        {"email": subscriber.email, "manage_url": subs.manage_url(settings, subscriber)},
        json_model=None,
    )


def _bad_link(request: Request) -> Response:
    return render(request, "feeds/bad_link.html", {}, json_model=None, status_code=400)


@routes.page("/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str) -> Response:
    # GET never unsubscribes: mail scanners open links. The button POSTs (RFC 8058).
    return render(
        request, "feeds/unsubscribe.html", {"token": token, "done": False}, json_model=None
    )


@routes.page("/unsubscribe/{token}", methods=["POST"])
def unsubscribe_submit(
    request: Request, store: StoreDep, settings: SettingsDep, token: str
) -> Response:
    """One-click unsubscribe: the signed token is the authority, so no CSRF token or
    session is needed (mail providers POST here without either)."""
    done = subs.unsubscribe(store=store, settings=settings, token=token)
    if done is None:
        return _bad_link(request)
    manage = subs.manage_url(settings, _as_subscriber(store, done.subscriber_id))
    return render(
        request,
        "feeds/unsubscribe.html",
        {"token": token, "done": True, "summary": subs.describe(done.spec), "manage_url": manage},
        json_model=None,
    )


def _as_subscriber(store: Store, subscriber_id: int) -> Subscriber:
    found = get_subscriber(store=store, subscriber_id=subscriber_id)
    assert found is not None
    return found


@routes.page("/subscriptions/manage/{token}")
def manage_page(
    request: Request, store: StoreDep, settings: SettingsDep, token: str, done: str = ""
) -> Response:
    subscriber = subs.subscriber_from_manage_token(store=store, settings=settings, token=token)
    if subscriber is None:
        return _bad_link(request)
    model = SubscriptionsPage(
        email=subscriber.email,
        state=subscriber.state,
        subscriptions=_subscriptions_out(_of_subscribers(store, [subscriber.subscriber_id])),
        message=done or None,
    )
    return render(
        request, "feeds/manage.html", {"action": f"/subscriptions/manage/{token}"}, json_model=model
    )


@routes.page("/subscriptions/manage/{token}", methods=["POST"])
async def manage_submit(
    request: Request, store: StoreDep, settings: SettingsDep, token: str
) -> Response:
    subscriber = subs.subscriber_from_manage_token(store=store, settings=settings, token=token)
    if subscriber is None:
        return _bad_link(request)
    form = await _form(request)
    ids = [subscriber.subscriber_id]
    done = _apply_action(store, _of_subscribers(store, ids), ids, form)
    return RedirectResponse(f"/subscriptions/manage/{token}?done={done}", status_code=303)


def _apply_action(
    store: Store, owned: list[Subscription], proven: list[int], form: dict[str, str]
) -> str:
    """pause | resume | delete one of ``owned``, or unsubscribe_all addresses in
    ``proven``: never anything the link or the session does not prove is theirs."""
    now = datetime.now(UTC)
    action = form.get("action", "")
    if action == "unsubscribe_all":
        for sid in proven:
            set_subscriber_state(store=store, subscriber_id=sid, state="unsubscribed", now=now)
        return "unsubscribed"
    by_id = {s.subscription_id: s for s in owned}
    try:
        target = by_id[int(form.get("subscription_id", ""))]
    except (ValueError, KeyError):
        raise ApiError(
            404, "no_subscription", "That subscription is not yours or was removed."
        ) from None
    if action == "delete":
        delete_subscription(store=store, subscription_id=target.subscription_id)
    elif action in ("pause", "resume"):
        set_subscription_active(
            store=store,
            subscription_id=target.subscription_id,
            active=action == "resume",
            now=now,
        )
    else:
        raise ApiError(400, "bad_action", "Choose pause, resume, delete or unsubscribe_all.")
    if action == "resume" and target.subscriber_id in proven:
        set_subscriber_state(
            store=store, subscriber_id=target.subscriber_id, state="active", now=now
        )
    return action


# ------------------------------------------------------------------ signed-in settings


@routes.page("/settings/subscriptions")
def settings_page(request: Request, store: StoreDep, user: CurrentUser, done: str = "") -> Response:
    # Nothing preselected: adding an alert must not also add the day's top 10.
    values = {"email": user.email or "", "trending": ""}
    return _settings_page(request, store, user, values, message=done or None)


def _settings_page(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    values: dict[str, str],
    *,
    message: str | None = None,
    error: str | None = None,
) -> Response:
    """The settings page; after a refused form, with the reader's values and why."""
    mine, _proven = _of_user(store, user.user_id)
    model = SubscriptionsPage(
        email=user.email,
        subscriptions=_subscriptions_out(mine),
        public_tags=sorted(public_tags_of(store=store, user_id=user.user_id)),
        message=message,
        error=error,
    )
    tags = [tag for tag, _count in list_tags(store=store, user_id=user.user_id)]
    return render(
        request,
        "feeds/settings.html",
        {"tags": tags, "values": values, "error": error},
        json_model=model,
        status_code=400 if error else 200,
    )


@routes.page("/settings/subscriptions", methods=["POST"], csrf=True)
async def settings_add(
    request: Request, store: StoreDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    form = await _form(request)
    try:
        subs.subscribe(
            store=store,
            settings=settings,
            email=form.get("email") or user.email or "",
            spec=_spec_from_form(form),
            user_id=user.user_id,
        )
    except subs.InvalidSubscription as exc:
        return _settings_page(request, store, user, form, error=_sentence(str(exc)))
    return RedirectResponse("/settings/subscriptions?done=added", status_code=303)


@routes.page("/settings/subscriptions/change", methods=["POST"], csrf=True)
async def settings_change(request: Request, store: StoreDep, user: CurrentUser) -> Response:
    form = await _form(request)
    mine, proven = _of_user(store, user.user_id)
    done = _apply_action(store, mine, proven, form)
    return RedirectResponse(f"/settings/subscriptions?done={done}", status_code=303)


@routes.page("/settings/tags", methods=["POST"], csrf=True)
async def settings_tags(request: Request, store: StoreDep, user: CurrentUser) -> Response:
    form = await _form(request)
    tag = form.get("tag", "").strip()
    if not tag:
        raise ApiError(400, "missing_tag", "Name the tag to publish.")
    set_tag_public(
        store=store,
        user_id=user.user_id,
        tag=tag,
        public=form.get("public") == "1",
        now=datetime.now(UTC),
    )
    return RedirectResponse("/settings/subscriptions?done=tags", status_code=303)
