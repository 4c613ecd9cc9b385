"""What-if response windows: where each window of the arm lands among the doses given, next to
where it landed in the plan (the rules: ``_whatif.py``)."""

from __future__ import annotations

import datetime as dt

from celldose.protocols import DoseTime, ResponseWindow, parse_regimen
from celldose.simulator.dosing import DosePlan, land_window
from celldose.simulator.scenarios._whatif_result import WhatIfDose, WindowShift


def dose_times(
    plan: DosePlan, index: int, doses: list[WhatIfDose]
) -> list[tuple[DoseTime, DoseTime]]:
    """(planned, simulated) time of each dose from the first planned dose. A calendar-month
    regimen without a start date keeps its month steps (its days are not known)."""
    if all(d.planned_day is not None for d in doses):
        return [
            (DoseTime.zero().plus_days(d.planned_day or 0), DoseTime.zero().plus_days(d.day or 0))
            for d in doses
        ]
    planned = parse_regimen(plan.regimen).expand(plan.schedules[index].which or "min")
    return [(p.time, p.time) for p in planned]  # no delays without a start date


def _point(time: DoseTime | None, start: dt.date | None) -> tuple[int | None, dt.date | None]:
    """The day and date of ``time`` (None where it cannot be known)."""
    if time is None:
        return None, None
    if start is None:
        return time.days, None
    return time.day_on(start), time.date(start)


def _ordinal(n: int) -> str:
    if n == 1:
        return "first"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def window_shift(
    window: ResponseWindow,
    doses: list[WhatIfDose],
    times: list[tuple[DoseTime, DoseTime]],
    start: dt.date | None,
) -> WindowShift:
    """Where ``window`` lands among the doses given, next to where it lands in the plan."""
    given = [j for j, d in enumerate(doses) if d.simulated is not None]
    planned_at = land_window(window, [t for t, _ in times])
    landed = land_window(window, [times[j][1] for j in given])
    planned = doses[planned_at.anchor_index] if planned_at.anchor_index is not None else None
    simulated = doses[given[landed.anchor_index]] if landed.anchor_index is not None else None
    note = landed.note
    if planned is not None and simulated is not None and simulated.number != planned.number:
        anchor = window.anchor_dose
        word = "last" if anchor == "last" else _ordinal(anchor)
        note = (
            f"the {word} dose given is dose {simulated.number} "
            f"(the plan's is dose {planned.number})"
        )
    return WindowShift(
        window=window,
        planned_dose=planned.number if planned else None,
        dose=simulated.number if simulated else None,
        planned_day=planned.planned_day if planned else None,
        day=simulated.day if simulated else None,
        planned_date=planned.planned_date if planned else None,
        date=simulated.date if simulated else None,
        planned_start=_point(planned_at.start, start),
        planned_end=_point(planned_at.end, start),
        start=_point(landed.start, start),
        end=_point(landed.end, start),
        note=note,
    )


__all__ = ["dose_times", "window_shift"]
