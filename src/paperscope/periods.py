"""Feed periods: a day, an ISO week (2024-W43) or a month (2024-10), parsed from the
spellings people type and stepped forwards and backwards. Shared by the web pages, the
Python API and the MCP tools, so a period means the same everywhere."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PeriodKind = Literal["day", "week", "month"]


class PeriodError(ValueError):
    """A date, week or month that cannot be read; the message shows the expected form."""

    def __init__(self, kind: str, value: str, example: str, *, name: str = "") -> None:
        what = f"{kind} for {name}" if name else kind
        super().__init__(f"Not a valid {what}: {value!r}. Use the form {example}.")
        self.kind = kind
        self.value = value


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        # Years zero-padded to the four digits the parsers read: strftime's %Y is not
        # padded on every platform (year 1 gives "1", not "0001").
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year:04d}-W{week:02d}"
        return f"{self.start.year:04d}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == "day":
            return f"{self.start:%A} {self.start.day} {self.start:%B %Y}"
        if self.kind == "week":
            span = f"{self.start.day} {self.start:%b} – {self.end.day} {self.end:%b %Y}"
            return f"Week {self.key[-2:]}: {span}"
        return f"{self.start:%B %Y}"

    @property
    def path(self) -> str:
        return f"/daily/{self.kind}/{self.key}" if self.kind != "day" else f"/daily/{self.key}"

    def step(self, direction: int) -> Period:
        """The period ``direction`` steps away; PeriodError past year 1 or 9999."""
        found = self.adjacent(direction)
        if found is None:
            raise PeriodError(self.kind, self.key, "a period between year 1 and year 9999")
        return found

    def adjacent(self, direction: int) -> Period | None:
        """The period ``direction`` steps away, or None when it falls outside the
        calendar Python can represent (before year 1 or after year 9999)."""
        try:
            if self.kind == "day":
                return day_period(self.start + timedelta(days=direction))
            if self.kind == "week":
                return week_period(self.start + timedelta(weeks=direction))
            month = self.start.month - 1 + direction
            return month_period(date(self.start.year + month // 12, month % 12 + 1, 1))
        except (OverflowError, ValueError):
            return None


def day_period(day: date) -> Period:
    return Period("day", day, day)


def week_period(any_day: date) -> Period:
    """The ISO week of ``any_day``; OverflowError for the weeks that straddle year 1
    or year 9999, whose Monday or Sunday Python cannot represent."""
    start = any_day - timedelta(days=any_day.weekday())
    return Period("week", start, start + timedelta(days=6))


def month_period(any_day: date) -> Period:
    start = any_day.replace(day=1)
    last = calendar.monthrange(start.year, start.month)[1]
    return Period("month", start, start.replace(day=last))


def parse_date(value: str, *, name: str = "") -> date:
    """A day typed as 2024-10-25 (spaces around it ignored): the one date reader of
    the command line, the Python API and the pages. ``name`` (an option or argument)
    is named in the error."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError("date", value, "2024-10-25", name=name) from None


def parse_day(value: str) -> Period:
    return day_period(parse_date(value))


def parse_week(value: str) -> Period:
    m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", value.strip(), re.IGNORECASE)
    try:
        if not m:
            raise ValueError(value)
        return week_period(date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1))
    except (ValueError, OverflowError):
        # 9999-W52 ends in year 10000, which no date can hold.
        raise PeriodError("week", value, "2024-W43 (years 1 to 9999)") from None


def parse_month(value: str) -> Period:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
    try:
        if not m:
            raise ValueError(value)
        return month_period(date(int(m.group(1)), int(m.group(2)), 1))
    except ValueError:
        raise PeriodError("month", value, "2024-10") from None
