"""The library file of Pérez-Merino 2015 (studies.md, study 11): dogs with inflammatory bowel
disease, allogeneic adipose MSC, a single IV dose of 2×10⁶ cells/kg; remission at day 42 in 9/11.

Hand-worked, a 25 kg dog: 2×10⁶ cells/kg × 25 kg = 5×10⁷ cells, one dose on day 0
(2026-12-01); the remission window is day 42 (2027-01-12). A later review misprints the dose
as 2×10⁷/kg (ten-fold): at that dose the same dog would get 5×10⁸ cells, which the plan must
not give.
"""

from __future__ import annotations

import celldose
from celldose.protocols import NOT_REPORTED, load_protocol

ID = "perez-merino2015-canine-ibd-admsc"


def test_the_facts_of_studies_md() -> None:
    protocol = load_protocol(ID)
    assert protocol.species == "dog"
    assert protocol.route == "IV"
    assert protocol.product.donor == "allogeneic"
    assert protocol.product.tissue_source == "adipose tissue"
    (arm,) = protocol.arms
    assert arm.n == 11
    (window,) = protocol.response_windows
    assert window.anchor == "first dose"
    assert (window.start.days, window.end.days) == (42, 42)
    assert window.responders is not None and window.responders != NOT_REPORTED
    assert (window.responders.k, window.responders.n) == (9, 11)
    assert "Vet J 2015;206(3):385–390" in protocol.reference.citation


def test_one_dose_for_a_25_kg_dog() -> None:
    plan = celldose.plan_doses(ID, weight="25 kg", start="2026-12-01")
    doses = plan.schedules[0].doses
    assert [d.day for d in doses] == [0]
    assert doses[0].cells == 2e6 * 25 == 5e7
    assert plan.schedules[0].total_cells == 5e7  # not 5×10⁸ (the review's 2×10⁷/kg)


def test_the_data_say_2e6_and_the_notes_record_the_review_misprint_as_a_finding() -> None:
    protocol = load_protocol(ID)
    assert str(protocol.dose) == "2×10⁶ cells/kg"
    assert protocol.dose is not None and protocol.dose != NOT_REPORTED
    assert "2×10⁷" not in str(protocol.dose)
    assert "Finding, not a fact" in protocol.notes
    assert "misprints the dose as 2×10⁷/kg" in protocol.notes
    assert "ten times the 2×10⁶ cells/kg of the primary paper" in protocol.notes


def test_every_fact_studies_md_does_not_report_is_not_reported() -> None:
    # DOI: NOT REPORTED here.
    assert load_protocol(ID).reference.doi == NOT_REPORTED


def test_no_secondary_fact_to_label() -> None:
    # studies.md marks no fact of study 11 as (secondary): the review's misprint is a finding,
    # not a fact the file uses, so the notes label nothing as secondary.
    assert "(secondary)" not in load_protocol(ID).notes
