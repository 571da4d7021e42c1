"""Feed periods in URLs: paperscope.periods, with a malformed date, week or month
answered as a 422 that names the expected form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from paperscope import periods
from paperscope.periods import (
    Period,
    PeriodError,
    PeriodKind,
    day_period,
    month_period,
    week_period,
)
from paperscope.web.errors import invalid_field

__all__ = [
    "Period",
    "PeriodKind",
    "day_period",
    "month_period",
    "parse_day",
    "parse_month",
    "parse_week",
    "period_of",
    "switched_period",
    "week_period",
]


def _parsed(parse: Callable[[str], Period], value: str, field: str) -> Period:
    try:
        return parse(value)
    except PeriodError as exc:
        raise invalid_field(field, str(exc), kind=f"{exc.kind}_parsing") from None
    except OverflowError:
        # The last days of year 9999: the period's end falls off the calendar.
        raise invalid_field(
            field, f"{value} is too far in the future.", kind="out_of_range"
        ) from None


def parse_day(value: str) -> Period:
    return _parsed(periods.parse_day, value, "date")


def parse_week(value: str) -> Period:
    return _parsed(periods.parse_week, value, "week")


def parse_month(value: str) -> Period:
    return _parsed(periods.parse_month, value, "month")


def switched_period(period: Period, kind: PeriodKind, *, today: date) -> Period | None:
    """Where the Day / Week / Month switch leads from ``period``: the ``kind`` of period
    holding the current one's anchor day.

    * When ``period`` holds today, the anchor is today: from the current month "Day" is
      today and "Week" this week, never a day still to come.
    * Otherwise a day anchors itself and a month or week its first day, except that a
      week counts in the month holding its Thursday, as ISO 8601 counts weeks in years:
      a month's "Week" is the week of its first Thursday (April 2023's is 3-9 April, not
      27 March - 2 April), a week's "Month" the month of its Thursday, its "Day" its
      Monday.

    None when that period falls off the calendar (the ISO week of 31 December 9999
    ends in year 10000).
    """
    if kind == period.kind:
        return period
    holds_today = period.start <= today <= period.end
    try:
        if holds_today or period.kind == "day" or kind == "day":
            return period_of(kind, today if holds_today else period.start)
        return period_of(kind, period.start + timedelta(days=3))
    except OverflowError:
        return None


def period_of(kind: PeriodKind, day: date) -> Period:
    """The day, ISO week or month holding ``day`` (OverflowError past the calendar)."""
    if kind == "day":
        return day_period(day)
    return week_period(day) if kind == "week" else month_period(day)
