"""Virtual cohorts of a weight-banded dose (issue 10, rule 2): each patient gets the dose of the
band that holds their own weight, by the vectorised twin of the band rule.

Bands: "≤ 50 kg" 2×10⁶ cells/kg, "> 50 kg" 1×10⁸ cells (flat); 4 weekly doses. By hand:
- a patient of w ≤ 50 kg gets 4 × 2×10⁶ × w cells (50 kg: 4×10⁸);
- a patient of w > 50 kg gets 4 × 1×10⁸ = 4×10⁸ cells, whatever w.
"""

from __future__ import annotations

import numpy as np
import pytest

import celldose
from celldose.protocols import DoseBands, Protocol, parse_protocol
from celldose.simulator.dosing import holds_array

TEXT = """
id: banded-cohort
title: Banded dose
species: dog
indication: test
product: {name: MSC, tissue_source: adipose, donor: allogeneic, origin_species: dog}
route: IV
dose:
  - {weight: "≤ 50 kg", dose: "2×10⁶ cells/kg"}
  - {weight: "> 50 kg", dose: "1×10⁸ cells"}
arms: [{name: a, regimen: weekly ×4}]
reference: {citation: test}
"""


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return parse_protocol(TEXT)


def test_each_patient_gets_the_dose_of_their_own_band(protocol: Protocol) -> None:
    result = celldose.simulate_cohort(
        protocol, patients=2000, weight_median="50 kg", weight_sigma=0.15, seed=3
    )
    weights = result.patient_weights_kg
    assert (weights <= 50).any() and (weights > 50).any()  # both bands are drawn
    expected = np.where(weights <= 50, 4 * 2e6 * weights, 4 * 1e8)
    np.testing.assert_allclose(result.patient_total_cells, expected, rtol=1e-12)
    data = result.to_dict()
    assert data["basis"]["band"] is None  # each patient has their own
    assert data["basis"]["doses"] == ["1×10⁸ cells", "2×10⁶ cells/kg"]
    assert data["per_dose"][0]["dose"] == "2×10⁶ cells/kg if ≤ 50 kg; 1×10⁸ cells if > 50 kg"
    assert any("each virtual patient gets the dose of the band" in w for w in data["warnings"])


def test_a_fixed_weight_above_50_kg_is_flat(protocol: Protocol) -> None:
    result = celldose.simulate_cohort(protocol, patients=5, weight="50.01 kg")
    assert list(result.patient_total_cells) == [4e8] * 5  # 4 × 1×10⁸


def test_patients_outside_every_band_are_refused() -> None:
    narrow = parse_protocol(TEXT.replace("≤ 50 kg", "< 10 kg").replace("> 50 kg", "10–80 kg"))
    with pytest.raises(celldose.CelldoseError) as info:
        celldose.simulate_cohort(
            narrow, patients=500, weight_median="65 kg", weight_sigma=0.15, seed=1
        )
    message = str(info.value)
    assert message.endswith(
        'kg) weigh outside every weight band of the dose ("< 10 kg", "10–80 kg") (cover the '
        "species' plausible weights with bands (check the protocol file), or give weights "
        "inside them)"
    )


@pytest.mark.parametrize(
    "weights",
    [["≤ 50 kg", "> 50 kg"], ["< 50 kg", "≥ 50 kg"], ["< 10 kg", "10–50 kg", "> 50 kg"]],
)
def test_the_vectorised_band_rule_agrees_with_the_plan_rule(weights: list[str]) -> None:
    bands = DoseBands.model_validate([{"weight": w, "dose": "1e6 cells/kg"} for w in weights])
    edges = np.array([0.5, 9.999, 10.0, 10.001, 49.9, 50.0, 50.000001, 110 * 0.45359237, 90.0])
    for band in bands.bands:
        assert list(holds_array(band.range, edges)) == [band.range.holds(w) for w in edges]
