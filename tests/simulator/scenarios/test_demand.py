"""Cohort manufacturing demand: cells dosed, cells thawed in whole single-use vials, what to order.

Every expected value is worked out by hand in the comments (issue 10, rule 4).
"""

from __future__ import annotations

import pytest

from celldose.protocols import protocol_from_regimen
from celldose.simulator import DoseOptions, Product, parse_weight
from celldose.simulator.scenarios import Cohort, simulate_cohort
from celldose.simulator.scenarios._demand import manufacturing_demand

VIAL = 6.68e6 * 3.8  # 6.68×10⁶ cells/mL × 3.8 mL = 25.384×10⁶ cells in one vial


def test_acceptance_ten_dogs_of_12_kg() -> None:
    # 10 patients of 12 kg, 1×10⁶ cells/kg ×8: one dose is 1×10⁶ × 12 = 1.2×10⁷ cells, less than
    # one vial (25.384×10⁶), so each dose thaws 1 whole vial (single use): 10 × 8 = 80 vials.
    # cells dosed   10 × 8 × 1.2×10⁷ = 9.6×10⁸
    # cells thawed  80 × 25.384×10⁶ = 2 030.72×10⁶ = 2.03072×10⁹
    # overage 1.2:  80 × 1.2 = 96 vials ordered; 96 × 25.384×10⁶ = 2.436864×10⁹ cells ordered
    q4w8 = protocol_from_regimen("1e6 cells/kg q4w ×8", "dog")
    options = DoseOptions(product=Product(concentration=6.68e6, vial_volume_ml=3.8))
    cohort = Cohort(patients=10, weight=parse_weight("12kg"), overage=1.2)
    demand = simulate_cohort(q4w8, cohort, options=options).demand
    assert demand.cells_given == pytest.approx(9.6e8, rel=1e-12)
    assert demand.vials == 80
    assert demand.cells_per_vial == pytest.approx(25.384e6, rel=1e-12)
    assert demand.cells_thawed == pytest.approx(2.03072e9, rel=1e-12)
    assert demand.vials_to_manufacture == 96
    assert demand.cells_to_manufacture == pytest.approx(2.436864e9, rel=1e-12)
    # consistent: containers × cells per container = cells thawed (and ordered)
    assert demand.cells_thawed == demand.vials * demand.cells_per_vial
    assert demand.cells_to_manufacture == demand.vials_to_manufacture * demand.cells_per_vial
    # left in the opened vials: 2.03072×10⁹ − 9.6×10⁸ = 1.07072×10⁹
    assert demand.cells_not_dosed == pytest.approx(1.07072e9, rel=1e-12)


def test_two_vials_per_dose_and_viable_cells() -> None:
    # 3×10⁷ cells dosed per dose (viable); viability 0.8: 3×10⁷ / 0.8 = 3.75×10⁷ cells to draw,
    # vials of 2×10⁷: 3.75 / 2 = 1.875 -> 2 vials a dose. 2 dogs × 3 doses = 6 doses, 12 vials,
    # 12 × 2×10⁷ = 2.4×10⁸ thawed; drawn 6 × 3.75×10⁷ = 2.25×10⁸; overage 1.1: 12 × 1.1 = 13.2
    # -> 14 vials, 14 × 2×10⁷ = 2.8×10⁸ cells ordered.
    q4w3 = protocol_from_regimen("3e7 cells q4w ×3", "dog")
    product = Product(vial_cells=2e7, viability=0.8, dose_counts_viable=True)
    cohort = Cohort(patients=2, weight=parse_weight("10kg"), overage=1.1)
    demand = simulate_cohort(q4w3, cohort, options=DoseOptions(product=product)).demand
    assert demand.cells_given == pytest.approx(1.8e8, rel=1e-12)
    assert demand.cells_to_draw == pytest.approx(2.25e8, rel=1e-12)
    assert (demand.vials, demand.vials_to_manufacture) == (12, 14)
    assert demand.cells_thawed == pytest.approx(2.4e8, rel=1e-12)
    assert demand.cells_to_manufacture == pytest.approx(2.8e8, rel=1e-12)


def test_without_a_vial_size_the_overage_applies_to_cells_drawn() -> None:
    # 9.6×10⁸ cells × 1.2 = 1.152×10⁹; no vials, nothing thawed counted
    demand = manufacturing_demand(9.6e8, 9.6e8, None, None, 1.2)
    assert demand.cells_to_manufacture == pytest.approx(1.152e9, rel=1e-12)
    assert (demand.vials, demand.cells_thawed, demand.cells_not_dosed) == (None, None, None)


def test_overage_rounds_up_to_whole_vials() -> None:
    # 10 vials × 1.1 = 11.000000000000002 in floating point: 11 vials, not 12
    assert manufacturing_demand(1e8, 1e8, 2.5e7, 10, 1.1).vials_to_manufacture == 11
    # 7 × 1.2 = 8.4 -> 9 vials
    assert manufacturing_demand(1e8, 1e8, 2.5e7, 7, 1.2).vials_to_manufacture == 9
