"""When a subscription is due: periods in the subscriber's own time zone.

A period is the unit a subscriber gets at most one digest for: a local calendar day
("2026-11-27") for daily and weekday subscriptions, an ISO week ("2026-W48") for weekly
ones. The period key is part of the outbox idempotency key.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from paperscope.store.subscriptions import SubscriptionSpec

FREQUENCIES = ("daily", "weekdays", "weekly")


def zone(name: str) -> ZoneInfo:
    """The time zone, or a ValueError that names it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use a name like Europe/Paris)") from exc


def current_period(spec: SubscriptionSpec, now: datetime) -> str | None:
    """The period ``now`` falls in, or None when this subscription has no period then
    (a weekend day for a weekdays subscription)."""
    local = now.astimezone(zone(spec.time_zone))
    if spec.frequency == "weekly":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if spec.frequency == "weekdays" and local.weekday() >= 5:
        return None
    return local.date().isoformat()


def send_time_reached(spec: SubscriptionSpec, now: datetime) -> bool:
    """Has the chosen local send time of the current period passed?"""
    local = now.astimezone(zone(spec.time_zone))
    day = local.date()
    if spec.frequency == "weekly":
        day = day - timedelta(days=local.weekday() - spec.weekly_day)
    at = datetime.combine(day, time(spec.send_hour, spec.send_minute), tzinfo=local.tzinfo)
    return local >= at


def due_period(
    spec: SubscriptionSpec, last_period: str | None, now: datetime, *, force: bool = False
) -> str | None:
    """The period to build a digest for now, or None. ``force`` ignores the time of day
    (and the day of the week for weekly subscriptions), never the once-per-period rule."""
    period = current_period(spec, now)
    if period is None or period == last_period:
        return None
    if not force and not send_time_reached(spec, now):
        return None
    return period


def period_length(spec: SubscriptionSpec) -> timedelta:
    """How far back the first digest of a new subscription looks."""
    return timedelta(days=7) if spec.frequency == "weekly" else timedelta(days=1)
