"""The dose plan of a weight-banded dose (issue 10, rule 2): the patient's band gives the dose of
every phase that takes the banded dose; a phase with its own dose names no band.

Hand arithmetic: 60 kg is in "> 50 kg": 1×10⁸ cells a dose (flat), 1×10⁸ / 60 = 1.667×10⁶
cells/kg. Phase 2 gives its own 1×10⁶ cells/kg: 1×10⁶ × 60 = 6×10⁷ cells.
"""

from __future__ import annotations

import pytest

import celldose
from celldose.protocols import Protocol, parse_protocol

TEXT = """
id: banded-phases
title: Banded dose, then a dose of its own
species: dog
indication: test
product: {name: MSC, tissue_source: adipose, donor: allogeneic, origin_species: dog}
route: IV
dose:
  - {weight: "≤ 50 kg", dose: "2×10⁶ cells/kg"}
  - {weight: "> 50 kg", dose: "1×10⁸ cells"}
arms: [{name: a, regimen: "weekly ×2 then 1×10⁶ cells/kg weekly ×2"}]
reference: {citation: test}
"""


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return parse_protocol(TEXT)


def test_each_phase_says_whether_a_band_gave_its_dose(protocol: Protocol) -> None:
    plan = celldose.plan_doses(protocol, weight="60 kg", start="2026-01-05")
    assert [(d.band, d.cells) for d in plan.doses] == [
        ("> 50 kg", 1e8),
        ("> 50 kg", 1e8),
        (None, 6e7),  # phase 2's own 1×10⁶ cells/kg × 60 kg
        (None, 6e7),
    ]
    assert plan.doses[0].cells_per_kg == pytest.approx(1e8 / 60)
    assert plan.to_dict()["basis"]["band"] == "> 50 kg"


def test_a_given_dose_replaces_the_band(protocol: Protocol) -> None:
    plan = celldose.plan_doses(protocol, weight="60 kg", dose="5e5 cells/kg")
    assert {d.band for d in plan.doses} == {None}
    assert (
        "dose 5×10⁵ cells/kg from dose= replaces the protocol's 1×10⁸ cells (weight band > 50 kg)"
    ) in plan.warnings
    assert plan.doses[0].cells == 3e7  # 5×10⁵ × 60
    assert plan.to_dict()["basis"]["bands"] == [
        "2×10⁶ cells/kg if ≤ 50 kg",
        "1×10⁸ cells if > 50 kg",
    ]


def test_the_calendar_names_the_band(protocol: Protocol) -> None:
    from celldose.cli._export import plan_ics

    plan = celldose.plan_doses(protocol, weight="60 kg", start="2026-01-05")
    text = plan_ics(plan).replace("\r\n ", "")
    assert "Basis: 1×10⁸ cells (flat) for 60 kg\\, weight band > 50 kg (dog)" in text


def test_the_same_input_gives_the_same_json(protocol: Protocol) -> None:
    one = celldose.plan_doses(protocol, weight="110 lb").to_dict()
    two = celldose.plan_doses(protocol, weight="110 lb").to_dict()
    assert one == two
    assert one["doses"][0]["band"] == "≤ 50 kg"  # 110 lb = 49.8951607 kg


CAPPED = """
id: banded-capped
title: Banded dose with a dosing weight cap
species: human
indication: test
product: {name: MSC, tissue_source: bone marrow, donor: allogeneic, origin_species: human}
route: IV
dose:
  - {weight: "≤ 50 kg", dose: "2×10⁶ cells/kg"}
  - {weight: "> 50 kg", dose: "3×10⁶ cells/kg"}
limits:
  - {dose_weight_up_to: 100 kg, action: cap}
arms: [{name: a, regimen: weekly ×2}]
reference: {citation: test}
"""


def test_the_band_follows_the_real_weight_and_the_cap_the_arithmetic() -> None:
    # 120 kg is in "> 50 kg" (the band is chosen by the patient's weight), and the per-kg dose
    # is computed on the capped 100 kg: 3×10⁶ × 100 = 3×10⁸ cells
    protocol = parse_protocol(CAPPED)
    plan = celldose.plan_doses(protocol, weight="120 kg")
    assert [(d.band, d.cells) for d in plan.doses] == [("> 50 kg", 3e8)] * 2
    cohort = celldose.simulate_cohort(protocol, patients=3, weight="120 kg")
    assert list(cohort.patient_total_cells) == [6e8] * 3  # 2 doses × 3×10⁸


@pytest.mark.parametrize(
    ("weight", "shown", "band"),
    [
        # 110.24 × 0.45359237 = 50.0040228... kg: over the edge, and shown so (not "50 kg")
        ("110.24 lb", "110.24 lb (50.004 kg)", "> 50 kg"),
        # 110.2 × 0.45359237 = 49.98587917... kg: 4 figures already say it is under
        ("110.2 lb", "110.2 lb (49.99 kg)", "≤ 50 kg"),
    ],
)
def test_a_weight_near_a_band_edge_is_never_shown_as_the_edge(
    protocol: Protocol, weight: str, shown: str, band: str
) -> None:
    plan = celldose.plan_doses(protocol, weight=weight, start="2026-01-05")
    assert plan.patient.weight.text == shown
    assert plan.doses[0].band == band
