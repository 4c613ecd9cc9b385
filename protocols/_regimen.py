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

Limits: at most 100 phases and 10,000 doses, and at most 100 years (36,525 days, or 1,200
calendar months) from the first dose to the last.

A value the source does not report is the string ``"not reported"``; it validates, and expanding
the regimen then raises :class:`NotReportedError` naming the option that supplies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from celldose.protocols._calendar import MAX_DAYS, DoseTime, Duration
from celldose.protocols._dose import Dose
from celldose.protocols._errors import RegimenError
from celldose.protocols._phase import (
    MAX_DOSES,
    NOT_REPORTED,
    FrequencyRange,
    NotReported,
    Phase,
    Which,
)

MAX_PHASES = 100


@dataclass(frozen=True)
class PlannedDose:
    """One dose of an expanded regimen."""

    number: int  # 1-based, over the whole regimen
    phase: int  # 1-based
    time: DoseTime
    dose: Dose | NotReported | None


class Regimen(BaseModel):
    """A regimen: one or more phases, optionally with a product name from a shorthand prefix."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    phases: tuple[Phase, ...] = Field(min_length=1)
    product: str | None = Field(
        default=None, description="Product named in the shorthand ('cAT-MSC q4w ×8')."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            from celldose.protocols._shorthand import parse_regimen

            return parse_regimen(data).model_dump()
        return data

    @model_validator(mode="after")
    def _transitions(self) -> Regimen:
        if len(self.phases) > MAX_PHASES:
            raise ValueError(f"a regimen has at most {MAX_PHASES} phases, not {len(self.phases):,}")
        if self.phases[0].wait is not None:
            raise ValueError("the first phase cannot have a wait (its first dose is day 0)")
        for i, (before, after) in enumerate(zip(self.phases, self.phases[1:], strict=False)):
            if after.wait is None and before.every is None and before.times_per_week is None:
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
        return self

    @property
    def is_range(self) -> bool:
        return any(p.is_range for p in self.phases)

    def expand(self, which: Which = "min", *, context: str = "") -> tuple[PlannedDose, ...]:
        """Every dose, in order, with its time from the first dose.

        For a frequency range, ``which`` picks the minimum (fewest doses a week) or maximum
        schedule.
        """
        doses: list[PlannedDose] = []
        start = DoseTime.zero()
        current_dose: Dose | NotReported | None = None
        previous: Phase | None = None
        last = start
        for index, phase in enumerate(self.phases, start=1):
            if previous is not None:
                if phase.wait is not None:
                    start = last.plus(phase.wait.as_time())
                else:
                    nxt = previous.next_start(which)
                    assert nxt is not None
                    start = start.plus(nxt)
            if phase.dose is not None:
                current_dose = phase.dose
            for offset in phase.times_from_start(which, context=context):
                last = start.plus(offset)
                doses.append(PlannedDose(len(doses) + 1, index, last, current_dose))
                if len(doses) > MAX_DOSES:
                    raise RegimenError(
                        f"the regimen has more than {MAX_DOSES} doses",
                        "check the count and the duration",
                    )
            previous = phase
        if doses and doses[-1].time.mean_days > MAX_DAYS:
            raise RegimenError(
                f"the last dose falls {doses[-1].time} after the first, longer than "
                "celldose plans for (at most 100 years)",
                "check the intervals, counts, days and waits",
            )
        return tuple(doses)

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
        """The one-line form; it parses back to an equal regimen (when every value is reported).

        >>> Regimen.model_validate("2e6 cells/kg q4w x8").to_shorthand()
        '2×10⁶ cells/kg q4w ×8'
        """
        words: list[str] = [] if self.product is None else [self.product]
        for i, phase in enumerate(self.phases):
            if i:
                words.append("then")
            words.extend(_render_phase(phase))
        return " ".join(words)


def _render_every(every: Duration) -> str:
    if every.amount == 1 and every.unit in ("day", "week", "month"):
        return {"day": "daily", "week": "weekly", "month": "monthly"}[every.unit]
    suffix = {"day": "d", "week": "w", "month": "mo", "year": "y"}[every.unit]
    return f"q{every.amount}{suffix}"


_TIMES_WORDS = {1: "once", 2: "twice"}


def _render_phase(phase: Phase) -> list[str]:
    words: list[str] = []
    if phase.wait is not None:
        words.append(f"after {phase.wait}")
    if isinstance(phase.dose, Dose):
        words.append(str(phase.dose))
    elif phase.dose == NOT_REPORTED:
        words.append("(dose not reported)")
    if isinstance(phase.every, Duration):
        words.append(_render_every(phase.every))
    elif phase.every == NOT_REPORTED:
        words.append("(interval not reported)")
    tpw = phase.times_per_week
    if isinstance(tpw, FrequencyRange):
        low = _TIMES_WORDS.get(tpw.min)
        high = _TIMES_WORDS.get(tpw.max)
        words.append(f"{low} or {high} weekly" if low and high else f"{tpw.min}-{tpw.max}×/week")
    elif tpw is not None:
        words.append("twice weekly" if tpw == 2 else f"{tpw}×/week")
    if phase.min_spacing is not None:
        words.append(f"at least {phase.min_spacing.days} days apart")
    if phase.days is not None:
        words.append("on days " + ", ".join(str(d) for d in phase.days))
    elif phase.count == 1 and phase.every is None and tpw is None:
        words.append("once")
    elif isinstance(phase.count, int):
        words.append(f"×{phase.count}")
    elif phase.count == NOT_REPORTED or phase.duration == NOT_REPORTED:
        words.append("(number of doses not reported)")
    if isinstance(phase.duration, Duration):
        words.append(f"for {phase.duration}")
    return words


__all__ = [
    "PlannedDose",
    "Regimen",
]
