"""The third stage of a dose plan: the schedules of the course and of every branch.

:func:`plan_schedules` expands the regimen (both sides of a frequency range), turns the planned
doses into records (:func:`~._dose_records.dose_records`), plans each branch of a decision after
the course, moves weekend doses when asked, and checks the spacing the administration asks for.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from celldose.protocols import Branch, OptionError, Phase, Regimen, Which, plural
from celldose.simulator.dosing._branches import check_assessment
from celldose.simulator.dosing._dose_records import dose_record_from, dose_records
from celldose.simulator.dosing._limits import StoppedDose
from celldose.simulator.dosing._plan_basis import PlanBasis
from celldose.simulator.dosing._route import check_spacing
from celldose.simulator.dosing._rules import min_gap_days
from celldose.simulator.dosing._schedule import DoseRecord, Schedule


@dataclass(frozen=True)
class PlannedSchedules:
    """The course's schedules (two for a frequency range) and each branch's, by name."""

    schedules: tuple[Schedule, ...]
    branches: dict[str, list[Schedule]]
    warnings: tuple[str, ...]  # an optional branch past a limit: refused if chosen


def plan_schedules(basis: PlanBasis) -> PlannedSchedules:
    """Every schedule of the plan: the course (with the included branch) and each branch."""
    regimen, options, context = basis.regimen, basis.options, basis.context
    rules, included = basis.rules, basis.included
    warnings: list[str] = []
    schedules = []
    branch_schedules: dict[str, list[Schedule]] = {}
    which_list: tuple[Which, ...] = ("min", "max") if regimen.is_range else ("min",)
    for which in which_list:
        planned = regimen.expand_phases(which, context=context, start=options.start)
        records, stopped = dose_records(
            basis, planned, basis.phase_doses, basis.published, bands=basis.phase_bands
        )
        extra: dict[str, list[DoseRecord]] = {}
        extra_stopped: dict[str, list[StoppedDose]] = {}
        if regimen.decision is not None:
            check_assessment(regimen.decision, records[-1].day, context)
        for name, doses in basis.branch_doses.items():  # each branch, numbered on after the course
            branch_records = partial(
                dose_records,
                basis,
                regimen.expand_branch_phases(name, which, context=context, start=options.start),
                [*basis.phase_doses, *doses],
                [*basis.published, *basis.branch_published[name]],
                records[-1].cumulative_cells,
                name,
                bands=[*basis.phase_bands, *basis.branch_bands[name]],
                range_totals=_range_totals(records[-1]),
            )
            try:
                extra[name], extra_stopped[name] = branch_records(rules=rules)
            except OptionError as exc:  # an optional branch past a limit: refused if chosen
                if (included is not None and included.name == name) or not rules.refuses:
                    raise
                extra[name], extra_stopped[name] = branch_records(rules=rules.without_refusals())
                note = f"branch {name} is refused if chosen: {exc.message}"
                if note not in warnings and note not in basis.warnings:
                    warnings.append(note)
        if options.start is not None and options.weekends == "next-weekday":
            for b in regimen.decision.branches if regimen.decision is not None else ():
                whole = move_weekends(records + extra[b.name], (*regimen.phases, *b.phases))
                extra[b.name] = whole[len(records) :]
            records = move_weekends(records, regimen.phases)
        for name, doses_after in extra.items():
            branch_schedules.setdefault(name, []).append(
                Schedule(
                    which if regimen.is_range else None,
                    tuple(doses_after),
                    tuple(extra_stopped[name]),
                )
            )
        check_spacing(records, basis.administration, context)
        for doses_after in extra.values():  # each branch after the course's last dose
            check_spacing([records[-1], *doses_after], basis.administration, context)
        if included is not None:
            records = records + extra[included.name]
            stopped = stopped + extra_stopped[included.name]
        schedule = Schedule(which if regimen.is_range else None, tuple(records), tuple(stopped))
        volume = schedule.total_volume_ml
        if volume is not None and not math.isfinite(volume):
            raise OptionError(
                "the course's total volume is out of range (more mL than a number can hold)",
                "check the concentration and its unit",
            )
        schedules.append(schedule)
    return PlannedSchedules(tuple(schedules), branch_schedules, tuple(warnings))


def branch_start(schedule: Schedule) -> tuple[int | None, dt.date | None]:
    """The day and date of a branch's first planned dose, given or stopped by a limit."""
    if schedule.doses:
        return schedule.doses[0].day, schedule.doses[0].date
    first = schedule.stopped[0]
    return first.day, dt.date.fromisoformat(first.date) if first.date else None


def _range_totals(record: DoseRecord) -> tuple[float, float]:
    """The cumulative cells at the lower and upper bound after ``record`` (its own cells for a
    point dose)."""
    if record.range is None:
        return record.cumulative_cells, record.cumulative_cells
    return record.range.cumulative_low, record.range.cumulative_high


def all_phases(regimen: Regimen, included: Branch | None) -> tuple[Phase, ...]:
    """The course's phases, then the included branch's (numbered on, as its doses are)."""
    return (*regimen.phases, *(included.phases if included is not None else ()))


def listed_day(phase: Phase, date: dt.date | None) -> bool:
    """True when ``date`` is a weekday its phase lists: a Saturday or Sunday the protocol
    chose is kept, never flagged or moved as a weekend dose."""
    listed = phase.weekday_numbers
    return date is not None and listed is not None and date.weekday() in listed


def move_weekends(records: list[DoseRecord], phases: Sequence[Phase]) -> list[DoseRecord]:
    """Move Saturday and Sunday doses to the next Monday; refuse if that breaks the spacing.
    A weekend day a weekday pattern lists (``on Saturdays``) is the protocol's choice: kept.

    Day numbers stay counted from the first dose actually given (day 0).
    """
    dates: list[dt.date] = []  # each dose's date, moved or not
    for record in records:
        assert record.date is not None
        date = record.date
        if date.weekday() >= 5 and not listed_day(phases[record.phase - 1], date):
            date += dt.timedelta(days=7 - date.weekday())
        dates.append(date)
    first = dates[0]
    moved = [
        record  # the record itself when nothing changes (a long course: most of its doses)
        if date == record.date and record.day == (date - first).days
        else dose_record_from(
            vars(record),
            date=date,
            moved_from=record.moved_from if date == record.date else record.date,
            day=(date - first).days,
        )
        for record, date in zip(records, dates, strict=True)
    ]
    needs: dict[tuple[int, int, int], int] = {}  # (phase, next phase, planned gap) -> least gap
    for j in range(1, len(moved)):
        planned_a, planned_b, before, after = records[j - 1], records[j], moved[j - 1], moved[j]
        assert planned_a.date is not None and planned_b.date is not None
        assert before.date is not None and after.date is not None
        planned_gap = (planned_b.date - planned_a.date).days
        key = (before.phase, after.phase, planned_gap)
        need = needs.get(key)
        if need is None:
            need = needs[key] = min_gap_days(
                phases[before.phase - 1], phases[after.phase - 1], planned_gap
            )
        gap = (after.date - before.date).days
        if gap < need:
            raise OptionError(
                f"moving weekend doses puts doses {before.number} and {after.number} "
                f"{plural(gap, 'day')} apart (at least {need} needed)",
                'choose another start="YYYY-MM-DD", or keep weekends=show',
                fields=("start", "weekends"),
            )
    return moved


__all__ = [
    "PlannedSchedules",
    "all_phases",
    "branch_start",
    "listed_day",
    "move_weekends",
    "plan_schedules",
]
