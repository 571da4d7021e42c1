"""Browser-facing protections: security headers on every response, and the CSRF
token (a signed double-submit bound to a random per-browser cookie that is renewed
at every sign-in and sign-out, so a planted cookie never survives a sign-in)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, Signer

CSRF_COOKIE = "ps_csrf"
SESSION_COOKIE = "ps_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

# No inline scripts or styles anywhere: every script is a static file. KaTeX and htmx
# set styles through the CSSOM, which style-src does not restrict.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Thumbnails and avatars of papers imported from Hugging Face.
        "img-src 'self' data: https://huggingface.co https://cdn-avatars.huggingface.co "
        "https://cdn-thumbnails.huggingface.co https://cdn-uploads.huggingface.co",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(24)


def csrf_cookie_header(value: str, *, secure: bool) -> bytes:
    flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
    return f"{CSRF_COOKIE}={value}{flags}".encode()


class CsrfSigner:
    """Makes and checks the CSRF token for a browser's CSRF cookie."""

    def __init__(self, secret_key: str) -> None:
        self._signer = Signer(secret_key, salt="paperscope.csrf")

    def token_for(self, cookie_value: str) -> str:
        return self._signer.get_signature(cookie_value).decode()

    def is_valid(self, cookie_value: str, token: str) -> bool:
        if not cookie_value or not token:
            return False
        try:
            return self._signer.verify_signature(cookie_value.encode(), token.encode())
        except BadSignature:
            return False


def csrf_cookie(request: Request) -> str:
    """This browser's CSRF cookie (set or renewed by the middleware for this request)."""
    return getattr(request.state, "csrf_cookie", None) or ""


def csrf_token(request: Request) -> str:
    """The token forms put in a hidden ``csrf_token`` field (and htmx sends as the
    X-CSRF-Token header); templates get it as ``csrf_token``."""
    if getattr(request.state, "shared_page", False):
        # A page every anonymous reader shares (web/page_cache.py) carries no token:
        # its forms all need a sign-in first, and one reader's token must not leak.
        return ""
    signer: CsrfSigner = request.app.state.csrf
    cookie = csrf_cookie(request)
    return signer.token_for(cookie) if cookie else ""


def _cookie_from_scope(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is treated as no cookie
                return None
            if name in jar:
                return jar[name].value
    return None


def is_secure_request(scope: Scope, forced: bool | None) -> bool:
    return forced if forced is not None else scope.get("scheme") == "https"


class SecurityMiddleware:
    """Pure ASGI (no per-request task overhead): adds the security headers and gives
    every browser a CSRF cookie on its first request."""

    def __init__(self, app: ASGIApp, *, cookie_secure: bool | None) -> None:
        self.app = app
        self.cookie_secure = cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        existing = _cookie_from_scope(scope, CSRF_COOKIE)
        state = scope.setdefault("state", {})
        fresh = None if existing else new_csrf_secret()
        state["csrf_cookie"] = existing or fresh
        secure = is_secure_request(scope, self.cookie_secure)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                # A handler that renewed the cookie (sign-in) has already set it, and a
                # response any cache may share must never carry one browser's cookie.
                shared = any(
                    k.lower() == b"cache-control" and v.startswith(b"public") for k, v in headers
                )
                if fresh and not state.get("csrf_renewed") and not shared:
                    headers.append((b"set-cookie", csrf_cookie_header(fresh, secure=secure)))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
