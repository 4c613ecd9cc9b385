"""The one copy of each dosing rule, checked by hand: cells per dose (and its vectorised twin),
the minimum gap between doses, and where a response window lands."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from celldose.protocols import (
    Dose,
    DoseTime,
    OptionError,
    ResponseWindow,
    library_protocols,
    parse_dose,
    parse_regimen,
)
from celldose.simulator.dosing import (
    cells_per_dose,
    cells_per_dose_array,
    land_window,
    meeh_bsa,
    min_gap_days,
)

DAY0 = DoseTime.zero()


def test_cells_per_kg_for_26_5_lb() -> None:
    # 26.5 lb × 0.45359237 = 12.020197805 kg; × 2×10⁶ cells/kg = 24,040,395.61 cells
    assert cells_per_dose(parse_dose("2e6 cells/kg"), 26.5 * 0.45359237) == pytest.approx(
        24_040_395.61, rel=1e-12
    )


def test_cells_per_m2_for_a_10_kg_dog() -> None:
    # Meeh: 10.1 × 10000^(2/3) × 10⁻⁴ = 0.46880047 m²; × 5×10⁷ cells/m² = 2.3440024×10⁷
    bsa = meeh_bsa(10.0, 10.1)
    assert bsa == pytest.approx(0.4688004722, rel=1e-9)
    cells = cells_per_dose(parse_dose("5e7 cells/m2"), 10.0, bsa_m2=bsa)
    assert cells == pytest.approx(23_440_023.61, rel=1e-9)


def test_flat_dose_and_scale_factor() -> None:
    assert cells_per_dose(parse_dose("1.5e8 cells"), 70.0) == 1.5e8
    # 2×10⁶ × 1.85 × 10 kg = 3.7×10⁷
    assert cells_per_dose(parse_dose("2e6 cells/kg"), 10.0, scale_factor=1.85) == pytest.approx(
        3.7e7, rel=1e-12
    )


def test_per_m2_without_bsa_and_overflow_are_refused() -> None:
    with pytest.raises(OptionError) as info:
        cells_per_dose(parse_dose("5e7 cells/m2"), 10.0)
    assert str(info.value) == "the dose 5×10⁷ cells/m² is per m² of body surface area: pass bsa_m2="
    # 1.5e308 cells/m² × 2 m² = 3e308, past the largest float (1.8e308); a per-kg dose that
    # large is refused when it is read (bounds.toml), a per-m² one here
    with pytest.raises(OptionError) as info:
        cells_per_dose(parse_dose("1.5e308 cells/m2"), 70.0, bsa_m2=2.0)
    assert str(info.value) == (
        "the dose 1.5×10³⁰⁸ cells/m² for 70 kg is out of range (more cells than a number can "
        "hold) (check the dose and its unit)"
    )


def _library_doses() -> list[Dose]:
    doses = {parse_dose("5e7 cells/m2"), parse_dose("1.5e8 cells")}
    for protocol in library_protocols():
        for arm in protocol.arms:
            for i in range(1, len(arm.regimen.phases) + 1):
                dose = protocol.phase_dose(arm, i)
                if isinstance(dose, Dose):
                    doses.add(dose)
    return sorted(doses, key=str)


@pytest.mark.parametrize("dose", _library_doses(), ids=str)
@pytest.mark.parametrize("factor", [1.0, 1.85])
def test_the_array_twin_agrees_elementwise(dose: Dose, factor: float) -> None:
    weights = np.array([0.02, 0.95, 4.0, 12.020197805, 26.5, 70.0, 123.4, 900.0])
    bsa = np.array([meeh_bsa(w, 10.1) for w in weights])
    got = cells_per_dose_array(dose, weights, bsa_m2=bsa, scale_factor=factor)
    one = [
        cells_per_dose(dose, float(w), bsa_m2=float(b), scale_factor=factor)
        for w, b in zip(weights, bsa, strict=True)
    ]
    assert got.tolist() == pytest.approx(one, rel=1e-15)
    assert len(_library_doses()) >= 5  # the library's doses are really there


def test_min_gap_within_and_across_phases() -> None:
    q2d, twice = parse_regimen("1e6 cells/kg q2d x3 then twice weekly x4").phases
    assert min_gap_days(twice, twice, 3) == 3  # twice weekly promises 3 days
    assert min_gap_days(twice, twice, 4) == 3
    assert min_gap_days(q2d, q2d, 2) == 1  # other phases: two doses never on one day
    # across the boundary the plan puts doses 3 and 4 two days apart: allowed
    assert min_gap_days(q2d, twice, 2) == 2
    assert min_gap_days(q2d, twice, 5) == 3  # never less than the promise when there is room
    (stated,) = parse_regimen("twice weekly at least 2 days apart x4").phases
    assert min_gap_days(stated, stated, 3) == 2


def _window(anchor: str, start: str = "4 weeks", end: str = "12 weeks") -> ResponseWindow:
    return ResponseWindow(label="response", anchor=anchor, start=start, end=end)


def test_land_window_first_last_and_dose_n() -> None:
    given = [DAY0, DAY0.plus_days(14), DAY0.plus_days(28)]
    first = land_window(_window("first dose"), given)
    assert (first.anchor_index, first.anchor, first.note) == (0, DAY0, None)
    assert (first.start, first.end) == (DAY0.plus_days(28), DAY0.plus_days(84))
    last = land_window(_window("last dose"), given)
    assert (last.anchor_index, last.start, last.end) == (2, DAY0.plus_days(56), DAY0.plus_days(112))
    second = land_window(_window("dose 2"), given)
    assert (second.anchor_index, second.start) == (1, DAY0.plus_days(42))


def test_land_window_not_reported_ends_and_months() -> None:
    given = [DAY0, DAY0.plus_months(1)]
    landed = land_window(_window("last dose", start="not reported", end="3 months"), given)
    assert landed.start is None
    assert landed.end == DAY0.plus_months(4)
    assert landed.end is not None and landed.end.date(dt.date(2025, 1, 31)) == dt.date(2025, 5, 31)


def test_land_window_missing_anchor() -> None:
    landed = land_window(_window("dose 3"), [DAY0, DAY0.plus_days(7)])
    assert (landed.anchor_index, landed.anchor, landed.start, landed.end) == (None,) * 4
    assert landed.note == "fewer than 3 doses are given (2): the window has no anchor"
    nothing = land_window(_window("last dose"), [])
    assert nothing.note == "no dose is given: the window has no anchor"
