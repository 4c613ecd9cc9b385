"""The structured regimen: phases of doses, and the day (or calendar) time of every dose.

A regimen is one or more phases. Each phase has one way of spacing its doses:

- ``every``: a fixed interval (``4 weeks``, ``1 month``; months are calendar months);
- ``times_per_week``: N doses a week in a fixed weekly pattern, at least ``min_spacing`` apart
  (twice weekly: days 0 and 3 of each week, so gaps of 3 and 4 days);
- ``days``: explicit day offsets from the phase's start (``[0, 14, 28]``);
- nothing, for a single dose (``count: 1``).

How many: ``count`` (the total number of doses in the phase) or ``duration`` ("for 4 weeks").
Boundary rule for ``duration``: the phase holds every dose that falls *strictly before* the end,
counted from the phase's first dose (end-exclusive, like mrgsolve): weekly for 4 weeks is days
0, 7, 14, 21 (4 doses); q3d for 2 weeks is 0, 3, 6, 9, 12 (5 doses).

Phase transitions ("then"): the next phase's first dose falls where the previous phase's next
dose would have fallen (one interval after its last dose: mrgsolve's and Pumas's rule), unless
the phase gives an explicit ``wait``, which is counted from the previous phase's last dose. After
a single dose or explicit days there is no interval, so a ``wait`` is required.

Decisions (``decision``): an assessment after the course and the conditional phases (branches)
that may follow it; the rules are in ``_decision.py``. :meth:`Regimen.expand` gives the course up
to the decision; :meth:`Regimen.expand_branch` gives one branch's doses, numbered on.

Limits: at most 100 phases and 10,000 doses, and at most 100 years (36,525 days, or 1,200
calendar months) from the first dose to the last.

A value the source does not report is the string ``"not reported"``; it validates, and expanding
the regimen then raises :class:`NotReportedError` naming the option that supplies it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, model_validator

from celldose.protocols._calendar import MAX_DAYS, DoseTime
from celldose.protocols._decision import Branch, Decision
from celldose.protocols._display import plural
from celldose.protocols._dose import Dose
from celldose.protocols._errors import CelldoseError, RegimenError
from celldose.protocols._limits import Limit
from celldose.protocols._phase import (
    MAX_DOSES,
    FrequencyRange,
    IntervalRange,
    NotReported,
    Phase,
    Which,
)
from celldose.protocols._planned import PlannedDose, PlannedPhase
from celldose.protocols._regimen_text import regimen_shorthand
from celldose.protocols._weekdays import next_listed

# Without a start date, weekday patterns are planned from this Monday (the first listed
# weekday of a course that opens with one): 1 Jan 2001, the figures' reference date too.
REFERENCE_MONDAY = dt.date(2001, 1, 1)

MAX_PHASES = 100


def stated_spacing(phase: Phase) -> int:
    """The minimum spacing a phase states ('at least 3 days apart'), else 1 day (two doses
    never share a day). This is what holds across a decision: a weekday pattern's or a
    frequency's own smallest gap holds between the doses of its phase, not between the course's
    last dose and a branch's first (the administration's spacing is checked on the plan)."""
    return phase.min_spacing.days if phase.min_spacing is not None else 1


class Regimen(BaseModel):
    """A regimen: one or more phases, optionally with a product name from a shorthand prefix."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    phases: tuple[Phase, ...] = Field(min_length=1)
    product: str | None = Field(
        default=None, description="Product named in the shorthand ('cAT-MSC q4w ×8')."
    )
    decision: Decision | None = Field(
        default=None,
        description="An assessment after the course and the conditional phases that may follow.",
    )
    limits: tuple[Limit, ...] = Field(
        default=(),
        description="Limits of this regimen (max per dose or course, dose weight cap); they "
        "replace the arm's and protocol's limits of the same kind and action.",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _from_text(cls, data: Any, handler: ModelWrapValidatorHandler[Regimen]) -> Regimen:
        if isinstance(data, str):
            # the parser builds the regimen through these models: it is not validated again
            # (a file of 1,000 arms would pay twice), and keeps what a dump would lose (a
            # weight cap written in lb)
            return _regimen_of_text(data)
        return handler(data)

    @model_validator(mode="after")
    def _transitions(self) -> Regimen:
        if len(self.phases) > MAX_PHASES:
            raise ValueError(f"a regimen has at most {MAX_PHASES} phases, not {len(self.phases):,}")
        if self.phases[0].wait is not None:
            raise ValueError("the first phase cannot have a wait (its first dose is day 0)")
        for i, (before, after) in enumerate(zip(self.phases, self.phases[1:], strict=False)):
            if after.wait is None and not before.has_interval:
                raise ValueError(
                    f"phase {i + 2} follows a phase with no interval: give its wait "
                    "('then after 2 weeks ...')"
                )
            spacing = max(before.spacing_days() or 0, after.spacing_days() or 0)
            if after.wait is not None and not after.wait.is_calendar and after.wait.days < spacing:
                raise ValueError(
                    f"phase {i + 2} starts {after.wait.days} days after the last dose, "
                    f"closer than the {spacing}-day minimum spacing"
                )
        if self.decision is not None:
            self._check_decision(self.decision)
        return self

    def _check_decision(self, decision: Decision) -> None:
        last = self.phases[-1]
        interval = last.has_interval
        for branch in decision.branches:
            if branch.start == "next dose" and not interval:
                raise ValueError(
                    f"branch {branch.name} starts at the 'next dose', but the course ends with "
                    "a phase with no interval: give its start as 'decision'"
                )
        for which in ("min", "max") if self.is_range else ("min",):
            try:
                doses = self.expand(which)
                ends = [self.expand_branch(b.name, which) for b in decision.branches]
            except CelldoseError:  # not reported: checked again once the values are given
                return
            final = doses[-1].time.days
            if final is not None and final >= decision.assess.day:
                raise ValueError(
                    f"the assessment ({decision.assess}) is not after the course's last dose "
                    f"(day {final}): assess after the course"
                )
            for branch, planned in zip(decision.branches, ends, strict=True):
                first = planned[0].time.days
                need = max(stated_spacing(last), stated_spacing(branch.phases[0]))
                if final is not None and first is not None and first - final < need:
                    fix = (
                        f"assess on day {final + need} or later"
                        if branch.start != "next dose"
                        else "start the branch at the decision ('start: decision') and assess "
                        f"on day {final + need} or later"
                    )
                    gap = plural(first - final, "day")
                    raise ValueError(
                        f"branch {branch.name} starts {gap} after the course's last dose, "
                        f"closer than the {need}-day minimum spacing: {fix}"
                    )

    @property
    def is_range(self) -> bool:
        return any(p.is_range for p in self.phases)

    @property
    def has_weekdays(self) -> bool:
        return any(p.weekdays is not None for p in self.phases)

    def first_dose_date(self, start: dt.date) -> dt.date:
        """The date of the first dose for a course started on ``start``: ``start``, or the
        first listed weekday on or after it when the course opens with a weekday pattern."""
        listed = self.phases[0].weekday_numbers
        return start if listed is None else next_listed(start, listed)

    def first_dose_note(self, start: dt.date) -> str | None:
        """'first dose moved from Sun 2026-01-04 to Mon 2026-01-05, the first listed weekday',
        or None when the first dose falls on ``start``."""
        first = self.first_dose_date(start)
        if first == start:
            return None
        return (
            f"first dose moved from {start:%a} {start.isoformat()} to {first:%a} "
            f"{first.isoformat()}, the first listed weekday"
        )

    def schedule_words(self, which: Which) -> str:
        """How the ``which`` schedule of a range differs: 'fewest doses a week' for a frequency
        range, 'longest interval, every 6 months: the latest dates' for an interval range."""
        words = []
        if any(isinstance(p.times_per_week, FrequencyRange) for p in self.phases):
            words.append("fewest doses a week" if which == "min" else "most doses a week")
        for phase in self.phases:
            if isinstance(phase.every, IntervalRange):
                picked = phase.every.pick(which)
                size = "longest" if which == "min" else "shortest"
                when = "latest" if which == "min" else "earliest"
                words.append(f"{size} interval, every {picked}: the {when} dates")
        return "; ".join(words)

    def reference_start(self) -> dt.date:
        """The date day 0 stands for when no start date is given: a Monday, or the first
        listed weekday of a course that opens with a weekday pattern."""
        return self.first_dose_date(REFERENCE_MONDAY)

    def expand(
        self, which: Which = "min", *, context: str = "", start: dt.date | None = None
    ) -> tuple[PlannedDose, ...]:
        """Every dose, in order, with its time from the first dose (the doses of
        :meth:`expand_phases`).

        For a range, ``which`` picks the minimum (fewest doses a week, or the longest interval)
        or the maximum schedule. ``start`` is the date of day 0: a weekday phase's first dose
        falls on its first listed weekday on or after the day the phase would start (without
        ``start``, day 0 is :meth:`reference_start`).
        """
        phases = self.expand_phases(which, context=context, start=start)
        return tuple(dose for phase in phases for dose in phase.doses())

    def expand_phases(
        self, which: Which = "min", *, context: str = "", start: dt.date | None = None
    ) -> tuple[PlannedPhase, ...]:
        """The doses of each phase, in order, as a :class:`PlannedPhase` (see :meth:`expand`,
        which lists them dose by dose)."""
        anchor = start if start is not None else self.reference_start()
        planned: list[PlannedPhase] = []
        count = 0
        begin = DoseTime.zero()
        current_dose: Dose | NotReported | None = None
        previous: Phase | None = None
        previous_first: int | None = None
        last = begin
        for index, phase in enumerate(self.phases, start=1):
            if previous is not None:
                if phase.wait is not None:
                    begin = last.plus(phase.wait.as_time())
                else:
                    nxt = previous.next_start(which, previous_first)
                    assert nxt is not None
                    begin = begin.plus(nxt)
            first: int | None = None
            listed = phase.weekday_numbers
            if listed is not None:
                on = begin.date(anchor)
                moved = next_listed(on, listed)
                begin = begin.plus_days((moved - on).days)
                first = moved.weekday()
            if phase.dose is not None:
                current_dose = phase.dose
            days = phase.offset_days(which, context=context, first=first)
            months = (
                ()
                if days is not None
                else phase.times_from_start(which, context=context, first=first)
            )
            item = PlannedPhase(index, count + 1, begin, current_dose, days, months)
            count += item.count
            if count > MAX_DOSES:
                raise RegimenError(
                    f"the regimen has more than {MAX_DOSES} doses",
                    "check the count and the duration",
                )
            last = item.time(item.count - 1)
            planned.append(item)
            previous, previous_first = phase, first
        if planned and last.mean_days > MAX_DAYS:
            raise RegimenError(
                f"the last dose falls {last} after the first, longer than "
                "celldose plans for (at most 100 years)",
                "check the intervals, counts, days and waits",
            )
        return tuple(planned)

    def branch_start(
        self, branch: Branch, which: Which = "min", start: dt.date | None = None
    ) -> DoseTime:
        """The time of ``branch``'s first dose, from the course's first dose (see
        ``_decision.py``: 'next dose' is the 'then' rule, otherwise the assessment day)."""
        decision = self.decision
        assert decision is not None
        if branch.start != "next dose":
            return DoseTime.zero().plus_days(decision.assess.day)
        first = self.expand_phases(which, start=start)[-1].begin  # the last phase's first dose
        listed = self.phases[-1].weekday_numbers
        weekday = None
        if listed is not None:
            weekday = first.date(start or self.reference_start()).weekday()
        nxt = self.phases[-1].next_start(which, weekday)
        assert nxt is not None
        return first.plus(nxt)

    def expand_branch(
        self,
        name: str,
        which: Which = "min",
        *,
        context: str = "",
        start: dt.date | None = None,
    ) -> tuple[PlannedDose, ...]:
        """The doses of branch ``name``, numbered on after the course's, timed from its first
        dose; their phases are numbered on after the course's too (phase 2 of a one-phase
        course is the branch's first). The doses of :meth:`expand_branch_phases`."""
        phases = self.expand_branch_phases(name, which, context=context, start=start)
        return tuple(dose for phase in phases for dose in phase.doses())

    def expand_branch_phases(
        self,
        name: str,
        which: Which = "min",
        *,
        context: str = "",
        start: dt.date | None = None,
    ) -> tuple[PlannedPhase, ...]:
        """The phases of branch ``name`` as :class:`PlannedPhase` (see :meth:`expand_branch`)."""
        decision = self.decision
        if decision is None:
            raise RegimenError("the regimen has no decision, so no branches")
        try:
            branch = decision.branch(name)
        except LookupError:
            raise RegimenError(
                f"the regimen has no branch {name!r}",
                "choose one of: " + ", ".join(decision.names),
            ) from None
        count = sum(p.count for p in self.expand_phases(which, context=context, start=start))
        begin = self.branch_start(branch, which, start)
        on = begin.date(start or self.reference_start())
        inner = Regimen(phases=branch.phases).expand_phases(which, context=context, start=on)
        phases = len(self.phases)
        return tuple(
            replace(p, phase=phases + p.phase, first=count + p.first, begin=begin.plus(p.begin))
            for p in inner
        )

    def with_doses(self, doses: Sequence[Dose | NotReported]) -> Regimen:
        """This regimen with each phase's dose written where it changes, and the product name
        (which stood for the protocol's dose) dropped: how it reads once its doses are known."""
        phases = []
        previous: Dose | NotReported | None = None
        for phase, dose in zip(self.phases, doses, strict=True):
            phases.append(phase.model_copy(update={"dose": None if dose == previous else dose}))
            previous = dose
        return self.model_copy(update={"phases": tuple(phases), "product": None})

    def to_shorthand(self) -> str:
        """The one-line form; it parses back to an equal regimen (when every value is reported,
        and a decision's branches have the names, starts and shares the shorthand gives them).

        >>> Regimen.model_validate("2e6 cells/kg q4w x8").to_shorthand()
        '2×10⁶ cells/kg q4w ×8'
        """
        return regimen_shorthand(self)


@lru_cache(maxsize=1024)
def _regimen_of_text(text: str) -> Regimen:
    """The regimen a protocol file writes as text, read once per text and process: arms that
    write the same text share one frozen regimen (a refusal is raised again, never cached)."""
    from celldose.protocols._shorthand import parse_regimen

    return parse_regimen(text)


__all__ = [
    "PlannedDose",
    "PlannedPhase",
    "Regimen",
]
