"""The unit readings table (``unit_readings.toml``) says what pint says, and the dose path uses it.

Every entry's dimensionality and conversion factors are compared with pint's own reading, so the
table cannot drift from the registry; doses read through the table equal doses read through pint.
That ``celldose dose`` on a cached protocol reads its doses without loading pint or numpy is
tested with the other start-up imports, in tests/test_start_up_imports.py.
"""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from celldose.protocols import parse_amount, parse_dose
from celldose.protocols._units import (
    parse_unit,
    read_unit,
    registry,
    unit_dimensionality,
    unit_factor,
)

TABLE = tomllib.loads(
    resources.files("celldose.protocols").joinpath("unit_readings.toml").read_text("utf-8")
)


@pytest.mark.parametrize("text", sorted(TABLE))
def test_an_entry_says_what_pint_says(text: str) -> None:
    unit = registry().parse_units(text)
    assert TABLE[text]["dimensionality"] == str(unit.dimensionality)
    for target, factor in TABLE[text]["to"].items():
        assert factor == float(registry().Quantity(1.0, unit).to(target).magnitude), target


def test_the_table_holds_the_factors_worked_by_hand() -> None:
    # 1 lb = 0.45359237 kg exactly (international avoirdupois pound); 1 L = 1000 mL; 1 g = 1000 mg
    assert unit_factor("lb", "kg") == 0.45359237
    assert unit_factor("L", "mL") == 1000.0
    assert unit_factor("g", "mg") == 1000.0
    assert unit_dimensionality("m**2") == "[length] ** 2"


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        # not in the table: pint reads them (1 µL = 0.001 mL; 1 cell/µL = 1000 cells/mL)
        ("µL", "mL", 0.001),
        ("cells/µL", "cells/mL", 1000.0),
        ("kilogram", "kg", 1.0),
    ],
)
def test_a_text_not_in_the_table_is_read_by_pint(text: str, target: str, expected: float) -> None:
    assert read_unit(text) not in TABLE
    assert unit_factor(read_unit(text), target) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "dose",
    [
        "2×10⁶ cells/kg",
        "1e6 cells/lb",
        "1–2×10⁶ cells/kg",
        "5×10⁷ cells/m²",
        "1.5×10⁸ cells",
        "3 mg/kg",
        "2 mL",
        "5000 IU",
        "1e6 cells/g",
    ],
)
def test_a_dose_read_through_the_table_equals_pint_s_reading(dose: str) -> None:
    parsed = parse_dose(dose)
    number, unit_text = dose.split(" ", 1)
    parts = unit_text.split("/")
    numerator = parse_unit(parts[0])
    name = parsed.unit
    factor = float(registry().Quantity(1.0, numerator).to(name).magnitude)
    if len(parts) == 2:
        basis = {"per kg": "kg", "per m²": "m**2"}[parsed.basis]
        factor /= float(registry().Quantity(1.0, parse_unit(parts[1])).to(basis).magnitude)
    assert parsed.amount == pytest.approx(
        float(parse_dose(f"{number} {name}").amount) * factor, rel=1e-15
    )


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("6.68e6 cells/mL", "cells/mL"),
        ("3.8 mL", "mL"),
        ("0.0038 L", "mL"),
        ("25e6 cells", "cells"),
        ("26.5 lb", "kg"),
        ("950 g", "kg"),
        ("2 µL", "mL"),
    ],
)
def test_a_product_quantity_equals_pint_s_conversion(text: str, target: str) -> None:
    number, unit = text.split(" ")
    expected = float(registry().Quantity(float(number), parse_unit(unit)).to(target).magnitude)
    assert parse_amount(text, target, "a quantity") == expected


def test_a_quantity_of_another_dimension_is_still_refused() -> None:
    from celldose.protocols import UnitError

    with pytest.raises(UnitError, match=r"must be in mL"):
        parse_amount("3 kg", "mL", "a volume")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("20", "write 20 cells"),
        # 1.5 cells is no count: the hint must not lead to a second refusal
        ("1.5", "write a whole count of cells with its unit, e.g. 1.5×10⁸ cells"),
    ],
)
def test_a_bare_cell_count_s_hint_leads_to_a_count_that_is_taken(text: str, hint: str) -> None:
    from celldose.protocols import UnitError

    with pytest.raises(UnitError) as info:
        parse_amount(text, "cells", "a cap")
    assert info.value.hint == hint
    assert parse_amount(hint.split("e.g. ")[-1].removeprefix("write "), "cells", "a cap") > 1
