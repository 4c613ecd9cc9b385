"""A decision in a dose plan: the assessment window as dates, and each branch as a labelled,
optional schedule after the course.

The course up to the decision is the plan's schedule; each branch (the conditional phases of
``protocols/_decision.py``) is planned as it would be given: its doses numbered on after the
course's, its cumulative cells continuing from the course's total. ``branch=NAME`` adds one
branch to the course. Only the chosen branch counts in the course's totals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from celldose.protocols import (
    Branch,
    Decision,
    Dose,
    NotReportedError,
    OptionError,
    Regimen,
    Share,
)
from celldose.simulator.dosing._dose_range import replace_dose
from celldose.simulator.dosing._schedule import Schedule

_STARTS = {
    "next dose": "where the course's next dose would fall (one interval after its last dose)",
    "decision": "on the assessment day",
}


@dataclass(frozen=True)
class AssessmentWindow:
    """The decision's assessment: day ± tolerance from the first dose, and its dates."""

    day: int
    tolerance: int
    first_date: dt.date | None = None  # day − tolerance
    date: dt.date | None = None  # the day itself
    last_date: dt.date | None = None  # day + tolerance
    notes: tuple[str, ...] = ()  # outcomes without doses ("complete response: stop")

    @property
    def text(self) -> str:
        """``day 28 ± 2 (2026-02-02 ± 2 days: 2026-01-31 to 2026-02-04)``."""
        out = f"day {self.day}" + (f" ± {self.tolerance}" if self.tolerance else "")
        if self.first_date is not None and self.last_date is not None:
            if self.tolerance and self.date is not None:
                days = "day" if self.tolerance == 1 else "days"
                out += (
                    f" ({self.date.isoformat()} ± {self.tolerance} {days}: "
                    f"{self.first_date.isoformat()} to {self.last_date.isoformat()})"
                )
            elif self.tolerance:
                out += f" ({self.first_date.isoformat()} to {self.last_date.isoformat()})"
            else:
                out += f" ({self.first_date.isoformat()})"
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "tolerance_days": self.tolerance,
            "first_day": self.day - self.tolerance,
            "last_day": self.day + self.tolerance,
            "date": _iso(self.date),
            "first_date": _iso(self.first_date),
            "last_date": _iso(self.last_date),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class BranchPlan:
    """One branch, planned: given only to the patients who meet its condition."""

    name: str
    condition: str
    start: str  # the start rule: "next dose", "decision" or "not reported"
    start_note: str  # the start in words, saying when it is an assumption
    share: Share | None
    chosen: bool  # included in the course (branch=NAME)
    schedules: tuple[Schedule, ...]  # one per schedule of the course (min/max of a range)

    def to_dict(self) -> dict[str, Any]:
        """Name, condition, start, share and totals (the plan adds the doses)."""
        share = self.share
        return {
            "name": self.name,
            "condition": self.condition,
            "start": self.start,
            "start_note": self.start_note,
            "start_assumed": self.start == "not reported",
            "share": None
            if share is None
            else {"k": share.k, "n": share.n, "fraction": share.fraction, "source": share.source},
            "chosen": self.chosen,
            "totals": [s.totals() for s in self.schedules],
        }


def assessment_window(decision: Decision, first: dt.date | None) -> AssessmentWindow:
    """The assessment window, dated from the first dose actually given (when dated)."""
    a = decision.assess
    if first is None:
        return AssessmentWindow(a.day, a.tolerance, notes=decision.notes)
    return AssessmentWindow(
        a.day,
        a.tolerance,
        first + dt.timedelta(days=a.first_day),
        first + dt.timedelta(days=a.day),
        first + dt.timedelta(days=a.last_day),
        decision.notes,
    )


def check_assessment(decision: Decision, last_day: int | None, context: str) -> None:
    """Refuse an assessment on or before the course's last dose (calendar months are only
    known in days once dated: the regimen's own check cannot see them)."""
    if last_day is not None and last_day >= decision.assess.day:
        raise OptionError(
            f"the assessment ({decision.assess}) of {context} is not after the course's last "
            f"dose (day {last_day} with this start date)",
            'choose another start="YYYY-MM-DD", or check the assessment day',
            fields=("start",),
        )


def start_note(branch: Branch, regimen: Regimen, day: int | None, date: dt.date | None) -> str:
    """The branch's first dose in words: where it falls and by which rule."""
    where = "day ?" if day is None else f"day {day}"
    if date is not None:
        where += f" ({date.isoformat()})"
    listed = branch.phases[0].weekdays_text
    weekdays = f", on its first listed weekday ({listed}) on or after it" if listed else ""
    if branch.start == "not reported":
        assert regimen.decision is not None
        return (
            f"starts {where}, assumed: the source does not say when this branch starts; it is "
            f"planned from the assessment day (the earliest it can apply){weekdays}: shift the "
            "dates to the day it begins"
        )
    return f"starts {where}: {_STARTS[branch.start]}{weekdays}"


def chosen_branch(regimen: Regimen, name: str | None, context: str) -> Branch | None:
    """The branch ``name`` to include in the course; refused with the names when unknown."""
    if name is None:
        return None
    decision = regimen.decision
    if decision is None:
        raise OptionError(
            f"the regimen {context} has no decision, so no branch {name!r}",
            "drop branch=",
            fields=("branch",),
        )
    try:
        return decision.branch(name)
    except LookupError:
        raise OptionError(
            f"the regimen {context} has no branch {name!r}",
            "choose one of: " + ", ".join(decision.names),
            fields=("branch",),
        ) from None


def branch_phase_doses(
    branch: Branch,
    course_dose: Dose,
    given: Dose | None,
    context: str,
    override_range: bool = False,
) -> tuple[list[Dose], list[str]]:
    """Each branch phase's dose: its own, or the dose in effect (the course's last); ``dose=``
    replaces a reported dose (labelled) and fills one that is not reported."""
    doses: list[Dose] = []
    warnings: list[str] = []
    current = course_dose
    for phase in branch.phases:
        own = phase.dose
        if isinstance(own, Dose):
            if given is not None and given != own:
                label = replace_dose(own, given, override_range, f"of branch {branch.name}")
                warnings.append(
                    label or f"dose {given} from dose= replaces the {own} of branch {branch.name}"
                )
                current = given
            else:
                current = own
        elif own is not None:  # not reported
            if given is None:
                raise NotReportedError(
                    f"the dose of branch {branch.name}", "dose", '"<amount> cells/kg"', context
                )
            current = given
        if not current.is_cells:
            raise OptionError(
                f"the dose {current} of branch {branch.name} is not a number of cells",
                "give the dose in cells, cells/kg or cells/m²",
            )
        doses.append(current)
    return doses, warnings


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


__all__ = [
    "AssessmentWindow",
    "BranchPlan",
    "assessment_window",
    "branch_phase_doses",
    "check_assessment",
    "chosen_branch",
    "start_note",
]
