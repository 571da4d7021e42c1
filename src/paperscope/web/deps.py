"""FastAPI dependencies every router uses (pages, API, and the feeds and
recommendation routers): settings, store, the current user, CSRF, templates.

    from paperscope.web.deps import CurrentUser, StoreDep

    @routes.page("/thing", methods=["POST"], csrf=True)
    def thing(request: Request, user: CurrentUser, store: StoreDep) -> Response:
        ...
        return render(request, "area/thing.html", {...}, json_model=model)
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Path, Request

from paperscope.api_tokens import user_for_api_token
from paperscope.config import Settings
from paperscope.models import User
from paperscope.store import Store
from paperscope.store.database import MAX_ROW_ID
from paperscope.web.auth import bearer_token, resolve_user
from paperscope.web.errors import ApiError, NotSignedIn
from paperscope.web.origins import check_same_origin
from paperscope.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    CsrfSigner,
    csrf_cookie,
)

__all__ = [
    "CurrentUser",
    "MaybeUser",
    "SettingsDep",
    "StoreDep",
    "get_settings",
    "get_store",
    "optional_user",
    "reject_control_characters",
    "require_user",
    "verify_csrf",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# C0 controls and DEL: no name, id or page of the site contains one, XML cannot carry
# them and PostgreSQL refuses NUL in text, so a path holding one is refused up front.
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


# Dependencies that only read the app's state are coroutines: FastAPI runs a plain
# function dependency in the thread pool, a hop (and a wait for the GIL among the
# busy threads) that costs more than the work itself.
async def _settings_dependency(request: Request) -> Settings:
    return get_settings(request)


async def _store_dependency(request: Request) -> Store:
    return get_store(request)


def optional_user(request: Request) -> User | None:
    """The signed-in user (session cookie or Bearer token), the local user in
    single-user mode, or None. An invalid Bearer token is a 401, never anonymous."""
    return resolve_user(request)


def require_user(request: Request) -> User:
    user = resolve_user(request)
    if user is None:
        raise NotSignedIn()
    return user


async def reject_control_characters(request: Request) -> None:
    """Every route's first check: control characters in the path (or NUL in the query)."""
    query = request.query_params.multi_items()
    if _CONTROL.search(request.url.path) or any("\x00" in k + v for k, v in query):
        raise ApiError(
            400,
            "invalid_request",
            "The address contains control characters (such as %00 or %1b); "
            "names, ids and queries never do.",
        )


def _token_call(request: Request) -> bool:
    """True for an API call authenticated by a valid Bearer token and no session
    cookie: a browser never attaches such a header by itself, so CSRF cannot forge it.
    Any other Bearer header (mistyped, revoked, or next to a session) proves nothing."""
    token = bearer_token(request)
    if token is None or SESSION_COOKIE in request.cookies:
        return False
    if user_for_api_token(store=get_store(request), token=token) is None:
        raise ApiError(401, "invalid_token", "The API token is not valid (revoked or mistyped).")
    return True


def _sessionless_script_call(request: Request) -> bool:
    """True for a JSON request, or one with no body at all (a DELETE, a bare POST),
    without a session cookie. Another site's page cannot send a JSON body without a
    CORS preflight, which this server never grants, and with no session there is no
    sign-in for a forged request to borrow: a script calling the API anonymously (a
    password reset, or a write that needs an account and is answered 401) needs no
    CSRF token. A bodyless request stays checked in single-user mode, where every
    request acts as the local user and a plain cross-site POST could borrow it."""
    if SESSION_COOKIE in request.cookies:
        return False
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "application/json":
        return True
    bodyless = (
        not kind
        and request.headers.get("content-length", "0").strip() == "0"
        and "transfer-encoding" not in request.headers
    )
    return bodyless and request.app.state.local_user is None


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request that does not carry this browser's CSRF token
    or that a page of another site sent (Origin, else Referer). API calls with a valid
    Bearer token, and JSON or bodyless calls without a session, are exempt."""
    if request.method in SAFE_METHODS or _token_call(request):
        return
    check_same_origin(request, get_settings(request))
    if _sessionless_script_call(request):
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    signer: CsrfSigner = request.app.state.csrf
    if not signer.is_valid(csrf_cookie(request), token or ""):
        raise ApiError(
            403,
            "csrf_failed",
            "This form has expired or came from another site. Reload the page and try again.",
        )


# A row id in a path: anything above a 64-bit key could not be looked up (SQLite and
# PostgreSQL refuse to bind it), so it gets a 422 that names it, not a 500.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
SettingsDep = Annotated[Settings, Depends(_settings_dependency)]
StoreDep = Annotated[Store, Depends(_store_dependency)]
MaybeUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(require_user)]
