"""The time axis of a timeline: days from the first dose to x, its extent, ticks and label.

Every lane is aligned at its first dose (day 0). On a months axis one unit is 30.4375 days;
the ticks fall on calendar months when months are involved (from the start date, or from
:data:`REFERENCE_START` when calendar-month doses are placed without one).

The scale (``time_axis``): ``linear``; ``broken``: the dosing weeks at full resolution on the
first :data:`DOSING_SHARE` of the width, then the follow-up compressed into the rest, the break
marked on the axis and said in its label (a lane of rare doses, q4w, may run on past the
break); ``log``: x grows with log10(1 + days); ``auto`` (the default): broken when the doses
fill less than :data:`AUTO_BREAK` of the span, else linear. Every scale works with every
unit (days, weeks, months, dates): the days are first *warped* (:meth:`XAxis.warp`), then put
in the unit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from celldose.protocols import OptionError, add_months
from celldose.simulator.figures._lane_style import (
    FONT_AXIS,
    FONT_RANGE,
    FONT_TICK,
    MARKER_PT,
    char_em,
)
from celldose.simulator.figures._layout import range_label, wrap
from celldose.simulator.figures._ticks import tick_text
from celldose.simulator.scenarios import DAYS_PER_MONTH, REFERENCE_START, Lane

XUnit = Literal["days", "weeks", "months", "dates"]
X_UNITS: tuple[XUnit, ...] = ("days", "weeks", "months", "dates")
Scale = Literal["linear", "broken", "log"]
TIME_AXES = ("auto", "linear", "broken", "log")
DOSING_SHARE = 0.65  # of the width, for the time up to the break of a broken axis
AUTO_BREAK = 0.3  # auto breaks the axis when the doses end before this share of the span
MIN_GAP_PT = 5.0  # broken: successive doses at least this far apart, where the width allows


@dataclass(frozen=True)
class XAxis:
    """Maps days from the first dose to x coordinates, and labels the axis."""

    unit: XUnit
    start: dt.date | None = None
    reference: bool = False  # calendar months placed from REFERENCE_START
    scale: Scale = "linear"
    break_day: float = 0.0  # broken: the day after which time is compressed
    squeeze: float = 1.0  # broken: the width of a day after the break, in days before it
    log_k: float = 1.0  # log: warp(day) = log_k × log10(1 + day)

    def warp(self, day: float) -> float:
        """Days as drawn (before the unit): the scale's mapping of days from the first dose."""
        if self.scale == "broken" and day > self.break_day:
            return self.break_day + (day - self.break_day) * self.squeeze
        if self.scale == "log":
            return math.copysign(self.log_k * math.log10(1 + abs(day)), day)
        return float(day)

    def unwarp(self, warped: float) -> float:
        """The day drawn at ``warped`` (the inverse of :meth:`warp`)."""
        if self.scale == "broken" and warped > self.break_day:
            return self.break_day + (warped - self.break_day) / self.squeeze
        if self.scale == "log":
            return math.copysign(10 ** (abs(warped) / self.log_k) - 1, warped)
        return warped

    def from_warped(self, warped: float) -> float:
        """The x coordinate of a warped day (see :meth:`warp`)."""
        if self.unit == "weeks":
            return warped / 7
        if self.unit == "months":
            return warped / DAYS_PER_MONTH
        if self.unit == "dates":
            from matplotlib import dates as mdates

            origin = mdates.date2num(self.origin)  # type: ignore[no-untyped-call]
            return float(origin) + warped
        return float(warped)

    @property
    def origin(self) -> dt.date:
        return self.start if self.start is not None else REFERENCE_START

    @property
    def calendar_ticks(self) -> bool:
        return self.unit == "months" and (self.start is not None or self.reference)

    def to_x(self, day: float) -> float:
        return self.from_warped(self.warp(day))

    def label(self) -> str:
        if self.unit == "dates":
            text = f"date (first dose {self.origin.isoformat()})"
        else:
            text = f"{self.unit} from first dose"
            if self.reference:
                text += f" (months placed from {day_text(REFERENCE_START)})"
            elif self.unit == "months" and self.start is None:
                text += " (1 month = 30.4375 days)"
        return text + self.scale_words()

    def scale_words(self) -> str:
        """What a non-linear scale does, for the axis label."""
        if self.scale == "broken":
            at = self._value_text(self.break_day)
            return f"; axis broken at {at}: later time compressed {1 / self.squeeze:.2g}×"
        if self.scale == "log":
            return "; log scale of (1 + days)"
        return ""

    def _value_text(self, day: float) -> str:
        if self.unit == "dates":
            return day_text(self.origin + dt.timedelta(days=round(day)))
        scale = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH}[self.unit]
        return f"{self.unit[:-1]} {day / scale:.3g}"

    def ticks(self, hi_day: float) -> list[tuple[float, str]]:
        """Tick positions (x) and labels from day 0 to ``hi_day`` (dates: only when the scale
        is not linear; a linear date axis uses matplotlib's date ticks)."""
        if self.scale == "broken":
            first = self._day_ticks(0, self.break_day, most=5)
            later = self._day_ticks(self.break_day, hi_day, most=4)
            days = first + [d for d in later if d > self.break_day + 1e-9]
        elif self.scale == "log":
            days = [d for d in self._log_days() if d <= hi_day]
        else:
            days = self._day_ticks(0, hi_day)
        return [(self.to_x(day), self._tick_text(day, days)) for day in days]

    def _day_ticks(self, lo_day: float, hi_day: float, most: int = 8) -> list[float]:
        """Round ticks (in days) from ``lo_day`` to ``hi_day`` in the unit's steps."""
        if self.unit == "months" and self.calendar_ticks or self.unit == "dates":
            return self._month_or_date_ticks(lo_day, hi_day, most)
        scale = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH}[self.unit]
        steps = {
            "days": (1, 2, 7, 14, 28, 56, 91, 182, 364, 728),
            "weeks": (1, 2, 4, 8, 13, 26, 52, 104, 260),
            "months": (1, 2, 3, 6, 12, 24, 60),
        }[self.unit]
        step = _step((hi_day - lo_day) / scale, steps, most)
        k = math.ceil(lo_day / scale / step - 1e-9)
        out = []
        while k * step * scale <= hi_day + 1e-9:
            out.append(k * step * scale)
            k += 1
        return out

    def _month_or_date_ticks(self, lo_day: float, hi_day: float, most: int) -> list[float]:
        """Calendar months (from the origin), or for a short date span whole weeks."""
        span = hi_day - lo_day
        if self.unit == "dates" and span <= 90:
            step_days = _step(span, (1, 2, 7, 14, 28), most)
            k = math.ceil(lo_day / step_days - 1e-9)
            return [float(d * step_days) for d in range(k, int(hi_day // step_days) + 1)]
        step = _step(span / DAYS_PER_MONTH, (1, 2, 3, 6, 12, 24, 60), most)
        out: list[float] = []
        k = 0
        while True:
            day = (add_months(self.origin, k) - self.origin).days
            if day > hi_day + 1e-9:
                return out
            if day >= lo_day - 1e-9:
                out.append(float(day))
            k += step

    def _log_days(self) -> list[float]:
        if self.unit == "weeks":
            return [7.0 * w for w in (0, 1, 2, 4, 8, 13, 26, 52, 104, 260)]
        if self.unit in ("months",):
            return [DAYS_PER_MONTH * m for m in (0, 1, 3, 6, 12, 24, 60)]
        return [0.0, 1.0, 3.0, 7.0, 14.0, 28.0, 91.0, 182.0, 365.0, 730.0, 1826.0]

    def _tick_text(self, day: float, days: Sequence[float]) -> str:
        if self.unit == "dates":
            date = self.origin + dt.timedelta(days=round(day))
            index = days.index(day)
            previous = (
                None if index == 0 else self.origin + dt.timedelta(days=round(days[index - 1]))
            )
            text = f"{date.day} {date.strftime('%b')}"
            return text + (
                f"\n{date.year}" if previous is None or previous.year != date.year else ""
            )
        if self.unit == "months" and self.calendar_ticks:
            months = round(day / DAYS_PER_MONTH)
            return str(months)
        scale = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH}[self.unit]
        return tick_text(day / scale)


def _step(span: float, steps: Sequence[int], most: int = 8) -> int:
    """The first step that gives at most ``most`` ticks over ``span``."""
    for step in steps:
        if span / step <= most:
            return step
    return steps[-1] * math.ceil(span / (steps[-1] * most))


def day_text(date: dt.date) -> str:
    return f"{date.day} {date.strftime('%b')} {date.year}"


def dosing_end(lanes: Sequence[Lane]) -> int:
    """The last day of dosing over the lanes: last dose, a branch's last, the assessment."""
    return max(_dosing_ends(lanes))


def _round_up(day: float, unit: XUnit) -> float:
    """``day`` rounded up to a tick of the unit (weeks for dates and calendar months)."""
    steps: tuple[int, ...]
    if unit == "days":
        scale, steps = 1.0, (1, 2, 7, 14, 28, 56, 91, 182, 364)
    elif unit == "months":
        scale, steps = DAYS_PER_MONTH, (1, 2, 3, 6, 12)
    else:
        scale, steps = 7.0, (1, 2, 4, 8, 13, 26, 52)
    step = _step(day / scale, steps, 5)
    return math.ceil(day / scale / step - 1e-9) * step * scale


def _scale(lanes: Sequence[Lane], time_axis: str, unit: XUnit, width_pt: float) -> dict[str, Any]:
    """The scale's fields of :class:`XAxis` for ``time_axis`` (auto, linear, broken, log).

    broken: the break after the dosing of as many lanes as keeps every two successive doses at
    least :data:`MIN_GAP_PT` apart at ``width_pt`` (after all of it when it can; a long course
    of rare doses, q4w, may run on into the compressed part), else after the break that keeps
    them furthest apart. auto:
    linear when the doses fill :data:`AUTO_BREAK` of the span or more, else broken."""
    if time_axis not in TIME_AXES:
        raise OptionError(
            f"time_axis {time_axis!r} is not known",
            "use auto, linear, broken or log",
            fields=("time_axis",),
        )
    span = max(max(lane.end_day for lane in lanes), 7) * 1.05
    if time_axis == "log":
        return {"scale": "log", "log_k": span / math.log10(1 + span)}
    dosing = dosing_end(lanes)
    if time_axis == "linear" or (time_axis == "auto" and dosing > AUTO_BREAK * span):
        return {}
    best: tuple[float, dict[str, Any]] = (-1.0, {})
    for end in sorted(set(_dosing_ends(lanes)), reverse=True):
        brk = _round_up(max(end + max(7.0, end / 6), 7.0), unit)
        if brk >= span * 0.8:
            continue
        squeeze = brk * (1 - DOSING_SHARE) / DOSING_SHARE / (span - brk)
        if squeeze >= (0.5 if time_axis == "auto" else 1.0):
            continue  # little to compress
        fields: dict[str, Any] = {"scale": "broken", "break_day": brk, "squeeze": squeeze}
        gap = _closest_doses_pt(lanes, XAxis(unit, **fields), span, width_pt)
        if gap >= MIN_GAP_PT:
            return fields
        best = max(best, (gap, fields), key=lambda pair: pair[0])
    return best[1]


def _dosing_ends(lanes: Sequence[Lane]) -> list[int]:
    """Where each lane's dosing ends: its last dose, a branch's last, an assessment's end."""
    ends = [lane.last_day for lane in lanes]
    ends += [b.last_day for lane in lanes for b in lane.branches]
    ends += [lane.assessment[1] for lane in lanes if lane.assessment is not None]
    return ends


def _closest_doses_pt(lanes: Sequence[Lane], axis: XAxis, span: float, width_pt: float) -> float:
    """The smallest drawn distance (pt) between two successive doses of one row."""
    drawn = axis.warp(span) - axis.warp(-0.035 * span)
    rows = [s.doses for lane in lanes for s in lane.schedules]
    rows += [b.doses for lane in lanes for b in lane.branches]
    gaps = [
        (axis.warp(b.day) - axis.warp(a.day)) * width_pt / drawn
        for doses in rows
        for a, b in zip(doses, doses[1:], strict=False)
        if b.day > a.day
    ]
    return min(gaps, default=math.inf)


def x_axis(
    lanes: Sequence[Lane], x: str | None, time_axis: str = "auto", width_pt: float = 480.0
) -> XAxis:
    """The time axis of ``x`` (days, weeks, months, dates; default: dates with a start date,
    else weeks) on the scale of ``time_axis`` (auto, linear, broken, log) for axes
    ``width_pt`` wide."""
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
    return XAxis(unit, start, reference, **_scale(lanes, time_axis, unit, width_pt))


def x_range(lanes: Sequence[Lane], width_pt: float, axis: XAxis) -> tuple[float, float]:
    """The x extent in days: a margin before day 0, and room after the last thing reported
    (more when a window with an open end starts near it, or for a range's row labels); the
    margins are shares of the drawn (warped) span."""
    hi = max(max(lane.end_day for lane in lanes), 7)
    W, U = axis.warp, axis.unwarp
    lo_day, hi_day = U(-0.035 * W(hi)), U(W(hi) * 1.05)
    open_starts = [w.start_day for lane in lanes for w in lane.windows if w.known == "start"]
    if any(s is not None and W(s) >= W(hi) * 0.9 for s in open_starts):
        hi_day = U(W(hi) * 1.12)
    needs = [
        (s.last_day, len(range_label(s)) * FONT_RANGE * char_em() + MARKER_PT)
        for lane in lanes
        if lane.is_range
        for s in lane.schedules
    ]
    for _ in range(3):  # the scale depends on the extent: a few rounds settle it
        per_day = width_pt / (W(hi_day) - W(lo_day))
        hi_day = max([hi_day] + [U(W(last) + need / per_day) for last, need in needs])
    return lo_day, hi_day


def set_ticks(ax: Any, axis: XAxis, hi_day: float, *, mark: bool = True) -> None:
    """Ticks of the time axis on ``ax``: matplotlib's dates on a linear date axis, else those of
    :meth:`XAxis.ticks`, without labels that would collide; a broken axis gets its mark (the
    slashes only when ``mark``: on the axes that shows the time axis)."""
    if axis.unit == "dates" and axis.scale == "linear":
        from matplotlib import dates as mdates

        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
        )
        return
    ticks = _spaced(ax, axis.ticks(hi_day))
    ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks])
    if axis.scale == "broken":
        from celldose.simulator.figures._break import mark_break

        mark_break(ax, axis, slashes=mark)


def axis_label(axis: XAxis, width_pt: float) -> str:
    """The axis label, wrapped to the width of the axes."""
    return "\n".join(wrap(axis.label(), width_pt, FONT_AXIS))


def _spaced(ax: Any, ticks: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """The ticks whose labels do not run into the previous kept one (at the axes' width)."""
    figure = ax.get_figure(root=True)
    width_pt = ax.get_position().width * figure.get_figwidth() * 72
    lo, hi = ax.get_xlim()
    per_x = width_pt / (hi - lo) if hi > lo else 0.0
    out: list[tuple[float, str]] = []
    for x, label in ticks:
        half = max(len(part) for part in label.split("\n")) * FONT_TICK * char_em() / 2
        if out:
            prev_x, prev = out[-1]
            prev_half = max(len(part) for part in prev.split("\n")) * FONT_TICK * char_em() / 2
            if (x - prev_x) * per_x < half + prev_half + 3:
                continue
        out.append((x, label))
    return out
