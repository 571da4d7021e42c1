"""HTTP caching of the public pages, and a per-worker cache of them rendered.

The daily feed, trending, paper, category and author pages (and their JSON twins) read
the same for every anonymous reader until a write changes their data. Each such write
bumps the data version in the same transaction (store/page_versions.py); this
middleware reads the version once per anonymous request and answers from a bounded
in-memory LRU keyed by (path, query, format, version, time bucket), so every worker of
every instance on one database shows an upvote at once without telling the others
anything.

Headers (docs/web.md, Caching):
- anonymous public pages: ``Cache-Control: public, max-age=N, must-revalidate``, an
  ETag (a hash of the body), Last-Modified (when the data last changed), ``Vary:
  Cookie, Authorization`` (plus Accept where the paper page speaks Markdown); a
  conditional GET that matches gets 304. Rendered with no CSRF token and sent without
  the CSRF cookie, so a shared copy never carries one reader's token.
- everything else that is not a static file (signed-in pages, forms, anything that
  may embed a session or a CSRF token): ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime

from paperscope.store import Store
from paperscope.store.page_versions import PageVersion, PageVersionReader
from paperscope.web.data_cache import request_version
from paperscope.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
)

Headers = list[tuple[bytes, bytes]]

# Pages whose anonymous rendering depends only on the data (and the clock, bounded
# by the time bucket). Anything else is never shared.
PUBLIC_PAGES = re.compile(
    r"^(?:/|/daily(?:/.*)?|/api/v1/daily(?:/.*)?|/trending|/api/v1/trending"
    r"|/papers/.+|/api/v1/papers/.+"
    # A category's or an author's page; their feeds (.atom, .rss) keep validators of
    # their own.
    r"|(?:/api/v1)?/(?:categories|authors)/(?![^/]*\.(?:atom|rss)$)[^/]+)$"
)
# The paper page answers ``Accept: text/markdown`` with Markdown (web/hf_views.py).
NEGOTIATED = ("/papers/", "/api/v1/papers/")
NO_STORE = b"private, no-store"
LARGEST_ENTRY = 2 * 1024 * 1024
_SESSION = SESSION_COOKIE.encode() + b"="
_CSRF_SET_COOKIE = CSRF_COOKIE.encode() + b"="
_DROPPED = frozenset({b"content-length", b"set-cookie", b"cache-control", b"etag"})


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A rendered public page with its validators, ready to send again."""

    status: int
    headers: Headers
    body: bytes
    etag: bytes
    last_modified: datetime
    key_size: int = 0  # its path and query string, which a client chooses

    @property
    def size(self) -> int:
        headers = sum(len(k) + len(v) for k, v in self.headers)
        return len(self.body) + headers + self.key_size + 200


class PageLru:
    """Least recently used pages, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._pages: OrderedDict[tuple[object, ...], CachedPage] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: tuple[object, ...]) -> CachedPage | None:
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: tuple[object, ...], page: CachedPage) -> None:
        """Keep ``page``; its size counts the key's path and query too (a client picks
        those, so they are bounded with the rest)."""
        if page.size > min(self.max_bytes, LARGEST_ENTRY):
            return
        old = self._pages.pop(key, None)
        if old is not None:
            self.used -= old.size
        self._pages[key] = page
        self.used += page.size
        while self.used > self.max_bytes:
            _, dropped = self._pages.popitem(last=False)
            self.used -= dropped.size


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def is_shareable_request(scope: Scope) -> bool:
    """An anonymous GET of a public page: no session cookie, no credentials."""
    if scope["method"] != "GET" or not PUBLIC_PAGES.match(scope["path"]):
        return False
    if _header(scope, b"authorization") is not None:
        return False
    cookie = _header(scope, b"cookie")
    return cookie is None or _SESSION not in cookie


def wants_markdown(accept: bytes | None) -> bool:
    """As web/hf_views.py decides: Markdown asked for, and HTML not."""
    value = (accept or b"").lower()
    return b"text/markdown" in value and b"text/html" not in value


def http_date(at: datetime) -> bytes:
    return formatdate(at.timestamp(), usegmt=True).encode()


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """RFC 9110 weak comparison: ``*``, or any listed tag, with or without W/."""
    wanted = etag.removeprefix(b"W/")
    for tag in if_none_match.split(b","):
        tag = tag.strip()
        if tag == b"*" or tag.removeprefix(b"W/") == wanted:
            return True
    return False


def not_modified(scope: Scope, page: CachedPage) -> bool:
    """A conditional GET the client's copy satisfies (If-None-Match wins over
    If-Modified-Since, as RFC 9110 says)."""
    if_none_match = _header(scope, b"if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, page.etag)
    since = _header(scope, b"if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since.decode("latin-1"))
    except (TypeError, ValueError, IndexError):
        return False  # an unreadable date is ignored, as the RFC asks
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return page.last_modified.replace(microsecond=0) <= when


def public_headers(
    inner: Iterable[tuple[bytes, bytes]],
    *,
    etag: bytes,
    last_modified: datetime,
    max_age: int,
    negotiated: bool,
) -> Headers:
    """The inner response's headers made fit to share: no cookies, our validators."""
    headers = [(k, v) for k, v in inner if k.lower() not in _DROPPED and k.lower() != b"vary"]
    vary = b"Cookie, Authorization" + (b", Accept" if negotiated else b"")
    headers += [
        (b"cache-control", b"public, max-age=%d, must-revalidate" % max_age),
        (b"etag", etag),
        (b"last-modified", http_date(last_modified)),
        (b"vary", vary),
    ]
    return headers


def _validators(headers: Headers) -> Headers:
    # What a 304 repeats of the 200 (RFC 9110 15.4.5).
    keep = {b"cache-control", b"etag", b"last-modified", b"vary", b"date"}
    return [(k, v) for k, v in headers if k in keep]


async def send_page(scope: Scope, send: Send, page: CachedPage) -> None:
    if not_modified(scope, page):
        await send(
            {"type": "http.response.start", "status": 304, "headers": _validators(page.headers)}
        )
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [*page.headers, (b"content-length", str(len(page.body)).encode())]
    await send({"type": "http.response.start", "status": page.status, "headers": headers})
    await send({"type": "http.response.body", "body": page.body})


def _is_shareable_response(message: Message) -> bool:
    """A plain 200 whose only cookie is the CSRF cookie every first visit gets (the
    page itself was rendered without a token, see security.csrf_token)."""
    if message["status"] != 200:
        return False
    for key, value in message.get("headers", ()):
        name = key.lower()
        if name == b"cache-control":
            return False  # the handler decided for itself
        if name == b"set-cookie" and not value.startswith(_CSRF_SET_COOKIE):
            return False
    return True


def _with_no_store(message: Message) -> None:
    headers = list(message.get("headers", ()))
    if not any(k.lower() == b"cache-control" for k, _ in headers):
        headers.append((b"cache-control", NO_STORE))
    message["headers"] = headers


def _follows_clock(path: str) -> bool:
    # Today's feed and trending change with the time of day as well as the data.
    return not path.startswith(NEGOTIATED)


class PageCacheMiddleware:
    """Pure ASGI, outermost, so a cached page costs one version read and no routing.
    ``share``: answer anonymous public pages from the cache; ``memo``: hand the version
    to every GET, so personal pages reuse memoised data (web/data_cache.py)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        store: Store,
        share: bool,
        memo: bool,
        max_bytes: int,
        bucket_seconds: int,
        max_age: int,
    ) -> None:
        self.app = app
        self.versions = PageVersionReader(store)
        self.share, self.memo = share, memo
        self.pages = PageLru(max_bytes)
        self.bucket_seconds = bucket_seconds
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
        elif self.share and is_shareable_request(scope):
            await self._shared(scope, receive, send)
        elif self.memo and scope["method"] == "GET":
            # Personal pages are rendered every time, from data memoised at this version.
            with request_version(self.versions.read().version):
                await self.app(scope, receive, _private(send))
        else:
            await self.app(scope, receive, _private(send))

    async def _shared(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A blocking read on the event loop: one primary-key row on a kept connection,
        # far cheaper than a hop to the thread pool (docs/performance.md has its cost).
        version = self.versions.read()
        bucket = int(time.time() // self.bucket_seconds)
        path = scope["path"]
        markdown = path.startswith(NEGOTIATED) and wants_markdown(_header(scope, b"accept"))
        key = (path, scope["query_string"], markdown, version.version, bucket)
        page = self.pages.get(key)
        if page is None:
            page = await self._render(scope, receive, send, version, bucket)
            if page is None:
                return  # not shareable after all: already sent as it was
            self.pages.put(key, page)
        await send_page(scope, send, page)

    async def _render(
        self, scope: Scope, receive: Receive, send: Send, version: PageVersion, bucket: int
    ) -> CachedPage | None:
        scope.setdefault("state", {})["shared_page"] = True
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and _is_shareable_response(message):
                start = message
            elif start is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            else:
                if message["type"] == "http.response.start":
                    _with_no_store(message)
                await send(message)

        with request_version(version.version):
            await self.app(scope, receive, capture)
        if start is None:
            return None
        body = b"".join(chunks)
        path = scope["path"]
        changed = version.changed_at
        if _follows_clock(path):
            changed = max(changed, datetime.fromtimestamp(bucket * self.bucket_seconds, UTC))
        etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
        headers = public_headers(
            start.get("headers", ()),
            etag=etag,
            last_modified=changed,
            max_age=self.max_age,
            negotiated=path.startswith(NEGOTIATED),
        )
        key_size = len(path) + len(scope["query_string"])
        return CachedPage(start["status"], headers, body, etag, changed, key_size)


def _private(send: Send) -> Send:
    async def send_private(message: Message) -> None:
        if message["type"] == "http.response.start":
            _with_no_store(message)
        await send(message)

    return send_private
