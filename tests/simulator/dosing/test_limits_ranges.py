"""Where limits meet dose ranges (issue 10, rules 1 and 3): a refuse limit refuses a range only
when the range cannot be given within it. Expected values are worked out by hand."""

from __future__ import annotations

import pytest

from celldose.protocols import OptionError, protocol_from_regimen
from celldose.simulator import DosePlan, plan_doses


def human(regimen: str, weight: str = "70 kg") -> DosePlan:
    return plan_doses(protocol_from_regimen(regimen, "human"), weight=weight)


def test_a_refuse_max_per_dose_inside_a_range_limits_its_upper_bound() -> None:
    # range 1×10⁸–3×10⁸ cells (flat); refuse above 2×10⁸: 1×10⁸ ≤ 2×10⁸ < 3×10⁸, so the part of
    # the range the protocol allows is 1×10⁸–2×10⁸ per dose; two doses 2×10⁸–4×10⁸ in total
    plan = human("1–3×10⁸ cells weekly ×2; max per dose 2×10⁸ cells (refuse)")
    for dose in plan.doses:
        assert dose.range is not None
        assert (dose.range.cells_low, dose.range.cells_high) == (1e8, 2e8)
        assert dose.cells == 2e8
        assert dose.cap_note == "range limited to 2×10⁸ cells (max per dose; more is refused)"
    last = plan.doses[-1].range
    assert last is not None
    assert (last.cumulative_low, last.cumulative_high) == (2e8, 4e8)
    assert any("or at the limit where one caps the dose" in w for w in plan.warnings)


def test_a_refuse_max_per_dose_below_the_lower_bound_refuses() -> None:
    # range 3×10⁸–4×10⁸ cells: even the lower bound 3×10⁸ is over 2×10⁸; the upper bound
    # 4×10⁸ is over it by 2×10⁸ (100%)
    with pytest.raises(OptionError) as info:
        human("3–4×10⁸ cells weekly ×2; max per dose 2×10⁸ cells (refuse)")
    assert str(info.value).startswith(
        "dose 1 (4×10⁸ cells) is over the max per dose of 2×10⁸ cells by 2×10⁸ cells (100%)"
    )


def test_a_refuse_max_per_course_only_the_upper_bounds_pass_asks_for_a_chosen_dose() -> None:
    # 1×10⁸–2×10⁸ cells ×4, refuse over 5×10⁸ per course: upper totals 2, 4, 6×10⁸ (dose 3
    # passes 5×10⁸ by 1×10⁸, 20%); lower total after dose 3: 3×10⁸
    with pytest.raises(OptionError) as info:
        human("1–2×10⁸ cells weekly ×4; max per course 5×10⁸ cells (refuse)")
    assert str(info.value) == (
        "at the upper bound of its range, dose 3 takes the course to 6×10⁸ cells, over the max "
        "per course of 5×10⁸ cells by 1×10⁸ cells (20%), which the protocol refuses; at the "
        "lower bound the course so far is 3×10⁸ cells (choose a dose within the range with "
        "dose= so that the course stays within its maximum)"
    )


def test_a_dose_chosen_within_the_range_fits_the_course_maximum() -> None:
    # --dose 1.25×10⁸ cells within 1–2×10⁸: 4 × 1.25×10⁸ = 5×10⁸, exactly the maximum
    plan = plan_doses(
        protocol_from_regimen(
            "1–2×10⁸ cells weekly ×4; max per course 5×10⁸ cells (refuse)", "human"
        ),
        weight="70 kg",
        dose="1.25×10⁸ cells",
    )
    assert [d.cells for d in plan.doses] == [1.25e8] * 4
    assert plan.schedules[0].total_cells == 5e8


def test_a_cap_on_a_range_caps_both_bounds_only_where_they_pass_it() -> None:
    # 1–3×10⁸ cells, cap at 2×10⁸: lower 1×10⁸ stays, upper 3×10⁸ → 2×10⁸
    plan = human("1–3×10⁸ cells weekly ×2; max per dose 2×10⁸ cells")
    span = plan.doses[0].range
    assert span is not None
    assert (span.cells_low, span.cells_high) == (1e8, 2e8)
    assert plan.doses[0].cap_note == "capped at 2×10⁸ cells (max per dose)"
