"""The doses of a plan as runs, for the interchange formats (NONMEM records, FHIR timings).

A run is a stretch of doses of one phase that one record can stand for: a regular phase (a
fixed interval in days or weeks, or once weekly on one weekday) none of whose doses was moved
off a weekend, the interval apart, with the same cells. Every other dose (calendar months,
twice weekly and other weekday patterns, explicit days, a phase with a weekend move) is a run of
its own. The planned course is one schedule (a range needs :meth:`DosePlan.with_schedule`) and
has days (calendar months need a start date): both refused otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from celldose.protocols import REGIMEN_ID, OptionError, Phase, Regimen
from celldose.simulator.dosing._records import DosePlan
from celldose.simulator.dosing._schedule import DoseRecord


def course_doses(plan: DosePlan, what: str) -> tuple[DoseRecord, ...]:
    """The doses of the plan's one schedule, with days; refused for a range or undated months
    (``what`` names the output: ``NONMEM-style dosing records``)."""
    if len(plan.schedules) > 1:
        raise OptionError(
            f"{what} follow one schedule, and {_what(plan)} is a range ({plan.regimen})",
            "choose schedule=min (the least dosing: fewest doses a week, longest interval) or "
            "schedule=max (the most)",
            fields=("schedule",),
        )
    doses = plan.schedules[0].doses
    if any(d.day is None for d in doses):
        raise OptionError(
            f"{what} give each dose's time from the first dose, and the days of "
            f"{plan.regimen} depend on its dates (calendar months)",
            "give the first dose's date with start=YYYY-MM-DD",
            fields=("start",),
        )
    return doses


def _what(plan: DosePlan) -> str:
    return "the regimen" if plan.protocol_id == REGIMEN_ID else f"{plan.protocol_id} arm {plan.arm}"


def plan_phases(plan: DosePlan, branch: str | None = None) -> tuple[Phase, ...]:
    """The phases the doses' ``phase`` numbers count: the course's, then those of ``branch``
    (default: the chosen branch, if any)."""
    from celldose.protocols import parse_regimen  # the shorthand grammar: loaded on use

    regimen: Regimen = parse_regimen(plan.regimen)
    name = branch if branch is not None else plan.branch
    if name is None or regimen.decision is None:
        return regimen.phases
    return (*regimen.phases, *regimen.decision.branch(name).phases)


def course_phase_count(plan: DosePlan) -> int:
    """The number of the course's own phases (a branch's are numbered on after them)."""
    from celldose.protocols import parse_regimen

    return len(parse_regimen(plan.regimen).phases)


def interval_days(phase: Phase, plan: DosePlan) -> int | None:
    """The fixed interval of a regular phase in days, or None (calendar months, patterns of
    more than one dose a week, explicit days, a single dose)."""
    which = plan.schedule or plan.schedules[0].which or "min"
    every = phase.interval(which)
    if every is not None:
        return None if every.is_calendar else every.days
    if phase.weekdays is not None:
        return 7 if len(phase.weekdays) == 1 else None
    return 7 if phase.times(which) == 1 else None


def dose_runs(
    doses: Sequence[DoseRecord], phases: Sequence[Phase], plan: DosePlan, expand: bool
) -> list[list[DoseRecord]]:
    """Runs of doses, one record each: in one regular phase none of whose doses was moved off a
    weekend, its interval apart, with the same cells; every other dose alone."""
    moved = {d.phase for d in doses if d.moved_from is not None}
    groups: list[list[DoseRecord]] = []
    for dose in doses:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and not expand
            and dose.phase == last.phase
            and dose.phase not in moved
            and dose.cells == last.cells
            and dose.day is not None
            and last.day is not None
            and dose.day - last.day == interval_days(phases[dose.phase - 1], plan)
        ):
            groups[-1].append(dose)
        else:
            groups.append([dose])
    return groups


_DURATION = re.compile(
    r"^\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<tol>(?:±|\+/-|\+-)\s*\d+(?:\.\d+)?\s*)?"
    r"(?P<unit>min|mins|minutes?|h|hr|hrs|hours?)\s*$",
    re.IGNORECASE,
)


def read_duration(text: str) -> tuple[float, str, bool] | None:
    """``10 ± 5 min`` -> (10.0, "min", True): the nominal value, ``min`` or ``h``, and whether
    a tolerance was written; None for text that is not a number of minutes or hours."""
    match = _DURATION.match(text)
    if match is None:
        return None
    unit = "min" if match["unit"].lower().startswith("m") else "h"
    return float(match["value"]), unit, bool(match["tol"])
