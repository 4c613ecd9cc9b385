"""The decision in `celldose dose`'s table: the assessment window as dates, then a section per
branch (its condition, its start, its reported share and its doses, numbered on)."""

from __future__ import annotations

from collections.abc import Callable

from celldose.cli._describe import schedule_words
from celldose.cli._limit_render import stopped_lines
from celldose.cli._range_render import branch_cells_text, cumulative_text
from celldose.protocols import plural
from celldose.simulator.dosing import DosePlan, Schedule


def decision_lines(plan: DosePlan, schedule_table: Callable[[Schedule], str]) -> list[str]:
    """Lines after the course: the assessment, then each branch as an optional schedule."""
    assert plan.assessment is not None
    out = ["", f"decision: assess on {plan.assessment.text} after the first dose"]
    out.extend(f"  {note}" for note in plan.assessment.notes)
    if plan.branch is None:
        out.append(
            "the course above stops at the decision; each branch below is given only to "
            "patients who meet its condition (--branch NAME adds it to the course)"
        )
    for branch in plan.branches:
        out.append("")
        state = "included in the course above" if branch.chosen else "optional, not in the course"
        out.append(f"branch {branch.name}: if {branch.condition}")
        out.append(f"  {state}; {branch.start_note}")
        shown = {str(d.dose) for d in plan.doses}
        for dose in dict.fromkeys(d.dose for s in branch.schedules for d in s.doses):
            if str(dose) not in shown:  # a dose of the branch's own: its basis and weight
                out.append(
                    f"  basis: {dose.display()} ({dose.basis}) for {plan.patient.weight.text}"
                )
        if branch.share is not None:
            share = branch.share
            source = f" ({share.source})" if share.source else ""
            out.append(f"  share from the source: {share.k}/{share.n}{source}")
        for schedule in branch.schedules:
            if schedule.which is not None:
                label = schedule_words(plan.regimen, schedule.which)
                out.append(f"  after the {schedule.which}imum schedule ({label}):")
            if not branch.chosen and schedule.doses:
                out.append(schedule_table(schedule))
            elif schedule.doses:
                first, last = schedule.doses[0].number, schedule.doses[-1].number
                numbers = f"dose {first}" if first == last else f"doses {first}–{last}"
                out.append(f"  {numbers} of the course above")
            count = len(schedule.doses)
            line = f"branch: {plural(count, 'dose')}, {branch_cells_text(schedule)}"
            if schedule.doses:
                total = cumulative_text(schedule.doses[-1])
                line += (
                    f"; with the course, {total} in total, last dose on day "
                    f"{schedule.doses[-1].day}"
                    if schedule.doses[-1].day is not None
                    else f"; with the course, {total} in total"
                )
            out.append(line)
            if not branch.chosen:
                out.extend(stopped_lines(schedule))
    return out


__all__ = ["decision_lines"]
