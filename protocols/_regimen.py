"""The structured regimen: phases of doses, and the day (or calendar) time of every dose.

A regimen is one or more phases. Each phase has one way of spacing its doses:

- ``every``: a fixed interval (``4 weeks``, ``1 month``; months are calendar months);
- ``times_per_week``: N doses a week in a fixed weekly pattern, at least ``min_spacing`` apart
  (twice weekly: days 0 and 3 of each week, so gaps of 3 and 4 days);
- ``days``: explicit day offsets from the phase's start (``[0, 14, 28]``);
- nothing, for a single dose (``count: 1``).

How many: ``count`` (the total number of doses in the phase) or ``duration`` ("for 4 weeks").
Boundary rule for ``duration``: the phase holds every dose that falls *strictly before* the end,
counted from the phase's first dose (end-exclusive, like mrgsolve): weekly for 4 weeks is days
0, 7, 14, 21 (4 doses); q3d for 2 weeks is 0, 3, 6, 9, 12 (5 doses).

Phase transitions ("then"): the next phase's first dose falls where the previous phase's next
dose would have fallen (one interval after its last dose: mrgsolve's and Pumas's rule), unless
the phase gives an explicit ``wait``, which is counted from the previous phase's last dose. After
a single dose or explicit days there is no interval, so a ``wait`` is required.

Limits: at most 100 phases and 10,000 doses, and at most 100 years (36,525 days, or 1,200
calendar months) from the first dose to the last.

A value the source does not report is the string ``"not reported"``; it validates, and expanding
the regimen then raises :class:`NotReportedError` naming the option that supplies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from celldose.protocols._calendar import MAX_DAYS, DoseTime, Duration
from celldose.protocols._dose import Dose
from celldose.protocols._errors import NotReportedError, RegimenError

NotReported = Literal["not reported"]
NOT_REPORTED: NotReported = "not reported"

MAX_DOSES = 10_000
MAX_PHASES = 100
Which = Literal["min", "max"]


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
    every: Duration | NotReported | None = Field(
        default=None, description="Fixed interval between doses, e.g. '4 weeks' or '1 month'."
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

    @model_validator(mode="after")
    def _consistent(self) -> Phase:
        ways = [
            name for name in ("every", "times_per_week", "days") if getattr(self, name) is not None
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
        if self.min_spacing is not None:
            if self.times_per_week is None:
                raise ValueError("min_spacing goes with times_per_week")
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
        if (
            isinstance(self.duration, Duration)
            and isinstance(self.every, Duration)
            and self.duration.is_calendar != self.every.is_calendar
        ):
            raise ValueError(
                f"'{self.duration}' and an interval of '{self.every}' mix calendar months "
                "with days; give a count (×N) instead"
            )
        if (
            isinstance(self.duration, Duration)
            and self.duration.is_calendar
            and self.times_per_week is not None
        ):
            raise ValueError(
                "a weekly frequency for a number of months has no fixed count; "
                "give weeks or a count (×N)"
            )
        if self.wait is not None and self.wait.amount < 1:
            raise ValueError("a wait must be at least 1 day")
        return self

    # -- derived -------------------------------------------------------------------------------
    @property
    def is_range(self) -> bool:
        return isinstance(self.times_per_week, FrequencyRange)

    @property
    def max_times_per_week(self) -> int | None:
        tpw = self.times_per_week
        return tpw.max if isinstance(tpw, FrequencyRange) else tpw

    def spacing_days(self) -> int | None:
        """The minimum gap this phase promises between doses (per-week phases only)."""
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

    def _nth(self, k: int, which: Which) -> DoseTime:
        """The time of dose ``k`` (0-based) from the phase's first dose; k may be = count."""
        zero = DoseTime.zero()
        if isinstance(self.every, Duration):
            if self.every.is_calendar:
                return zero.plus_months(k * self.every.months)
            return zero.plus_days(k * self.every.days)
        times = self.times(which)
        if times is not None:
            week, j = divmod(k, times)
            return zero.plus_days(7 * week + week_pattern(times)[j])
        if self.days is not None:
            return zero.plus_days(self.days[k])
        return zero

    def resolved_count(self, which: Which = "min", *, context: str = "") -> int:
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
            t = self._nth(k, which)
            if end.is_calendar:
                months = sum(a for kind, a in t.parts if kind == "m")
                if months >= end.months:
                    break
            elif (t.days or 0) >= end.days:
                break
            k += 1
        return max(k, 1)

    def times_from_start(self, which: Which = "min", *, context: str = "") -> tuple[DoseTime, ...]:
        n = self.resolved_count(which, context=context)
        return tuple(self._nth(k, which) for k in range(n))

    def next_start(self, which: Which) -> DoseTime | None:
        """Where the next phase starts by default (the would-be next dose), or None."""
        if self.every is None and self.times_per_week is None:
            return None
        n = self.resolved_count(which)
        return self._nth(n, which)


@dataclass(frozen=True)
class PlannedDose:
    """One dose of an expanded regimen."""

    number: int  # 1-based, over the whole regimen
    phase: int  # 1-based
    time: DoseTime
    dose: Dose | NotReported | None


class Regimen(BaseModel):
    """A regimen: one or more phases, optionally with a product name from a shorthand prefix."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    phases: tuple[Phase, ...] = Field(min_length=1)
    product: str | None = Field(
        default=None, description="Product named in the shorthand ('cAT-MSC q4w ×8')."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            from celldose.protocols._shorthand import parse_regimen

            return parse_regimen(data).model_dump()
        return data

    @model_validator(mode="after")
    def _transitions(self) -> Regimen:
        if len(self.phases) > MAX_PHASES:
            raise ValueError(f"a regimen has at most {MAX_PHASES} phases, not {len(self.phases):,}")
        if self.phases[0].wait is not None:
            raise ValueError("the first phase cannot have a wait (its first dose is day 0)")
        for i, (before, after) in enumerate(zip(self.phases, self.phases[1:], strict=False)):
            if after.wait is None and before.every is None and before.times_per_week is None:
                raise ValueError(
                    f"phase {i + 2} follows a phase with no interval: give its wait "
                    "('then after 2 weeks ...')"
                )
            spacing = max(before.spacing_days() or 0, after.spacing_days() or 0)
            if after.wait is not None and not after.wait.is_calendar and after.wait.days < spacing:
                raise ValueError(
                    f"phase {i + 2} starts {after.wait.days} days after the last dose, "
                    f"closer than the {spacing}-day minimum spacing"
                )
        return self

    @property
    def is_range(self) -> bool:
        return any(p.is_range for p in self.phases)

    def expand(self, which: Which = "min", *, context: str = "") -> tuple[PlannedDose, ...]:
        """Every dose, in order, with its time from the first dose.

        For a frequency range, ``which`` picks the minimum (fewest doses a week) or maximum
        schedule.
        """
        doses: list[PlannedDose] = []
        start = DoseTime.zero()
        current_dose: Dose | NotReported | None = None
        previous: Phase | None = None
        last = start
        for index, phase in enumerate(self.phases, start=1):
            if previous is not None:
                if phase.wait is not None:
                    start = last.plus(phase.wait.as_time())
                else:
                    nxt = previous.next_start(which)
                    assert nxt is not None
                    start = start.plus(nxt)
            if phase.dose is not None:
                current_dose = phase.dose
            for offset in phase.times_from_start(which, context=context):
                last = start.plus(offset)
                doses.append(PlannedDose(len(doses) + 1, index, last, current_dose))
                if len(doses) > MAX_DOSES:
                    raise RegimenError(
                        f"the regimen has more than {MAX_DOSES} doses",
                        "check the count and the duration",
                    )
            previous = phase
        if doses and doses[-1].time.mean_days > MAX_DAYS:
            raise RegimenError(
                f"the last dose falls {doses[-1].time} after the first, longer than "
                "celldose plans for (at most 100 years)",
                "check the intervals, counts, days and waits",
            )
        return tuple(doses)

    def with_doses(self, doses: Sequence[Dose | NotReported]) -> Regimen:
        """This regimen with each phase's dose written where it changes, and the product name
        (which stood for the protocol's dose) dropped: how it reads once its doses are known."""
        phases = []
        previous: Dose | NotReported | None = None
        for phase, dose in zip(self.phases, doses, strict=True):
            phases.append(phase.model_copy(update={"dose": None if dose == previous else dose}))
            previous = dose
        return self.model_copy(update={"phases": tuple(phases), "product": None})

    def to_shorthand(self) -> str:
        """The one-line form; it parses back to an equal regimen (when every value is reported).

        >>> Regimen.model_validate("2e6 cells/kg q4w x8").to_shorthand()
        '2×10⁶ cells/kg q4w ×8'
        """
        words: list[str] = [] if self.product is None else [self.product]
        for i, phase in enumerate(self.phases):
            if i:
                words.append("then")
            words.extend(_render_phase(phase))
        return " ".join(words)


def _render_every(every: Duration) -> str:
    if every.amount == 1 and every.unit in ("day", "week", "month"):
        return {"day": "daily", "week": "weekly", "month": "monthly"}[every.unit]
    suffix = {"day": "d", "week": "w", "month": "mo", "year": "y"}[every.unit]
    return f"q{every.amount}{suffix}"


_TIMES_WORDS = {1: "once", 2: "twice"}


def _render_phase(phase: Phase) -> list[str]:
    words: list[str] = []
    if phase.wait is not None:
        words.append(f"after {phase.wait}")
    if isinstance(phase.dose, Dose):
        words.append(str(phase.dose))
    elif phase.dose == NOT_REPORTED:
        words.append("(dose not reported)")
    if isinstance(phase.every, Duration):
        words.append(_render_every(phase.every))
    elif phase.every == NOT_REPORTED:
        words.append("(interval not reported)")
    tpw = phase.times_per_week
    if isinstance(tpw, FrequencyRange):
        low = _TIMES_WORDS.get(tpw.min)
        high = _TIMES_WORDS.get(tpw.max)
        words.append(f"{low} or {high} weekly" if low and high else f"{tpw.min}-{tpw.max}×/week")
    elif tpw is not None:
        words.append("twice weekly" if tpw == 2 else f"{tpw}×/week")
    if phase.min_spacing is not None:
        words.append(f"at least {phase.min_spacing.days} days apart")
    if phase.days is not None:
        words.append("on days " + ", ".join(str(d) for d in phase.days))
    elif phase.count == 1 and phase.every is None and tpw is None:
        words.append("once")
    elif isinstance(phase.count, int):
        words.append(f"×{phase.count}")
    elif phase.count == NOT_REPORTED or phase.duration == NOT_REPORTED:
        words.append("(number of doses not reported)")
    if isinstance(phase.duration, Duration):
        words.append(f"for {phase.duration}")
    return words


__all__ = [
    "NOT_REPORTED",
    "FrequencyRange",
    "NotReported",
    "Phase",
    "PlannedDose",
    "Regimen",
    "week_pattern",
]
