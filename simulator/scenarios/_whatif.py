"""What-if for one patient: a :class:`WhatIf` scenario applied to the patient's dose plan.

The planned doses are :func:`plan_doses`' schedule for the patient; the scenario changes it:

- a **missed** dose is not given; the other doses keep their days;
- a **delay** moves dose k later by N days (N >= 1). With the ``shift`` policy every later dose
  moves with it (the next dose is one interval after the one given); with ``keep`` the later
  doses keep their original calendar. Several shift delays add up.
- the protocol's **minimum spacing** (:func:`~celldose.simulator.dosing.min_gap_days`, the rule
  every schedule keeps, and the administration's ``min_spacing``) is enforced between
  consecutive doses given. A change that breaks it is
  refused, with the largest delay that fits; the plan itself is never refused.
- **weights over time**: measurements (day, weight); a dose on day d is computed on the latest
  measurement on or before d (no interpolation), or on the patient's weight before the first
  one. ``weight_basis="baseline"`` doses every dose on the patient's (baseline) weight instead.
- **response windows** of the arm follow their anchor
  (:func:`~celldose.simulator.dosing.land_window` among the doses given): "first dose" is the
  first dose given, "last dose" the last dose given, and "dose N" the N-th dose given.

A course maximum (a ``max per course`` limit with action cap) with missed doses or weights over
time is refused: the doses after the change would have to be capped again against the course
total (delays alone keep every dose's cells, and are simulated).

Days count from the planned first dose (day 0). Calendar-month regimens need a start date for
delays and for weights over time, since their days depend on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from celldose.protocols import DoseTime, OptionError, Protocol, Which
from celldose.simulator.dosing import (
    DoseOptions,
    DosePlan,
    Patient,
    PatientIdentity,
    Weight,
    get_species,
    make_patient,
    parse_weight,
    plan_doses,
)
from celldose.simulator.scenarios._options import as_protocol, dose_options
from celldose.simulator.scenarios._scenario import WhatIf, parse_delays, parse_skips, parse_weights
from celldose.simulator.scenarios._whatif_delays import check_spacing, delay_moves, gap_warnings
from celldose.simulator.scenarios._whatif_result import Status, WhatIfDose, WhatIfResult
from celldose.simulator.scenarios._whatif_windows import dose_times, window_shift


def whatif(
    protocol: Protocol | str,
    patient: Patient | None = None,
    scenario: WhatIf | None = None,
    *,
    arm: str | None = None,
    options: DoseOptions | None = None,
    schedule: Which | None = None,
    weight: str | Weight | None = None,
    skip: int | str | Sequence[int | str] = (),
    delays: str | Sequence[tuple[int, int] | str] | Mapping[int, int] = (),
    delay_policy: str = "shift",
    weights: str | Sequence[tuple[int, str | Weight]] = (),
    weight_basis: str = "current",
    dose: str | None = None,
    count: int | None = None,
    interval: str | None = None,
    start: str | dt.date | None = None,
    identity: PatientIdentity | None = None,
) -> WhatIfResult:
    """Plan the doses of ``arm`` for ``patient``, then apply ``scenario``.

    ``protocol`` is a Protocol, a library id or a file. ``patient`` is the planned (baseline)
    patient, or give ``weight`` (text such as ``"12 kg"``: a patient of the protocol's
    species). Instead of a :class:`WhatIf`, its parts may be given as keywords: ``skip`` (dose
    numbers), ``delays`` ((dose, days) pairs or ``"3:5"``), ``delay_policy``, ``weights``
    ((day, weight) pairs or ``"0:12kg,28:13kg"``) and ``weight_basis``. ``dose``, ``count``,
    ``interval`` and ``start`` fill ``options``. ``schedule`` picks the minimum or maximum
    schedule of a frequency range (required then). ``identity`` names the patient
    (:func:`~celldose.simulator.dosing.make_identity`), as on a dose plan.

    >>> r = whatif("jang2025-canine-itp", weight="12kg", skip=[2], dose="1e6 cells/kg")
    >>> r.planned_total_cells, r.total_cells
    (96000000.0, 84000000.0)
    """
    protocol = as_protocol(protocol)
    options = dose_options(options, dose=dose, count=count, interval=interval, start=start)
    parts = bool(skip or delays or weights) or delay_policy != "shift"
    if scenario is None:
        scenario = WhatIf(
            missed=parse_skips([str(n) for n in _items(skip, "skip")]),
            delays=_delays(delays),
            policy=delay_policy,  # type: ignore[arg-type]
            weights=_measurements(weights),
            weight_basis=weight_basis,  # type: ignore[arg-type]
        )
    elif parts or not isinstance(scenario, WhatIf):
        raise OptionError(
            "give a WhatIf scenario or its parts (skip=, delays=, weights=), not both"
            if parts
            else f"scenario must be a WhatIf, not {scenario!r}"
        )
    patient = _patient(protocol, patient, weight, scenario.weights)
    plan = plan_doses(protocol, patient, arm=arm, options=options, identity=identity)
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
    course_caps = [x for x in plan.limits if x.kind == "max per course" and x.action == "cap"]
    if course_caps and (scenario.missed or scenario.weights):
        what = "missed doses" if scenario.missed else "weights over time"
        raise OptionError(
            f"a what-if with {what} under a course maximum ({course_caps[0].label}) is not "
            "simulated: the doses after the change would have to be capped again against the "
            "course total",
            "simulate delays only, or plan the doses actually given with a new course",
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
    moved = delay_moves(scenario, count)
    days = [None if d is None else d + m for d, m in zip(planned_days, moved, strict=True)]
    if not months:
        least = plan.administration.min_spacing_days
        check_spacing(chosen.regimen.phases, records, days, scenario, least)
    warnings = list(plan.warnings)
    if plan.assessment is not None:
        warnings.append(
            f"the course stops at a decision (assessment on day {plan.assessment.day}); its "
            "branches are not part of this what-if"
        )
    plans = _plans_by_weight(protocol, patient, plan, options, scenario, days, warnings)
    start = options.start
    if start is not None:  # a weekday pattern: day 0 is the first listed weekday
        start = chosen.regimen.first_dose_date(start)
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
                    plan.route,
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
                plan.route,
            )
        )
    gap_warnings(doses, warnings)
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
    times = dose_times(plan, index, doses)
    windows = tuple(
        window_shift(w, doses, times, start)
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


def _patient(
    protocol: Protocol,
    patient: Patient | None,
    weight: str | Weight | None,
    measurements: Sequence[tuple[int, Weight]],
) -> Patient:
    """The baseline patient: given, from ``weight``, or from the weights on or before day 0.

    The baseline is the weight before the first measurement. A measurement on or before the
    first dose must agree with a patient or weight also given, so that the plan and the
    simulation speak of the same patient.
    """
    if patient is not None and weight is not None:
        raise OptionError("give a patient or a weight, not both", fields=("weight",))
    if patient is not None and not isinstance(patient, Patient):
        raise OptionError(f"patient must be a Patient, not {patient!r}", "or pass weight=")
    before = [(day, w) for day, w in measurements if day <= 0]
    measured = max(before, key=lambda m: m[0])[1] if before else None
    if patient is None and weight is not None:
        patient = make_patient(get_species(protocol.species), weight)
    if patient is None:
        if measured is None:
            first = (
                f"weights starts on day {min(d for d, _ in measurements)}: " if measurements else ""
            )
            raise OptionError(
                f"{first}whatif needs the patient's weight at the first dose (day 0)",
                'pass weight="12kg", or weights with a day-0 weight: weights="0:12kg,28:13kg"',
                fields=("weight",),
            )
        return make_patient(get_species(protocol.species), measured)
    if measured is not None and abs(patient.weight_kg - measured.kg) > 1e-9 * measured.kg:
        raise OptionError(
            f"the patient weighs {patient.weight.text} but weights gives {measured.text} at "
            "the first dose",
            "give one baseline weight: leave out weight= (or the patient), or make them agree",
            fields=("weights",),
        )
    return patient


def _items(value: object, name: str) -> list[object]:
    """One item or many: ``skip=2``, ``skip=[2, 5]``, ``delays="3:5"``, ``delays={3: 5}``."""
    if isinstance(value, str | int):
        return [value]
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, Iterable):
        return list(value)
    raise OptionError(f"{name} must be a number, text or a list, not {value!r}", fields=(name,))


def _delays(value: object) -> tuple[tuple[int, int], ...]:
    """Delays: ``"3:5,6:1w"`` text, (dose, days) pairs, or a {dose: days} mapping."""
    out: list[tuple[int, int]] = []
    for item in _items(value, "delays"):
        if isinstance(item, str):
            out.extend(parse_delays([item]))
        elif (
            isinstance(item, tuple | list)
            and len(item) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in item)
        ):
            out.append((item[0], item[1]))
        else:
            raise OptionError(
                f"a delay must be DOSE:DAYS text or a (dose, days) pair, not {item!r}",
                'e.g. delays=["3:5"] or delays=[(3, 5)]',
                fields=("delays",),
            )
    return tuple(out)


def _measurements(value: object) -> tuple[tuple[int, Weight], ...]:
    """Weights over time: ``"0:12kg,28:13kg"`` or (day, weight) pairs, a weight as text too."""
    if isinstance(value, str):
        return parse_weights(value) if value.strip() else ()
    out: list[tuple[int, Weight]] = []
    for item in _items(value, "weights"):
        if (
            isinstance(item, tuple | list)
            and len(item) == 2
            and isinstance(item[0], int)
            and not isinstance(item[0], bool)
            and isinstance(item[1], str | Weight)
        ):
            out.append((item[0], parse_weight(item[1]) if isinstance(item[1], str) else item[1]))
        else:
            raise OptionError(
                f"a weight over time must be a (day, weight) pair, not {item!r}",
                'e.g. weights=[(0, "12kg"), (28, "13kg")] or weights="0:12kg,28:13kg"',
                fields=("weights",),
            )
    return tuple(out)


__all__ = ["whatif"]
