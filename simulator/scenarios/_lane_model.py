"""Timeline lanes: one arm of one protocol, ready to draw or tabulate (built by :mod:`._lanes`).

Conventions, all of them shown on the figure or in the table:

- Every lane is aligned at its first dose (day 0).
- Calendar months are calendar months. With a start date, days are counted on the calendar.
  Without one, month steps are placed *for the x position only* as if the first dose were on
  :data:`REFERENCE_START` (1 January 2001): monthly ×4 falls on days 0, 31, 59, 90. The table
  never uses this reference: it writes such times as ``+3 months``.
- Response windows are placed from their anchor dose (first, last or dose N). With a frequency
  range, the window spans the earliest start and the latest end over the two schedules.
- The follow-up is counted from the first dose.
- Values a source does not report stay unknown (``None``) unless the caller supplies them
  (``dose``, ``count``, ``interval``): a lane without a dose is still drawn (hollow markers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from celldose.protocols import Dose, Duration, Responders, ResponseWindow, Which
from celldose.simulator.dosing import Patient
from celldose.simulator.scenarios._stats import responders_text, wilson_interval

REFERENCE_START = dt.date(2001, 1, 1)
"""Where calendar-month doses are placed on a figure when no start date is given."""

DAYS_PER_MONTH = 30.4375
"""Length of one unit of a 'months' x axis (365.25 / 12 days); positions stay calendar-exact."""

DoseSource = Literal["published", "given", "not reported"]
FollowUpStatus = Literal["reported", "not reported", "absent"]


@dataclass(frozen=True)
class LaneDose:
    """One dose on a lane. ``dose`` is None when the source does not report it (and none was
    given); then the cells are unknown too."""

    number: int
    phase: int
    offset: str  # the dose's time as the regimen gives it: 'day 14', '+2 months'
    calendar: bool  # the time includes calendar months (its day depends on the start date)
    day: int  # x position: days from the first dose (see the module docstring for months)
    date: dt.date | None  # with a start date
    dose: Dose | None
    source: DoseSource
    cells_per_kg: float | None
    cells: float | None  # for the patient (with a weight), or a flat dose
    cumulative_cells_per_kg: float | None
    cumulative_cells: float | None
    # a dose range's lower bound as a share of ``cells``, from the dose plan (after its limits,
    # and 1.0 where one dose is given within the range); None: the dose's own low / amount
    low_share: float | None = None
    capped: bool = False  # a limit reduced the dose (the dose plan's capped)

    @property
    def low_fraction(self) -> float:
        """The lower bound of the dose as a share of ``cells`` (1.0 for a point dose)."""
        if self.low_share is not None:
            return self.low_share
        if self.dose is None or self.dose.low is None:
            return 1.0
        return self.dose.low / self.dose.amount


@dataclass(frozen=True)
class LaneSchedule:
    """The doses of one schedule; a frequency range has a 'min' and a 'max' schedule."""

    which: Which | None
    doses: tuple[LaneDose, ...]
    label: str | None = None  # a range's schedule in words: 'twice weekly'

    @property
    def last_day(self) -> int:
        return self.doses[-1].day

    @property
    def total_cells_per_kg(self) -> float | None:
        return self.doses[-1].cumulative_cells_per_kg

    @property
    def total_cells(self) -> float | None:
        return self.doses[-1].cumulative_cells


@dataclass(frozen=True)
class LaneBranch:
    """A branch of a decision on a lane: conditional doses, given only when ``condition`` is
    met (min schedule of a frequency range); ``start_assumed`` when the source gives no start."""

    name: str
    condition: str
    start_assumed: bool
    doses: tuple[LaneDose, ...]

    @property
    def last_day(self) -> int:
        return self.doses[-1].day


@dataclass(frozen=True)
class LaneWindow:
    """A reported response window placed on a lane: ``start_day``/``end_day`` are None where
    the source does not report that end."""

    window: ResponseWindow
    start_day: int | None
    end_day: int | None
    anchor_day: int | None  # day of the anchor dose (None: the anchor dose does not exist)
    note: str | None = None

    @property
    def label(self) -> str:
        return self.window.label

    @property
    def responders(self) -> Responders | None:
        r = self.window.responders
        return r if isinstance(r, Responders) else None

    @property
    def known(self) -> Literal["both", "start", "end", "neither"]:
        if self.start_day is not None and self.end_day is not None:
            return "both"
        if self.start_day is not None:
            return "start"
        if self.end_day is not None:
            return "end"
        return "neither"

    @property
    def interval(self) -> tuple[float, float] | None:
        r = self.responders
        return None if r is None else wilson_interval(r.k, r.n)

    def responders_text(self) -> str:
        """Responders with their interval; without k/n when the label already gives it."""
        r = self.responders
        repeated = r is not None and f"{r.k}/{r.n}" in self.label
        return responders_text(self.window.responders, fraction=not repeated)

    def span_text(self) -> str:
        """When the window is, in the source's own terms: ``1–28 weeks after first dose``."""
        w = self.window
        anchor = w.anchor
        start = w.start if isinstance(w.start, Duration) else None
        end = w.end if isinstance(w.end, Duration) else None
        if start is not None and end is not None:
            if start == end:  # one time point: "24 weeks after first dose", not "24–24 weeks"
                return f"{start} after {anchor}"
            if start.unit == end.unit:
                return f"{start.amount}–{end} after {anchor}"
            return f"{start}–{end} after {anchor}"
        if start is not None:
            begins = f"from {anchor}" if start.amount == 0 else f"from {start} after {anchor}"
            return f"{begins}, end not reported"
        if end is not None:
            return f"until {end} after {anchor}, start not reported"
        return "timing not reported"


@dataclass(frozen=True)
class Lane:
    """One arm of one protocol, ready to draw or tabulate. Build it with :func:`build_lanes`."""

    protocol_id: str
    protocol_title: str
    species: str
    arm: str
    arm_label: str
    n: int | None
    regimen: str  # dose and schedule in words, with the values given for unreported ones
    dose_source: DoseSource
    dose_replaced: bool  # a given dose replaced a reported one (labelled on the figure)
    given: tuple[str, ...]  # unreported values given by the user: dose, number of doses, interval
    schedules: tuple[LaneSchedule, ...]
    windows: tuple[LaneWindow, ...]
    follow_up: Duration | None
    follow_up_status: FollowUpStatus
    follow_up_day: int | None
    start: dt.date | None
    uses_reference: bool  # month steps placed from REFERENCE_START (no start date given)
    patient: Patient | None = None
    warnings: tuple[str, ...] = field(default=())
    branches: tuple[LaneBranch, ...] = ()  # a decision's conditional doses
    assessment: tuple[int, int] | None = None  # a decision's assessment window (first, last day)
    band: str | None = None  # the weight band that gave the patient's dose (``≤ 50 kg``)
    route: str = "not reported"  # the protocol's route (routes.toml name), or "not reported"
    short_label: str | None = None  # the protocol's short label (Chen 2024), for figures
    reference: str | None = None  # the protocol's citation, with its DOI, for the caption

    @property
    def protocol_label(self) -> str:
        """What a figure calls the protocol: its short label, else its id."""
        return self.short_label or self.protocol_id

    @property
    def key(self) -> str:
        """A stable id, used for SVG element ids: ``chen2024-itp-ucmsc.expansion-2.0``."""
        return f"{self.protocol_id}.{self.arm}"

    @property
    def is_range(self) -> bool:
        return len(self.schedules) > 1

    @property
    def doses(self) -> tuple[LaneDose, ...]:
        return tuple(d for s in self.schedules for d in s.doses)

    @property
    def dose_known(self) -> bool:
        return all(d.dose is not None for d in self.doses)

    @property
    def per_kg_known(self) -> bool:
        return all(d.cells_per_kg is not None for d in self.doses)

    @property
    def last_day(self) -> int:
        return max(s.last_day for s in self.schedules)

    @property
    def end_day(self) -> int:
        """The last day with something reported on it: last dose, window ends, follow-up."""
        days = [self.last_day, *(b.last_day for b in self.branches)]
        if self.assessment is not None:
            days.append(self.assessment[1])
        for w in self.windows:
            days += [d for d in (w.start_day, w.end_day) if d is not None]
        if self.follow_up_day is not None:
            days.append(self.follow_up_day)
        return max(days)

    def first_window(self) -> LaneWindow | None:
        """The earliest reported window (windows whose start is not reported come last)."""
        if not self.windows:
            return None
        order = sorted(
            range(len(self.windows)),
            key=lambda i: (
                self.windows[i].start_day is None,
                self.windows[i].start_day or 0,
                i,
            ),
        )
        return self.windows[order[0]]

    def follow_up_text(self) -> str:
        if self.follow_up_status == "reported":
            return f"follow-up {self.follow_up}"
        if self.follow_up_status == "not reported":
            return "follow-up not reported"
        return ""


__all__ = [
    "DAYS_PER_MONTH",
    "REFERENCE_START",
    "DoseSource",
    "FollowUpStatus",
    "Lane",
    "LaneBranch",
    "LaneDose",
    "LaneSchedule",
    "LaneWindow",
]
