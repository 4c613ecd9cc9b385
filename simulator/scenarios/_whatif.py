"""What-if for one patient: a :class:`WhatIf` scenario applied to the patient's dose plan.

The planned doses are :func:`plan_doses`' schedule for the patient; the scenario changes it:

- a **missed** dose is not given; the other doses keep their days;
- a **delay** moves dose k later by N days (N >= 1). With the ``shift`` policy every later dose
  moves with it (the next dose is one interval after the one given); with ``keep`` the later
  doses keep their original calendar. Several shift delays add up.
- the protocol's **minimum spacing** (:func:`~celldose.simulator.dosing.min_gap_days`, the rule
  every schedule keeps) is enforced between consecutive doses given. A change that breaks it is
  refused, with the largest delay that fits; the plan itself is never refused.
- **weights over time**: measurements (day, weight); a dose on day d is computed on the latest
  measurement on or before d (no interpolation), or on the patient's weight before the first
  one. ``weight_basis="baseline"`` doses every dose on the patient's (baseline) weight instead.
- **response windows** of the arm follow their anchor
  (:func:`~celldose.simulator.dosing.land_window` among the doses given): "first dose" is the
  first dose given, "last dose" the last dose given, and "dose N" the N-th dose given.

Days count from the planned first dose (day 0). Calendar-month regimens need a start date for
delays and for weights over time, since their days depend on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from celldose.protocols import (
    DoseTime,
    OptionError,
    Phase,
    Protocol,
    ResponseWindow,
    Which,
    parse_regimen,
    plural,
)
from celldose.simulator.dosing import (
    DoseOptions,
    DosePlan,
    DoseRecord,
    Patient,
    Weight,
    get_species,
    land_window,
    make_patient,
    min_gap_days,
    plan_doses,
)
from celldose.simulator.scenarios._options import as_protocol, dose_options
from celldose.simulator.scenarios._scenario import WhatIf, parse_delays, parse_skips, parse_weights
from celldose.simulator.scenarios._whatif_result import (
    Status,
    WhatIfDose,
    WhatIfResult,
    WindowShift,
)


def whatif(
    protocol: Protocol | str,
    patient: Patient | None = None,
    scenario: WhatIf | None = None,
    *,
    arm: str | None = None,
    options: DoseOptions | None = None,
    schedule: Which | None = None,
    weight: str | Weight | None = None,
    skip: Sequence[int | str] = (),
    delays: Sequence[tuple[int, int] | str] = (),
    delay_policy: str = "shift",
    weights: str | Sequence[tuple[int, Weight]] = (),
    weight_basis: str = "current",
    dose: str | None = None,
    count: int | None = None,
    interval: str | None = None,
    start: str | dt.date | None = None,
) -> WhatIfResult:
    """Plan the doses of ``arm`` for ``patient``, then apply ``scenario``.

    ``protocol`` is a Protocol, a library id or a file. ``patient`` is the planned (baseline)
    patient, or give ``weight`` (text such as ``"12 kg"``: a patient of the protocol's
    species). Instead of a :class:`WhatIf`, its parts may be given as keywords: ``skip`` (dose
    numbers), ``delays`` ((dose, days) pairs or ``"3:5"``), ``delay_policy``, ``weights``
    ((day, weight) pairs or ``"0:12kg,28:13kg"``) and ``weight_basis``. ``dose``, ``count``,
    ``interval`` and ``start`` fill ``options``. ``schedule`` picks the minimum or maximum
    schedule of a frequency range (required then).

    >>> r = whatif("jang2025-canine-itp", weight="12kg", skip=[2], dose="1e6 cells/kg")
    >>> r.planned_total_cells, r.total_cells
    (96000000.0, 84000000.0)
    """
    protocol = as_protocol(protocol)
    options = dose_options(options, dose=dose, count=count, interval=interval, start=start)
    patient = _patient(protocol, patient, weight)
    parts = bool(skip or delays or weights) or delay_policy != "shift"
    if scenario is None:
        scenario = WhatIf(
            missed=parse_skips([str(n) for n in skip]),
            delays=tuple(
                d
                for item in delays
                for d in (parse_delays([item]) if isinstance(item, str) else [item])
            ),
            policy=delay_policy,  # type: ignore[arg-type]
            weights=parse_weights(weights) if isinstance(weights, str) else tuple(weights),
            weight_basis=weight_basis,  # type: ignore[arg-type]
        )
    elif parts or not isinstance(scenario, WhatIf):
        raise OptionError(
            "give a WhatIf scenario or its parts (skip=, delays=, weights=), not both"
            if parts
            else f"scenario must be a WhatIf, not {scenario!r}"
        )
    plan = plan_doses(protocol, patient, arm=arm, options=options)
    chosen = protocol.arm(plan.arm)
    index = plan.schedule_index(schedule)
    records = plan.schedules[index].doses
    count = len(records)
    for number in [*scenario.missed, *(n for n, _ in scenario.delays)]:
        if number > count:
            raise OptionError(
                f"dose {number} does not exist: {protocol.id} arm {plan.arm} has {count} "
                f"dose{'s' if count != 1 else ''} ({plan.regimen})",
                f"give a dose number from 1 to {count}",
            )
    if len(scenario.missed) == count:
        raise OptionError(
            f"every dose ({count}) is missed: there is nothing to simulate",
            "skip fewer doses",
        )
    for _, measured in scenario.weights:  # every measurement is checked, used or not
        make_patient(patient.species, measured)
    planned_days = [r.day for r in records]
    months = any(d is None for d in planned_days)
    if months and (scenario.delays or scenario.weights):
        what = "delays" if scenario.delays else "weights over time"
        raise OptionError(
            f"{plan.regimen} counts calendar months, so its days depend on the start date; "
            f"{what} need them",
            "give the first dose's date with start=YYYY-MM-DD",
            fields=("start",),
        )
    moved = _moves(scenario, count)
    days = [None if d is None else d + m for d, m in zip(planned_days, moved, strict=True)]
    if not months:
        _check_spacing(chosen.regimen.phases, records, days, scenario)
    warnings = list(plan.warnings)
    plans = _plans_by_weight(protocol, patient, plan, options, scenario, days, warnings)
    start = options.start
    doses: list[WhatIfDose] = []
    planned_cumulative = cumulative = 0.0
    delayed = {n for n, _ in scenario.delays}
    for j, record in enumerate(records):
        planned_cumulative += record.cells
        number = record.number
        day = days[j]
        if number in scenario.missed:
            doses.append(
                WhatIfDose(
                    number,
                    record.phase,
                    "missed",
                    record.day,
                    record.day,
                    0,
                    record.date,
                    record.date,
                    None,
                    record,
                    None,
                    planned_cumulative,
                    cumulative,
                )
            )
            continue
        weight = _weight_on(scenario, patient.weight, day)
        simulated = plans[weight.kg].schedules[index].doses[j]
        cumulative += simulated.cells
        date = record.date
        if start is not None and day is not None and moved[j]:
            date = DoseTime.zero().plus_days(day).date(start)  # past year 9999: a clean error
        simulated = replace(
            simulated, day=day, date=date, cumulative_cells=cumulative, moved_from=None
        )
        status: Status = "delayed" if number in delayed else ("shifted" if moved[j] else "given")
        doses.append(
            WhatIfDose(
                number,
                record.phase,
                status,
                record.day,
                day,
                moved[j],
                record.date,
                date,
                weight,
                record,
                simulated,
                planned_cumulative,
                cumulative,
            )
        )
    _gap_warnings(doses, warnings)
    if start is not None:
        weekend = [
            d.number
            for d in doses
            if d.simulated is not None and d.moved_days and d.date and d.date.weekday() >= 5
        ]
        if weekend:
            many = len(weekend) > 1
            warnings.append(
                f"moved dose{'s' if many else ''} {', '.join(map(str, weekend))} now "
                f"fall{'' if many else 's'} on a weekend"
            )
    times = _times(plan, index, doses)
    windows = tuple(
        _window(w, doses, times, start)
        for w in protocol.response_windows
        if w.arm in (None, plan.arm)
    )
    return WhatIfResult(
        plan=plan,
        scenario=scenario,
        schedule=plan.schedules[index].which,
        doses=tuple(doses),
        windows=windows,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _moves(scenario: WhatIf, count: int) -> list[int]:
    """Days each dose moves: its own delay (keep), or every delay at or before it (shift)."""
    moved = [0] * count
    for number, days in scenario.delays:
        if scenario.policy == "keep":
            moved[number - 1] += days
        else:
            for j in range(number - 1, count):
                moved[j] += days
    return moved


def _check_spacing(
    phases: tuple[Phase, ...],
    records: tuple[DoseRecord, ...],
    days: list[int | None],
    scenario: WhatIf,
) -> None:
    given = [j for j, r in enumerate(records) if r.number not in scenario.missed]
    delays = dict(scenario.delays)
    for a, b in zip(given, given[1:], strict=False):
        day_a, day_b = days[a], days[b]
        assert day_a is not None and day_b is not None
        planned_a, planned_b = records[a].day, records[b].day
        assert planned_a is not None and planned_b is not None
        before, after = phases[records[a].phase - 1], phases[records[b].phase - 1]
        need = min_gap_days(before, after, planned_b - planned_a)
        gap = day_b - day_a
        if gap >= need:
            continue
        na, nb = records[a].number, records[b].number
        where = (
            f"puts dose {na} on day {day_a}, {'on the same day as' if gap == 0 else 'after'} "
            f"dose {nb} on day {day_b}"
            if gap <= 0
            else f"puts doses {na} and {nb} {gap} day{'s' if gap != 1 else ''} apart "
            f"(days {day_a} and {day_b})"
        )
        culprit = na if na in delays else nb
        message = (
            f"{'this scenario' if culprit not in delays else f'delaying dose {culprit}'} {where}; "
            f"the protocol needs at least {need} day{'s' if need != 1 else ''} between them"
        )
        hints = []
        if culprit == na and na in delays:
            largest = delays[na] - (need - gap)
            if largest >= 1:
                hints.append(
                    f"delay dose {na} by at most {largest} day{'s' if largest != 1 else ''}"
                )
            else:
                hints.append(f"no delay of dose {na} fits before dose {nb}: skip it instead")
        if scenario.policy == "keep":
            hints.append("or use delay_policy=shift to move the later doses with it")
        raise OptionError(message, " ".join(hints) if hints else None, fields=("delay_policy",))


def _weight_on(scenario: WhatIf, baseline: Weight, day: int | None) -> Weight:
    """The weight a dose on ``day`` is computed on."""
    if scenario.weight_basis == "baseline" or not scenario.weights or day is None:
        return baseline
    current = baseline
    for measured, weight in scenario.weights:
        if measured <= day:
            current = weight
    return current


def _plans_by_weight(
    protocol: Protocol,
    patient: Patient,
    plan: DosePlan,
    options: DoseOptions,
    scenario: WhatIf,
    days: list[int | None],
    warnings: list[str],
) -> dict[float, DosePlan]:
    """One dose plan per weight used (plan_doses does the dose arithmetic, caps and vials)."""
    plans = {patient.weight.kg: plan}
    if scenario.weight_basis == "baseline":
        return plans
    for day in days:
        weight = _weight_on(scenario, patient.weight, day)
        if weight.kg in plans:
            continue
        other = make_patient(patient.species, weight, human_bsa=patient.human_bsa)
        other = replace(other, height_cm=patient.height_cm)
        plans[weight.kg] = plan_doses(protocol, other, arm=plan.arm, options=options)
        warnings.extend(w for w in other.warnings if w not in warnings)
    return plans


def _gap_warnings(doses: list[WhatIfDose], warnings: list[str]) -> None:
    given = [d for d in doses if d.simulated is not None]
    for a, b in zip(given, given[1:], strict=False):
        if None in (a.day, b.day, a.planned_day, b.planned_day):
            continue
        assert a.day is not None and b.day is not None
        assert a.planned_day is not None and b.planned_day is not None
        gap, planned = b.day - a.day, b.planned_day - a.planned_day
        if gap < planned and (a.moved_days or b.moved_days):
            warnings.append(
                f"doses {a.number} and {b.number} are now {plural(gap, 'day')} apart "
                f"(planned {planned})"
            )


def _times(plan: DosePlan, index: int, doses: list[WhatIfDose]) -> list[tuple[DoseTime, DoseTime]]:
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


def _window(
    window: ResponseWindow,
    doses: list[WhatIfDose],
    times: list[tuple[DoseTime, DoseTime]],
    start: dt.date | None,
) -> WindowShift:
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


def _patient(protocol: Protocol, patient: Patient | None, weight: str | Weight | None) -> Patient:
    if patient is not None and weight is not None:
        raise OptionError("give a patient or a weight, not both", fields=("weight",))
    if patient is not None:
        if not isinstance(patient, Patient):
            raise OptionError(f"patient must be a Patient, not {patient!r}", "or pass weight=")
        return patient
    if weight is None:
        raise OptionError(
            "whatif needs the patient", 'pass weight="12kg" (or a Patient)', fields=("weight",)
        )
    return make_patient(get_species(protocol.species), weight)


__all__ = ["whatif"]
