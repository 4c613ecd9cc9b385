"""A regimen written back in the one-line shorthand (``2×10⁶ cells/kg q4w ×8``): the form
:meth:`Regimen.to_shorthand` gives, which parses back to an equal regimen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celldose.protocols._calendar import Duration
from celldose.protocols._dose import Dose
from celldose.protocols._phase import NOT_REPORTED, FrequencyRange, IntervalRange, Phase
from celldose.protocols._weekdays import listed_text

if TYPE_CHECKING:
    from celldose.protocols._regimen import Regimen


def regimen_shorthand(regimen: Regimen) -> str:
    """The one-line form of ``regimen`` (see :meth:`Regimen.to_shorthand`)."""
    words: list[str] = [] if regimen.product is None else [regimen.product]
    for i, phase in enumerate(regimen.phases):
        if i:
            words.append("then")
        words.extend(_render_phase(phase))
    if regimen.decision is not None:
        words[-1] += f"; assess on {regimen.decision.assess}"
        for branch in regimen.decision.branches:
            words[-1] += f"; if {branch.condition}:"
            for i, phase in enumerate(branch.phases):
                if i:
                    words.append("then")
                words.extend(_render_phase(phase))
    for limit in regimen.limits:
        words[-1] += f"; {limit.label}"
    return " ".join(words)


def _render_every(every: Duration | IntervalRange) -> str:
    if isinstance(every, IntervalRange):
        return f"every {every}"
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
    if isinstance(phase.every, Duration | IntervalRange):
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
    if phase.weekdays is not None:
        words.append("on " + listed_text(phase.weekdays))
    if phase.days is not None:
        words.append("on days " + ", ".join(str(d) for d in phase.days))
    elif phase.count == 1 and not phase.has_interval:
        words.append("once")
    elif isinstance(phase.count, int):
        words.append(f"×{phase.count}")
    elif phase.count == NOT_REPORTED or phase.duration == NOT_REPORTED:
        words.append("(number of doses not reported)")
    if isinstance(phase.duration, Duration):
        words.append(f"for {phase.duration}")
    return words


__all__ = ["regimen_shorthand"]
