"""An expanded regimen's doses: each dose (:class:`PlannedDose`) and each phase's doses as
the phase gives them (:class:`PlannedPhase`), which a course of thousands of doses plans from
without building a dose object per dose."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from celldose.protocols._calendar import DoseTime
from celldose.protocols._dose import Dose
from celldose.protocols._phase import NotReported


@dataclass(frozen=True)
class PlannedDose:
    """One dose of an expanded regimen."""

    number: int  # 1-based, over the whole regimen
    phase: int  # 1-based
    time: DoseTime
    dose: Dose | NotReported | None


def _planned(
    number: int, phase: int, time: DoseTime, dose: Dose | NotReported | None
) -> PlannedDose:
    """``PlannedDose(number, phase, time, dose)``, its fields set at once: a frozen dataclass
    sets each through ``object.__setattr__``, a cost a course of 10,000 doses feels."""
    planned = object.__new__(PlannedDose)
    planned.__dict__.update(number=number, phase=phase, time=time, dose=dose)
    return planned


@dataclass(frozen=True)
class PlannedPhase:
    """The doses of one phase of an expanded regimen, as the phase gives them: dose ``k``
    (0-based) is number ``first + k``, at ``begin`` plus ``days[k]`` days (a ``range`` for a
    fixed interval in days), or plus ``months[k]`` for a phase in calendar months (``days``
    None). :meth:`doses` gives the :class:`PlannedDose` of each; a course of thousands of doses
    need not build them (the dose plan works on the days).

    >>> from celldose.protocols import Regimen
    >>> (phase,) = Regimen.model_validate("q3d ×4").expand_phases()
    >>> phase.days, [str(d.time) for d in phase.doses()]
    (range(0, 12, 3), ['day 0', 'day 3', 'day 6', 'day 9'])
    """

    phase: int  # 1-based
    first: int  # the number of its first dose (1-based, over the whole regimen)
    begin: DoseTime  # the time of its first dose, from the regimen's first dose
    dose: Dose | NotReported | None
    days: Sequence[int] | None  # each dose's day from the phase's first dose; None: months
    months: tuple[DoseTime, ...] = ()  # each dose's time from the phase's first (days None)

    @property
    def count(self) -> int:
        return len(self.days) if self.days is not None else len(self.months)

    def time(self, k: int) -> DoseTime:
        """The time of dose ``k`` (0-based) from the regimen's first dose."""
        if self.days is None:
            offset = self.months[k]
        else:
            day = self.days[k]
            offset = DoseTime.of_days(day) if day else DoseTime.zero()
        return self.begin.plus(offset) if self.begin.parts else offset

    def doses(self) -> Iterator[PlannedDose]:
        """The :class:`PlannedDose` of each dose, in order."""
        for k in range(self.count):
            yield _planned(self.first + k, self.phase, self.time(k), self.dose)


__all__ = ["PlannedDose", "PlannedPhase"]
