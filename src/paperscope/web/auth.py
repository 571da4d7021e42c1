"""Sign-up, sign-in (with a persistent rate limit), sessions and API tokens: the
account flows pages and the API share. Storage is in store/accounts.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response

from paperscope.api_tokens import bearer_from_headers, hash_secret, user_for_api_token
from paperscope.config import Settings
from paperscope.emails import InvalidEmail, normalise_email
from paperscope.models import ApiToken, User
from paperscope.store import Store, accounts
from paperscope.store.moderation import is_banned
from paperscope.web.errors import ApiError, invalid_field
from paperscope.web.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    dummy_verify,
    hash_password,
    new_secret,
    verify_password,
)
from paperscope.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    is_secure_request,
    new_csrf_secret,
)

EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TOKEN_PREFIX = "ps_"
LOCAL_USERNAME = "local"
# An IP address may fail this many times more than one account (shared NATs).
IP_FAILURE_FACTOR = 4


def now_utc() -> datetime:
    return datetime.now(UTC)


class AuthError(ApiError):
    """A refused account form; its details name the field as request validation does
    (``details.fields``)."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        code = "invalid_credentials" if status == 401 else "invalid_request"
        details = None
        if field:
            kind = code if status == 401 else "value_error"
            details = invalid_field(field, message, kind=kind, code=code, status=status).details
        super().__init__(status, code, message, details)
        self.field = field


def _check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Use at least {MIN_PASSWORD_LENGTH} characters for the password.", field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError(f"Use at most {MAX_PASSWORD_LENGTH} characters for the password.", field)
    if not password.strip():
        raise AuthError("Use at least one character that is not a space for the password.", field)


# The same rules for every way a password is set (sign-up, change, reset).
check_password_rules = _check_password_rules


def sign_up(*, store: Store, username: str, email: str, password: str) -> User:
    username = username.strip()
    if not accounts.USERNAME_PATTERN.fullmatch(username):
        raise AuthError(accounts.USERNAME_RULE, "username")
    email = _checked_email(email.strip())
    _check_password_rules(password)
    try:
        return accounts.create_user(
            store=store,
            username=username,
            email=email or None,
            password_hash=hash_password(password),
            now=now_utc(),
        )
    except accounts.DuplicateUsername:
        raise AuthError(
            f"The username {username!r} is taken; choose another.", "username"
        ) from None


def _checked_email(email: str) -> str:
    """The address as stored, or "" for none."""
    if not email:
        return ""
    if not EMAIL_PATTERN.fullmatch(email):
        raise AuthError("That email address does not look valid.", "email")
    try:
        return normalise_email(email)
    except InvalidEmail as exc:
        raise AuthError(f"That email address is not valid. {exc}", "email") from None


def _throttle_keys(username: str, ip: str) -> tuple[str, str]:
    return f"user:{username.strip().lower()}", f"ip:{ip}"


def sign_in(*, store: Store, settings: Settings, username: str, password: str, ip: str) -> User:
    """Check the credentials; after LOGIN_MAX_FAILURES failures in the window the
    account (and, at four times that, the IP address) is locked for the window."""
    now = now_utc()
    user_key, ip_key = _throttle_keys(username, ip)
    locked = accounts.login_locked_until(store=store, keys=[user_key, ip_key], now=now)
    if locked:
        minutes = max(1, int((locked - now).total_seconds() // 60) + 1)
        raise ApiError(
            429,
            "too_many_attempts",
            f"Too many failed sign-ins. Try again in {minutes} minute(s).",
            {"retry_after_seconds": int((locked - now).total_seconds())},
        )
    found = accounts.find_user(store=store, username=username)
    if found is None:
        dummy_verify(password)
    elif verify_password(found[1], password):
        accounts.clear_login_failures(store=store, key=user_key)
        if is_banned(store=store, user_id=found[0].user_id):
            raise _banned()
        return found[0]
    window = timedelta(minutes=settings.login_lockout_minutes)
    limit = settings.login_max_failures
    accounts.record_login_failure(store=store, key=user_key, limit=limit, window=window, now=now)
    accounts.record_login_failure(
        store=store, key=ip_key, limit=limit * IP_FAILURE_FACTOR, window=window, now=now
    )
    raise AuthError("Wrong username or password.", "password", status=401)


def change_password(
    *, store: Store, user: User, current: str, new: str, keep_session: str | None
) -> None:
    found = accounts.find_user(store=store, username=user.username)
    if found is None or not verify_password(found[1], current):
        raise AuthError("The current password is not right.", "current_password", status=401)
    _check_password_rules(new, "new_password")
    accounts.set_password_hash(store=store, user_id=user.user_id, password_hash=hash_password(new))
    # Other devices signed in with the old password are signed out.
    accounts.delete_other_sessions(
        store=store, user_id=user.user_id, keep_hash=keep_session, now=now_utc()
    )


def change_email(*, store: Store, user: User, current: str, email: str) -> User:
    """Set the account's address (unproven until its owner follows the link mailed
    to it). As for a new password, the current one is asked for: a session left open
    on a shared computer must not be enough to redirect password-reset mail."""
    address = _checked_email(email.strip())
    if not address:
        raise AuthError("Type the e-mail address to use for this account.", "email")
    if accounts.has_password(store=store, user_id=user.user_id):
        found = accounts.find_user(store=store, username=user.username)
        if found is None or not verify_password(found[1], current):
            raise AuthError("The current password is not right.", "current_password", status=401)
    changed = accounts.set_email(store=store, user_id=user.user_id, email=address)
    if changed is None:
        raise ApiError(404, "not_found", f"The account {user.username!r} no longer exists.")
    return changed


# ---------------------------------------------------------------- sessions


def _cookie_flags(request: Request, settings: Settings) -> dict[str, bool | str]:
    secure = is_secure_request(request.scope, settings.cookie_secure)
    return {"httponly": True, "samesite": "lax", "secure": secure}


def renew_csrf_cookie(request: Request, response: Response, settings: Settings) -> None:
    """A new CSRF cookie at every sign-in and sign-out (see security.py)."""
    value = new_csrf_secret()
    request.state.csrf_cookie = value
    request.state.csrf_renewed = True
    response.set_cookie(CSRF_COOKIE, value, path="/", **_cookie_flags(request, settings))  # type: ignore[arg-type]


def start_session(
    *, request: Request, response: Response, store: Store, settings: Settings, user: User
) -> None:
    secret = new_secret()
    lifetime = timedelta(days=settings.session_days)
    accounts.create_session(
        store=store,
        user_id=user.user_id,
        session_hash=hash_secret(secret),
        now=now_utc(),
        lifetime=lifetime,
    )
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(lifetime.total_seconds()),
        path="/",
        **_cookie_flags(request, settings),  # type: ignore[arg-type]
    )
    renew_csrf_cookie(request, response, settings)


def end_session(*, request: Request, response: Response, store: Store, settings: Settings) -> None:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        accounts.delete_session(store=store, session_hash=hash_secret(secret))
    response.delete_cookie(SESSION_COOKIE, path="/")
    renew_csrf_cookie(request, response, settings)


def session_hash(request: Request) -> str | None:
    secret = request.cookies.get(SESSION_COOKIE)
    return hash_secret(secret) if secret else None


def bearer_token(request: Request) -> str | None:
    return bearer_from_headers(request.headers)


def resolve_user(request: Request) -> User | None:
    """The user behind this request (cached on it): the local user in single-user
    mode, else a Bearer API token, else the session cookie."""
    if hasattr(request.state, "user"):
        user: User | None = request.state.user
        return user
    app_state = request.app.state
    store: Store = app_state.store
    user = app_state.local_user
    if user is None:
        token = bearer_token(request)
        if token is not None:
            user = user_for_api_token(store=store, token=token)
            if user is None:
                raise ApiError(
                    401, "invalid_token", "The API token is not valid (revoked or mistyped)."
                )
            if is_banned(store=store, user_id=user.user_id):
                raise _banned()
        else:
            hashed = session_hash(request)
            if hashed:
                user = accounts.user_for_session(store=store, session_hash=hashed, now=now_utc())
    request.state.user = user
    return user


def _banned() -> ApiError:
    # Sessions of a banned account were ended with the ban; this stops new ones.
    return ApiError(403, "account_banned", "This account is banned. Ask an administrator.")


def create_api_token(*, store: Store, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its hash is kept."""
    name = name.strip()[:100] or "API token"
    secret = new_secret(TOKEN_PREFIX)
    token = accounts.create_api_token(
        store=store, user_id=user.user_id, name=name, token_hash=hash_secret(secret), now=now_utc()
    )
    return token, secret


def ensure_local_user(store: Store) -> User:
    return accounts.ensure_user(store=store, username=LOCAL_USERNAME, now=now_utc())
