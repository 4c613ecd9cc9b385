"""Durations and dose times, with calendar months done right.

"Monthly" means a calendar month: the same day of the month, clipped to the month's last day
(2025-01-31 + 1 month = 2025-02-28), always counted from the anchor date rather than step by step,
so Jan 31 monthly ×4 is Jan 31, Feb 28, Mar 31, Apr 30. It is not pint's month (30.4375 days) and
not 28 days (that is q4w). Day offsets of month-based doses therefore depend on the start date:
a :class:`DoseTime` keeps the months symbolic until it is applied to a date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from celldose.protocols._errors import CelldoseError

DurationUnit = Literal["day", "week", "month", "year"]

_UNIT_WORDS: dict[str, DurationUnit] = {
    "d": "day",
    "day": "day",
    "days": "day",
    "w": "week",
    "wk": "week",
    "wks": "week",
    "week": "week",
    "weeks": "week",
    "mo": "month",
    "month": "month",
    "months": "month",
    "y": "year",
    "yr": "year",
    "yrs": "year",
    "year": "year",
    "years": "year",
}
MAX_DAYS = 36525  # 100 years: the longest duration, delay or course celldose plans for
_LONGEST: dict[str, int] = {"day": MAX_DAYS, "week": 5218, "month": 1200, "year": 100}
_DURATION_RE = re.compile(r"^\s*(\d+)\s*-?\s*([A-Za-z]+)\s*$")


def add_months(date: dt.date, months: int) -> dt.date:
    """Add calendar months, clipping to the last day of the month (dateutil's rule)."""
    from dateutil.relativedelta import relativedelta

    result: dt.date = date + relativedelta(months=months)
    return result


@lru_cache(maxsize=256)
def months_day_range(months: int) -> tuple[int, int]:
    """The fewest and most days that ``months`` calendar months can span, over all start dates
    (computed once per number of months: a file checks it for every arm and window)."""
    spans = []
    for year in (2023, 2024):  # a common year and a leap year cover every case
        for month in range(1, 13):
            for day in (1, 28, 29, 30, 31):
                try:
                    start = dt.date(year, month, day)
                except ValueError:
                    continue
                spans.append((add_months(start, months) - start).days)
    return min(spans), max(spans)


class Duration(BaseModel):
    """A whole number of days, weeks, calendar months or years (``"4 weeks"``, ``"12 months"``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    amount: int
    unit: DurationUnit

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            return parse_duration(data).model_dump()
        return data

    @model_validator(mode="after")
    def _non_negative(self) -> Duration:
        if self.amount < 0:
            raise ValueError(f"a duration cannot be negative ({self.amount} {self.unit}s)")
        if self.amount > _LONGEST[self.unit]:
            raise ValueError(
                f"{self.amount} {self.unit}s is longer than celldose plans for (at most 100 years)"
            )
        return self

    @property
    def is_calendar(self) -> bool:
        """True for months and years, whose length in days depends on the date."""
        return self.unit in ("month", "year")

    @property
    def months(self) -> int:
        if not self.is_calendar:
            raise ValueError("not a calendar duration")
        return self.amount * (12 if self.unit == "year" else 1)

    @property
    def days(self) -> int:
        if self.is_calendar:
            raise ValueError("a calendar duration has no fixed number of days")
        return self.amount * (7 if self.unit == "week" else 1)

    def day_range(self) -> tuple[int, int]:
        """The shortest and longest this duration can be, in days, over all start dates."""
        if not self.is_calendar:
            return self.days, self.days
        return months_day_range(self.months)

    def as_time(self) -> DoseTime:
        if self.is_calendar:
            return DoseTime.zero().plus_months(self.months)
        return DoseTime.zero().plus_days(self.days)

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"


def parse_duration(text: str) -> Duration:
    """``"4 weeks"``, ``"28d"``, ``"12 months"`` -> :class:`Duration`."""
    match = _DURATION_RE.match(text)
    unit = _UNIT_WORDS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise DurationError(text)
    if len(match.group(1)) > 6:
        raise DurationError(text, f"the duration {text!r} is out of range")
    try:
        return Duration(amount=int(match.group(1)), unit=unit)
    except ValidationError as exc:
        message = str(exc.errors()[0].get("msg", "")).removeprefix("Value error, ")
        raise DurationError(text, f"cannot use the duration {text!r}: {message}") from None


class DurationError(CelldoseError, ValueError):
    def __init__(
        self,
        text: str,
        problem: str = "",
        hint: str = "write a whole number and a unit: 30 days, 4 weeks, 6 months, 1 year",
    ) -> None:
        super().__init__(problem or f"cannot read the duration {text!r}", hint)

    @classmethod
    def past_calendar(cls, start: dt.date, time: DoseTime) -> DurationError:
        return cls(
            str(time),
            f"a dose {time} after {start.isoformat()} falls past the year 9999",
            "check the start date and the interval",
        )


@dataclass(frozen=True, order=True)
class DoseTime:
    """When a dose falls, from the first dose: days and calendar months, applied in order.

    Doses of a day-based regimen are just days (``DoseTime.zero().plus_days(14)``). Month steps
    are kept symbolic, because the number of days they span depends on the start date.
    """

    parts: tuple[tuple[Literal["d", "m"], int], ...] = ()

    @staticmethod
    def zero() -> DoseTime:
        return DoseTime(())

    @staticmethod
    def of_days(days: int) -> DoseTime:
        """``DoseTime.zero().plus_days(days)`` for ``days`` > 0, its one field set at once (a
        frozen dataclass's ``__init__`` costs more, felt by a course of thousands of doses)."""
        time = object.__new__(DoseTime)
        time.__dict__["parts"] = (("d", days),)
        return time

    def _plus(self, kind: Literal["d", "m"], amount: int) -> DoseTime:
        if amount == 0:
            return self
        if self.parts and self.parts[-1][0] == kind:
            merged = self.parts[-1][1] + amount
            rest = self.parts[:-1]
            return DoseTime(rest + ((kind, merged),) if merged else rest)
        return DoseTime(self.parts + ((kind, amount),))

    def plus_days(self, days: int) -> DoseTime:
        return self._plus("d", days)

    def plus_months(self, months: int) -> DoseTime:
        return self._plus("m", months)

    def plus(self, other: DoseTime) -> DoseTime:
        result = self
        for kind, amount in other.parts:
            result = result._plus(kind, amount)
        return result

    @property
    def has_months(self) -> bool:
        return any(kind == "m" for kind, _ in self.parts)

    @property
    def days(self) -> int | None:
        """The offset in days, or None when it depends on the start date (calendar months)."""
        if self.has_months:
            return None
        return sum(amount for _, amount in self.parts)

    @property
    def mean_days(self) -> float:
        """The offset in days, months counted at their mean length (365.25 / 12 days)."""
        return sum(amount * (30.4375 if kind == "m" else 1) for kind, amount in self.parts)

    def date(self, start: dt.date) -> dt.date:
        """The calendar date of this dose for a course whose first dose is on ``start``."""
        try:
            return _date(self.parts, start)
        except (OverflowError, ValueError):
            raise DurationError.past_calendar(start, self) from None

    def day_on(self, start: dt.date) -> int:
        return (self.date(start) - start).days

    def __str__(self) -> str:
        if not self.parts:
            return "day 0"
        if len(self.parts) == 1 and self.parts[0][0] == "d":  # most doses: one step of days
            return f"day {self.parts[0][1]}"
        if not self.has_months:
            return f"day {self.days}"
        words = []
        for kind, amount in self.parts:
            unit = "month" if kind == "m" else "day"
            words.append(f"{amount} {unit}{'' if abs(amount) == 1 else 's'}")
        return "+" + " + ".join(words)


@lru_cache(maxsize=4096)
def _date(parts: tuple[tuple[Literal["d", "m"], int], ...], start: dt.date) -> dt.date:
    """The date of ``parts`` applied in order to ``start``. Cached by prefix: the doses of a
    phase share the parts of the phase's start, so dating every dose of a many-phase regimen
    is linear in the number of doses, not in doses × phases."""
    if not parts:
        return start
    before = _date(parts[:-1], start)
    kind, amount = parts[-1]
    return before + dt.timedelta(days=amount) if kind == "d" else add_months(before, amount)
