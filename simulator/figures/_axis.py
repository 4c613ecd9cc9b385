"""The time axis of a timeline: days from the first dose to x, its extent, ticks and label.

Every lane is aligned at its first dose (day 0). On a months axis one unit is 30.4375 days;
the ticks fall on calendar months when months are involved (from the start date, or from
:data:`REFERENCE_START` when calendar-month doses are placed without one).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from celldose.protocols import OptionError, add_months
from celldose.simulator.figures._lane_style import CHAR_EM, FONT_RANGE, MARKER_PT
from celldose.simulator.figures._layout import range_label
from celldose.simulator.scenarios import DAYS_PER_MONTH, REFERENCE_START, Lane

XUnit = Literal["days", "weeks", "months", "dates"]
X_UNITS: tuple[XUnit, ...] = ("days", "weeks", "months", "dates")


@dataclass(frozen=True)
class XAxis:
    """Maps days from the first dose to x coordinates, and labels the axis."""

    unit: XUnit
    start: dt.date | None = None
    reference: bool = False  # calendar months placed from REFERENCE_START

    @property
    def origin(self) -> dt.date:
        return self.start if self.start is not None else REFERENCE_START

    @property
    def calendar_ticks(self) -> bool:
        return self.unit == "months" and (self.start is not None or self.reference)

    def to_x(self, day: float) -> float:
        if self.unit == "weeks":
            return day / 7
        if self.unit == "months":
            return day / DAYS_PER_MONTH
        if self.unit == "dates":
            from matplotlib import dates as mdates

            origin = mdates.date2num(self.origin)  # type: ignore[no-untyped-call]
            return float(origin) + day
        return float(day)

    def label(self) -> str:
        if self.unit == "dates":
            return f"date (first dose {self.origin.isoformat()})"
        text = f"{self.unit} from first dose"
        if self.reference:
            text += f" (months placed from {day_text(REFERENCE_START)})"
        elif self.unit == "months" and self.start is None:
            text += " (1 month = 30.4375 days)"
        return text

    def ticks(self, hi_day: float) -> list[tuple[float, str]]:
        """Tick positions and labels from day 0 to ``hi_day`` (not used for dates)."""
        if self.unit == "months" and self.calendar_ticks:
            months = hi_day / DAYS_PER_MONTH
            step = _step(months, (1, 2, 3, 6, 12, 24, 60))
            out: list[tuple[float, str]] = []
            k = 0
            while True:
                day = (add_months(self.origin, k) - self.origin).days
                if day > hi_day:
                    return out
                out.append((day / DAYS_PER_MONTH, str(k)))
                k += step
        scale = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH}[self.unit]
        steps = {
            "days": (1, 2, 7, 14, 28, 56, 91, 182, 364, 728),
            "weeks": (1, 2, 4, 8, 13, 26, 52, 104, 260),
            "months": (1, 2, 3, 6, 12, 24, 60),
        }[self.unit]
        span = hi_day / scale
        step = _step(span, steps)
        count = int(span // step)
        return [(float(k * step), str(k * step)) for k in range(count + 1)]


def _step(span: float, steps: Sequence[int], most: int = 8) -> int:
    for step in steps:
        if span / step <= most:
            return step
    return steps[-1] * math.ceil(span / (steps[-1] * most))


def day_text(date: dt.date) -> str:
    return f"{date.day} {date.strftime('%b')} {date.year}"


def x_axis(lanes: Sequence[Lane], x: str | None) -> XAxis:
    """The time axis of ``x`` (days, weeks, months, dates; default: dates with a start date,
    else weeks)."""
    start = lanes[0].start
    unit: XUnit = "dates" if start is not None else "weeks"
    if x is not None:
        if x not in X_UNITS:
            raise OptionError(f"x axis {x!r} is not known", "use days, weeks, months or dates")
        unit = X_UNITS[X_UNITS.index(x)]
    if unit == "dates" and start is None:
        raise OptionError(
            "a date axis needs the date of the first dose",
            "pass start=<date>",
            fields=("start",),
        )
    reference = start is None and any(lane.uses_reference for lane in lanes)
    return XAxis(unit, start, reference)


def x_range(lanes: Sequence[Lane], width_pt: float) -> tuple[float, float]:
    """The x extent in days: a margin before day 0, and room after the last thing reported
    (more when a window with an open end starts near it, or for a range's row labels)."""
    hi = max(max(lane.end_day for lane in lanes), 7)
    lo_day, hi_day = -0.035 * hi, hi * 1.05
    open_starts = [w.start_day for lane in lanes for w in lane.windows if w.known == "start"]
    if any(s is not None and s >= hi * 0.9 for s in open_starts):
        hi_day = hi * 1.12
    needs = [
        (s.last_day, len(range_label(s)) * FONT_RANGE * CHAR_EM + MARKER_PT)
        for lane in lanes
        if lane.is_range
        for s in lane.schedules
    ]
    for _ in range(3):  # the scale depends on the extent: a few rounds settle it
        per_day = width_pt / (hi_day - lo_day)
        hi_day = max([hi_day] + [last + need / per_day for last, need in needs])
    return lo_day, hi_day


def set_ticks(ax: Any, axis: XAxis, hi_day: float) -> None:
    """Ticks of the time axis on ``ax``: matplotlib's dates, or those of :meth:`XAxis.ticks`."""
    if axis.unit == "dates":
        from matplotlib import dates as mdates

        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
        )
        return
    ticks = axis.ticks(hi_day)
    ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks])
