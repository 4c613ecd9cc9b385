"""The library file of Enciso 2019 (studies.md, study 9): dogs with atopic dermatitis,
cryopreserved allogeneic adipose MSC, 0.5×10⁶ cells IM (flat) weekly for 6 weeks.

Hand-worked, a 12 kg dog from Tuesday 2026-12-01: a flat dose does not depend on the weight,
so each of the 6 doses is 5×10⁵ cells (5×10⁵ / 12 kg = 41,667 cells/kg), on days 0, 7, 14, 21,
28, 35 (2026-12-01 … 2027-01-05); the course is 6 × 5×10⁵ = 3×10⁶ cells. studies.md does not
say whether the dose counts viable cells, so no viability correction: cells drawn = cells.
"""

from __future__ import annotations

from pathlib import Path

import celldose
from celldose.protocols import NOT_REPORTED, load_protocol

ID = "enciso2019-canine-ad-admsc"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "enciso2019-im.yaml"


def test_the_facts_of_studies_md_and_of_the_fixture_agree() -> None:
    protocol, fixture = load_protocol(ID), load_protocol(FIXTURE)
    assert protocol.species == fixture.species == "dog"
    assert protocol.route == fixture.route == "IM"
    assert str(protocol.dose) == str(fixture.dose) == "5×10⁵ cells"
    assert protocol.product.viability == fixture.product.viability == 0.9
    assert protocol.product.donor == fixture.product.donor == "allogeneic"
    assert protocol.product.tissue_source == fixture.product.tissue_source
    assert protocol.arms[0].n == fixture.arms[0].n == 12
    assert str(protocol.arms[0].regimen) == str(fixture.arms[0].regimen)
    assert protocol.reference.doi == fixture.reference.doi == "10.14202/vetworld.2019.1747-1754"


def test_six_flat_doses_for_a_12_kg_dog() -> None:
    plan = celldose.plan_doses(ID, weight="12 kg", start="2026-12-01")
    doses = plan.schedules[0].doses
    assert [d.day for d in doses] == [0, 7, 14, 21, 28, 35]
    assert doses[-1].date.isoformat() == "2027-01-05"
    assert {d.cells for d in doses} == {5e5}
    assert {d.cells_to_draw for d in doses} == {5e5}  # no viability correction
    assert plan.schedules[0].total_cells == 6 * 5e5 == 3e6


def test_every_fact_studies_md_does_not_report_is_not_reported() -> None:
    protocol = load_protocol(ID)
    # Whether the dose counts viable cells: not stated, so no dose_counts.
    assert protocol.product.dose_counts is None
    assert "viable cells is not reported" in protocol.notes
    # Assessment days and k/n: NOT REPORTED.
    (window,) = protocol.response_windows
    assert window.start == window.end == window.responders == NOT_REPORTED


def test_no_secondary_fact_to_label() -> None:
    # studies.md marks no fact of study 9 as (secondary): the notes claim none.
    assert "(secondary)" not in load_protocol(ID).notes
