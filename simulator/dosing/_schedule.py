"""One dose of a plan (:class:`DoseRecord`) and a schedule of them (:class:`Schedule`): a
frequency range has two schedules (its minimum and maximum), every other plan one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from celldose.protocols import (
    Dose,
    Which,
)
from celldose.simulator.dosing._dose_range import RangeCells, no_range_record
from celldose.simulator.dosing._limits import StoppedDose
from celldose.simulator.dosing._rounding import Rounded

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # strftime's %a, in any locale


@lru_cache(maxsize=256)
def dose_text(dose: Dose) -> str:
    """``str(dose)``, written once per dose expression: the doses of a phase share theirs, and a
    course of 10,000 doses would otherwise format it 10,000 times."""
    return str(dose)


@dataclass(frozen=True)
class DoseRecord:
    """One dose for one patient. ``cells`` is what the patient receives (viable cells when the
    dose counts viable cells); ``cells_to_draw`` is what is drawn from the product."""

    number: int
    phase: int
    offset: str  # the dose's time from the first dose, as the regimen gives it
    day: int | None  # days from the first dose (None: calendar months without a start date)
    date: dt.date | None
    moved_from: dt.date | None  # set when a weekend dose was moved to the next weekday
    dose: Dose  # the dose expression this dose was computed from
    cells: float
    cells_per_kg: float
    cells_to_draw: float
    volume_ml: float | None
    vials: int | None
    leftover_cells: float | None
    leftover_ml: float | None
    cumulative_cells: float
    capped: bool = False
    branch: str | None = None  # the branch (conditional phases) the dose belongs to
    band: str | None = None  # the weight band that gave the dose (``≤ 50 kg``), if any
    rounded: Rounded | None = None  # set when the dose was rounded to whole containers
    # the limit that reduced the dose ("max per dose", "max per course", "dose weight") and
    # its label ("capped at 2×10⁸ cells (max per dose)"); see _limits.py
    capped_by: str | None = None
    cap_note: str | None = None
    range: RangeCells | None = None  # a published dose range: both bounds (see _dose_range)

    @property
    def weekend(self) -> bool:
        return self.date is not None and self.date.weekday() >= 5

    def record(self) -> dict[str, Any]:
        """A plain dict for JSON/CSV export (field names are documented and stable)."""
        date = self.date
        weekday = None if date is None else date.weekday()
        return {
            "number": self.number,
            "phase": self.phase,
            "offset": self.offset,
            "day": self.day,
            "date": date.isoformat() if date else None,
            "weekday": None if weekday is None else _WEEKDAYS[weekday],
            "weekend": None if weekday is None else weekday >= 5,
            "moved_from": self.moved_from.isoformat() if self.moved_from else None,
            "dose": dose_text(self.dose),
            "cells": self.cells,
            "cells_per_kg": self.cells_per_kg,
            "cells_to_draw": self.cells_to_draw,
            "volume_ml": self.volume_ml,
            "vials": self.vials,
            "leftover_cells": self.leftover_cells,
            "leftover_ml": self.leftover_ml,
            "cumulative_cells": self.cumulative_cells,
            "capped": self.capped,
            "capped_by": self.capped_by,
            "cap_note": self.cap_note,
            "branch": self.branch,
            "band": self.band,
            "rounded": None if self.rounded is None else self.rounded.mode,
            "prescribed_cells": None if self.rounded is None else self.rounded.prescribed_cells,
            "round_change": None if self.rounded is None else self.rounded.change,
            **(no_range_record() if self.range is None else self.range.record()),
        }


@dataclass(frozen=True)
class Schedule:
    """The doses of one schedule (a frequency range has a min and a max schedule)."""

    which: Which | None  # None unless the regimen is a frequency range
    doses: tuple[DoseRecord, ...]
    stopped: tuple[StoppedDose, ...] = ()  # planned doses not given: the course maximum

    @property
    def total_cells(self) -> float:
        return self.doses[-1].cumulative_cells if self.doses else 0.0

    @property
    def total_vials(self) -> int | None:
        vials = [d.vials for d in self.doses]
        return None if any(v is None for v in vials) else sum(v or 0 for v in vials)

    @property
    def total_volume_ml(self) -> float | None:
        volumes = [d.volume_ml for d in self.doses]
        return None if any(v is None for v in volumes) else sum(v or 0.0 for v in volumes)

    @property
    def course_days(self) -> int | None:
        """Days from the first to the last dose (None: months without a start date)."""
        return self.doses[-1].day if self.doses else None

    def totals(self) -> dict[str, Any]:
        last = self.doses[-1].range if self.doses else None
        last = last if last is not None and last.use == "upper bound" else None
        return {
            "schedule": self.which,
            "doses": len(self.doses),
            "total_cells": self.total_cells,
            "total_cells_low": None if last is None else last.cumulative_low,
            "total_cells_high": None if last is None else last.cumulative_high,
            "total_volume_ml": self.total_volume_ml,
            "total_vials": self.total_vials,
            "course_days": self.course_days,
            "stopped": [d.record() for d in self.stopped],
        }


__all__ = ["DoseRecord", "Schedule", "dose_text"]
