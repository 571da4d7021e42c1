"""A polite HTTP client for arXiv: a pause between requests, a descriptive
User-Agent, and bounded retries of transient failures.

Transient: connection refused or reset, timeouts, HTTP 5xx, 429/503 with Retry-After,
and a body that does not parse (a download cut short). Each retry waits for the
server's Retry-After (capped) or an exponential backoff with jitter; after
``harvest_max_retries`` the request fails with ``HarvestStopped`` instead of looping.
An address that is not http(s) with a host fails at once: no retry can fix it."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

import httpx

from paperscope import __version__
from paperscope.config import Settings
from paperscope.sources.arxiv_api import FeedError
from paperscope.sources.arxiv_oai import MalformedXml
from paperscope.sources.http_retry import (
    RETRY_STATUSES,
    RetryPolicy,
    Transient,
    describe_transport_error,
    retry_after_seconds,
    with_retries,
)

T = TypeVar("T")


class HarvestError(Exception):
    """A harvest problem explained for the user (what failed, what to do)."""


class HarvestStopped(HarvestError):
    """The server stayed unreachable or broken through every retry."""


RetryCallback = Callable[[str, float], None]


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` cannot be an endpoint (not http or https, no host), or None."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        return f"{url!r} is not a valid address ({exc})"
    if parsed.scheme not in ("http", "https"):
        return f"{url!r} is not an http:// or https:// address"
    if not parsed.host:
        return f"{url!r} has no host name"
    return None


def check_endpoint(url: str) -> None:
    """Raise HarvestError when ``url`` cannot be an endpoint."""
    problem = endpoint_problem(url)
    if problem:
        raise HarvestError(f"{problem}; give the endpoint as http(s)://host/path")


def user_agent(settings: Settings) -> str:
    contact = (
        f" (+mailto:{settings.harvest_contact_email})" if settings.harvest_contact_email else ""
    )
    return f"paperscope/{__version__}{contact}"


class PoliteClient:
    """One harvest's connection to arXiv. Use as a context manager."""

    def __init__(self, *, settings: Settings, on_retry: RetryCallback | None = None) -> None:
        self.settings = settings
        self.retries = 0
        self._on_retry = on_retry
        self._last_request: float | None = None
        timeout = settings.harvest_timeout_seconds
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 30.0)),
            headers={"User-Agent": user_agent(settings)},
            follow_redirects=True,
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._client.close()

    def get(self, url: str, params: dict[str, str], *, parse: Callable[[bytes], T]) -> T:
        """GET ``url`` and parse the body, retrying transient failures."""
        check_endpoint(url)
        max_retries = self.settings.harvest_max_retries

        def attempt() -> T:
            self._pause(self.settings.harvest_delay_seconds)
            return self._attempt(url, params, parse)

        def give_up(failure: Transient) -> Exception:
            return HarvestStopped(
                f"{url} still failing after {max_retries} retries ({failure.reason})"
            )

        policy = RetryPolicy(
            max_retries=max_retries,
            first_backoff=self.settings.harvest_backoff_seconds,
            max_wait=self.settings.harvest_max_wait_seconds,
        )
        return with_retries(attempt, policy=policy, on_retry=self._retried, give_up=give_up)

    def _retried(self, reason: str, wait: float) -> None:
        self.retries += 1
        if self._on_retry:
            self._on_retry(reason, wait)

    def _attempt(self, url: str, params: dict[str, str], parse: Callable[[bytes], T]) -> T:
        self._last_request = time.monotonic()
        try:
            response = self._client.get(url, params=params)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            # A wrong address, not a network blip: retrying cannot fix it.
            raise HarvestError(f"{url}: {exc}; check the address") from exc
        except httpx.TransportError as exc:
            raise Transient(describe_transport_error(exc)) from exc
        if response.status_code in RETRY_STATUSES:
            raise Transient(
                f"HTTP {response.status_code}",
                retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code != 200:
            snippet = " ".join(response.text[:200].split())
            raise HarvestError(
                f"{response.url} answered HTTP {response.status_code} ({snippet}); "
                "check the address and the options"
            )
        try:
            return parse(response.content)
        except (MalformedXml, FeedError) as exc:
            raise Transient(f"damaged response: {exc}") from exc

    def _pause(self, seconds: float) -> None:
        if self._last_request is None or seconds <= 0:
            return
        remaining = self._last_request + seconds - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
