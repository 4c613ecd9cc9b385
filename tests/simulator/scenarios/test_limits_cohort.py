"""Limits in cohorts and what-if (issue 10, rule 3): doses capped and stopped are counted.

Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from celldose.protocols import OptionError, Protocol, protocol_from_regimen
from celldose.simulator import get_species, plan_doses
from celldose.simulator.scenarios import Cohort, WhatIf, parse_roster, simulate_cohort, whatif
from celldose.simulator.scenarios._engine import Draws, evaluate_block, make_engine

HUMAN = get_species("human")


def regimen(text: str) -> Protocol:
    return protocol_from_regimen(text, "human")


def roster(*kg: int) -> Cohort:
    return Cohort(roster=parse_roster("\n".join(f"p{i},{w}kg" for i, w in enumerate(kg)), HUMAN))


def test_cohort_counts_doses_capped_per_dose() -> None:
    # 2×10⁶ cells/kg: 80 kg 1.6×10⁸, 100 kg 2×10⁸ (= the max, not capped), 120 kg 2.4×10⁸
    # capped to 2×10⁸: 4 doses capped; totals 6.4×10⁸, 8×10⁸, 8×10⁸
    protocol = regimen("2×10⁶ cells/kg weekly ×4; max per dose 2×10⁸ cells")
    result = simulate_cohort(protocol, roster(80, 100, 120))
    assert list(result.patient_total_cells) == pytest.approx([6.4e8, 8e8, 8e8])
    assert result.capped_doses == 4
    assert result.stopped_doses == 0
    assert "4 doses were capped by the limits (max per dose 2×10⁸ cells (cap))" in result.warnings


def test_cohort_weight_cap() -> None:
    # dosed on at most 100 kg: 80 kg 1.6×10⁸, 120 and 150 kg 2×10⁸ a dose; 8 doses capped
    protocol = regimen("2×10⁶ cells/kg weekly ×4; dose by weight up to 100 kg")
    result = simulate_cohort(protocol, roster(80, 120, 150))
    assert list(result.patient_total_cells) == pytest.approx([6.4e8, 8e8, 8e8])
    assert result.capped_doses == 8


def test_cohort_agrees_with_plan_doses_under_a_course_maximum() -> None:
    # 2×10⁸ a dose at 100 kg, max 5×10⁸: 2, 2, 1 (capped), dose 4 stopped; 80 kg: 1.6×10⁸ × 3
    # = 4.8×10⁸, dose 4 capped to 2×10⁷: 2 doses capped, 1 stopped; 3 and 4 doses given
    protocol = regimen("2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells")
    result = simulate_cohort(protocol, roster(100, 80))
    expected = [plan_doses(protocol, weight=f"{w} kg").schedules[0].total_cells for w in (100, 80)]
    assert list(result.patient_total_cells) == pytest.approx(expected)
    assert list(result.patient_total_cells) == pytest.approx([5e8, 5e8])
    assert (result.capped_doses, result.stopped_doses) == (2, 1)
    assert result.doses_given.mean == 3.5  # (3 + 4) / 2
    # doses given 3 and 4: p5 and median at sorted position ceil(0.05 × 2) - 1 = 0 and
    # ceil(0.5 × 2) - 1 = 0 (3), p95 at ceil(0.95 × 2) - 1 = 1 (4); weekly ×4: days 0, 7, 14,
    # 21, so the courses are 14 (dose 4 stopped) and 21 days
    given = result.doses_given
    assert (given.p5, given.median, given.p95) == (3, 3, 4)
    assert result.course_days is not None
    assert (result.course_days.p5, result.course_days.p95) == (14, 21)


def test_a_stopped_dose_neither_lengthens_the_course_nor_counts_as_delayed() -> None:
    # as above, every dose delayed 7 days (later doses shift): 100 kg gets doses 1-3 on days
    # 0+7, 7+14, 14+21 = 7, 21, 35 (dose 4 stopped): 35 - 7 = 28 days; 80 kg gets all four,
    # days 7, 21, 35, 49: 42 days. Dose 4 is delayed for the 80 kg patient only.
    protocol = regimen("2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells")
    cohort = Cohort(roster=roster(100, 80).roster, delayed=1.0, delay_days=(7, 7))
    result = simulate_cohort(protocol, cohort)
    assert result.patient_course_days is not None
    assert result.patient_course_days.tolist() == [28, 42]
    assert [d.delayed_fraction for d in result.per_dose] == [1.0, 1.0, 1.0, 0.5]


def test_missed_doses_leave_room_under_a_course_maximum() -> None:
    # 100 kg, 2×10⁸ a dose, max 5×10⁸. A gets all: 2, 2, 1 (capped), 0 (stopped);
    # B misses dose 1: 0, 2, 2, 1 (capped); C misses doses 1 and 2: 0, 0, 2, 2 (4×10⁸)
    protocol = regimen("2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells")
    plan = plan_doses(protocol, weight="100 kg")
    # the engine on all four planned doses (dose 4 is stopped in the plan: use the regimen's)
    engine = make_engine(plan, 0, HUMAN)
    engine = type(engine)(
        **{**engine.__dict__, "doses": engine.doses + engine.doses[:1], "planned_days": None}
    )
    given = np.array(
        [[True, False, False], [True, True, False], [True, True, True], [True, True, True]]
    )
    cells = np.empty((4, 3))
    out = evaluate_block(engine, Draws(np.array([100.0, 100.0, 100.0]), given, None), cells)
    assert list(out.total_cells) == pytest.approx([5e8, 5e8, 4e8])
    assert (out.capped, out.stopped) == (2, 1)
    assert list(out.doses_given) == [3, 3, 2]


def test_cohort_with_a_refuse_limit_is_refused() -> None:
    protocol = regimen("2×10⁶ cells/kg weekly ×4; max per dose 2.2×10⁸ cells (refuse)")
    with pytest.raises(OptionError) as info:
        simulate_cohort(protocol, roster(80, 100, 125))
    # 125 kg × 2×10⁶ = 2.5×10⁸ > 2.2×10⁸
    assert str(info.value) == (
        "a dose of 2.5×10⁸ cells in the cohort breaks the limit max per dose 2.2×10⁸ cells "
        "(refuse): the protocol refuses it, so the cohort cannot be simulated (narrow the "
        "weights of the cohort, or give the limit the action cap)"
    )


def test_whatif_missed_dose_under_a_course_maximum_is_refused() -> None:
    protocol = regimen("2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells")
    with pytest.raises(OptionError) as info:
        whatif(protocol, scenario=WhatIf(missed=(2,)), weight="100 kg")
    assert str(info.value) == (
        "a what-if with missed doses under a course maximum (max per course 5×10⁸ cells "
        "(cap)) is not simulated: the doses after the change would have to be capped again "
        "against the course total (simulate delays only, or plan the doses actually given "
        "with a new course)"
    )


def test_whatif_delay_under_a_course_maximum_keeps_the_cells() -> None:
    # delays keep every dose's cells: 2, 2, 1 ×10⁸ as planned
    protocol = regimen("2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells")
    result = whatif(protocol, scenario=WhatIf(delays=((2, 3),)), weight="100 kg")
    assert [d.simulated.cells for d in result.doses if d.simulated] == [2e8, 2e8, 1e8]
