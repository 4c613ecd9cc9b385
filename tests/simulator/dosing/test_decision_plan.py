"""plan_doses on a regimen with a decision: the Ryoncil label (tests/fixtures/ryoncil-label.yaml).

Hand arithmetic: 2×10⁶ cells/kg × 20 kg = 4×10⁷ cells a dose; 4×10⁷ / 6.68×10⁶ cells/mL =
5.988 mL, 2 vials of 3.8 mL. Twice weekly = days 0 and 3 of each week; 2026-01-05 is a Monday, so
the course falls on Mondays and Thursdays: 01-05, 01-08, 01-12, 01-15, 01-19, 01-22, 01-26, 01-29.
The assessment is day 28 ± 2: 2026-01-05 + 26, 28, 30 days = 01-31, 02-02, 02-04. Neither branch's
start is reported: both are planned from day 28 (2026-02-02, a Monday).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from celldose.protocols import OptionError, load_protocol
from celldose.simulator.dosing import plan_doses

RYONCIL = Path(__file__).resolve().parents[2] / "fixtures" / "ryoncil-label.yaml"
PARTIAL = "partial-or-mixed-response"
RECURRENCE = "recurrence-after-complete-response"


def dates(*iso: str) -> list[dt.date]:
    return [dt.date.fromisoformat(d) for d in iso]


BASE_DATES = dates(
    "2026-01-05",
    "2026-01-08",
    "2026-01-12",
    "2026-01-15",
    "2026-01-19",
    "2026-01-22",
    "2026-01-26",
    "2026-01-29",
)
# weekly ×4 from Monday 2026-02-02
PARTIAL_DATES = dates("2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23")
# twice weekly for 4 weeks from Monday 2026-02-02: Mondays and Thursdays
RECURRENCE_DATES = dates(
    "2026-02-02",
    "2026-02-05",
    "2026-02-09",
    "2026-02-12",
    "2026-02-16",
    "2026-02-19",
    "2026-02-23",
    "2026-02-26",
)


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return plan_doses(RYONCIL, weight="20 kg", start="2026-01-05")


def test_the_fixture_reads() -> None:
    protocol = load_protocol(RYONCIL)
    decision = protocol.arms[0].regimen.decision
    assert decision is not None
    assert decision.names == (PARTIAL, RECURRENCE)
    assert decision.branches[0].share is not None
    assert (decision.branches[0].share.k, decision.branches[0].share.n) == (22, 54)


def test_the_course_stops_at_the_decision(plan) -> None:  # type: ignore[no-untyped-def]
    doses = plan.schedules[0].doses
    assert [d.date for d in doses] == BASE_DATES
    assert [d.day for d in doses] == [0, 3, 7, 10, 14, 17, 21, 24]
    assert all(d.cells == 4e7 for d in doses)  # 2×10⁶ × 20
    assert all(d.vials == 2 for d in doses)  # 5.988 mL in vials of 3.8 mL
    assert doses[-1].cumulative_cells == 3.2e8  # 8 × 4×10⁷
    assert all(d.branch is None for d in doses)
    assert plan.branch is None


def test_the_assessment_window(plan) -> None:  # type: ignore[no-untyped-def]
    window = plan.assessment
    assert (window.day, window.tolerance) == (28, 2)
    assert (window.first_date, window.date, window.last_date) == tuple(
        dates("2026-01-31", "2026-02-02", "2026-02-04")
    )
    assert window.text == "day 28 ± 2 (2026-02-02 ± 2 days: 2026-01-31 to 2026-02-04)"
    assert window.notes == (
        "complete response: no further treatment",
        "no response: consider alternative treatments",
    )


def test_both_branches_as_optional_schedules(plan) -> None:  # type: ignore[no-untyped-def]
    partial, recurrence = plan.branches
    assert (partial.name, recurrence.name) == (PARTIAL, RECURRENCE)
    assert not partial.chosen and not recurrence.chosen
    p, r = partial.schedules[0].doses, recurrence.schedules[0].doses
    assert [d.date for d in p] == PARTIAL_DATES
    assert [d.day for d in p] == [28, 35, 42, 49]
    assert [d.number for d in p] == [9, 10, 11, 12]
    assert [d.cumulative_cells for d in p] == [3.6e8, 4e8, 4.4e8, 4.8e8]  # 3.2×10⁸ + k × 4×10⁷
    assert [d.date for d in r] == RECURRENCE_DATES
    assert [d.number for d in r] == list(range(9, 17))
    assert r[-1].cumulative_cells == pytest.approx(6.4e8, rel=1e-12)  # 16 × 4×10⁷
    assert {d.branch for d in p} == {PARTIAL} and {d.branch for d in r} == {RECURRENCE}
    assert partial.start == "not reported"
    assert partial.start_note.startswith("starts day 28 (2026-02-02), assumed: the source does")


def test_a_chosen_branch_joins_the_course() -> None:
    plan = plan_doses(RYONCIL, weight="20 kg", start="2026-01-05", branch=PARTIAL)
    doses = plan.schedules[0].doses
    assert [d.date for d in doses] == BASE_DATES + PARTIAL_DATES
    assert [d.number for d in doses] == list(range(1, 13))
    assert plan.schedules[0].total_cells == 4.8e8  # 12 × 4×10⁷
    assert plan.schedules[0].total_vials == 24  # 12 × 2
    assert plan.branch == PARTIAL
    assert [b.chosen for b in plan.branches] == [True, False]
    assert any(w.startswith(f"branch {PARTIAL} starts day 28") for w in plan.warnings)


def test_json_holds_the_course_the_assessment_and_every_branch() -> None:
    data = plan_doses(RYONCIL, weight="20 kg", start="2026-01-05", branch=RECURRENCE).to_dict()
    assert len(data["doses"]) == 16  # 8 + the 8 of the chosen branch
    assert [d["branch"] for d in data["doses"]] == [None] * 8 + [RECURRENCE] * 8
    assert data["assessment"]["first_date"] == "2026-01-31"
    assert data["assessment"]["last_date"] == "2026-02-04"
    assert data["assessment"]["tolerance_days"] == 2
    assert data["branch"] == RECURRENCE
    names = [b["name"] for b in data["branches"]]
    assert names == [PARTIAL, RECURRENCE]
    partial = data["branches"][0]
    assert partial["condition"] == "partial or mixed response"
    assert partial["start"] == "not reported" and partial["start_assumed"] is True
    assert partial["share"]["k"] == 22 and partial["share"]["n"] == 54
    assert [d["date"] for d in partial["doses"]] == [d.isoformat() for d in PARTIAL_DATES]
    assert partial["chosen"] is False


def test_an_unknown_branch_is_refused_with_the_names() -> None:
    with pytest.raises(OptionError) as exc:
        plan_doses(RYONCIL, weight="20 kg", branch="complete-response")
    assert str(exc.value) == (
        "the regimen (ryoncil-label, arm label) has no branch 'complete-response' (choose one "
        "of: partial-or-mixed-response, recurrence-after-complete-response)"
    )
    assert exc.value.fields == ("branch",)


def test_a_branch_without_a_decision_is_refused() -> None:
    with pytest.raises(OptionError) as exc:
        plan_doses("chen2024-itp-ucmsc", arm="expansion-2.0", weight="70 kg", branch="x")
    assert str(exc.value) == (
        "the regimen (chen2024-itp-ucmsc, arm expansion-2.0) has no decision, so no branch 'x' "
        "(drop branch=)"
    )


def test_weekend_moves_count_the_branch_with_the_course() -> None:
    # Start Thursday 2026-01-08: twice weekly is Thu/Sun; weekends=next-weekday moves each Sunday
    # to Monday (gaps of 4 and 3 days, at least the 3 the label asks).
    plan = plan_doses(
        RYONCIL, weight="20 kg", start="2026-01-08", weekends="next-weekday", branch=RECURRENCE
    )
    doses = plan.schedules[0].doses
    # course days 0, 3, 7, ..., 24: Thu 01-08, Sun 01-11 -> Mon 01-12, Thu 01-15, ...;
    # the branch from day 28 = Thu 02-05: 02-05, Sun 02-08 -> 02-09, 02-12, 02-15 -> 02-16, ...
    assert [d.date for d in doses] == dates(
        "2026-01-08",
        "2026-01-12",
        "2026-01-15",
        "2026-01-19",
        "2026-01-22",
        "2026-01-26",
        "2026-01-29",
        "2026-02-02",
        "2026-02-05",
        "2026-02-09",
        "2026-02-12",
        "2026-02-16",
        "2026-02-19",
        "2026-02-23",
        "2026-02-26",
        "2026-03-02",
    )
    assert [d.moved_from for d in doses][-1] == dt.date(2026, 3, 1)
    assert plan.branches[1].schedules[0].doses == doses[8:]


def test_an_assessment_inside_a_dated_course_of_months_is_refused() -> None:
    regimen = "1e6 cells/kg monthly ×3; assess on day 60; if a: weekly ×2"
    from celldose.protocols import protocol_from_regimen

    protocol = protocol_from_regimen(regimen, "dog")
    # from 2026-01-31: 01-31, 02-28, 03-31 = day 59 < 60: accepted
    ok = plan_doses(protocol, weight="10 kg", start="2026-01-31")
    assert ok.schedules[0].doses[-1].day == 59
    # from 2026-03-31: 03-31, 04-30, 05-31 = day 30 + 31 = 61 >= 60: refused
    with pytest.raises(OptionError) as exc:
        plan_doses(protocol, weight="10 kg", start="2026-03-31")
    assert str(exc.value) == (
        "the assessment (day 60) of (regimen, arm regimen) is not after the course's last dose "
        '(day 61 with this start date) (choose another start="YYYY-MM-DD", or check the '
        "assessment day)"
    )
