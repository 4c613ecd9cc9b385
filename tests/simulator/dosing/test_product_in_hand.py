"""A product given in part by the caller (concentration=, vial=) and in part by the protocol.

Two of concentration, cells per vial and vial volume determine the third; the caller's values
replace the protocol's, and the result is refused when the three disagree, as a protocol file's
are. Hand-worked:
- Alofisel: vials of 3×10⁷ cells in 6 mL, so 3×10⁷ / 6 = 5×10⁶ cells/mL (derived); the dose is
  the whole content of 4 vials = 1.2×10⁸ cells = 4 × 6 = 24 mL.
- The clinic example: 6.68×10⁶ cells/mL, 3.8 mL vials, so 3.8 × 6.68×10⁶ = 2.5384×10⁷ cells a
  vial; a vial of 5×10⁷ cells at that concentration holds 5×10⁷ / 6.68×10⁶ = 7.485 mL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.protocols import OptionError, load_protocol
from celldose.simulator.dosing import plan_doses, product_with

ALOFISEL = "alofisel-crohn-perianal-fistula-darvadstrocel"
CLINIC = Path(__file__).parents[3] / "examples" / "clinic-dog-protocol.yaml"


def test_a_concentration_against_the_protocol_s_vial_is_refused() -> None:
    product = load_protocol(ALOFISEL).product
    with pytest.raises(OptionError) as info:
        product_with(product, concentration="6.68e6 cells/mL")
    assert info.value.message == (
        "the concentration given (6.68×10⁶ cells/mL) contradicts the protocol's vial of "
        "3×10⁷ cells in 6 mL (5×10⁶ cells/mL)"
    )
    assert info.value.fields == ("concentration", "vial")


def test_a_concentration_within_one_percent_of_the_vial_s_is_taken() -> None:
    # 5.04×10⁶ × 6 mL = 3.024×10⁷ cells: 0.8% from 3×10⁷
    in_hand, notes = product_with(load_protocol(ALOFISEL).product, concentration="5.04e6 cells/mL")
    assert in_hand.concentration == 5.04e6
    assert notes == ("concentration 5.04×10⁶ cells/mL given with concentration=",)


def test_the_product_s_own_vial_volume_keeps_its_derived_concentration() -> None:
    in_hand, notes = product_with(load_protocol(ALOFISEL).product, vial="6 mL")
    assert in_hand.concentration == 5e6
    assert in_hand.cells_per_vial == 3e7
    assert notes == (
        "concentration 5×10⁶ cells/mL derived from the protocol's vial (3×10⁷ cells per vial / "
        "6 mL)",
        "vial 6 mL (3×10⁷ cells at 5×10⁶ cells/mL) from vial= replaces the protocol's vial "
        "(6 mL, 3×10⁷ cells)",
    )
    plan = plan_doses(ALOFISEL, weight="72kg", vial="6 mL")
    (dose,) = plan.doses
    assert (dose.cells, dose.volume_ml, dose.vials) == (1.2e8, 24.0, 4)


def test_a_vial_given_as_cells_says_which_vial_it_replaces() -> None:
    in_hand, notes = product_with(load_protocol(CLINIC).product, vial="5e7 cells")
    assert in_hand.cells_per_vial == 5e7
    assert notes == (
        "vial 5×10⁷ cells (7.49 mL at 6.68×10⁶ cells/mL) from vial= replaces the protocol's "
        "vial (3.8 mL, 2.54×10⁷ cells)",
    )


def test_a_vial_where_the_protocol_gives_none_is_noted_as_given() -> None:
    in_hand, notes = product_with(load_protocol("jang2025-canine-itp").product, vial="3.8 mL")
    assert notes == ("vial 3.8 mL given with vial=",)


def test_a_volume_too_small_to_draw_up_warns() -> None:
    # 2×10⁴ cells/kg × 12 kg = 2.4×10⁵ cells; / 6.68×10⁸ cells/mL = 3.593×10⁻⁴ mL < 0.1 mL
    plan = plan_doses(
        "jang2025-canine-itp", weight="12kg", dose="2e4 cells/kg", concentration="6.68e8 cells/mL"
    )
    assert plan.doses[0].volume_ml == pytest.approx(2.4e5 / 6.68e8, rel=1e-12)
    assert (
        "a volume of 3.59×10⁻⁴ mL per dose is less than 0.1 mL, too little to draw up "
        "accurately: check the concentration and its unit (or dilute the dose)"
    ) in plan.warnings
    # 1×10⁶ cells/kg × 12 kg / 6.68×10⁶ cells/mL = 1.796 mL: no such warning
    usual = plan_doses(
        "jang2025-canine-itp", weight="12kg", dose="1e6 cells/kg", concentration="6.68e6 cells/mL"
    )
    assert not any("too little to draw up" in w for w in usual.warnings)
