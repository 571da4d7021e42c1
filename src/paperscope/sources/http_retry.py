"""What every polite HTTP client here shares: reading a server's Retry-After, the
backoff when it gives none, and naming a transport failure for the user."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

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
