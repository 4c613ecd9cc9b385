"""What-if for one patient: missed doses, delays, and a weight that changes over the course.

The planned doses are :func:`plan_doses`' schedule for the patient; a :class:`WhatIf` scenario
changes it:

- a **missed** dose is not given; the other doses keep their days;
- a **delay** moves dose k later by N days (N >= 1). With the ``shift`` policy every later dose
  moves with it (the next dose is one interval after the one given); with ``keep`` the later
  doses keep their original calendar. Several shift delays add up.
- the protocol's **minimum spacing** is enforced between consecutive doses given: a per-week
  phase promises its spacing (twice weekly: 3 days), any other phase at least 1 day (two doses
  are never on the same day, nor out of order). A change that breaks it is refused, with the
  largest delay that fits.
- **weights over time**: measurements (day, weight); a dose on day d is computed on the latest
  measurement on or before d (no interpolation), or on the patient's weight before the first
  one. ``weight_basis="baseline"`` doses every dose on the patient's (baseline) weight instead.
- **response windows** of the arm follow their anchor: "first dose" is the first dose given,
  "last dose" the last dose given, and "dose N" the N-th dose given (after two infusions means
  two infusions given); a window anchored at dose 2 moves when dose 2 moves.

Days count from the planned first dose (day 0). Calendar-month regimens need a start date for
delays and for weights over time, since their days depend on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

from celldose.protocols._calendar import MAX_DAYS, DoseTime, Duration, parse_duration
from celldose.protocols._display import plural
from celldose.protocols._errors import CelldoseError, OptionError
from celldose.protocols._protocol import Protocol, ResponseWindow
from celldose.protocols._regimen import MAX_DOSES, Phase, Which
from celldose.simulator.dosing._patient import Patient, Weight, make_patient, parse_weight
from celldose.simulator.dosing._schedule import DoseOptions, DosePlan, DoseRecord, plan_doses

DelayPolicy = Literal["shift", "keep"]
WeightBasis = Literal["current", "baseline"]
Status = Literal["given", "delayed", "shifted", "missed"]
_MAX_DIGITS = 6  # a dose number or a day is read only up to this many digits (MAX_DAYS has 5)


@dataclass(frozen=True)
class WhatIf:
    """A scenario for one patient (see the module docstring for the rules).

    >>> WhatIf(missed=(2,), delays=((3, 5),), policy="keep").describe()
    'dose 2 missed; dose 3 delayed 5 days (later doses keep their days)'
    """

    missed: tuple[int, ...] = ()
    delays: tuple[tuple[int, int], ...] = ()  # (dose number, days later)
    policy: DelayPolicy = "shift"
    weights: tuple[tuple[int, Weight], ...] = ()  # (day, weight) measurements
    weight_basis: WeightBasis = "current"

    def __post_init__(self) -> None:
        for number in self.missed:
            if number < 1:
                raise OptionError(f"--skip {number}: doses are numbered from 1")
        repeated = sorted({n for n in self.missed if self.missed.count(n) > 1})
        if repeated:
            raise OptionError(f"dose {repeated[0]} is skipped twice", "name each dose once")
        delayed = [n for n, _ in self.delays]
        for number, days in self.delays:
            if number < 1:
                raise OptionError(f"--delay {number}:{days}: doses are numbered from 1")
            if days < 1:
                raise OptionError(
                    f"--delay {number}:{days}: a delay is at least 1 day",
                    "write the dose and the days it moves later, e.g. --delay 3:5",
                )
            if days > MAX_DAYS:
                raise OptionError(
                    f"a delay of {days:,} days (dose {number}) is out of range: at most "
                    f"{MAX_DAYS:,} days (100 years)",
                    "write the days the dose moves later, e.g. 5",
                )
            if delayed.count(number) > 1:
                raise OptionError(
                    f"dose {number} is delayed twice", "give one delay per dose (the total)"
                )
            if number in self.missed:
                raise OptionError(
                    f"dose {number} is both missed and delayed", "drop --skip or --delay for it"
                )
        if self.policy not in ("shift", "keep"):
            raise OptionError(f"unknown delay policy {self.policy!r}", "use shift or keep")
        if self.weight_basis not in ("current", "baseline"):
            raise OptionError(
                f"unknown weight basis {self.weight_basis!r}", "use current or baseline"
            )
        measured = [d for d, _ in self.weights]
        for day in measured:
            if abs(day) > MAX_DAYS:
                raise OptionError(
                    f"a weight on day {day:,} is out of range: at most {MAX_DAYS:,} days "
                    "(100 years) from the first dose",
                    "give the day of each weight from the first dose, e.g. 28",
                )
        if len(set(measured)) != len(measured):
            again = sorted({d for d in measured if measured.count(d) > 1})[0]
            raise OptionError(f"two weights are given for day {again}", "give one per day")
        object.__setattr__(self, "missed", tuple(sorted(self.missed)))
        object.__setattr__(self, "delays", tuple(sorted(self.delays)))
        object.__setattr__(self, "weights", tuple(sorted(self.weights, key=lambda m: m[0])))

    def describe(self) -> str:
        """The scenario in words (empty changes: 'as planned')."""
        parts = [f"dose {n} missed" for n in self.missed]
        after = (
            "later doses shift with it" if self.policy == "shift" else "later doses keep their days"
        )
        for number, days in self.delays:
            parts.append(f"dose {number} delayed {days} day{'s' if days != 1 else ''}")
        if self.delays:
            parts[-1] += f" ({after})"
        return "; ".join(parts) if parts else "as planned"


def parse_skips(texts: tuple[str, ...] | list[str]) -> tuple[int, ...]:
    """``["2", "5,7"]`` -> (2, 5, 7): dose numbers to skip."""
    out: list[int] = []
    for text in texts:
        for part in text.split(","):
            part = part.strip()
            if not part.isdigit():
                raise OptionError(
                    f"--skip {text!r}: {part!r} is not a dose number",
                    "give dose numbers, e.g. --skip 2 or --skip 2,5",
                )
            if len(part) > _MAX_DIGITS:
                raise OptionError(
                    f"a dose number of {len(part):,} digits is out of range",
                    f"doses are numbered from 1 to at most {MAX_DOSES:,}",
                )
            out.append(int(part))
    return tuple(out)


def parse_delays(texts: tuple[str, ...] | list[str]) -> tuple[tuple[int, int], ...]:
    """``["3:5", "6:1w"]`` -> ((3, 5), (6, 7)): dose number and days later (or weeks)."""
    out: list[tuple[int, int]] = []
    for text in texts:
        for part in text.split(","):
            number, sep, amount = part.strip().partition(":")
            hint = "write DOSE:DAYS, e.g. --delay 3:5 (dose 3, five days later) or 3:1w"
            if not sep or not number.strip().isdigit():
                raise OptionError(f"--delay {text!r} is not understood", hint)
            if len(number.strip()) > _MAX_DIGITS:
                raise OptionError(
                    f"a dose number of {len(number.strip()):,} digits is out of range",
                    f"doses are numbered from 1 to at most {MAX_DOSES:,}",
                )
            amount = amount.strip()
            if amount.lstrip("-").isdigit():
                if len(amount) > 6:
                    raise OptionError(f"--delay {text!r}: the delay is out of range", hint)
                days = int(amount)
            else:
                try:
                    duration = parse_duration(amount)
                except CelldoseError:
                    raise OptionError(f"--delay {text!r}: cannot read {amount!r}", hint) from None
                if duration.is_calendar:
                    raise OptionError(
                        f"--delay {text!r}: a delay is in days or weeks, not months", hint
                    )
                days = duration.days
            out.append((int(number), days))
    return tuple(out)


def parse_weights(text: str) -> tuple[tuple[int, Weight], ...]:
    """``"0:12kg, 28:13kg, 56:13.5kg"`` -> ((0, 12 kg), (28, 13 kg), (56, 13.5 kg)).

    DAY is a whole number of days from the planned first dose (negative: before it).
    """
    out: list[tuple[int, Weight]] = []
    for part in text.split(","):
        day, sep, weight = part.strip().partition(":")
        if not sep or not day.strip().lstrip("-").isdigit():
            raise OptionError(
                f"--weights: {part.strip()!r} is not DAY:WEIGHT",
                'write e.g. --weights "0:12kg,28:13kg,56:13.5kg" (day from the first dose)',
            )
        if len(day.strip().lstrip("-")) > _MAX_DIGITS:
            raise OptionError(
                f"a weight on a day of {len(day.strip().lstrip('-')):,} digits is out of range",
                f"give the day of each weight from the first dose, at most {MAX_DAYS:,}",
            )
        out.append((int(day), parse_weight(weight)))
    return tuple(out)


@dataclass(frozen=True)
class WhatIfDose:
    """One dose, planned and simulated. A missed dose has 0 cells and no day of its own."""

    number: int
    phase: int
    status: Status
    planned_day: int | None
    day: int | None  # the simulated day (the planned day for a missed dose)
    moved_days: int
    planned_date: dt.date | None
    date: dt.date | None
    weight: Weight | None  # the weight it was computed on (None: missed)
    planned: DoseRecord
    simulated: DoseRecord | None  # None: missed
    planned_cumulative_cells: float
    cumulative_cells: float

    @property
    def cells(self) -> float:
        return 0.0 if self.simulated is None else self.simulated.cells

    @property
    def planned_cells(self) -> float:
        return self.planned.cells


@dataclass(frozen=True)
class WindowShift:
    """A response window of the arm: where its anchor falls, planned and simulated."""

    window: ResponseWindow
    planned_dose: int | None  # dose number of the anchor
    dose: int | None  # dose number of the anchor in the simulation (None: not given)
    planned_day: int | None
    day: int | None
    planned_date: dt.date | None
    date: dt.date | None
    planned_start: tuple[int | None, dt.date | None]
    planned_end: tuple[int | None, dt.date | None]
    start: tuple[int | None, dt.date | None]
    end: tuple[int | None, dt.date | None]
    note: str | None

    @property
    def moved_days(self) -> int | None:
        if self.day is None or self.planned_day is None:
            return None
        return self.day - self.planned_day


@dataclass(frozen=True)
class WhatIfResult:
    """The planned plan, the scenario, and every dose planned against simulated."""

    plan: DosePlan
    scenario: WhatIf
    schedule: Which | None
    doses: tuple[WhatIfDose, ...]
    windows: tuple[WindowShift, ...]
    warnings: tuple[str, ...]

    @property
    def given(self) -> tuple[WhatIfDose, ...]:
        return tuple(d for d in self.doses if d.simulated is not None)

    @property
    def planned_total_cells(self) -> float:
        return self.doses[-1].planned_cumulative_cells if self.doses else 0.0

    @property
    def total_cells(self) -> float:
        return self.doses[-1].cumulative_cells if self.doses else 0.0

    @property
    def planned_course_days(self) -> int | None:
        days = [d.planned_day for d in self.doses]
        if not days or any(d is None for d in days):
            return None
        return int(days[-1] or 0) - int(days[0] or 0)

    @property
    def course_days(self) -> int | None:
        """Days from the first to the last dose given (0 with one dose or none)."""
        days = [d.day for d in self.given]
        if not days:
            return 0
        if any(d is None for d in days):
            return None
        return int(days[-1] or 0) - int(days[0] or 0)

    def _vials(self, records: list[DoseRecord]) -> int | None:
        vials = [r.vials for r in records]
        return None if any(v is None for v in vials) else sum(v or 0 for v in vials)

    @property
    def planned_vials(self) -> int | None:
        return self._vials([d.planned for d in self.doses])

    @property
    def vials(self) -> int | None:
        return self._vials([d.simulated for d in self.doses if d.simulated is not None])


def whatif(
    protocol: Protocol,
    patient: Patient,
    scenario: WhatIf | None = None,
    *,
    arm: str | None = None,
    options: DoseOptions | None = None,
    schedule: Which | None = None,
) -> WhatIfResult:
    """Plan the doses of ``arm`` for ``patient``, then apply ``scenario``.

    ``patient`` is the planned (baseline) patient; ``schedule`` picks the minimum or maximum
    schedule of a frequency range (required then).

    >>> from celldose.protocols import load_protocol, parse_dose
    >>> from celldose.simulator import get_species
    >>> p = load_protocol("jang2025-canine-itp")
    >>> r = whatif(p, make_patient(get_species("dog"), "12kg"), WhatIf(missed=(2,)),
    ...            options=DoseOptions(dose=parse_dose("1e6 cells/kg")))
    >>> r.planned_total_cells, r.total_cells
    (96000000.0, 84000000.0)
    """
    scenario = scenario or WhatIf()
    options = options or DoseOptions()
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
            "give the first dose's date with --start YYYY-MM-DD",
        )
    moved = _moves(scenario, count)
    days = [None if d is None else d + m for d, m in zip(planned_days, moved, strict=True)]
    if not months:
        _check_spacing(chosen.regimen.phases, records, days, scenario, moved)
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
    windows = tuple(
        _window(w, doses, start) for w in protocol.response_windows if w.arm in (None, plan.arm)
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


def _need(phases: tuple[Phase, ...], a: DoseRecord, b: DoseRecord) -> int:
    """The minimum gap between two consecutive doses: the larger promise of their phases."""
    return max(phases[a.phase - 1].spacing_days() or 1, phases[b.phase - 1].spacing_days() or 1)


def _check_spacing(
    phases: tuple[Phase, ...],
    records: tuple[DoseRecord, ...],
    days: list[int | None],
    scenario: WhatIf,
    moved: list[int],
) -> None:
    given = [j for j, r in enumerate(records) if r.number not in scenario.missed]
    delays = dict(scenario.delays)
    for a, b in zip(given, given[1:], strict=False):
        day_a, day_b = days[a], days[b]
        assert day_a is not None and day_b is not None
        need = _need(phases, records[a], records[b])
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
            hints.append("or use --delay-policy shift to move the later doses with it")
        raise OptionError(message, " ".join(hints) if hints else None)


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


def _offset(
    day: int | None, date: dt.date | None, start: dt.date | None, duration: object
) -> tuple[int | None, dt.date | None]:
    """The day and date ``duration`` after an anchor (None where it cannot be known)."""
    if not isinstance(duration, Duration):
        return None, None
    if not duration.is_calendar:
        if day is None:
            return None, None
        new = day + duration.days
        return new, (start + dt.timedelta(days=new) if start is not None else None)
    if date is None or start is None:
        return None, None
    when = duration.as_time().date(date)
    return (when - start).days, when


def _ordinal(n: int) -> str:
    if n == 1:
        return "first"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _window(window: ResponseWindow, doses: list[WhatIfDose], start: dt.date | None) -> WindowShift:
    anchor = window.anchor_dose
    given = [d for d in doses if d.simulated is not None]
    planned: WhatIfDose | None
    simulated: WhatIfDose | None
    if anchor == "last":
        planned, simulated = doses[-1], (given[-1] if given else None)
    else:
        planned = doses[anchor - 1] if anchor <= len(doses) else None
        simulated = given[anchor - 1] if anchor <= len(given) else None
    note = None
    if planned is not None and simulated is not None and simulated.number != planned.number:
        word = "last" if anchor == "last" else _ordinal(anchor)
        note = (
            f"the {word} dose given is dose {simulated.number} "
            f"(the plan's is dose {planned.number})"
        )
    elif simulated is None:
        note = f"fewer than {anchor} doses are given: the window has no anchor"
    p_day = planned.planned_day if planned else None
    p_date = planned.planned_date if planned else None
    s_day = simulated.day if simulated else None
    s_date = simulated.date if simulated else None
    return WindowShift(
        window=window,
        planned_dose=planned.number if planned else None,
        dose=simulated.number if simulated else None,
        planned_day=p_day,
        day=s_day,
        planned_date=p_date,
        date=s_date,
        planned_start=_offset(p_day, p_date, start, window.start),
        planned_end=_offset(p_day, p_date, start, window.end),
        start=_offset(s_day, s_date, start, window.start),
        end=_offset(s_day, s_date, start, window.end),
        note=note,
    )


__all__ = [
    "DelayPolicy",
    "WeightBasis",
    "WhatIf",
    "WhatIfDose",
    "WhatIfResult",
    "WindowShift",
    "parse_delays",
    "parse_skips",
    "parse_weights",
    "whatif",
]
