"""Feed periods in URLs: paperscope.periods, with a malformed date, week or month
answered as a 422 that names the expected form."""

from __future__ import annotations

from collections.abc import Callable

from paperscope import periods
from paperscope.periods import (
    Period,
    PeriodError,
    PeriodKind,
    day_period,
    month_period,
    week_period,
)
from paperscope.web.errors import ApiError

__all__ = [
    "Period",
    "PeriodKind",
    "day_period",
    "month_period",
    "parse_day",
    "parse_month",
    "parse_week",
    "week_period",
]


def _parsed(parse: Callable[[str], Period], value: str) -> Period:
    try:
        return parse(value)
    except PeriodError as exc:
        raise ApiError(
            422, "invalid_request", str(exc), {"field": exc.kind, "value": exc.value}
        ) from None
    except OverflowError:
        # The last days of year 9999: the period's end falls off the calendar.
        raise ApiError(
            422, "invalid_request", f"{value} is too far in the future.", {"value": value}
        ) from None


def parse_day(value: str) -> Period:
    return _parsed(periods.parse_day, value)


def parse_week(value: str) -> Period:
    return _parsed(periods.parse_week, value)


def parse_month(value: str) -> Period:
    return _parsed(periods.parse_month, value)
