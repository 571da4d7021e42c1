"""FastAPI dependencies every router uses (pages, API, and the feeds and
recommendation routers): settings, store, the current user, CSRF, templates.

    from paperscope.web.deps import CurrentUser, StoreDep

    @routes.page("/thing", methods=["POST"], csrf=True)
    def thing(request: Request, user: CurrentUser, store: StoreDep) -> Response:
        ...
        return render(request, "area/thing.html", {...}, json_model=model)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from paperscope.config import Settings
from paperscope.models import User
from paperscope.store import Store
from paperscope.web.auth import bearer_token, resolve_user
from paperscope.web.errors import ApiError, NotSignedIn
from paperscope.web.security import CSRF_FIELD, CSRF_HEADER, CsrfSigner, csrf_cookie

__all__ = [
    "CurrentUser",
    "MaybeUser",
    "SettingsDep",
    "StoreDep",
    "get_settings",
    "get_store",
    "optional_user",
    "require_user",
    "verify_csrf",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def optional_user(request: Request) -> User | None:
    """The signed-in user (session cookie or Bearer token), the local user in
    single-user mode, or None. An invalid Bearer token is a 401, never anonymous."""
    return resolve_user(request)


def require_user(request: Request) -> User:
    user = resolve_user(request)
    if user is None:
        raise NotSignedIn()
    return user


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request that does not carry this browser's CSRF token.
    Bearer-token API calls are exempt: browsers never attach those by themselves."""
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
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


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
MaybeUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(require_user)]
