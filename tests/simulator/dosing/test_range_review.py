"""Dose ranges with rounding, a course maximum and a dose in another basis (issue 10, review 2).

Hand arithmetic in comments; refusals with their exact messages.
"""

from __future__ import annotations

import pytest

from celldose.protocols import OptionError, parse_dose, protocol_from_regimen
from celldose.simulator.dosing import plan_doses

RANGE = protocol_from_regimen("1–2×10⁶ cells/kg weekly ×2", "dog")


def test_a_chosen_dose_rounded_above_the_range_is_refused_by_how_much() -> None:
    # 25 kg: the range is 2.5×10⁷–5×10⁷ cells; 1.9×10⁶ × 25 = 4.75×10⁷, 1.87 vials of 2.54×10⁷,
    # nearest 2 vials = 5.08×10⁷: 8×10⁵ cells above 5×10⁷, 8×10⁵ / 5×10⁷ = 1.6%
    with pytest.raises(OptionError) as info:
        plan_doses(
            RANGE, weight="25 kg", vial="2.54e7 cells", rounding="nearest", dose="1.9e6 cells/kg"
        )
    assert info.value.message == (
        "the dose rounded to 2 vials (nearest) is 5.08×10⁷ cells, outside the dose range "
        "2.5×10⁷–5×10⁷ cells: 8×10⁵ cells (1.6%) above its upper bound"
    )


def test_a_chosen_dose_rounded_below_the_range_is_refused_by_how_much() -> None:
    # 26 kg: 2.6×10⁷–5.2×10⁷ cells; 1.1×10⁶ × 26 = 2.86×10⁷, down to 1 vial = 2.54×10⁷ (−11.2%,
    # within 12%): 6×10⁵ below 2.6×10⁷, 6×10⁵ / 2.6×10⁷ = 2.31%
    with pytest.raises(OptionError) as info:
        plan_doses(
            RANGE,
            weight="26 kg",
            vial="2.54e7 cells",
            rounding="down",
            round_tolerance="12%",
            dose="1.1e6 cells/kg",
        )
    assert info.value.message == (
        "the dose rounded down to 1 vial is 2.54×10⁷ cells, outside the dose range "
        "2.6×10⁷–5.2×10⁷ cells: 6×10⁵ cells (2.31%) below its lower bound"
    )


def test_a_chosen_dose_rounded_within_the_range_is_rounded_and_counted() -> None:
    # 25 kg, 1.9×10⁶ × 25 = 4.75×10⁷ → 2 vials of 2.5×10⁷ = 5×10⁷ (the upper bound: allowed)
    plan = plan_doses(
        RANGE, weight="25 kg", vial="2.5e7 cells", rounding="nearest", dose="1.9e6 cells/kg"
    )
    doses = plan.to_dict()["doses"]
    assert [d["dose_use"] for d in doses] == ["rounded", "rounded"]
    # the cumulative at both bounds follows the dose given: 5×10⁷, then 1×10⁸
    assert [(d["cumulative_cells_low"], d["cumulative_cells_high"]) for d in doses] == [
        (5e7, 5e7),
        (1e8, 1e8),
    ]


def test_a_rounded_branch_dose_is_refused_outside_the_branch_range() -> None:
    protocol = protocol_from_regimen(
        "2×10⁶ cells/kg weekly ×2; assess on day 14; if partial response: 1–2×10⁶ cells/kg "
        "weekly ×2",
        "dog",
    )
    # the branch range for 25 kg is 2.5×10⁷–5×10⁷; 1.9×10⁶ × 25 rounds to 2 × 2.54×10⁷ = 5.08×10⁷
    with pytest.raises(OptionError, match=r"8×10⁵ cells \(1\.6%\) above its upper bound"):
        plan_doses(
            protocol, weight="25 kg", vial="2.54e7 cells", rounding="nearest", dose="1.9e6 cells/kg"
        )


def test_a_rounded_range_is_labelled_as_rounded_not_ordered_at_the_upper_bound() -> None:
    # 25 kg: the upper bound 5×10⁷ = 2 vials of 2.5×10⁷
    plan = plan_doses(RANGE, weight="25 kg", vial="2.5e7 cells", rounding="nearest")
    assert not any("ordered at the upper bound" in w for w in plan.warnings)
    assert (
        "dose range 1×10⁶–2×10⁶ cells/kg: each dose is its upper bound 2×10⁶ cells/kg, rounded "
        "to whole vials within the range (one dose given, see the rounding note); dose= chooses "
        "a target within the range"
    ) in plan.warnings
    last = plan.to_dict()["doses"][-1]
    assert (last["cumulative_cells_low"], last["cumulative_cells_high"]) == (1e8, 1e8)


def test_a_course_maximum_stops_a_range_at_its_upper_bound_and_says_so() -> None:
    protocol = protocol_from_regimen(
        "1–2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells", "human"
    )
    plan = plan_doses(protocol, weight="100 kg")
    schedule = plan.schedules[0]
    # 100 kg: 1×10⁸–2×10⁸ a dose; after 2 doses 2×10⁸–4×10⁸; dose 3 at the upper bound is capped
    # at the 1×10⁸ left (5×10⁸ − 4×10⁸), which is also its lower bound: 3×10⁸–5×10⁸ in total
    spans = [(d.range.cells_low, d.range.cells_high) for d in schedule.doses if d.range]
    assert spans == [(1e8, 2e8), (1e8, 2e8), (1e8, 1e8)]
    assert schedule.totals()["total_cells_low"] == 3e8
    assert schedule.totals()["total_cells_high"] == 5e8
    # dose 4 is stopped at the upper bound (5×10⁸ reached); at the lower bound 3×10⁸ so far
    assert [s.number for s in schedule.stopped] == [4]
    assert schedule.stopped[0].reason == (
        "max per course 5×10⁸ cells reached at the upper bound of the dose range; the course at "
        "its lower bound is 3×10⁸ cells, and dose= chooses a target within the range"
    )


def test_a_dose_in_another_basis_is_never_called_outside_the_range() -> None:
    # 1.5×10⁷ cells for 10 kg is 1.5×10⁶ cells/kg, inside 1–2×10⁶ cells/kg: not "outside"
    with pytest.raises(OptionError) as info:
        plan_doses(RANGE, weight="10 kg", dose="1.5e7 cells")
    assert info.value.message == (
        "the dose 1.5×10⁷ cells is flat, the dose range 1×10⁶–2×10⁶ cells/kg (regimen, arm "
        "regimen) is per kg: a dose chosen within a range is given in the range's basis"
    )
    assert info.value.fields == ("dose", "override_range")
    plan = plan_doses(RANGE, weight="10 kg", dose="1.5e7 cells", override_range=True)
    assert plan.warnings[0] == (
        "the dose 1.5×10⁷ cells is flat, the dose range 1×10⁶–2×10⁶ cells/kg (regimen, arm "
        "regimen) is per kg; dose 1.5×10⁷ cells from dose= given with override_range=True"
    )


def test_a_bound_of_a_range_per_lb_keeps_its_text() -> None:
    dose = parse_dose("1–2×10⁶ cells/lb")
    assert dose.upper().display() == "2×10⁶ cells/lb (4.41×10⁶ cells/kg)"
    assert dose.lower().display() == "1×10⁶ cells/lb (2.2×10⁶ cells/kg)"
    # 2×10⁶ / 0.45359237 = 4.409×10⁶ cells/kg, computed exactly
    assert dose.upper().amount == pytest.approx(2e6 / 0.45359237, rel=1e-12)


def test_a_branch_range_under_a_course_maximum_has_the_plans_bounds_on_its_lane() -> None:
    from celldose.simulator.scenarios import build_lanes

    protocol = protocol_from_regimen(
        "2×10⁶ cells/kg weekly ×2; assess on day 14; if partial response: 1–2×10⁶ cells/kg "
        "weekly ×2; max per course 1.4×10⁸ cells",
        "human",
    )
    # 20 kg: the course 2 × 4×10⁷ = 8×10⁷; branch dose 3 is 2×10⁷–4×10⁷ (1.2×10⁸ at the upper
    # bound); dose 4 at the upper bound is capped at 1.4×10⁸ − 1.2×10⁸ = 2×10⁷, its lower bound
    lane = build_lanes(protocol, weight="20 kg")[0]
    doses = lane.branches[0].doses
    assert [(d.number, d.cells, d.cells * d.low_fraction) for d in doses if d.cells] == [
        (3, 4e7, 2e7),
        (4, 2e7, 2e7),
    ]
