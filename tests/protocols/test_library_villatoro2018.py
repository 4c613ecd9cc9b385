"""The library file of Villatoro 2018 (studies.md, study 8): dogs with refractory atopic
dermatitis, allogeneic adipose MSC, a single IV dose of 1.5×10⁶ cells/kg.

Hand-worked, a 20 kg dog: 1.5×10⁶ cells/kg × 20 kg = 3×10⁷ cells, one dose on day 0
(2026-12-01), course total 3×10⁷ cells.
"""

from __future__ import annotations

import celldose
from celldose.protocols import NOT_REPORTED, load_protocol

ID = "villatoro2018-canine-ad-admsc"


def test_the_facts_of_studies_md() -> None:
    protocol = load_protocol(ID)
    assert protocol.species == "dog"
    assert protocol.route == "IV"
    assert protocol.product.donor == "allogeneic"
    assert protocol.product.tissue_source == "adipose tissue"
    assert str(protocol.dose) == "1.5×10⁶ cells/kg"
    (arm,) = protocol.arms
    assert arm.n == 26
    assert protocol.reference.pubmed == "30158120"
    assert "Vet Rec 2018;183:654" in protocol.reference.citation
    assert "22 completed" in protocol.notes


def test_one_dose_for_a_20_kg_dog() -> None:
    plan = celldose.plan_doses(ID, weight="20 kg", start="2026-12-01")
    doses = plan.schedules[0].doses
    assert [d.day for d in doses] == [0]
    assert [d.date.isoformat() for d in doses] == ["2026-12-01"]
    assert doses[0].cells == 1.5e6 * 20 == 3e7
    assert plan.schedules[0].total_cells == 3e7


def test_every_fact_studies_md_does_not_report_is_not_reported() -> None:
    protocol = load_protocol(ID)
    # DOI: NOT REPORTED here.
    assert protocol.reference.doi == NOT_REPORTED
    assert protocol.follow_up == NOT_REPORTED  # 'stable to 6 months' is a result, not a follow-up
    # Responders as k/n: NOT REPORTED (every window).
    assert protocol.response_windows
    assert all(w.responders == NOT_REPORTED for w in protocol.response_windows)


def test_the_windows_are_the_reported_times() -> None:
    windows = {w.label: w for w in load_protocol(ID).response_windows}
    pruritus, cadesi = windows["Pruritus lower"], windows["CADESI-04 lower"]
    assert (str(pruritus.start), str(pruritus.end)) == ("1 week", "6 months")
    assert (str(cadesi.start), str(cadesi.end)) == ("1 month", "6 months")


def test_no_secondary_fact_to_label() -> None:
    # studies.md marks no fact of study 8 as (secondary): the notes claim none.
    assert "(secondary)" not in load_protocol(ID).notes
