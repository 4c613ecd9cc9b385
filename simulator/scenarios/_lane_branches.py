"""The decision on a lane: the assessment window and each branch's conditional doses (drawn
apart from the certain ones). Branch doses follow the rules of ``protocols/_decision.py``;
their cells come from the one dose rule, as the lane's own doses do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from celldose.protocols import Dose, Regimen
from celldose.simulator.scenarios._lane_model import DoseSource, LaneBranch, LaneDose

Amounts = Callable[[Dose | None], tuple[float | None, float | None]]


def lane_branches(
    regimen: Regimen,
    phase_doses: Sequence[Dose | None],
    sources: Sequence[DoseSource],
    last: LaneDose,
    amounts: Amounts,
    origin: dt.date,
    start: dt.date | None,
    context: str,
    planned: Mapping[str, Mapping[int, tuple[float, float, float]]] | None = None,
) -> tuple[LaneBranch, ...]:
    """Each branch of ``regimen``'s decision as lane doses after ``last`` (the course's last
    dose, min schedule of a range): numbered on, cumulative amounts continuing. ``planned``
    (branch name -> dose number -> cells per kg, cells and the lower bound's share of the
    cells) gives the dose plan's amounts, its limits applied; a dose it lacks was stopped by a
    course maximum and is not drawn."""
    decision = regimen.decision
    if decision is None:
        return ()
    branches = []
    for branch in decision.branches:
        doses: list[Dose | None] = list(phase_doses)
        kinds: list[DoseSource] = list(sources)
        current, kind = phase_doses[-1], sources[-1]
        for phase in branch.phases:
            if isinstance(phase.dose, Dose):
                current, kind = phase.dose, "published"
            elif phase.dose is not None:
                current, kind = None, "not reported"
            doses.append(current)
            kinds.append(kind)
        per_kg_total, cells_total = last.cumulative_cells_per_kg, last.cumulative_cells
        out = []
        for item in regimen.expand_branch(branch.name, context=context, start=start):
            dose = doses[item.phase - 1]
            per_kg: float | None
            cells: float | None
            if planned is not None and branch.name in planned:
                if item.number not in planned[branch.name]:
                    continue
                per_kg, cells, low_share = planned[branch.name][item.number]
            else:
                per_kg, cells = amounts(dose)
                low_share = None
            per_kg_total = None if per_kg_total is None or per_kg is None else per_kg_total + per_kg
            cells_total = None if cells_total is None or cells is None else cells_total + cells
            out.append(
                LaneDose(
                    number=item.number,
                    phase=item.phase,
                    offset=str(item.time),
                    calendar=item.time.has_months,
                    day=item.time.day_on(origin),
                    date=item.time.date(start) if start is not None else None,
                    dose=dose,
                    source=kinds[item.phase - 1],
                    cells_per_kg=per_kg,
                    cells=cells,
                    cumulative_cells_per_kg=per_kg_total,
                    cumulative_cells=cells_total,
                    low_share=low_share,
                )
            )
        branches.append(
            LaneBranch(branch.name, branch.condition, branch.start == "not reported", tuple(out))
        )
    return tuple(branches)


__all__ = ["lane_branches"]
