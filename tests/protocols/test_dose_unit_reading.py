"""A dose unit is read once per text and its reading shared; a refused unit is read again for
each dose, so that each refusal names its own dose."""

from __future__ import annotations

import pytest

from celldose.protocols import UnitError, parse_dose
from celldose.protocols._dose_unit import read_dose_unit


def test_a_unit_read_once_is_shared_between_doses() -> None:
    first = read_dose_unit("cells/lb", "1×10⁶ cells/lb")
    assert read_dose_unit("cells/lb", "2×10⁶ cells/lb") is first
    # 1 lb = 0.45359237 kg exactly: a dose per lb is per kg divided by that
    assert first == ("cells", "lb", "cells", "per kg", 1.0, 0.45359237)


def test_doses_sharing_a_unit_keep_their_own_number_and_text() -> None:
    one, two = parse_dose("1×10⁶ cells/lb"), parse_dose("2×10⁶ cells/lb")
    # 2×10⁶ / 0.45359237 = 4,409,245.24 cells/kg
    assert two.amount == pytest.approx(4_409_245.24, abs=0.01)
    assert one.amount == pytest.approx(two.amount / 2)
    assert (str(one), str(two)) == ("1×10⁶ cells/lb", "2×10⁶ cells/lb")


@pytest.mark.parametrize("dose", ["2×10⁶ cells/kgg", "3×10⁶ cells/kgg"])
def test_a_refused_unit_names_each_dose_it_is_in(dose: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_dose(dose)
    assert str(info.value) == (
        f"cannot read '{dose}': unknown unit 'kgg' (use cells, cells/kg, cells/m², mL, L, kg, "
        "g, lb, mg, µg, days or weeks)"
    )
