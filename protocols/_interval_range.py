"""An interval reported as a range (every 3 to 6 months): kept as a range, never one value.

Like a frequency range (once or twice weekly), an interval range has two schedules: ``min``, the
least dosing (the longest interval: the latest dates), and ``max``, the most (the shortest
interval: the earliest dates). Its bounds are in one kind of unit: calendar months and years,
or days and weeks.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from celldose.protocols._calendar import Duration, parse_duration

Which = Literal["min", "max"]

RANGE_TEXT = re.compile(r"^\s*(\d+)\s*(?:to|-|–)\s*(\d+)\s*-?\s*([A-Za-z]+)\s*$")


class IntervalRange(BaseModel):
    """An interval reported as a range (every 3 to 6 months): kept as a range, with the latest
    schedule (the longest interval, ``min``: the fewest doses in a given time) and the earliest
    (the shortest, ``max``). Written ``3 to 6 months`` or ``{min: 3 months, max: 6 months}``."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    min: Duration = Field(description="The shortest interval, e.g. '3 months'.")
    max: Duration = Field(description="The longest interval, e.g. '6 months'.")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            match = RANGE_TEXT.match(data)
            if match is None:
                raise ValueError(
                    f"cannot read the interval range {data!r} (write e.g. '3 to 6 months')"
                )
            unit = match.group(3)
            return {
                "min": parse_duration(f"{match.group(1)} {unit}"),
                "max": parse_duration(f"{match.group(2)} {unit}"),
            }
        return data

    @model_validator(mode="after")
    def _ordered(self) -> IntervalRange:
        if self.min.is_calendar != self.max.is_calendar:
            raise ValueError(
                f"an interval range from {self.min} to {self.max} mixes calendar months with "
                "days; give both in the same unit"
            )
        low, high = (
            (self.min.months, self.max.months)
            if self.min.is_calendar
            else (self.min.days, self.max.days)
        )
        if low < 1:
            raise ValueError("the interval must be at least 1 day")
        if low >= high:
            raise ValueError(
                f"an interval range needs its shorter interval first (got {self.min} to "
                f"{self.max}); for a single interval write every: {self.min}"
            )
        return self

    def pick(self, which: Which) -> Duration:
        """``min`` (the least dosing: the longest interval) or ``max`` (the shortest)."""
        return self.max if which == "min" else self.min

    def __str__(self) -> str:
        unit = self.max.unit
        low = self.min.amount if self.min.unit == unit else None
        if low is not None:
            return f"{low} to {self.max.amount} {unit}s"
        return f"{self.min} to {self.max}"


__all__ = ["IntervalRange", "Which"]
