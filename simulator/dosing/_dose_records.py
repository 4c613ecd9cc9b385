"""The second stage of a dose plan: one :class:`DoseRecord` per planned dose.

:func:`dose_records` walks the planned phases of a course (or of a course and one branch),
each a :class:`~celldose.protocols.PlannedPhase` (its first dose and days, not an object per
dose), and applies the one dose rule, :func:`cells_per_dose` (the unit work, with pint), once
per phase and dose bound. The first dose of a phase is worked out in full: the limits, the
rounding to whole containers, a dose range's bounds and the draw from the product. Its later
doses repeat it (:func:`_same_doses`: the same fields, each dose only its own number, time and
running totals) for as long as nothing they depend on changes: until a max per course is
reached, after which each dose goes through the full rule. Dates are arithmetic on the phase's
days (:func:`dose_times`), so a course of 10,000 doses costs a few milliseconds more than one
of 10.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from celldose.protocols import Dose, OptionError, PlannedPhase, format_sig
from celldose.simulator.dosing._dose_range import RangeCells, RangeUse, range_use
from celldose.simulator.dosing._limits import DoseLimits, LimitedDose, StoppedDose
from celldose.simulator.dosing._logistics import Draw, draw
from celldose.simulator.dosing._plan_basis import PlanBasis
from celldose.simulator.dosing._rounding import (
    Rounded,
    phrase,
    round_to_containers,
    whole_count,
)
from celldose.simulator.dosing._rules import cells_per_dose
from celldose.simulator.dosing._schedule import DoseRecord

# a published range behind a dose: the range, how it is used, its bounds in cells
_Bounds = tuple[Dose, RangeUse, float, float]


def dose_records(
    basis: PlanBasis,
    planned: Sequence[PlannedPhase],
    phase_doses: Sequence[Dose],
    published: Sequence[Dose | None],
    cumulative: float = 0.0,
    branch: str | None = None,
    rules: DoseLimits | None = None,
    bands: Sequence[str | None] = (),
    range_totals: tuple[float, float] = (0.0, 0.0),
) -> tuple[list[DoseRecord], list[StoppedDose]]:
    """The records of the doses of ``planned`` (phase ``p`` gets ``phase_doses[p - 1]``) and
    the doses a course maximum stopped. ``cumulative`` and ``range_totals`` are the cells given
    before (a branch continues its course); ``rules`` replaces the basis's limits."""
    rules = basis.rules if rules is None else rules
    options, patient, product = basis.options, basis.patient, basis.product
    start = options.start
    limited_any = bool(rules.limits) or rules.cap_cells is not None
    cells_of = _cells_rule(basis)
    draws: dict[float, Draw] = {}  # cells -> what they draw from the product
    # a max per course changes a dose once the course would pass it: until then, whatever the
    # other limits, rounding or range, every later dose of a phase repeats its first
    ceiling = min((x.value for x in rules.limits if x.kind == "max per course"), default=math.inf)
    records: list[DoseRecord] = []
    stopped: list[StoppedDose] = []
    totals = list(range_totals)
    for item in planned:
        phase = item.phase
        dose = phase_doses[phase - 1]
        band = bands[phase - 1] if phase <= len(bands) else None
        weighed = dose.basis == "per kg" and basis.weight_note is not None
        point = cells_of(dose)  # the one dose rule, once per phase (the upper bound of a range)
        if point < 1:
            raise OptionError(
                f"the dose {dose} gives {format_sig(point)} cells for {patient.weight.text}",
                "check the dose and its unit: a dose is at least one whole cell",
            )
        low = cells_of(dose.lower()) if dose.is_range else None  # a range's lower bound
        bounds: _Bounds | None = None  # the published range's bounds, once a dose is given
        bounded = False
        times = dose_times(item, start)
        for number, offset, day, date in times:
            if limited_any:
                limited = rules.limit_dose(
                    number, point, cumulative, low=low, before_low=totals[0] if low else None
                )
            else:
                limited = LimitedDose(point, None, None)
            if (
                limited.capped_by == "max per course"
                and not limited.stopped
                and options.rounding != "none"
                and rules.course_cap is not None
            ):
                left = whole_count(limited.cells, product, options.rounding)
                if left == 0:  # what the course maximum leaves is not one whole container
                    reached = f"max per course {format_sig(rules.course_cap)} cells reached"
                    limited = LimitedDose(
                        0.0,
                        "max per course",
                        f"stopped: {reached}; the {format_sig(limited.cells)} cells left "
                        f"{phrase(options.rounding, 0, product.container)}",
                        stopped=True,
                    )
            if limited.stopped:
                assert limited.note is not None
                iso = date.isoformat() if date is not None else None
                reason = limited.note.removeprefix("stopped: ")
                if low is not None and options.rounding == "none":  # a range kept as a range:
                    # the course maximum stops it at its upper bound
                    reason += (
                        f" at the upper bound of the dose range; the course at its lower bound "
                        f"is {format_sig(totals[0])} cells, and dose= chooses a target within "
                        "the range"
                    )
                stopped.append(StoppedDose(number, phase, day, iso, branch, reason))
                # the course total stays where it was, so the phase's later doses stop alike
                stopped.extend(
                    StoppedDose(n, phase, d, None if on is None else on.isoformat(), branch, reason)
                    for n, _, d, on in times
                )
                continue
            cells = limited.cells
            capped = limited.capped_by is not None or weighed
            if not bounded:
                bounds, bounded = _range_bounds(dose, published[phase - 1], cells_of), True
            span = _range_cells(
                bounds,
                cells if limited.capped_by is not None else None,
                totals,
                lambda c: _drawn(c, draws, basis),
            )
            rounded: Rounded | None = None
            if options.rounding != "none":  # after the limits: a capped dose is what is prescribed
                rounded = round_to_containers(
                    cells,
                    product,
                    options.rounding,
                    options.round_tolerance,
                    cap=cells if limited.capped_by is not None else rules.per_dose_cap,
                    cap_text=f"the {format_sig(cells)} cells left for dose {number} by the "
                    f"max per course of {format_sig(rules.course_cap or 0)} cells"
                    if limited.capped_by == "max per course"
                    else None,
                    bounds=None
                    if span is None or span.use == "override"
                    else (span.cells_low, span.cells_high),
                )
                cells = rounded.cells
                if span is not None and span.use != "override":
                    span = replace(span, use="rounded")  # one dose given, within the range
            if span is not None and span.use == "upper bound":  # kept as a range: both bounds
                totals[0], totals[1] = span.cumulative_low, span.cumulative_high
            else:  # one dose given (a point, or chosen or rounded within a range): its cells
                totals[0] += cells
                totals[1] += cells
                if span is not None:
                    span = replace(span, cumulative_low=totals[0], cumulative_high=totals[1])
            taken = _drawn(cells, draws, basis)
            cumulative += cells
            if not math.isfinite(cumulative):
                raise _too_many(number, dose, patient.weight.text)
            fields: dict[str, Any] = {
                "phase": phase,
                "moved_from": None,
                "dose": dose,
                "cells": cells,
                "cells_per_kg": _per_kg(dose, cells, basis, capped or rounded is not None),
                "cells_to_draw": taken.cells_to_draw,
                "volume_ml": taken.volume_ml,
                "vials": taken.vials,
                "leftover_cells": taken.leftover_cells,
                "leftover_ml": taken.leftover_ml,
                "capped": capped,
                "branch": branch,
                "band": band,
                "rounded": rounded,
                "capped_by": limited.capped_by or ("dose weight" if weighed else None),
                "cap_note": limited.note or (basis.weight_note if weighed else None),
                "range": span,
            }
            records.append(
                dose_record_from(
                    fields,
                    number=number,
                    offset=offset,
                    day=day,
                    date=date,
                    cumulative_cells=cumulative,
                )
            )
            if limited.capped_by != "max per course":
                # the later doses of this phase are this one while no max per course is reached
                repeat = _Repeat(fields, limited.cells, ceiling, dose, patient.weight.text)
                cumulative = _same_doses(records, repeat, times, cumulative, totals)
    return records, stopped


@dataclass(frozen=True)
class _Repeat:
    """A dose that its phase's later doses repeat: its record's shared ``fields``, its cells
    after the per-dose limits (``limited``, before any rounding), which a max per course
    compares, and the lowest max per course (``ceiling``; inf without one)."""

    fields: dict[str, Any]
    limited: float
    ceiling: float
    dose: Dose
    weight: str


def _same_doses(
    records: list[DoseRecord],
    repeat: _Repeat,
    times: Iterator[tuple[int, str, int | None, dt.date | None]],
    cumulative: float,
    totals: list[float],
) -> float:
    """The records of the next doses of ``times`` that are the same as ``repeat``'s: each its
    own number, time and running totals (a range's too), every other field shared, as long as
    the course stays within its lowest max per course (the next dose :func:`dose_records` works
    out in full). The same arithmetic as there, in the same order; returns the running total."""
    fields, limited, ceiling = repeat.fields, repeat.limited, repeat.ceiling
    cells, span = fields["cells"], fields["range"]
    # the course at a range's lower and upper bounds: kept as a range, each bound adds its own
    # cells; one dose given (a point, or chosen or rounded within a range), its cells
    add_low, add_high = (
        (span.cells_low, span.cells_high)
        if span is not None and span.use == "upper bound"
        else (cells, cells)
    )
    low, high = totals
    new, append, isfinite = object.__new__, records.append, math.isfinite
    while cumulative + limited <= ceiling:  # as DoseLimits.limit_dose compares
        item = next(times, None)
        if item is None:
            break
        low += add_low
        high += add_high
        cumulative += cells
        if not isfinite(cumulative):
            raise _too_many(item[0], repeat.dose, repeat.weight)
        record = new(DoseRecord)
        values = record.__dict__
        values.update(fields)
        values["number"], values["offset"], values["day"], values["date"] = item
        values["cumulative_cells"] = cumulative
        if span is not None:  # the range's own running totals
            bounds = new(RangeCells)
            bounds.__dict__.update(vars(span), cumulative_low=low, cumulative_high=high)
            values["range"] = bounds
        append(record)
    totals[:] = low, high
    return cumulative


def dose_record(**values: Any) -> DoseRecord:
    """A :class:`DoseRecord` of every field (by name), built as the dataclass would build it.

    A frozen dataclass's ``__init__`` sets each of the 22 fields through
    ``object.__setattr__``, which is most of the cost of a dose in a course of thousands; this
    fills the new record's ``__dict__`` at once. Every field must be given (tested: the record
    equals the one ``DoseRecord(**values)`` builds).
    """
    record = object.__new__(DoseRecord)
    record.__dict__.update(values)
    return record


def dose_record_from(shared: dict[str, Any], **values: Any) -> DoseRecord:
    """:func:`dose_record` of the fields ``shared`` by the doses of a phase and this dose's own
    ``values`` (the two together are every field)."""
    record = object.__new__(DoseRecord)
    fields = record.__dict__
    fields.update(shared)
    fields.update(values)
    return record


def dose_times(
    planned: PlannedPhase, start: dt.date | None
) -> Iterator[tuple[int, str, int | None, dt.date | None]]:
    """The number, offset text, day and date of each dose of ``planned``, as its
    :meth:`~PlannedPhase.time` gives them (``day 14``, 14, ``start`` + 14 days). A phase in days
    that begins a whole number of days after the first dose (every phase of a course without
    calendar months) is arithmetic on its days, without a ``DoseTime`` per dose."""
    number = planned.first
    begin = planned.begin.days  # None: the phase begins after calendar months
    if planned.days is None or begin is None:
        for k in range(planned.count):
            time = planned.time(k)
            date = time.date(start) if start is not None else None
            day = (date - start).days if date is not None and start is not None else time.days
            yield number + k, str(time), day, date
        return
    if start is None:
        for k, d in enumerate(planned.days):
            yield number + k, f"day {begin + d}", begin + d, None
        return
    origin, on = start.toordinal() + begin, dt.date.fromordinal
    for k, d in enumerate(planned.days):
        try:
            date = on(origin + d)
        except (OverflowError, ValueError):  # past the calendar: DoseTime.date says so
            date = planned.time(k).date(start)
        yield number + k, f"day {begin + d}", begin + d, date


def _too_many(number: int, dose: Dose, weight: str) -> OptionError:
    return OptionError(
        f"the total cells after dose {number} of {dose} for {weight} is out of range (more "
        "than a number can hold)",
        "check the dose, its unit and the number of doses",
    )


def _cells_rule(basis: PlanBasis) -> Callable[[Dose], float]:
    """The one dose rule for this patient: a dose (or a bound of a range) in cells."""
    patient, scaling, bsa = basis.patient, basis.scaling, basis.bsa

    def cells_of(dose: Dose) -> float:
        return cells_per_dose(
            dose,
            basis.dose_kg if dose.basis == "per kg" else patient.weight_kg,
            bsa_m2=bsa[0] if bsa else None,
            scale_factor=scaling.factor if scaling is not None else 1.0,
        )

    return cells_of


def _drawn(cells: float, draws: dict[float, Draw], basis: PlanBasis) -> Draw:
    """What ``cells`` draw from the product, computed once per number of cells."""
    taken = draws.get(cells)
    if taken is None:
        taken = draws[cells] = draw(cells, basis.product)
    return taken


def _range_bounds(
    dose: Dose, published: Dose | None, cells_of: Callable[[Dose], float]
) -> _Bounds | None:
    """The published range behind ``dose``, how it is used and its bounds in cells."""
    in_range = range_use(dose, published)
    if in_range is None:
        return None
    return (
        in_range[0],
        in_range[1],
        cells_of(in_range[0].lower()),
        cells_of(in_range[0].upper()),
    )


def _range_cells(
    bounds: _Bounds | None,
    limited: float | None,
    totals: list[float],
    drawn: Callable[[float], Draw],
) -> RangeCells | None:
    """Both bounds of a dose range; a limit that capped the dose caps both bounds."""
    if bounds is None:
        return None
    published, use, low, high = bounds
    if limited is not None:
        low, high = min(low, limited), min(high, limited)
    return RangeCells(
        range=published,
        use=use,
        cells_low=low,
        cells_high=high,
        volume_ml_low=drawn(low).volume_ml,
        volume_ml_high=drawn(high).volume_ml,
        cumulative_low=totals[0] + low,
        cumulative_high=totals[1] + high,
    )


def _per_kg(dose: Dose, cells: float, basis: PlanBasis, capped: bool) -> float:
    """Cells per kg: exact for a per-kg dose (no division noise), else cells / weight."""
    scale = basis.scaling
    if dose.basis == "per kg" and not capped:
        return dose.amount * (scale.factor if scale is not None else 1.0)
    return cells / basis.patient.weight_kg


__all__ = ["dose_record", "dose_record_from", "dose_records", "dose_times"]
