"""The library file of Quimby 2016 (studies.md, study 10): cats with chronic kidney disease,
allogeneic adipose MSC, 2×10⁶ cells/kg IV at study weeks 2, 4 and 6; MSC n=4 vs placebo n=4.

Day 0 of the protocol is the first dose, which is study week 2: the doses fall on days 0, 14
and 28 (study weeks 2, 4, 6). Hand-worked, a 4 kg cat from 2026-12-01: 2×10⁶ cells/kg × 4 kg =
8×10⁶ cells per dose on 2026-12-01, 12-15 and 12-29; the course is 3 × 8×10⁶ = 2.4×10⁷ cells.
Labs at study week 8 = 6 weeks (day 42) after the first dose. The week-0 labs fall 2 weeks
before the first dose: recorded in the notes (issue 11's choice), not as a negative offset.
"""

from __future__ import annotations

import celldose
from celldose.protocols import NOT_REPORTED, load_protocol

ID = "quimby2016-feline-ckd-admsc"


def test_the_facts_of_studies_md() -> None:
    protocol = load_protocol(ID)
    assert protocol.species == "cat"
    assert protocol.route == "IV"
    assert protocol.product.donor == "allogeneic"
    assert protocol.product.tissue_source == "adipose tissue"
    assert protocol.product.origin_species == "cat"
    msc, placebo = protocol.arms
    assert (msc.name, msc.role, msc.n, str(msc.dose)) == ("msc", "treatment", 4, "2×10⁶ cells/kg")
    assert (placebo.name, placebo.role, placebo.n) == ("placebo", "placebo", 4)
    assert protocol.reference.doi == "10.1177/1098612X15576980"
    assert "2 placebo cats later crossed over" in protocol.notes


def test_three_doses_for_a_4_kg_cat() -> None:
    plan = celldose.plan_doses(ID, arm="msc", weight="4 kg", start="2026-12-01")
    doses = plan.schedules[0].doses
    assert [d.day for d in doses] == [0, 14, 28]
    assert [d.date.isoformat() for d in doses] == ["2026-12-01", "2026-12-15", "2026-12-29"]
    assert {d.cells for d in doses} == {2e6 * 4} == {8e6}
    assert plan.schedules[0].total_cells == 3 * 8e6 == 2.4e7


def test_the_msc_arm_is_chosen_without_naming_it() -> None:
    # the placebo arm has no cells: the only treatment arm is the default
    assert celldose.plan_doses(ID, weight="4 kg").arm == "msc"


def test_study_weeks_are_offsets_from_the_first_dose_at_week_2() -> None:
    windows = {w.label: w for w in load_protocol(ID).response_windows}
    labs, gfr = windows["Labs (study weeks 2-8)"], windows["GFR and UPC (study week 8)"]
    assert labs.anchor == gfr.anchor == "first dose"
    assert (labs.start.days, labs.end.days) == (0, 42)  # study weeks 2 and 8
    assert (gfr.start.days, gfr.end.days) == (42, 42)  # study week 8


def test_the_week_0_labs_are_in_the_notes() -> None:
    protocol = load_protocol(ID)
    assert "study week 0, 2 weeks before the first dose" in protocol.notes
    assert "day 0 of this protocol (the first dose) is study week 2" in protocol.notes


def test_every_fact_studies_md_does_not_report_is_not_reported() -> None:
    protocol = load_protocol(ID)
    # Clear efficacy: NOT REPORTED (no significant change).
    assert protocol.response_windows
    assert all(w.responders == NOT_REPORTED for w in protocol.response_windows)
    assert "Clear efficacy: not reported" in protocol.notes
    # The placebo's schedule is not given by studies.md.
    (phase,) = protocol.arm("placebo").regimen.phases
    assert phase.every == phase.count == NOT_REPORTED


def test_no_secondary_fact_to_label() -> None:
    # studies.md marks no fact of study 10 as (secondary): the notes claim none.
    assert "(secondary)" not in load_protocol(ID).notes
