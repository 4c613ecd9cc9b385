"""One phase of a regimen: its way of spacing doses, how many, and the time of each dose.

The rules (the ways of spacing, count or duration and its end-exclusive boundary, "not
reported") are those of the regimen, documented in ``_regimen.py``; a regimen chains phases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from celldose.protocols._calendar import MAX_DAYS, DoseTime, Duration
from celldose.protocols._dose import Dose
from celldose.protocols._errors import NotReportedError
from celldose.protocols._interval_range import RANGE_TEXT, IntervalRange, Which
from celldose.protocols._weekdays import (
    WeekdayName,
    listed_text,
    normalize,
    numbers,
    pattern_offset,
    smallest_gap,
)

NotReported = Literal["not reported"]
NOT_REPORTED: NotReported = "not reported"

MAX_DOSES = 10_000


class FrequencyRange(BaseModel):
    """A frequency reported as a range (once or twice weekly): never collapsed to one value."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    min: int = Field(ge=1, le=7)
    max: int = Field(ge=1, le=7)

    @model_validator(mode="after")
    def _ordered(self) -> FrequencyRange:
        if self.min >= self.max:
            raise ValueError(
                f"a frequency range needs min < max (got {self.min} to {self.max}); "
                "for a single frequency write times_per_week: N"
            )
        return self


def _every_kind(value: Any) -> str:
    """Which kind of ``every`` a value is, so that an error speaks of that kind only (the tags
    are capitalized like a model's name: a protocol file's error path leaves them out)."""
    if isinstance(value, IntervalRange):
        return "IntervalRange"
    if isinstance(value, dict) and ("min" in value or "max" in value):
        return "IntervalRange"
    if isinstance(value, str):
        if value == NOT_REPORTED:
            return "NotReported"
        if RANGE_TEXT.match(value):
            return "IntervalRange"
    return "Duration"


Every = Annotated[
    Annotated[Duration, Tag("Duration")]
    | Annotated[IntervalRange, Tag("IntervalRange")]
    | Annotated[NotReported, Tag("NotReported")],
    Discriminator(_every_kind),
]


def week_pattern(times: int) -> tuple[int, ...]:
    """The day of the week of each of ``times`` weekly doses: evenly spread, starting on day 0.

    >>> week_pattern(2), week_pattern(3)
    ((0, 3), (0, 2, 4))
    """
    return tuple((i * 7) // times for i in range(times))


def default_spacing(times: int) -> int:
    """The smallest gap of :func:`week_pattern`: 3 days for twice weekly, 2 for three times."""
    return 7 // times


class Phase(BaseModel):
    """One phase of a regimen. See the module docstring for the rules."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    dose: Dose | NotReported | None = Field(
        default=None,
        description="Dose of each administration; omitted: the previous phase's or the protocol's.",
    )
    every: Every | None = Field(
        default=None,
        description="Fixed interval between doses, e.g. '4 weeks' or '1 month', or a range "
        "'3 to 6 months' ({min: 3 months, max: 6 months}).",
    )
    times_per_week: Annotated[int, Field(ge=1, le=7)] | FrequencyRange | None = Field(
        default=None, description="Doses per week (2 = twice weekly), or {min: 1, max: 2}."
    )
    min_spacing: Duration | None = Field(
        default=None, description="Minimum gap between doses of a times_per_week phase."
    )
    days: tuple[int, ...] | None = Field(
        default=None, description="Explicit day offsets from the phase's first dose."
    )
    weekdays: tuple[WeekdayName, ...] | None = Field(
        default=None,
        description="Days of the week doses fall on, every week (Monday, Mon, Mondays); the "
        "first dose falls on the first listed weekday on or after the phase's start.",
    )
    count: int | NotReported | None = Field(
        default=None, description="Total number of doses in the phase."
    )
    duration: Duration | NotReported | None = Field(
        default=None,
        description="Length of the phase; doses strictly before its end are given.",
    )
    wait: Duration | None = Field(
        default=None, description="Time from the previous phase's last dose to this phase's first."
    )

    @model_validator(mode="before")
    @classmethod
    def _days_carry_the_count(cls, data: Any) -> Any:
        """``days`` already give the count: a matching count is dropped, so forms compare equal."""
        if isinstance(data, dict) and data.get("days") is not None:
            days, count = data["days"], data.get("count")
            if isinstance(count, int) and isinstance(days, list | tuple) and count == len(days):
                data = {k: v for k, v in data.items() if k != "count"}
        return data

    @model_validator(mode="before")
    @classmethod
    def _weekdays_carry_the_frequency(cls, data: Any) -> Any:
        """Weekdays give the spacing: a frequency that agrees with them ('twice weekly on
        Tue/Fri', 'weekly on Wednesday') is dropped, so the forms compare equal; one that does
        not agree is refused."""
        if not isinstance(data, dict) or data.get("weekdays") is None:
            return data
        raw = data["weekdays"]
        listed = normalize([raw] if isinstance(raw, str) else list(raw))
        data = {**data, "weekdays": listed}
        shown = listed_text(listed)
        tpw = data.get("times_per_week")
        if tpw is not None:
            if not isinstance(tpw, int) or isinstance(tpw, bool):
                raise ValueError(
                    f"a range of doses a week does not go with listed weekdays ({shown})"
                )
            if tpw != len(listed):
                raise ValueError(
                    f"{tpw} doses a week do not match the {len(listed)} weekday"
                    f"{'' if len(listed) == 1 else 's'} listed ({shown}): list one weekday "
                    "per dose a week"
                )
            data = {k: v for k, v in data.items() if k != "times_per_week"}
        every = data.get("every")
        if every is not None:
            try:
                interval = str(Duration.model_validate(every))
            except ValueError:
                interval = str(every)
            if interval != "1 week" or len(listed) != 1:
                raise ValueError(
                    f"an interval of {interval} does not go with the weekdays listed "
                    f"({shown}): give the weekdays alone (on {shown}), or one weekday with "
                    "weekly"
                )
            data = {k: v for k, v in data.items() if k != "every"}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Phase:
        ways = [
            name
            for name in ("every", "times_per_week", "days", "weekdays")
            if getattr(self, name) is not None
        ]
        if len(ways) > 1:
            raise ValueError(f"give one way of spacing doses, not {' and '.join(ways)}")
        if self.count is not None and self.duration is not None:
            raise ValueError("give count or duration, not both")
        if isinstance(self.count, int) and not 1 <= self.count <= MAX_DOSES:
            raise ValueError(f"count must be between 1 and {MAX_DOSES}, not {self.count}")
        if self.days is not None:
            if not self.days:
                raise ValueError("days must list at least one day")
            if any(d < 0 for d in self.days):
                raise ValueError("days cannot be negative (day 0 is the phase's first dose)")
            if self.days[-1] > MAX_DAYS:
                raise ValueError(
                    f"day {self.days[-1]} is more than {MAX_DAYS:,} days (100 years) after the "
                    "phase's first dose"
                )
            if self.days[0] != 0:
                raise ValueError("days start at 0, the phase's first dose")
            if any(b <= a for a, b in zip(self.days, self.days[1:], strict=False)):
                raise ValueError("days must be in increasing order, without repeats")
            if self.count is not None and self.count != len(self.days):
                raise ValueError(f"count {self.count} does not match the {len(self.days)} days")
            if self.duration is not None:
                raise ValueError("explicit days and a duration cannot go together")
        elif not ways:
            if self.count != 1:
                raise ValueError(
                    "no interval given: add one (weekly, q4w, monthly, twice weekly, "
                    "every N days) or make it a single dose (count: 1)"
                )
        elif self.count is None and self.duration is None:
            raise ValueError("how many doses? give count (×N) or duration (for N weeks)")
        if isinstance(self.every, Duration) and self.every.amount < 1:
            raise ValueError("the interval must be at least 1 day")
        if self.weekdays is not None:
            self._check_weekdays(self.weekdays)
        elif self.min_spacing is not None:
            if self.times_per_week is None:
                raise ValueError("min_spacing goes with times_per_week or weekdays")
            if self.min_spacing.is_calendar:
                raise ValueError("min_spacing is in days or weeks")
            most = self.max_times_per_week or 1
            if self.min_spacing.days > default_spacing(most):
                raise ValueError(
                    f"{most} doses a week cannot be {self.min_spacing.days} days apart "
                    f"(at most {default_spacing(most)})"
                )
        if isinstance(self.duration, Duration) and self.duration.amount < 1:
            raise ValueError("the duration must be positive")
        every = self.every.min if isinstance(self.every, IntervalRange) else self.every
        if (
            isinstance(self.duration, Duration)
            and isinstance(every, Duration)
            and self.duration.is_calendar != every.is_calendar
        ):
            raise ValueError(
                f"'{self.duration}' and an interval of '{self.every}' mix calendar months "
                "with days; give a count (×N) instead"
            )
        if (
            isinstance(self.duration, Duration)
            and self.duration.is_calendar
            and (self.times_per_week is not None or self.weekdays is not None)
        ):
            raise ValueError(
                "a weekly frequency for a number of months has no fixed count; "
                "give weeks or a count (×N)"
            )
        if self.wait is not None and self.wait.amount < 1:
            raise ValueError("a wait must be at least 1 day")
        return self

    def _check_weekdays(self, weekdays: tuple[WeekdayName, ...]) -> None:
        if self.min_spacing is None:
            return
        if self.min_spacing.is_calendar:
            raise ValueError("min_spacing is in days or weeks")
        gap = smallest_gap(numbers(weekdays))
        if self.min_spacing.days > gap:
            raise ValueError(
                f"doses on {listed_text(weekdays)} can be {gap} days apart, closer than the "
                f"minimum spacing of {self.min_spacing}"
            )

    # -- derived -------------------------------------------------------------------------------
    @property
    def is_range(self) -> bool:
        return isinstance(self.times_per_week, FrequencyRange) or isinstance(
            self.every, IntervalRange
        )

    @property
    def is_interval_range(self) -> bool:
        return isinstance(self.every, IntervalRange)

    @property
    def has_interval(self) -> bool:
        """True when the phase has a rule for its next dose (a 'then' can follow it)."""
        return (
            self.every is not None or self.times_per_week is not None or self.weekdays is not None
        )

    @property
    def weekdays_text(self) -> str | None:
        """``Mon and Thu``, or None for a phase without weekdays."""
        return None if self.weekdays is None else listed_text(self.weekdays)

    @property
    def weekday_numbers(self) -> tuple[int, ...] | None:
        return None if self.weekdays is None else numbers(self.weekdays)

    def interval(self, which: Which) -> Duration | None:
        """The fixed interval of the ``which`` schedule (see :class:`IntervalRange`)."""
        if isinstance(self.every, IntervalRange):
            return self.every.pick(which)
        return self.every if isinstance(self.every, Duration) else None

    @property
    def max_times_per_week(self) -> int | None:
        tpw = self.times_per_week
        return tpw.max if isinstance(tpw, FrequencyRange) else tpw

    def spacing_days(self) -> int | None:
        """The minimum gap this phase promises between doses (per-week phases only)."""
        if self.weekdays is not None:
            if self.min_spacing is not None:
                return self.min_spacing.days
            return smallest_gap(numbers(self.weekdays))
        if self.times_per_week is None:
            return None
        if self.min_spacing is not None:
            return self.min_spacing.days
        return default_spacing(self.max_times_per_week or 1)

    def times(self, which: Which) -> int | None:
        tpw = self.times_per_week
        if isinstance(tpw, FrequencyRange):
            return tpw.min if which == "min" else tpw.max
        return tpw

    def _nth(self, k: int, which: Which, first: int | None = None) -> DoseTime:
        """The time of dose ``k`` (0-based) from the phase's first dose; k may be = count.

        ``first`` is the weekday of the phase's first dose (a weekday phase; default its first
        listed weekday)."""
        every = self.interval(which)
        if every is not None and every.is_calendar:
            return DoseTime.zero().plus_months(k * every.months)
        return DoseTime.zero().plus_days(self._nth_day(k, which, first))

    def _nth_day(self, k: int, which: Which, first: int | None = None) -> int:
        """The day of dose ``k`` (0-based) from the phase's first dose, for a phase that is not
        in calendar months (see :meth:`_nth`)."""
        every = self.interval(which)
        if every is not None:
            return k * every.days
        listed = self.weekday_numbers
        if listed is not None:
            anchor = listed[0] if first is None else first
            return pattern_offset(listed, anchor, k)
        times = self.times(which)
        if times is not None:
            week, j = divmod(k, times)
            return 7 * week + week_pattern(times)[j]
        if self.days is not None:
            return self.days[k]
        return 0

    def resolved_count(
        self, which: Which = "min", *, context: str = "", first: int | None = None
    ) -> int:
        """The number of doses, applying the duration boundary rule."""
        if self.count == NOT_REPORTED or self.duration == NOT_REPORTED:
            raise NotReportedError("the number of doses", "count", "8", context)
        if self.every == NOT_REPORTED:
            raise NotReportedError("the interval between doses", "interval", '"4 weeks"', context)
        if self.days is not None:
            return len(self.days)
        if isinstance(self.count, int):
            return self.count
        assert isinstance(self.duration, Duration)
        end = self.duration
        k = 0
        while k < MAX_DOSES:
            t = self._nth(k, which, first)
            if end.is_calendar:
                months = sum(a for kind, a in t.parts if kind == "m")
                if months >= end.months:
                    break
            elif (t.days or 0) >= end.days:
                break
            k += 1
        return max(k, 1)

    def offset_days(
        self, which: Which = "min", *, context: str = "", first: int | None = None
    ) -> Sequence[int] | None:
        """The day of each dose from the phase's first dose, or None for a phase in calendar
        months (whose days depend on the dates: :meth:`times_from_start` gives its times).

        A fixed interval in days is a ``range`` (dose k on day k × the interval), so a course of
        thousands of doses is not built dose by dose; other phases are a tuple of :meth:`_nth`'s
        days.

        >>> Phase(every="3 days", count=4).offset_days()
        range(0, 12, 3)
        >>> Phase(times_per_week=2, count=4).offset_days()
        (0, 3, 7, 10)
        >>> Phase(every="1 month", count=2).offset_days() is None
        True
        """
        n = self.resolved_count(which, context=context, first=first)
        every = self.interval(which)
        if every is not None:
            return None if every.is_calendar else range(0, n * every.days, every.days)
        weekly = len(self.weekdays) if self.weekdays is not None else self.times(which)
        if weekly is None:  # explicit days, or a single dose
            return tuple(self._nth_day(k, which, first) for k in range(n))
        # a weekly pattern: each week repeats the first, 7 days on (as _nth_day gives it)
        week = [self._nth_day(j, which, first) for j in range(weekly)]
        return tuple(7 * (k // weekly) + week[k % weekly] for k in range(n))

    def times_from_start(
        self, which: Which = "min", *, context: str = "", first: int | None = None
    ) -> tuple[DoseTime, ...]:
        """The time of each dose from the phase's first dose (:meth:`offset_days` as times, or
        calendar months)."""
        days = self.offset_days(which, context=context, first=first)
        if days is None:
            n = self.resolved_count(which, context=context, first=first)
            return tuple(self._nth(k, which, first) for k in range(n))
        return tuple(DoseTime.of_days(d) if d else DoseTime.zero() for d in days)

    def next_start(self, which: Which, first: int | None = None) -> DoseTime | None:
        """Where the next phase starts by default (the would-be next dose), or None."""
        if not self.has_interval:
            return None
        n = self.resolved_count(which, first=first)
        return self._nth(n, which, first)


__all__ = [
    "NOT_REPORTED",
    "FrequencyRange",
    "IntervalRange",
    "NotReported",
    "Phase",
    "Which",
    "week_pattern",
]
