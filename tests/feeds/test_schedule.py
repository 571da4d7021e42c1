"""When subscriptions are due: periods in the subscriber's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paperscope.feeds.schedule import (
    current_period,
    due_period,
    period_length,
    send_time_reached,
    zone,
)
from paperscope.store.subscriptions import SubscriptionSpec

# Friday 27 November 2026, 23:30 UTC: already Saturday in Tokyo, still Friday in New York.
FRIDAY_LATE = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)


def test_daily_period_is_the_local_calendar_day() -> None:
    assert current_period(SubscriptionSpec(time_zone="UTC"), FRIDAY_LATE) == "2026-11-27"
    assert current_period(SubscriptionSpec(time_zone="Asia/Tokyo"), FRIDAY_LATE) == "2026-11-28"
    new_york = SubscriptionSpec(time_zone="America/New_York")
    assert current_period(new_york, FRIDAY_LATE) == "2026-11-27"


def test_weekdays_have_no_period_on_a_local_weekend() -> None:
    spec = SubscriptionSpec(frequency="weekdays", time_zone="Asia/Tokyo")
    assert current_period(spec, FRIDAY_LATE) is None  # Saturday in Tokyo
    assert current_period(SubscriptionSpec(frequency="weekdays"), FRIDAY_LATE) == "2026-11-27"


def test_weekly_period_is_the_iso_week_including_across_new_year() -> None:
    spec = SubscriptionSpec(frequency="weekly")
    assert current_period(spec, FRIDAY_LATE) == "2026-W48"
    # 1 January 2027 is a Friday of ISO week 2026-W53.
    assert current_period(spec, datetime(2027, 1, 1, 12, tzinfo=UTC)) == "2026-W53"


def test_send_time_is_local() -> None:
    spec = SubscriptionSpec(send_hour=8, time_zone="Europe/Paris")  # 07:00 UTC in winter
    morning = datetime(2026, 11, 27, 6, 59, tzinfo=UTC)
    assert not send_time_reached(spec, morning)
    assert send_time_reached(spec, morning + timedelta(minutes=1))


def test_weekly_send_time_waits_for_the_chosen_weekday() -> None:
    spec = SubscriptionSpec(frequency="weekly", weekly_day=4, send_hour=9)  # Friday 09:00
    assert not send_time_reached(spec, datetime(2026, 11, 26, 12, tzinfo=UTC))  # Thursday
    assert send_time_reached(spec, datetime(2026, 11, 27, 9, tzinfo=UTC))
    assert send_time_reached(spec, datetime(2026, 11, 29, 9, tzinfo=UTC))  # Sunday, same week


def test_due_once_per_period_and_force_skips_only_the_time_of_day() -> None:
    spec = SubscriptionSpec(send_hour=8)
    early = datetime(2026, 11, 27, 6, tzinfo=UTC)
    late = datetime(2026, 11, 27, 9, tzinfo=UTC)
    assert due_period(spec, None, early) is None
    assert due_period(spec, None, early, force=True) == "2026-11-27"
    assert due_period(spec, None, late) == "2026-11-27"
    assert due_period(spec, "2026-11-27", late) is None
    assert due_period(spec, "2026-11-27", late, force=True) is None
    assert due_period(spec, "2026-11-27", late + timedelta(days=1)) == "2026-11-28"


def test_period_length() -> None:
    assert period_length(SubscriptionSpec()) == timedelta(days=1)
    assert period_length(SubscriptionSpec(frequency="weekly")) == timedelta(days=7)


def test_unknown_time_zone_is_named() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        zone("Mars/Olympus")
