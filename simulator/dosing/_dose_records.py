"""The second stage of a dose plan: one :class:`DoseRecord` per planned dose.

:func:`dose_records` walks the planned doses of a course (or of a course and one branch) and
applies, dose by dose, the limits, the rounding to whole containers, a dose range's bounds and
the draw from the product. The unit work (the one dose rule, :func:`cells_per_dose`, with pint)
is done once per phase and dose bound, and what a dose of a given number of cells draws from
the product once per number of cells: per dose, only floats are added and compared, so a
course of 10,000 doses costs a few milliseconds more than one of 10.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from celldose.protocols import Dose, OptionError, PlannedDose, format_sig
from celldose.simulator.dosing._dose_range import RangeCells, RangeUse, range_use
from celldose.simulator.dosing._limits import DoseLimits, LimitedDose, StoppedDose
from celldose.simulator.dosing._logistics import Draw, draw
from celldose.simulator.dosing._plan_basis import PlanBasis
from celldose.simulator.dosing._records import DoseRecord
from celldose.simulator.dosing._rounding import (
    Rounded,
    phrase,
    round_to_containers,
    whole_count,
)
from celldose.simulator.dosing._rules import cells_per_dose

# a published range behind a dose: the range, how it is used, its bounds in cells
_Bounds = tuple[Dose, RangeUse, float, float]


def dose_records(
    basis: PlanBasis,
    planned: Sequence[PlannedDose],
    phase_doses: Sequence[Dose],
    published: Sequence[Dose | None],
    cumulative: float = 0.0,
    branch: str | None = None,
    rules: DoseLimits | None = None,
    bands: Sequence[str | None] = (),
    range_totals: tuple[float, float] = (0.0, 0.0),
) -> tuple[list[DoseRecord], list[StoppedDose]]:
    """The records of ``planned`` (dose ``k`` of phase ``p`` gets ``phase_doses[p - 1]``) and
    the doses a course maximum stopped. ``cumulative`` and ``range_totals`` are the cells given
    before (a branch continues its course); ``rules`` replaces the basis's limits."""
    rules = basis.rules if rules is None else rules
    options, patient, product = basis.options, basis.patient, basis.product
    start = options.start
    limited_any = bool(rules.limits) or rules.cap_cells is not None
    cells_of = _cells_rule(basis)
    point: dict[int, float] = {}  # phase -> cells of its dose (upper bound of a range)
    lower: dict[int, float | None] = {}  # phase -> cells at the lower bound of a range
    bounds: dict[int, _Bounds | None] = {}  # published range's bounds
    draws: dict[float, Draw] = {}  # cells -> what they draw from the product
    # a phase whose every dose is the same (no limit, rounding or range): its fields, once
    same: dict[int, dict[str, Any]] = {}
    plain = not limited_any and options.rounding == "none"
    records: list[DoseRecord] = []
    stopped: list[StoppedDose] = []
    totals = list(range_totals)
    for item in planned:
        phase = item.phase
        fixed = same.get(phase)
        if fixed is not None:  # the arithmetic below, already done for this phase's dose
            date, day, offset = _when(item, start)
            cells = fixed["cells"]
            totals[0] += cells
            totals[1] += cells
            cumulative += cells
            if not math.isfinite(cumulative):
                raise _too_many(item.number, fixed["dose"], patient.weight.text)
            records.append(
                dose_record_from(
                    fixed,
                    number=item.number,
                    offset=offset,
                    day=day,
                    date=date,
                    cumulative_cells=cumulative,
                )
            )
            continue
        dose = phase_doses[phase - 1]
        band = bands[phase - 1] if phase <= len(bands) else None
        weighed = dose.basis == "per kg" and basis.weight_note is not None
        if phase not in point:
            point[phase] = cells_of(dose)
        cells = point[phase]
        if cells < 1:
            raise OptionError(
                f"the dose {dose} gives {format_sig(cells)} cells for {patient.weight.text}",
                "check the dose and its unit: a dose is at least one whole cell",
            )
        date = item.time.date(start) if start else None
        day = (date - start).days if date is not None and start is not None else item.time.days
        if phase not in lower:
            lower[phase] = cells_of(dose.lower()) if dose.is_range else None
        low = lower[phase]
        if limited_any:
            limited = rules.limit_dose(
                item.number, cells, cumulative, low=low, before_low=totals[0] if low else None
            )
        else:
            limited = LimitedDose(cells, None, None)
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
            stopped.append(StoppedDose(item.number, phase, day, iso, branch, reason))
            continue
        cells = limited.cells
        capped = limited.capped_by is not None or weighed
        if phase not in bounds:
            bounds[phase] = _range_bounds(dose, published[phase - 1], cells_of)
        span = _range_cells(
            bounds[phase],
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
                cap_text=f"the {format_sig(cells)} cells left for dose {item.number} by the "
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
            raise _too_many(item.number, dose, patient.weight.text)
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
        if plain and span is None:  # every later dose of this phase is this one
            same[phase] = fields
        records.append(
            dose_record(
                **fields,
                number=item.number,
                offset=str(item.time),
                day=day,
                date=date,
                cumulative_cells=cumulative,
            )
        )
    return records, stopped


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


def _when(item: PlannedDose, start: dt.date | None) -> tuple[dt.date | None, int | None, str]:
    """The date, day and offset text of a planned dose (as ``DoseTime`` gives them; a time
    of whole days from a start date is added directly, the common case of a long course)."""
    parts = item.time.parts
    if start is not None and len(parts) == 1 and parts[0][0] == "d":
        days = parts[0][1]
        try:
            return start + dt.timedelta(days=days), days, f"day {days}"
        except OverflowError:
            pass  # past the calendar: DoseTime.date says so
    date = item.time.date(start) if start else None
    day = (date - start).days if date is not None and start is not None else item.time.days
    return date, day, str(item.time)


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


__all__ = ["dose_record", "dose_record_from", "dose_records"]
