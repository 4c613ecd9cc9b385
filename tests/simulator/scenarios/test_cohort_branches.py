"""Cohorts on a protocol with a decision: each patient enters at most one branch, with the share
given (branch_share=) or reported by the source; the demand counts the branch doses of the
patients drawn into it.

Hand arithmetic (the Ryoncil label fixture, every patient 20 kg): a dose is 2×10⁶ × 20 = 4×10⁷
cells, 5.988 mL, 2 vials of 3.8 mL (2 × 2.5384×10⁷ cells). The course is 8 doses (3.2×10⁸
cells, 16 vials); the partial-response branch 4 doses (1.6×10⁸ cells, 8 vials); the
recurrence branch 8 doses (3.2×10⁸ cells, 16 vials).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from celldose.protocols import OptionError, protocol_from_regimen
from celldose.simulator.scenarios import simulate_cohort

RYONCIL = str(Path(__file__).resolve().parents[2] / "fixtures" / "ryoncil-label.yaml")
PARTIAL = "partial-or-mixed-response"
RECURRENCE = "recurrence-after-complete-response"


def run(patients: int = 10, seed: int = 0, **kw):  # type: ignore[no-untyped-def]
    return simulate_cohort(RYONCIL, patients=patients, weight="20kg", seed=seed, **kw)


def test_every_patient_in_one_branch() -> None:
    r = run(branch_share={PARTIAL: 1.0, RECURRENCE: 0.0})
    # 10 patients × (8 + 4) doses × 4×10⁷ cells = 4.8×10⁹ cells; 10 × (16 + 8) = 240 vials
    assert r.cohort_total_cells == pytest.approx(4.8e9, rel=1e-12)
    assert r.demand.vials == 240
    assert [(b.name, b.patients) for b in r.branches] == [(PARTIAL, 10), (RECURRENCE, 0)]
    recurrence_doses = [d for d in r.per_dose if d.branch == RECURRENCE]
    assert len(recurrence_doses) == 8 and all(d.received == 0 for d in recurrence_doses)
    assert all(d.missed_fraction == 0 for d in r.per_dose)  # nobody missed a dose meant for them
    assert r.doses_given.median == 12


def test_nobody_in_a_branch_leaves_the_course_alone() -> None:
    r = run(branch_share=[f"{PARTIAL}=0", f"{RECURRENCE}=0"])
    # 10 × 3.2×10⁸ = 3.2×10⁹ cells; 10 × 16 = 160 vials
    assert r.cohort_total_cells == pytest.approx(3.2e9, rel=1e-12)
    assert r.demand.vials == 160


def test_demand_counts_the_branch_doses_of_the_patients_drawn() -> None:
    r = run(patients=200, seed=3, branch_share=f"{RECURRENCE}=0.2")
    partial, recurrence = (b.patients for b in r.branches)
    expected = 200 * 3.2e8 + partial * 1.6e8 + recurrence * 3.2e8
    assert r.cohort_total_cells == pytest.approx(expected, rel=1e-12)
    assert r.demand.vials == 200 * 16 + partial * 8 + recurrence * 16
    assert r.branches[0].source == "source" and r.branches[1].source == "given"
    assert r.branches[0].share == 22 / 54
    assert r.branches[0].label.startswith("share from the source: 22/54 (day-28 partial")
    assert r.branches[1].label == "share 0.2, given with branch_share="


def test_a_given_share_that_replaces_the_sources_says_so() -> None:
    r = run(branch_share={PARTIAL: 0.5, RECURRENCE: 0.1})
    assert r.branches[0].source == "given" and r.branches[0].share == 0.5
    assert r.branches[0].label == (
        "share 0.5, given with branch_share=, replaces the share from the source 22/54 (day-28 "
        "partial response, pivotal study MSB-GVHD001; mixed responses are not reported "
        "separately)"
    )
    assert r.branches[1].label == "share 0.1, given with branch_share="  # none reported


def test_the_shares_drawn_follow_the_shares_given() -> None:
    r = run(patients=20_000, seed=11, branch_share={RECURRENCE: 0.1})
    partial, recurrence = (b.patients for b in r.branches)
    # binomial: 20,000 × 22/54 = 8,148 (sd 69); 20,000 × 0.1 = 2,000 (sd 42); within 5 sd
    assert abs(partial - 20_000 * 22 / 54) < 5 * math.sqrt(20_000 * (22 / 54) * (32 / 54))
    assert abs(recurrence - 2_000) < 5 * math.sqrt(20_000 * 0.1 * 0.9)


def test_same_seed_same_draw_and_branches_do_not_move_the_weights() -> None:
    a = run(patients=50, seed=5, branch_share={RECURRENCE: 0.3})
    b = run(patients=50, seed=5, branch_share={RECURRENCE: 0.3})
    assert [x.patients for x in a.branches] == [x.patients for x in b.branches]
    assert a.cohort_total_cells == b.cohort_total_cells
    drawn = simulate_cohort(RYONCIL, patients=50, seed=5, branch_share={RECURRENCE: 0.3})
    plain = simulate_cohort(
        protocol_from_regimen("2×10⁶ cells/kg weekly ×4", "human-child"), patients=50, seed=5
    )  # the weights' stream does not depend on the branches: same species, same seed
    assert list(drawn.patient_weights_kg) == list(plain.patient_weights_kg)


def test_a_share_that_is_not_reported_is_asked_for() -> None:
    with pytest.raises(OptionError) as exc:
        run()
    assert str(exc.value) == (
        "the source does not report the share of patients who enter branch "
        "recurrence-after-complete-response (ryoncil-label arm label, if recurrence after "
        'complete response) (pass branch_share="recurrence-after-complete-response=<0 to 1>")'
    )
    assert exc.value.fields == ("branch_share",)


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (
            {"complete": 0.3},
            "ryoncil-label arm label has no branch 'complete' (choose one of: "
            "partial-or-mixed-response, recurrence-after-complete-response)",
        ),
        (
            # 22/54 = 0.407 from the source + 0.7 = 1.107
            {RECURRENCE: 0.7},
            "the branches' shares add up to 1.10741, more than all patients "
            "(partial-or-mixed-response 0.407407, recurrence-after-complete-response 0.7) (each "
            "patient enters at most one branch: the shares add up to at most 1)",
        ),
        (
            {RECURRENCE: 1.5},
            "the share of branch recurrence-after-complete-response is a probability from 0 to "
            "1, not 1.5 (write 0.41 for 41%)",
        ),
        (
            "recurrence",
            "branch_share 'recurrence' is not NAME=SHARE (write the branch and its share of "
            'patients, e.g. "partial-response=0.41")',
        ),
        *[
            (
                f"{RECURRENCE}={bad}",
                f"branch_share '{RECURRENCE}={bad}': '{bad}' is not a share (write a share from 0 "
                'to 1 or a percentage, e.g. "partial-response=0.41" or "partial-response=41%")',
            )
            # words, and what Python's float() would read but a person would not: a dropped
            # underscore, an exponent, not-a-number
            for bad in ("lots", "0.4_1", "1e-1", "nan", "0.41.5")
        ],
    ],
)
def test_bad_shares_are_refused(share: object, expected: str) -> None:
    with pytest.raises(OptionError) as exc:
        run(branch_share=share)
    assert str(exc.value) == expected


def test_a_share_without_a_decision_is_refused() -> None:
    with pytest.raises(OptionError) as exc:
        simulate_cohort("chen2024-itp-ucmsc", arm="expansion-2.0", patients=5, branch_share="a=0.1")
    assert str(exc.value) == (
        "chen2024-itp-ucmsc arm expansion-2.0 has no decision, so no branches to share patients "
        "among (drop branch_share=)"
    )


def test_a_share_may_be_written_as_a_percentage() -> None:
    # 41% is 0.41: the same draw, byte for byte, as the share written as a fraction
    percent = run(patients=200, seed=3, branch_share=f"{RECURRENCE}=41%")
    fraction = run(patients=200, seed=3, branch_share=f"{RECURRENCE}=0.41")
    assert [b.share for b in percent.branches] == [b.share for b in fraction.branches]
    assert [b.patients for b in percent.branches] == [b.patients for b in fraction.branches]
    assert percent.branches[1].share == 0.41
