"""plan_doses with a dose range (issue 10, rule 1) and a dose per lb (rule 8).

Hand arithmetic for a 10 kg dog at 1–2×10⁶ cells/kg weekly ×4, 1×10⁶ cells/mL:
- per dose: 1×10⁶ × 10 = 1×10⁷ cells to 2×10⁶ × 10 = 2×10⁷ cells;
- volume: 1×10⁷ / 1×10⁶ = 10 mL to 2×10⁷ / 1×10⁶ = 20 mL;
- course of 4: 4 × 1×10⁷ = 4×10⁷ to 4 × 2×10⁷ = 8×10⁷ cells.
A target of 1.5×10⁶ cells/kg: 1.5×10⁷ cells a dose, 6×10⁷ over the course.
"""

from __future__ import annotations

import pytest

from celldose.protocols import OptionError, parse_dose, protocol_from_regimen
from celldose.simulator.dosing import plan_doses

RANGE = protocol_from_regimen("1–2×10⁶ cells/kg weekly ×4", "dog")
UPPER_NOTE = (
    "dose range 1×10⁶–2×10⁶ cells/kg kept as a range; where one number is needed (vials, "
    "totals, cohort demand) it is ordered at the upper bound 2×10⁶ cells/kg; dose= chooses a "
    "target within the range"
)


def test_a_range_is_planned_with_both_bounds() -> None:
    plan = plan_doses(RANGE, weight="10 kg", concentration="1e6 cells/mL")
    doses = plan.schedules[0].doses
    assert len(doses) == 4
    for n, dose in enumerate(doses, start=1):
        assert dose.range is not None and dose.range.use == "upper bound"
        assert (dose.range.cells_low, dose.range.cells_high) == (1e7, 2e7)
        assert (dose.range.volume_ml_low, dose.range.volume_ml_high) == (10.0, 20.0)
        assert (dose.range.cumulative_low, dose.range.cumulative_high) == (n * 1e7, n * 2e7)
        assert dose.cells == 2e7  # one number: the upper bound
    assert plan.schedules[0].total_cells == 8e7
    assert UPPER_NOTE in plan.warnings


def test_the_json_keeps_the_range() -> None:
    data = plan_doses(RANGE, weight="10 kg", concentration="1e6 cells/mL").to_dict()
    first = data["doses"][0]
    assert first["dose"] == "1×10⁶–2×10⁶ cells/kg"
    assert first["dose_range"] == "1×10⁶–2×10⁶ cells/kg"
    assert first["dose_use"] == "upper bound"
    assert (first["cells_low"], first["cells_high"]) == (1e7, 2e7)
    assert (first["volume_ml_low"], first["volume_ml_high"]) == (10.0, 20.0)
    last = data["doses"][-1]
    assert (last["cumulative_cells_low"], last["cumulative_cells_high"]) == (4e7, 8e7)
    assert data["basis"]["doses"] == ["1×10⁶–2×10⁶ cells/kg"]


def test_a_point_dose_has_null_range_fields() -> None:
    data = plan_doses("chen2024-itp-ucmsc", weight="70 kg", arm="expansion-2.0").to_dict()
    first = data["doses"][0]
    assert first["dose_range"] is None and first["cells_low"] is None
    assert first["cells"] == 1.4e8  # 2×10⁶ × 70, unchanged


def test_a_target_chosen_within_the_range() -> None:
    plan = plan_doses(RANGE, weight="10 kg", dose="1.5e6 cells/kg")
    doses = plan.schedules[0].doses
    assert [d.cells for d in doses] == [1.5e7] * 4
    assert plan.schedules[0].total_cells == 6e7
    assert doses[0].range is not None and doses[0].range.use == "chosen"
    assert (
        "dose 1.5×10⁶ cells/kg chosen within 1×10⁶–2×10⁶ cells/kg (regimen, arm regimen)"
        in plan.warnings
    )
    assert UPPER_NOTE not in plan.warnings
    # the bounds themselves are targets within the range
    assert plan_doses(RANGE, weight="10 kg", dose="2e6 cells/kg").schedules[0].total_cells == 8e7


def test_a_target_outside_the_range_is_refused() -> None:
    with pytest.raises(OptionError) as info:
        plan_doses(RANGE, weight="10 kg", dose="3e6 cells/kg")
    assert str(info.value) == (
        "the dose 3×10⁶ cells/kg is outside the dose range 1×10⁶–2×10⁶ cells/kg (regimen, arm "
        "regimen) (choose a dose within the range, or pass override_range=True to give it "
        "anyway, labelled on every output)"
    )
    assert info.value.fields == ("dose", "override_range")


def test_override_range_gives_it_and_labels_it() -> None:
    plan = plan_doses(RANGE, weight="10 kg", dose="3e6 cells/kg", override_range=True)
    # 3×10⁶ × 10 kg = 3×10⁷ cells a dose
    assert [d.cells for d in plan.schedules[0].doses] == [3e7] * 4
    assert plan.schedules[0].doses[0].range is not None
    assert plan.schedules[0].doses[0].range.use == "override"
    assert (
        "dose 3×10⁶ cells/kg from dose= is outside the dose range 1×10⁶–2×10⁶ cells/kg "
        "(regimen, arm regimen) (given with override_range=True)" in plan.warnings
    )


def test_override_range_without_a_range_to_override_is_refused() -> None:
    with pytest.raises(OptionError, match="no dose given here is outside one"):
        plan_doses("chen2024-itp-ucmsc", weight="70 kg", arm="expansion-2.0", override_range=True)
    with pytest.raises(OptionError, match="no dose given here is outside one"):
        plan_doses(RANGE, weight="10 kg", dose="1.5e6 cells/kg", override_range=True)


def test_a_branch_dose_may_be_a_range() -> None:
    protocol = protocol_from_regimen(
        "2×10⁶ cells/kg weekly ×2; assess on day 14; if partial response: 1–2×10⁶ cells/kg "
        "weekly ×2",
        "human",
    )
    plan = plan_doses(protocol, weight="20 kg", branch="partial-response")
    course, branch = plan.schedules[0].doses[:2], plan.schedules[0].doses[2:]
    assert all(d.range is None for d in course)
    # 20 kg: 2×10⁷ to 4×10⁷ cells a branch dose; cumulative after the course's 2 × 4×10⁷ = 8×10⁷
    assert [(d.range.cells_low, d.range.cells_high) for d in branch if d.range] == [(2e7, 4e7)] * 2
    last = branch[-1].range
    assert last is not None and (last.cumulative_low, last.cumulative_high) == (1.2e8, 1.6e8)
    with pytest.raises(OptionError, match="outside the dose range .* of branch partial-response"):
        plan_doses(protocol, weight="20 kg", dose="3e6 cells/kg")


def test_a_flat_range_is_the_same_for_every_weight() -> None:
    protocol = protocol_from_regimen("0.1–2.5×10⁸ cells once", "human")
    dose = plan_doses(protocol, weight="70 kg").schedules[0].doses[0]
    assert dose.range is not None
    assert (dose.range.cells_low, dose.range.cells_high) == (1e7, 2.5e8)


def test_a_dose_per_lb_is_computed_exactly() -> None:
    protocol = protocol_from_regimen("1×10⁶ cells/lb weekly ×2", "dog")
    plan = plan_doses(protocol, weight="10 kg")
    # 1×10⁶ cells/lb = 1×10⁶ / 0.45359237 cells/kg; × 10 kg = 22046226.218... cells
    assert plan.schedules[0].doses[0].cells == pytest.approx(1e7 / 0.45359237, rel=1e-15)
    assert plan.schedules[0].doses[0].dose == parse_dose("1×10⁶ cells/lb")
    assert plan.to_dict()["doses"][0]["dose"] == "1×10⁶ cells/lb"
    assert plan.to_dict()["doses"][0]["cells_per_kg"] == 1e6 / 0.45359237


def test_rounding_to_whole_vials_stays_within_the_range() -> None:
    # upper bound 2×10⁷ cells / 1.9×10⁷ cells a vial = 1.05: the nearest is 1 vial, 1.9×10⁷
    # cells (−5%), inside 1×10⁷–2×10⁷: given, one number
    plan = plan_doses(RANGE, weight="10 kg", vial="1.9e7 cells", rounding="nearest")
    dose = plan.schedules[0].doses[0]
    assert dose.cells == 1.9e7 and dose.vials == 1
    assert dose.range is not None and dose.range.use == "rounded"
    assert plan.schedules[0].totals()["total_cells_low"] is None
    # 2×10⁷ / 2.5×10⁷ = 0.8: the nearest is 1 vial, 2.5×10⁷ cells, above the range's 2×10⁷
    with pytest.raises(OptionError) as info:
        plan_doses(
            RANGE, weight="10 kg", vial="2.5e7 cells", rounding="nearest", round_tolerance="30%"
        )
    assert "outside the dose range 1×10⁷–2×10⁷ cells" in str(info.value)


def test_a_cap_caps_both_bounds() -> None:
    protocol = protocol_from_regimen(
        "1–2×10⁶ cells/kg weekly ×2; max per dose 1.5×10⁷ cells", "dog"
    )
    dose = plan_doses(protocol, weight="10 kg").schedules[0].doses[0]
    # 10 kg: 1×10⁷ to 2×10⁷ cells; the cap of 1.5×10⁷ lowers the upper bound only
    assert dose.range is not None
    assert (dose.range.cells_low, dose.range.cells_high) == (1e7, 1.5e7)
    assert dose.cells == 1.5e7 and dose.capped
