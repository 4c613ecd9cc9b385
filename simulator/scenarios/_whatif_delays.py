"""What-if delays: how far each dose moves, the spacing the doses given must keep, and the
doses a change brings closer together than planned (the rules: ``_whatif.py``)."""

from __future__ import annotations

from celldose.protocols import OptionError, Phase, plural
from celldose.simulator.dosing import DoseRecord, min_gap_days
from celldose.simulator.scenarios._scenario import WhatIf
from celldose.simulator.scenarios._whatif_result import WhatIfDose


def delay_moves(scenario: WhatIf, count: int) -> list[int]:
    """Days each dose moves: its own delay (keep), or every delay at or before it (shift)."""
    moved = [0] * count
    for number, days in scenario.delays:
        if scenario.policy == "keep":
            moved[number - 1] += days
        else:
            for j in range(number - 1, count):
                moved[j] += days
    return moved


def check_spacing(
    phases: tuple[Phase, ...],
    records: tuple[DoseRecord, ...],
    days: list[int | None],
    scenario: WhatIf,
    least: int | None = None,
) -> None:
    """Refuse a scenario that puts two doses given closer together than the protocol's minimum
    spacing (its phases', or ``least`` days, the administration's ``min_spacing``), with the
    largest delay that fits."""
    given = [j for j, r in enumerate(records) if r.number not in scenario.missed]
    delays = dict(scenario.delays)
    for a, b in zip(given, given[1:], strict=False):
        day_a, day_b = days[a], days[b]
        assert day_a is not None and day_b is not None
        planned_a, planned_b = records[a].day, records[b].day
        assert planned_a is not None and planned_b is not None
        before, after = phases[records[a].phase - 1], phases[records[b].phase - 1]
        need = max(min_gap_days(before, after, planned_b - planned_a), least or 0)
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
            hints.append("or use delay_policy=shift to move the later doses with it")
        raise OptionError(message, " ".join(hints) if hints else None, fields=("delay_policy",))


def gap_warnings(doses: list[WhatIfDose], warnings: list[str]) -> None:
    """Warn where a change puts two doses given closer together than planned."""
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


__all__ = ["check_spacing", "delay_moves", "gap_warnings"]
