"""What every polite HTTP client here shares: the bounded retry loop, reading a
server's Retry-After, the backoff when it gives none, and naming a transport failure
for the user."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx

T = TypeVar("T")

# Responses that say "try again later" rather than "your request is wrong".
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date.
    None when absent or unreadable (the caller then backs off on its own)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(*, first: float, attempt: int, cap: float) -> float:
    """Exponential backoff from ``first``, doubled per attempt, capped. The jitter
    spreads out clients that failed together so they do not return together."""
    return min(first * float(2**attempt) * (0.5 + random.random()), cap)


def describe_transport_error(exc: httpx.TransportError) -> str:
    kind = {
        httpx.ConnectError: "cannot connect",
        httpx.ConnectTimeout: "connection timed out",
        httpx.ReadTimeout: "no answer in time",
        httpx.RemoteProtocolError: "connection dropped mid-response",
        httpx.ReadError: "connection broken while reading",
    }.get(type(exc), type(exc).__name__)
    detail = str(exc).strip()
    return f"{kind}: {detail}" if detail else kind


class Transient(Exception):
    """A failure worth another try: why (for the user), how long the server asked us
    to wait (None: back off on our own), and whether the body came back damaged."""

    def __init__(self, reason: str, wait: float | None = None, *, damaged: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.damaged = damaged


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int
    first_backoff: float  # seconds before the first retry when the server names none
    max_wait: float  # cap on any one wait, the server's Retry-After included

    def wait_for(self, failure: Transient, attempt: int) -> float:
        if failure.wait is not None:
            return min(failure.wait, self.max_wait)
        return backoff_seconds(first=self.first_backoff, attempt=attempt, cap=self.max_wait)


def with_retries(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy,
    on_retry: Callable[[str, float], None],
    give_up: Callable[[Transient], Exception],
) -> T:
    """``attempt()``, tried again after each Transient failure up to
    ``policy.max_retries`` times; then the exception ``give_up`` makes of the last
    failure is raised, so a dead server ends the run instead of looping."""
    for tries in range(policy.max_retries + 1):
        try:
            return attempt()
        except Transient as failure:
            if tries == policy.max_retries:
                raise give_up(failure) from None
            wait = policy.wait_for(failure, tries)
            on_retry(failure.reason, wait)
            if wait > 0:
                time.sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")
