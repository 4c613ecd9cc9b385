"""Limits applied by the one dose rule (issue 10, rule 3): per dose, per course, weight cap.

Every expected value is worked out by hand in a comment; refusals are tested with their exact
one-line message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.protocols import OptionError, Protocol, parse_protocol, protocol_from_regimen
from celldose.simulator import DosePlan, plan_doses

FIXTURE = Path(__file__).parents[2] / "fixtures" / "ryoncil-label.yaml"


def human(regimen: str, weight: str, **kwargs: str) -> DosePlan:
    return plan_doses(protocol_from_regimen(regimen, "human"), weight=weight, **kwargs)


def test_max_per_dose_cap_at_120_kg() -> None:
    # 2×10⁶ cells/kg × 120 kg = 2.4×10⁸ > 2×10⁸: every dose is 2×10⁸ (not 2.4×10⁸);
    # per kg 2×10⁸ / 120 = 1.6667×10⁶; course 4 × 2×10⁸ = 8×10⁸
    plan = plan_doses(
        protocol_from_regimen("2×10⁶ cells/kg weekly ×4; max per dose 2×10⁸ cells", "human"),
        weight="120 kg",
    )
    assert [d.cells for d in plan.doses] == [2e8] * 4
    assert all(d.capped and d.capped_by == "max per dose" for d in plan.doses)
    assert {d.cap_note for d in plan.doses} == {"capped at 2×10⁸ cells (max per dose)"}
    assert plan.doses[0].cells_per_kg == pytest.approx(2e8 / 120)
    assert plan.schedules[0].total_cells == 8e8
    assert "doses 1–4 capped at 2×10⁸ cells (max per dose)" in plan.warnings


def test_max_per_dose_not_reached_is_not_labelled() -> None:
    # 2×10⁶ × 90 kg = 1.8×10⁸ ≤ 2×10⁸
    plan = plan_doses(
        protocol_from_regimen("2×10⁶ cells/kg weekly ×4; max per dose 2×10⁸ cells", "human"),
        weight="90 kg",
    )
    assert [d.cells for d in plan.doses] == [pytest.approx(1.8e8)] * 4
    assert not any(d.capped or d.cap_note for d in plan.doses)


def test_max_per_dose_refuse() -> None:
    regimen = protocol_from_regimen(
        "2×10⁶ cells/kg weekly ×4; max per dose 2×10⁸ cells (refuse)", "human"
    )
    with pytest.raises(OptionError) as info:
        plan_doses(regimen, weight="120 kg")
    # 2.4×10⁸ - 2×10⁸ = 4×10⁷ over, 4×10⁷ / 2×10⁸ = 20%
    assert str(info.value) == (
        "dose 1 (2.4×10⁸ cells) is over the max per dose of 2×10⁸ cells by 4×10⁷ cells (20%), "
        "and the protocol refuses such a dose (check the weight and the dose, or give a "
        "smaller dose=)"
    )


def test_cap_applies_before_refuse() -> None:
    # capped to 2×10⁸ first; 2×10⁸ ≤ 2.2×10⁸, so the refuse maximum is not broken
    plan = human(
        "2×10⁶ cells/kg weekly ×2; max per dose 2×10⁸ cells (cap); "
        "max per dose 2.2×10⁸ cells (refuse)",
        "120 kg",
    )
    assert [d.cells for d in plan.doses] == [2e8, 2e8]


def test_cap_argument_is_a_max_per_dose_and_the_smaller_wins() -> None:
    # cap= 1.5×10⁸ < max per dose 2×10⁸ < 2.4×10⁸: 1.5×10⁸, labelled as cap=
    plan = human("2×10⁶ cells/kg weekly ×2; max per dose 2×10⁸ cells", "120 kg", cap="1.5e8 cells")
    assert [d.cells for d in plan.doses] == [1.5e8, 1.5e8]
    assert plan.doses[0].cap_note == "capped at 1.5×10⁸ cells (cap=)"
    assert "doses above the cap are capped at 1.5×10⁸ cells" in plan.warnings
    # cap= 3×10⁸ is above the protocol's maximum: the protocol's 2×10⁸ applies
    plan = human("2×10⁶ cells/kg weekly ×2; max per dose 2×10⁸ cells", "120 kg", cap="3e8 cells")
    assert plan.doses[0].cap_note == "capped at 2×10⁸ cells (max per dose)"


def test_max_per_course_cap_stops_later_doses() -> None:
    # 2×10⁶ × 100 kg = 2×10⁸ a dose; max 5×10⁸: doses 1, 2 full (4×10⁸), dose 3 reduced to
    # 5×10⁸ - 4×10⁸ = 1×10⁸, dose 4 (day 21, 2026-01-26) stopped
    plan = human(
        "2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells", "100 kg", start="2026-01-05"
    )
    assert [d.cells for d in plan.doses] == [2e8, 2e8, 1e8]
    assert plan.doses[2].capped_by == "max per course"
    assert plan.doses[2].cap_note == "capped at 1×10⁸ cells (max per course 5×10⁸ cells reached)"
    assert plan.schedules[0].total_cells == 5e8
    (stopped,) = plan.schedules[0].stopped
    assert (stopped.number, stopped.day, stopped.date) == (4, 21, "2026-01-26")
    assert stopped.reason == "max per course 5×10⁸ cells reached"
    assert "dose 4 not given: stopped, max per course 5×10⁸ cells reached" in plan.warnings
    assert plan.to_dict()["totals"][0]["stopped"] == [
        {
            "number": 4,
            "phase": 1,
            "day": 21,
            "date": "2026-01-26",
            "branch": None,
            "stopped_by": "max per course 5×10⁸ cells reached",
        }
    ]


def test_max_per_course_exactly_reached_stops_the_rest() -> None:
    # 2×10⁸ × 2 = 4×10⁸ = the maximum: doses 3 and 4 stopped, none reduced
    plan = human("2×10⁶ cells/kg weekly ×4; max per course 4×10⁸ cells", "100 kg")
    assert [d.cells for d in plan.doses] == [2e8, 2e8]
    assert not any(d.capped for d in plan.doses)
    assert [s.number for s in plan.schedules[0].stopped] == [3, 4]


def test_max_per_course_refuse() -> None:
    regimen = protocol_from_regimen(
        "2×10⁶ cells/kg weekly ×4; max per course 7×10⁸ cells (refuse)", "human"
    )
    with pytest.raises(OptionError) as info:
        plan_doses(regimen, weight="100 kg")
    # 4 × 2×10⁸ = 8×10⁸ at dose 4; 1×10⁸ over; 1/7 = 14.3%
    assert str(info.value) == (
        "dose 4 takes the course to 8×10⁸ cells, over the max per course of 7×10⁸ cells by "
        "1×10⁸ cells (14.3%), and the protocol refuses such a course (check the dose and the "
        "number of doses, or give a smaller dose= or count=)"
    )


def test_weight_cap() -> None:
    # per kg on min(120, 100) = 100 kg: 2×10⁶ × 100 = 2×10⁸; per kg of the patient 2×10⁸/120
    plan = human("2×10⁶ cells/kg weekly ×2; dose by weight up to 100 kg", "120 kg")
    assert [d.cells for d in plan.doses] == [2e8, 2e8]
    assert plan.doses[0].cells_per_kg == pytest.approx(2e8 / 120)
    assert plan.doses[0].capped_by == "dose weight"
    note = "dosed at 100 kg (weight cap); patient weighs 120 kg"
    assert plan.doses[0].cap_note == note
    assert plan.dosing_weight_kg == 100
    assert plan.dosing_weight_note == note
    assert note in plan.warnings


def test_weight_cap_below_the_cap_changes_nothing() -> None:
    # 80 kg ≤ 100 kg: 2×10⁶ × 80 = 1.6×10⁸, per kg exactly 2×10⁶
    plan = human("2×10⁶ cells/kg weekly ×2; dose by weight up to 100 kg", "80 kg")
    assert [d.cells for d in plan.doses] == [pytest.approx(1.6e8)] * 2
    assert plan.doses[0].cells_per_kg == 2e6
    assert plan.dosing_weight_kg is None and not plan.doses[0].capped


def test_weight_cap_leaves_a_flat_dose_alone() -> None:
    plan = human("1×10⁸ cells weekly ×2; dose by weight up to 100 kg", "120 kg")
    assert [d.cells for d in plan.doses] == [1e8, 1e8]
    assert not any(d.capped for d in plan.doses)


def test_weight_cap_refuse() -> None:
    regimen = protocol_from_regimen(
        "2×10⁶ cells/kg weekly ×2; dose by weight up to 100 kg (refuse)", "human"
    )
    with pytest.raises(OptionError) as info:
        plan_doses(regimen, weight="120 kg")
    # 120 - 100 = 20 kg over, 20%
    assert str(info.value) == (
        "the patient weighs 120 kg, over the dose weight limit of 100 kg by 20 kg (20%), and "
        "the protocol refuses such a dose (check the weight, or dose this patient by another "
        "protocol)"
    )


def ryoncil(limits: str) -> Protocol:
    text = FIXTURE.read_text(encoding="utf-8").replace("route: IV\n", "route: IV\n" + limits, 1)
    return parse_protocol(text)


def test_branch_doses_count_towards_the_course_maximum() -> None:
    # Ryoncil, 20 kg: 2×10⁶ × 20 = 4×10⁷ a dose; 8 base doses = 3.2×10⁸; max 4×10⁸ leaves
    # 8×10⁷: branch doses 9 and 10 (4×10⁷ each), then 11 and 12 stopped
    protocol = ryoncil("limits: [{max_per_course: 4×10⁸ cells, action: cap}]\n")
    plan = plan_doses(
        protocol, weight="20 kg", start="2026-01-05", branch="partial-or-mixed-response"
    )
    assert [d.number for d in plan.doses] == list(range(1, 11))
    assert plan.schedules[0].total_cells == pytest.approx(4e8)
    assert [s.number for s in plan.schedules[0].stopped] == [11, 12]
    assert all(s.branch == "partial-or-mixed-response" for s in plan.schedules[0].stopped)
    # the other branch (twice weekly for 4 weeks: 8 doses) shown with its own stopped doses
    other = next(b for b in plan.branches if b.name == "recurrence-after-complete-response")
    assert [d.number for d in other.schedules[0].doses] == [9, 10]
    assert [s.number for s in other.schedules[0].stopped] == list(range(11, 17))


def test_course_maximum_reached_before_a_branch_stops_all_its_doses() -> None:
    # 8 × 4×10⁷ = 3.2×10⁸ = the maximum: the branch's 4 doses (9-12) are all stopped; its start
    # is still shown (day 28, from the assessment)
    protocol = ryoncil("limits: [{max_per_course: 3.2×10⁸ cells, action: cap}]\n")
    plan = plan_doses(protocol, weight="20 kg", start="2026-01-05")
    partial = plan.branches[0]
    assert partial.schedules[0].doses == ()
    assert [s.number for s in partial.schedules[0].stopped] == [9, 10, 11, 12]
    assert partial.start_note.startswith("starts day 28 (2026-02-02)")


def test_optional_branch_past_a_refuse_maximum_is_refused_only_if_chosen() -> None:
    # base 8 × 4×10⁷ = 3.2×10⁸; partial branch: dose 9 3.6×10⁸, 10 4×10⁸ (= the max, allowed),
    # 11 4.4×10⁸: 4×10⁷ over, 10%
    protocol = ryoncil("limits: [{max_per_course: 4×10⁸ cells, action: refuse}]\n")
    message = (
        "dose 11 takes the course to 4.4×10⁸ cells, over the max per course of 4×10⁸ cells by "
        "4×10⁷ cells (10%), and the protocol refuses such a course"
    )
    plan = plan_doses(protocol, weight="20 kg")
    assert f"branch partial-or-mixed-response is refused if chosen: {message}" in plan.warnings
    assert len(plan.doses) == 8
    with pytest.raises(OptionError) as info:
        plan_doses(protocol, weight="20 kg", branch="partial-or-mixed-response")
    assert str(info.value).startswith(message + " (")


def test_arm_limit_replaces_protocol_limit_of_the_same_kind() -> None:
    # protocol max per dose 1×10⁷ (cap), arm 3×10⁷ (cap): the arm's wins; 4×10⁷ → 3×10⁷
    protocol = ryoncil("limits: [{max_per_dose: 1×10⁷ cells, action: cap}]\n")
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "    n: 54\n", "    n: 54\n    limits: [{max_per_dose: 3×10⁷ cells, action: cap}]\n", 1
    )
    text = text.replace(
        "route: IV\n", "route: IV\nlimits: [{max_per_dose: 1e7 cells, action: cap}]\n"
    )
    assert plan_doses(protocol, weight="20 kg").doses[0].cells == 1e7
    assert plan_doses(parse_protocol(text), weight="20 kg").doses[0].cells == 3e7
