"""A polite HTTP client for arXiv: a pause between requests, a descriptive
User-Agent, and bounded retries of transient failures.

Transient: connection refused or reset, timeouts, HTTP 5xx, 429/503 with Retry-After,
and a body that does not parse (a download cut short). Each retry waits for the
server's Retry-After (capped) or an exponential backoff with jitter; after
``harvest_max_retries`` the request fails with ``HarvestStopped`` instead of looping."""

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
    backoff_seconds,
    describe_transport_error,
    retry_after_seconds,
)

T = TypeVar("T")


class HarvestError(Exception):
    """A harvest problem explained for the user (what failed, what to do)."""


class HarvestStopped(HarvestError):
    """The server stayed unreachable or broken through every retry."""


RetryCallback = Callable[[str, float], None]


def user_agent(settings: Settings) -> str:
    contact = (
        f" (+mailto:{settings.harvest_contact_email})" if settings.harvest_contact_email else ""
    )
    return f"paperscope/{__version__}{contact}"


class _Transient(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


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
        max_retries = self.settings.harvest_max_retries
        for attempt in range(max_retries + 1):
            self._pause(self.settings.harvest_delay_seconds)
            try:
                return self._attempt(url, params, parse)
            except _Transient as failure:
                if attempt == max_retries:
                    raise HarvestStopped(
                        f"{url} still failing after {max_retries} retries ({failure.reason})"
                    ) from None
                wait = self._wait_for(failure, attempt)
                self.retries += 1
                if self._on_retry:
                    self._on_retry(failure.reason, wait)
                if wait > 0:
                    time.sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")

    def _attempt(self, url: str, params: dict[str, str], parse: Callable[[bytes], T]) -> T:
        self._last_request = time.monotonic()
        try:
            response = self._client.get(url, params=params)
        except httpx.TransportError as exc:
            raise _Transient(describe_transport_error(exc)) from exc
        if response.status_code in RETRY_STATUSES:
            raise _Transient(
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
            raise _Transient(f"damaged response: {exc}") from exc

    def _wait_for(self, failure: _Transient, attempt: int) -> float:
        cap = self.settings.harvest_max_wait_seconds
        if failure.wait is not None:
            return min(failure.wait, cap)
        return backoff_seconds(
            first=self.settings.harvest_backoff_seconds, attempt=attempt, cap=cap
        )

    def _pause(self, seconds: float) -> None:
        if self._last_request is None or seconds <= 0:
            return
        remaining = self._last_request + seconds - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
