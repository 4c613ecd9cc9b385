"""Rounding a computed dose to whole containers (issue 10, rule 4): hand-worked cases, refusals.

One vial of the Ryoncil/Jang product: 6.68×10⁶ cells/mL × 3.8 mL = 25.384×10⁶ cells (2.54×10⁷).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.protocols import OptionError, load_protocol, protocol_from_regimen
from celldose.simulator import plan_doses
from celldose.simulator.dosing._logistics import Product
from celldose.simulator.dosing._rounding import as_tolerance, percent, round_to_containers

VIAL = Product(concentration=6.68e6, vial_volume_ml=3.8)  # 25.384×10⁶ cells a vial
PRODUCT = {"concentration": "6.68e6 cells/mL", "vial": "3.8 mL"}
RYONCIL = Path(__file__).resolve().parents[2] / "fixtures" / "ryoncil-label.yaml"


def dog(regimen: str) -> object:
    return protocol_from_regimen(regimen, "dog")


def test_round_down_to_one_vial() -> None:
    # 2.5×10⁶ cells/kg × 12 kg = 3×10⁷ cells; 3×10⁷ / 25.384×10⁶ = 1.18 -> 1 vial (down)
    # given 25.384×10⁶ cells; per kg 25.384×10⁶ / 12 = 2.115×10⁶; change 25.384/30 − 1 = −15.39%
    plan = plan_doses(
        dog("2.5e6 cells/kg q4w ×2"),
        weight="12 kg",
        rounding="down",
        round_tolerance="20%",
        **PRODUCT,
    )
    first = plan.doses[0]
    assert first.rounded is not None and first.rounded.containers == 1
    assert first.cells == pytest.approx(25.384e6, rel=1e-12)
    assert first.cells_per_kg == pytest.approx(25.384e6 / 12, rel=1e-12)
    assert first.rounded.prescribed_cells == pytest.approx(3e7, rel=1e-12)
    assert first.rounded.change == pytest.approx(25.384 / 30 - 1, rel=1e-12)
    assert (first.vials, first.volume_ml, first.leftover_cells) == (1, pytest.approx(3.8), 0.0)
    assert plan.schedules[0].total_cells == pytest.approx(2 * 25.384e6, rel=1e-12)
    assert (
        "doses 1–2 rounded down to 1 vial: 2.54×10⁷ cells (2.12×10⁶ cells/kg), −15.4% from "
        "prescribed 3×10⁷ cells (round tolerance 20%)"
    ) in plan.warnings
    data = plan.to_dict()
    assert data["rounding"] == {"mode": "down", "tolerance": 0.2}
    assert data["doses"][0]["rounded"] == "down"
    assert data["doses"][0]["prescribed_cells"] == pytest.approx(3e7, rel=1e-12)


def test_round_nearest_up_to_one_vial() -> None:
    # 2×10⁶ cells/kg × 12 kg = 2.4×10⁷; 2.4 / 2.5384 = 0.9455 -> 1 vial (nearest);
    # change 25.384/24 − 1 = +5.77%, within the default 10%
    plan = plan_doses(dog("2e6 cells/kg q4w ×2"), weight="12 kg", rounding="nearest", **PRODUCT)
    first = plan.doses[0]
    assert first.rounded is not None and first.rounded.containers == 1
    assert first.cells == pytest.approx(25.384e6, rel=1e-12)
    assert first.rounded.change == pytest.approx(25.384 / 24 - 1, rel=1e-12)
    assert (
        "doses 1–2 rounded to 1 vial (nearest): 2.54×10⁷ cells (2.12×10⁶ cells/kg), +5.77% from "
        "prescribed 2.4×10⁷ cells (round tolerance 10%)"
    ) in plan.warnings


def test_nearest_rounds_a_half_up_and_down_stays_down() -> None:
    # 3×10⁷ cells in vials of 2×10⁷: 1.5 vials -> nearest 2 (4×10⁷, +33.3%), down 1 (−33.3%)
    product = Product(vial_cells=2e7)
    nearest = round_to_containers(3e7, product, "nearest", 0.4)
    down = round_to_containers(3e7, product, "down", 0.4)
    assert (nearest.containers, nearest.cells) == (2, 4e7)
    assert (down.containers, down.cells) == (1, 2e7)
    assert percent(nearest.change) == "+33.3%" and percent(down.change) == "−33.3%"


def test_a_whole_number_of_vials_in_floating_point_stays_whole() -> None:
    # 2 × 25.384×10⁶ = 50.768×10⁶ cells: 2 vials exactly (6.68e6 × 3.8 is not exact in binary)
    rounded = round_to_containers(50.768e6, VIAL, "down", 0.1)
    assert rounded.containers == 2 and percent(rounded.change) == "0%"


def test_viable_dose_counts_the_viable_cells_of_each_vial() -> None:
    # vial 2×10⁷ cells at 80% viable = 1.6×10⁷ viable cells; a dose of 3.2×10⁷ viable = 2 vials
    product = Product(vial_cells=2e7, viability=0.8, dose_counts_viable=True)
    rounded = round_to_containers(3.2e7, product, "down", 0.1)
    assert (rounded.containers, rounded.cells) == (2, pytest.approx(3.2e7, rel=1e-12))


def test_refused_beyond_the_tolerance_saying_by_how_much() -> None:
    # −15.39% against 10%: 5.39 percentage points beyond; ceil(15.39) = 16%
    with pytest.raises(OptionError) as caught:
        plan_doses(dog("2.5e6 cells/kg q4w ×2"), weight="12 kg", rounding="down", **PRODUCT)
    assert str(caught.value) == (
        "the dose rounded down to 1 vial is 2.54×10⁷ cells, −15.39% from the prescribed 3×10⁷ "
        "cells: 5.39 percentage points beyond the tolerance of 10% (allow it with "
        'round_tolerance="16%", or leave the dose unrounded)'
    )


def test_refused_to_zero_vials() -> None:
    # 1×10⁶ cells/kg × 12 kg = 1.2×10⁷ cells = 0.473 of a vial: down gives 0 vials, and so does
    # nearest (0.473 < 0.5)
    for mode, words in (("down", "down to whole vials"), ("nearest", "to the nearest whole vial")):
        with pytest.raises(OptionError) as caught:
            plan_doses(dog("1e6 cells/kg q4w ×2"), weight="12 kg", rounding=mode, **PRODUCT)
        assert str(caught.value) == (
            f"the dose of 1.2×10⁷ cells rounded {words} of 2.54×10⁷ cells is 0 vials: no dose "
            "(the dose is 47.3% of one vial) (use a smaller vial, or leave the dose unrounded)"
        )


def test_refused_without_a_vial_size() -> None:
    with pytest.raises(OptionError) as caught:
        plan_doses(dog("2e6 cells/kg q4w ×2"), weight="12 kg", rounding="down")
    assert str(caught.value) == (
        "whole vials (rounding=) need the cells in one vial: the product gives neither "
        "cells_per_vial nor vial_volume (add cells_per_vial (or vial_volume and concentration) "
        'to the protocol\'s product, or pass vial="3.8 mL")'
    )


def test_rounding_after_the_cap_never_goes_above_it() -> None:
    # 2.4×10⁷ cells capped at 2.5×10⁷ stays 2.4×10⁷; nearest: 1 vial of 2.54×10⁷ > the cap
    with pytest.raises(OptionError, match=r"above the cap of 2\.5×10⁷ cells"):
        plan_doses(
            dog("2e6 cells/kg q4w ×2"),
            weight="12 kg",
            rounding="nearest",
            cap="2.5e7 cells",
            **PRODUCT,
        )


def test_a_rounded_dose_outside_its_range_is_refused() -> None:
    # a range of 2×10⁷–2.5×10⁷ cells: 1 vial (2.54×10⁷) is above it
    with pytest.raises(OptionError, match=r"outside the dose range 2×10⁷–2\.5×10⁷ cells"):
        round_to_containers(2.4e7, VIAL, "nearest", 0.1, bounds=(2e7, 2.5e7))


def test_branch_doses_are_rounded_too() -> None:
    # Ryoncil 20 kg: 2×10⁶ × 20 = 4×10⁷ cells; 4 / 2.5384 = 1.576 -> nearest 2 vials,
    # 50.768×10⁶ cells, +26.9% (50.768/40 − 1 = 0.2692): allowed with 30%. The course is doses
    # 1–8; the branches are numbered on after it: weekly ×4 is 9–12, twice weekly for 4 weeks
    # 9–16, so the label names doses 1–16
    plan = plan_doses(
        load_protocol(RYONCIL), weight="20 kg", rounding="nearest", round_tolerance="30%"
    )
    branch_dose = plan.branches[0].schedules[0].doses[0]
    assert branch_dose.rounded is not None and branch_dose.rounded.containers == 2
    assert branch_dose.cells == pytest.approx(50.768e6, rel=1e-12)
    assert (
        "doses 1–16 rounded to 2 vials (nearest): 5.08×10⁷ cells (2.54×10⁶ cells/kg), +26.9% "
        "from prescribed 4×10⁷ cells (round tolerance 30%)"
    ) in plan.warnings


@pytest.mark.parametrize(
    ("given", "message"),
    [
        *[
            (
                bad,
                f"round_tolerance {bad!r} is not a percentage (write a plain number and a percent "
                'sign: round_tolerance="15%")',
            )
            # no percent sign; what Python's float() reads but a person would not
            for bad in ("10", "1_0%", "1e1%", "nan%", "inf%")
        ],
        (
            "100%",
            "round_tolerance must be from 0% to under 100%, not 100% (write it as a "
            'percentage: round_tolerance="10%")',
        ),
        (
            -0.1,
            "round_tolerance must be from 0% to under 100%, not -10% (write it as a "
            'percentage: round_tolerance="10%")',
        ),
    ],
)
def test_tolerance_refusals(given: object, message: str) -> None:
    with pytest.raises(OptionError) as caught:
        as_tolerance(given)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_tolerance_without_rounding_is_refused() -> None:
    with pytest.raises(OptionError) as caught:
        plan_doses(dog("2e6 cells/kg q4w ×2"), weight="12 kg", round_tolerance="5%", **PRODUCT)
    assert str(caught.value) == (
        "round_tolerance= has no effect without rounding= (add rounding=down or "
        "rounding=nearest, or drop round_tolerance=)"
    )


def test_a_cohort_refuses_rounding() -> None:
    from celldose.simulator import DoseOptions
    from celldose.simulator.scenarios import Cohort, simulate_cohort

    options = DoseOptions(product=VIAL, rounding="down")
    with pytest.raises(OptionError) as caught:
        simulate_cohort(dog("2e6 cells/kg q4w ×2"), Cohort(patients=2), options=options)
    assert str(caught.value) == (
        "a cohort does not round doses to whole vials (rounding= is for one patient's plan) "
        "(drop rounding=; the cohort's demand counts the whole vials each dose opens)"
    )
