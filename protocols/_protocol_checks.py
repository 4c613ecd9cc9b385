"""The cross-field checks of a protocol: each yields every problem it finds, with its field.

A protocol's model validator runs them all (:data:`CROSS_CHECKS`) and raises every problem at
once (:class:`FieldProblems`), so ``celldose check`` lists them all. While they run (within
:func:`shared_schedules`), each arm's regimen is expanded once for all the checks that need its
doses: a file of 1,000 arms costs 1,000 expansions, not one per check and arm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING

from celldose.protocols._bands import DoseBands
from celldose.protocols._calendar import DoseTime, Duration
from celldose.protocols._dose import Dose
from celldose.protocols._errors import CelldoseError
from celldose.protocols._regimen import PlannedPhase, Regimen

if TYPE_CHECKING:
    from celldose.protocols._protocol import Protocol


class FieldProblem(ValueError):
    """A cross-field problem found by a model validator, with the path of the field to blame."""

    def __init__(self, message: str, *path: str | int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.hint = hint


class FieldProblems(ValueError):
    """Every cross-field problem of a protocol at once (``celldose check`` lists them all)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = tuple(problems)


def course_contradiction(regimen: Regimen, stated: Duration) -> str | None:
    """Say why a stated course length contradicts the regimen, or None when it fits.

    A course of length L fits when the last dose falls within it and the next dose (one interval
    later) would not: span <= L <= span + interval. With calendar months the check is made for
    every start date over a year (2 months is 59 to 62 days), and passes if any date fits.
    """
    phases = _min_phases(regimen)
    if phases is None:  # a value is not reported: nothing to check against
        return None
    try:
        after = regimen.phases[-1].next_start("min")
    except CelldoseError:
        return None
    last_phase = _last_phase(phases)
    last = last_phase.time(last_phase.count - 1)
    first_of_last = last_phase.time(0)
    following = first_of_last.plus(after) if after is not None else None
    calendar = stated.is_calendar or last.has_months
    starts = [_PROBE + dt.timedelta(days=k) for k in range(366 if calendar else 1)]
    spans: list[int] = []
    for start in starts:
        length = stated.as_time().day_on(start)
        span = last.day_on(start)
        limit = following.day_on(start) if following is not None else None
        if span <= length and (limit is None or length <= limit):
            return None
        spans.append(span)
    low, high = stated.day_range()
    shown = f"{min(spans)}" if min(spans) == max(spans) else f"{min(spans)}-{max(spans)}"
    length_text = f"{low} days" if low == high else f"{low}-{high} days"
    return (
        f"the stated course length of {stated} ({length_text}) contradicts the regimen "
        f"{regimen.to_shorthand()!r}, whose last dose falls on day {shown}"
    )


_PROBE = dt.date(2024, 1, 1)

# While the checks of one protocol run: each regimen's minimum schedule by the regimen's id,
# with the regimen itself (it stays alive meanwhile, so its id cannot name another).
_Schedules = dict[int, tuple[Regimen, tuple[PlannedPhase, ...] | None]]
_schedules: ContextVar[_Schedules | None] = ContextVar("_schedules", default=None)


@contextmanager
def shared_schedules() -> Iterator[None]:
    """Run checks within this to expand each regimen once for all of them (forgotten after)."""
    token = _schedules.set({})
    try:
        yield
    finally:
        _schedules.reset(token)


def _min_phases(regimen: Regimen) -> tuple[PlannedPhase, ...] | None:
    """The phases of the regimen's minimum schedule (:meth:`Regimen.expand_phases`), or None
    when a value is not reported (expanded once within :func:`shared_schedules`)."""
    memo = _schedules.get()
    known = memo.get(id(regimen)) if memo is not None else None
    if known is not None and known[0] is regimen:
        return known[1]
    try:
        phases: tuple[PlannedPhase, ...] | None = regimen.expand_phases("min")
    except CelldoseError:
        phases = None
    if memo is not None:
        memo[id(regimen)] = (regimen, phases)
    return phases


def _last_phase(phases: tuple[PlannedPhase, ...]) -> PlannedPhase:
    """The phase of the last dose."""
    return next(phase for phase in reversed(phases) if phase.count)


# -- cross-field checks: each yields every problem it finds -------------------------------------
def _unique_arm_names(p: Protocol) -> Iterator[FieldProblem]:
    return repeated_arm_names([arm.name for arm in p.arms])


def repeated_arm_names(names: list[str | None]) -> Iterator[FieldProblem]:
    """Each arm name that repeats, at its second (third...) occurrence; None: an arm whose name
    is not known (missing or invalid), which repeats nothing."""
    first: dict[str, int] = {}  # each name's first index (a set, not a scan: 1,000 arms)
    for i, name in enumerate(names):
        if name is None:
            continue
        if name in first:
            yield FieldProblem(
                f"arm name {name!r} repeats; arm names must be unique", "arms", i, "name",
                hint=f"rename one of them (the first is arm {first[name] + 1})",
            )  # fmt: skip
        else:
            first[name] = i


def _arm_products_and_doses(p: Protocol) -> Iterator[FieldProblem]:
    used_protocol_dose = False
    for index, arm in enumerate(p.arms):
        product = arm.regimen.product
        if product is not None and product.lower() != p.product.name.lower():
            yield FieldProblem(
                f"arm {arm.name!r}: the regimen names product {product!r}, "
                f"but the protocol's product is {p.product.name!r}",
                "arms", index, "regimen",
            )  # fmt: skip
        first = arm.regimen.phases[0].dose
        own = arm.dose is not None or arm.dose_by is not None
        if arm.gives_no_cells and (own or any(ph.dose is not None for ph in arm.regimen.phases)):
            yield FieldProblem(
                f"arm {arm.name!r} has role {arm.role}, which gives no cells, but it has a dose "
                "of its own: remove the dose, or give the arm role treatment",
                "arms", index, "role",
            )  # fmt: skip
            continue
        if arm.dose is not None and first is not None and first != arm.dose:
            yield FieldProblem(
                f"arm {arm.name!r}: its dose ({arm.dose}) contradicts the dose in its regimen "
                f"({first}); give the dose once",
                "arms", index, "dose",
            )  # fmt: skip
        if arm.dose is None and first is None:
            used_protocol_dose = True
        for i in range(1, len(arm.regimen.phases) + 1):
            dose = p.phase_dose(arm, i)
            whole = arm.dose_by is not None or (p.dose_by is not None and arm.dose is None)
            if dose is None and not arm.gives_no_cells and not whole:
                yield FieldProblem(
                    f"arm {arm.name!r} has no dose: give dose (or write 'dose: not reported' "
                    "when the source does not report it)",
                    "arms", index,
                )  # fmt: skip
                break
            if whole and isinstance(dose, DoseBands):
                yield FieldProblem(
                    f"arm {arm.name!r}: a dose by weight band and dose_by: whole containers "
                    "contradict each other; give one",
                    "arms", index,
                )  # fmt: skip
                break
            bands = dose.bands if isinstance(dose, DoseBands) else ()
            odd = [b for b in bands if not b.dose.is_cells]
            if odd:
                yield FieldProblem(
                    f"arm {arm.name!r}: a cell product is dosed in cells, cells/kg or "
                    f"cells/m², not {odd[0].dose.unit} (band {odd[0].label})",
                    "arms", index,
                )  # fmt: skip
                break
            if isinstance(dose, Dose) and not dose.is_cells:
                yield FieldProblem(
                    f"arm {arm.name!r}: a cell product is dosed in cells, cells/kg or "
                    f"cells/m², not {dose.unit}",
                    "arms", index,
                )  # fmt: skip
                break
    if p.dose is not None and not used_protocol_dose:
        yield FieldProblem(
            f"the protocol's dose ({p.dose}) is used by no arm: every arm gives its own",
            "dose",
            hint="a dose that doses no one would still read as the study's dose: delete it, or "
            "delete the arms' doses that repeat it (an arm without a dose takes the protocol's)",
        )


def _windows(p: Protocol) -> Iterator[FieldProblem]:
    names = [arm.name for arm in p.arms]
    for j, window in enumerate(p.response_windows):
        if window.arm is not None and window.arm not in names:
            yield FieldProblem(
                f"response window {window.label!r} names arm {window.arm!r}, "
                f"which is not one of: {', '.join(dict.fromkeys(names))}",
                "response_windows", j, "arm",
            )  # fmt: skip
            continue
        anchor = window.anchor_dose
        if isinstance(anchor, int) and anchor > 1:
            arms = [a for a in p.arms if window.arm in (None, a.name) and not a.gives_no_cells]
            for arm in arms:
                count = _dose_count(arm.regimen)
                if count is not None and anchor > count:
                    yield FieldProblem(
                        f"response window {window.label!r} is anchored at dose {anchor}, but "
                        f"arm {arm.name!r} has {count} doses",
                        "response_windows", j, "anchor",
                    )  # fmt: skip
                    break
        follow = p.follow_up
        if (
            isinstance(follow, Duration)
            and window.anchor == "first dose"
            and isinstance(window.end, Duration)
            and window.end.day_range()[0] > follow.day_range()[1]
        ):
            yield FieldProblem(
                f"response window {window.label!r} ends {window.end} after the first dose, "
                f"after the follow-up of {follow}",
                "response_windows", j, "end",
            )  # fmt: skip


def _course(p: Protocol) -> Iterator[FieldProblem]:
    for arm in p.arms:
        if p.course_length is not None:
            problem = course_contradiction(arm.regimen, p.course_length)
            if problem:
                yield FieldProblem(f"arm {arm.name!r}: {problem}", "course_length")
        if isinstance(p.follow_up, Duration):
            last = _last_dose_days(arm.regimen)
            if last is not None and p.follow_up.day_range()[1] < last:
                yield FieldProblem(
                    f"the follow-up of {p.follow_up} (counted from the first dose) ends before "
                    f"the last dose of arm {arm.name!r} (day {last})",
                    "follow_up",
                )
                break


def _spacing(p: Protocol) -> Iterator[FieldProblem]:
    """A regimen whose own doses fall closer than the administration's min_spacing."""
    for index, arm in enumerate(p.arms):
        need = p.arm_administration(arm).min_spacing_days
        if need is None:
            continue
        phases = _min_phases(arm.regimen)
        if phases is None:  # a value is not reported: checked when it is given
            continue
        least = tuple(dose for phase in phases for dose in phase.doses())  # expand("min")
        try:
            schedules = [least, *([arm.regimen.expand("max")] if arm.regimen.is_range else [])]
        except CelldoseError:
            continue
        for doses in schedules:
            close = next(
                (
                    (a, b)
                    for a, b in zip(doses, doses[1:], strict=False)
                    if a.time.days is not None
                    and b.time.days is not None
                    and b.time.days - a.time.days < need
                ),
                None,
            )
            if close is not None:
                a, b = close
                assert a.time.days is not None and b.time.days is not None
                gap = b.time.days - a.time.days
                yield FieldProblem(
                    f"arm {arm.name!r}: the regimen puts doses {a.number} and {b.number} "
                    f"{gap} day{'s' if gap != 1 else ''} apart, closer than the administration's "
                    f"min_spacing of {need} day{'s' if need != 1 else ''}",
                    "arms",
                    index,
                    "regimen",
                )
                break


def _dose_count(regimen: Regimen) -> int | None:
    phases = _min_phases(regimen)
    return None if phases is None else sum(phase.count for phase in phases)


def _last_dose_days(regimen: Regimen) -> int | None:
    """The smallest day the last dose can fall on (over start dates), or None if not known."""
    phases = _min_phases(regimen)
    if phases is None:
        return None
    last_phase = _last_phase(phases)
    last = last_phase.time(last_phase.count - 1)
    if not last.has_months:
        return last.days
    return _earliest_day(last)


@lru_cache(maxsize=1024)
def _earliest_day(time: DoseTime) -> int:
    """The smallest day ``time`` (months and days) falls on, over a year of start dates
    (computed once per time: arms of one file share their last doses' times)."""
    return min(time.day_on(_PROBE + dt.timedelta(days=k)) for k in range(366))


CROSS_CHECKS: tuple[Callable[[Protocol], Iterator[FieldProblem]], ...] = (
    _unique_arm_names,
    _arm_products_and_doses,
    _windows,
    _course,
    _spacing,
)

# The protocol's fields each check reads (besides the arms' names, see repeated_arm_names): with
# a field invalid, the checks that read only valid fields still run (every problem at once).
CHECK_FIELDS: dict[Callable[[Protocol], Iterator[FieldProblem]], frozenset[str]] = {
    _arm_products_and_doses: frozenset({"product", "arms", "dose", "dose_by"}),
    _windows: frozenset({"arms", "response_windows", "follow_up"}),
    _course: frozenset({"arms", "course_length", "follow_up"}),
    _spacing: frozenset({"arms", "administration"}),
}


__all__ = [
    "CHECK_FIELDS",
    "CROSS_CHECKS",
    "FieldProblem",
    "FieldProblems",
    "course_contradiction",
    "repeated_arm_names",
    "shared_schedules",
]
