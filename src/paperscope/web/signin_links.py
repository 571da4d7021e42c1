"""Links to the sign-in page that remember where the reader was and why they were sent
there: ``/signin?next=/search%3Fq%3Dgraphs&reason=upvote``. Only same-site relative
paths are ever followed after sign-in, and the reason is one of a fixed set of words,
so neither can be used to send a reader elsewhere or put someone else's text on the page."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from fastapi import Request

# Why a reader was asked to sign in, by what they tried to do (or the area they opened).
REASONS = {
    "upvote": "Sign in to upvote papers.",
    "save": "Sign in to save papers to your library.",
    "feedback": "Sign in to tell your recommendations what you like.",
    "library": "Sign in to see your library.",
    "for-you": "Sign in to see papers picked for you.",
    "settings": "Sign in to manage your digests and alerts.",
    "account": "Sign in to see your account.",
    "submit": "Sign in to submit a paper.",
    "discuss": "Sign in to join the discussion.",
    "collections": "Sign in to see your collections.",
    "admin": "Sign in as an administrator to see the moderation and claims queues.",
}
GENERIC_REASON = "Sign in to see that page."


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else ``/``. Refused: other hosts
    (``//host``, ``/\\host``), schemes, and any whitespace or control character, which
    browsers drop from URLs (``/\\t/host`` would become ``//host``)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "/"
    return target


def here(request: Request) -> str:
    """The path and query string of this request, for ``next``."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


@lru_cache(maxsize=1024)
def signin_url(target: str, reason: str | None = None) -> str:
    """The sign-in page, coming back to ``target`` afterwards. Cached: an anonymous
    page of cards asks for the same link once per card."""
    params = {"next": safe_next(target)}
    if reason in REASONS:
        params["reason"] = reason
    return "/signin?" + urlencode(params)


def reason_text(reason: str | None, target: str) -> str | None:
    """What the sign-in page says about why the reader is there: the named reason,
    else the area of the page they were going to, else nothing for the home page."""
    if reason in REASONS:
        return REASONS[reason]
    if target == "/":
        return None
    area = target.split("?", 1)[0].strip("/").split("/", 1)[0]
    return REASONS.get(area, GENERIC_REASON)
