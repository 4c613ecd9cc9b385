"""Dose expressions, unit traps and the unit registry.

The number of a dose is read by celldose's own grammar; only the unit goes to pint, through a
small registry in which ``cell`` is a dimension of its own (cells/kg × kg = cells) and the traps
``M`` (molar), ``cc`` and pint's ``month`` are absent.
"""

from __future__ import annotations

import math

import pint
import pytest
from pydantic import ValidationError

from celldose.protocols import CelldoseError, Dose, UnitError, parse_amount, parse_dose
from celldose.protocols._units import registry

TWO_MILLION_PER_KG = Dose(amount=2e6, unit="cells", basis="per kg")


@pytest.mark.parametrize(
    "text",
    [
        "2×10⁶ cells/kg",
        "2x10^6 cells/kg",
        "2X10^6 cells/kg",
        "2*10^6 cells/kg",
        "2·10⁶ cells/kg",
        "2x10**6 cells/kg",
        "2 × 10⁶ cells/kg",
        "2e6 cells/kg",
        "2E6 cells/kg",
        "2 million cells/kg",
        "2000000 cells/kg",
        "2×10⁶/kg",
        "2×10⁶ cells per kg",
        "2×10⁶ cells / kg",
        "2×10⁶ cell/kg",
        "2×10⁶ cells/Kg",
        "2×10⁶ cells/KG",
        "20×10⁵ cells/kg",
        "0.2×10⁷ cells/kg",
        "  2×10⁶ cells/kg  ",
    ],
)
def test_spellings_of_two_million_cells_per_kg(text: str) -> None:
    assert parse_dose(text) == TWO_MILLION_PER_KG


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5×10⁸ cells", Dose(amount=1.5e8, unit="cells", basis="flat")),
        ("5×10⁷ cells/m²", Dose(amount=5e7, unit="cells", basis="per m²")),
        ("5×10⁷ cells/m2", Dose(amount=5e7, unit="cells", basis="per m²")),
        ("0.5×10⁶ cells", Dose(amount=5e5, unit="cells", basis="flat")),
        ("0.5×10⁶ cells/kg", Dose(amount=5e5, unit="cells", basis="per kg")),
        ("1.0×10⁶ cells/kg", Dose(amount=1e6, unit="cells", basis="per kg")),
        ("10⁶ cells/kg", Dose(amount=1e6, unit="cells", basis="per kg")),
        ("10^6 cells/kg", Dose(amount=1e6, unit="cells", basis="per kg")),
        ("3 million cells", Dose(amount=3e6, unit="cells", basis="flat")),
        ("2.5 thousand cells", Dose(amount=2500, unit="cells", basis="flat")),
        ("1 billion cells", Dose(amount=1e9, unit="cells", basis="flat")),
        ("1e9 cells", Dose(amount=1e9, unit="cells", basis="flat")),
        ("10 mg/kg", Dose(amount=10, unit="mg", basis="per kg")),
        ("10 mg / kg", Dose(amount=10, unit="mg", basis="per kg")),
        ("75 mg/m²", Dose(amount=75, unit="mg", basis="per m²")),
        ("2×10⁻³ mg", Dose(amount=0.002, unit="mg", basis="flat")),
        ("2.5 mL", Dose(amount=2.5, unit="mL", basis="flat")),
        ("100 IU/kg", Dose(amount=100, unit="IU", basis="per kg")),
        ("0.5 mmol/kg", Dose(amount=0.5, unit="mmol", basis="per kg")),
    ],
)
def test_dose_expressions(text: str, expected: Dose) -> None:
    assert parse_dose(text) == expected


@pytest.mark.parametrize(
    ("text", "amount", "unit", "basis"),
    [
        ("1 L", 1000.0, "mL", "flat"),  # 1 L = 1000 mL
        ("500 µg/kg", 0.5, "mg", "per kg"),  # 500 µg = 0.5 mg
        ("500 ug/kg", 0.5, "mg", "per kg"),
        ("1 mcg/kg", 0.001, "mg", "per kg"),
        ("2×10⁶ cells/lb", 2e6 / 0.45359237, "cells", "per kg"),  # 1 lb = 0.45359237 kg
        ("2×10³ cells/g", 2e6, "cells", "per kg"),  # per gram = 1000 × per kg
        ("1×10⁴ cells/cm²", 1e8, "cells", "per m²"),  # 1 m² = 10⁴ cm²
    ],
)
def test_dose_units_are_converted(text: str, amount: float, unit: str, basis: str) -> None:
    dose = parse_dose(text)
    assert dose.amount == pytest.approx(amount, rel=1e-12)
    assert (dose.unit, dose.basis) == (unit, basis)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2x10^6 cells/kg", "2×10⁶ cells/kg"),
        ("1.5e8 cells", "1.5×10⁸ cells"),
        ("5×10⁷ cells/m2", "5×10⁷ cells/m²"),
        ("2.345×10⁶ cells/kg", "2.345×10⁶ cells/kg"),
        ("10 mg/kg", "10 mg/kg"),
        ("2.5 mL", "2.5 mL"),
        ("0.5 mL", "0.5 mL"),  # a leading zero, never ".5"
    ],
)
def test_dose_str(text: str, shown: str) -> None:
    assert str(parse_dose(text)) == shown


def test_dose_model_reads_text() -> None:
    assert Dose.model_validate("2e6 cells/kg") == TWO_MILLION_PER_KG
    assert Dose.model_validate({"amount": 2e6}) == TWO_MILLION_PER_KG  # cells per kg by default


@pytest.mark.parametrize("amount", [0.0, -1.0, math.inf, math.nan])
def test_dose_model_refuses_non_positive_or_non_finite(amount: float) -> None:
    with pytest.raises(ValidationError):
        Dose(amount=amount)


def test_dose_model_refuses_unknown_unit_and_keys() -> None:
    with pytest.raises(ValidationError):
        Dose(amount=1, unit="kg")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Dose.model_validate({"amount": 1, "route": "IV"})


def test_bare_count_per_kg_needs_a_cell_product() -> None:
    assert parse_dose("2×10⁶/kg", cell_product=True) == TWO_MILLION_PER_KG
    with pytest.raises(UnitError):
        parse_dose("2×10⁶/kg", cell_product=False)


# -- refusals ------------------------------------------------------------------------------------


def test_flattened_superscript_2x106_per_kg() -> None:
    # seed 001 prints "2x106/Kg": 2×10⁶/kg with its superscript flattened, never 212 or 2×106
    with pytest.raises(UnitError) as info:
        parse_dose("2x106/Kg")
    exc = info.value
    assert exc.problem == "'2x106' looks like a flattened superscript"
    assert exc.hint == "did you mean 2×10⁶/kg? write 2×10^6 or 2e6"
    assert str(exc) == (
        "cannot read '2x106/Kg': '2x106' looks like a flattened superscript "
        "(did you mean 2×10⁶/kg? write 2×10^6 or 2e6)"
    )


def test_flattened_superscript_1_x_106_per_kg() -> None:
    # seed 003 prints "1 × 106/kg"
    with pytest.raises(UnitError) as info:
        parse_dose("1 × 106/kg")
    assert info.value.hint == "did you mean 1×10⁶/kg? write 1×10^6 or 1e6"


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("2x105 cells/kg", "did you mean 2×10⁵ cells/kg?"),
        ("2 x 107 cells", "did you mean 2×10⁷ cells?"),
    ],
)
def test_flattened_superscript_hint_with_a_spaced_unit(text: str, suggestion: str) -> None:
    # Fixed: the hint glues the unit to the power: parse_dose("2x105 cells/kg") hints "did you
    # mean 2×10⁵cells/kg?" (no space), because read_number appends the next word to the power
    # as if it were "/kg". Expected: "did you mean 2×10⁵ cells/kg?" (the unit kept apart, as in
    # the input), so the suggestion can be pasted back.
    with pytest.raises(UnitError) as info:
        parse_dose(text)
    assert info.value.hint is not None
    assert info.value.hint.startswith(suggestion)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # decimal comma / thousands separator: never silently dropped
        ("1,5 mL", "commas are not accepted"),
        ("1,000,000 cells/kg", "commas are not accepted"),
        ("2×10⁶ cells/kg, weekly", "commas are not allowed"),
        # 10E9 is 1×10¹⁰ (pint would read it so): refused, not guessed
        ("10E9/L", "'10E9' means 1×10^10, not 10^9"),
        ("10e6 cells/kg", "'10e6' means 1×10^7, not 10^6"),
        # "M" is molar in pint
        ("2 M cells/kg", "'M' would be read as molar"),
        ("cc", "a dose starts with a number"),
        ("5 cc", "'cc' is not accepted"),
        ("2×10⁶", "a number without a unit"),
        ("2e6", "a number without a unit"),
        ("70 kg", "body weight unit"),
        ("70 Kg", "body weight unit"),
        ("150 lb", "body weight unit"),
        ("2×10⁶ cells/day", "is not a dose basis"),
        ("2×10⁶ cells/kg/week", "is not a dose unit"),
        ("2×10⁶ cells/", "is not a dose unit"),
        ("cells/kg", "a dose starts with a number"),
        ("-2×10⁶ cells/kg", "positive"),
        ("", "no dose given"),
        ("   ", "no dose given"),
        ("0 cells/kg", "positive finite"),
        ("0×10⁶ cells/kg", "positive finite"),
        ("2×10 cells/kg", "has no power"),
        ("2 furlongs", "unknown unit"),
        ("2 s", "is not a dose amount"),
        ("2 %", "is not a dose amount"),
        ("2 cells/s", "is not a dose basis"),
        ("2 cells/kg; DROP", "which celldose does not accept"),
    ],
)
def test_refused_doses(text: str, problem: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_dose(text)
    assert problem in str(info.value)
    assert isinstance(info.value, CelldoseError)
    assert isinstance(info.value, ValueError)  # callers that know nothing of celldose


def test_ten_e_nine_hint() -> None:
    with pytest.raises(UnitError) as info:
        parse_dose("10E9/L")
    assert info.value.hint == "write 10^9 or 1e9"


def test_molar_and_cc_hints() -> None:
    with pytest.raises(UnitError) as info:
        parse_dose("2 M cells/kg")
    assert info.value.hint is not None and "million" in info.value.hint
    with pytest.raises(UnitError) as info:
        parse_dose("5 cc")
    assert info.value.hint == "write mL (1 cc = 1 mL)"


def test_number_without_unit_hint_names_the_choices() -> None:
    with pytest.raises(UnitError) as info:
        parse_dose("2×10⁶")
    assert info.value.hint is not None
    assert "2×10⁶ cells/kg" in info.value.hint
    assert "2×10⁶ cells/m²" in info.value.hint


def test_body_weight_hint_points_to_weight_option() -> None:
    with pytest.raises(UnitError) as info:
        parse_dose("70 kg")
    assert info.value.hint == (
        'a dose is cells, cells/kg or cells/m²; pass the body weight as weight="70 kg"'
    )
    assert info.value.fields == ("weight",)


# -- the unit registry ---------------------------------------------------------------------------


def test_registry_is_built_once() -> None:
    assert registry() is registry()


def test_cells_per_kg_times_kg_is_cells() -> None:
    ureg = registry()
    total = ureg.Quantity(2e6, "cells/kg") * ureg.Quantity(70, "kg")
    assert total.dimensionality == ureg.Quantity(1, "cells").dimensionality
    assert total.to("cells").magnitude == pytest.approx(1.4e8)


def test_cells_per_m2_times_m2_is_cells() -> None:
    ureg = registry()
    total = ureg.Quantity(5e7, "cells/m**2") * ureg.Quantity(1.8, "m**2")
    assert total.to("cells").magnitude == pytest.approx(9e7)


def test_cells_per_kg_in_pounds() -> None:
    ureg = registry()
    total = ureg.Quantity(2e6, "cells/kg") * ureg.Quantity(10, "lb")
    assert total.to("cells").magnitude == pytest.approx(2e6 * 4.5359237)


def test_adding_cells_per_kg_to_kg_is_a_dimensionality_error() -> None:
    ureg = registry()
    with pytest.raises(pint.DimensionalityError):
        _ = ureg.Quantity(2e6, "cells/kg") + ureg.Quantity(70, "kg")
    with pytest.raises(pint.DimensionalityError):
        ureg.Quantity(2e6, "cells/kg").to("cells")


def test_a_cell_is_not_dimensionless() -> None:
    ureg = registry()
    with pytest.raises(pint.DimensionalityError):
        ureg.Quantity(1, "cells").to("dimensionless")


@pytest.mark.parametrize("name", ["month", "M", "cc", "molar"])
def test_trap_units_are_not_defined(name: str) -> None:
    with pytest.raises(pint.UndefinedUnitError):
        registry().parse_units(name)


def test_time_units() -> None:
    ureg = registry()
    assert ureg.Quantity(1, "week").to("day").magnitude == pytest.approx(7)
    assert ureg.Quantity(1, "lb").to("kg").magnitude == pytest.approx(0.45359237, rel=1e-15)


# -- product quantities ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        ("6.68e6 cells/mL", "cells/mL", 6.68e6),
        ("3.8 mL", "mL", 3.8),
        ("25e6 cells", "cells", 2.5e7),
        ("2.5×10⁷ cells", "cells", 2.5e7),
        ("1 L", "mL", 1000.0),
        ("6.68×10⁹ cells/L", "cells/mL", 6.68e6),
        (3.8, "mL", 3.8),
        (25_000_000, "cells", 2.5e7),
    ],
)
def test_parse_amount(value: object, target: str, expected: float) -> None:
    assert parse_amount(value, target, "a quantity") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("3.8", "mL"),  # no unit
        ("3.8 kg", "mL"),  # wrong dimension
        ("1,5 mL", "mL"),
        ("0 mL", "mL"),
        (-1.0, "mL"),
        (math.inf, "mL"),
        (True, "mL"),
        (None, "mL"),
        ("mL", "mL"),
    ],
)
def test_parse_amount_refusals(value: object, target: str) -> None:
    with pytest.raises(UnitError):
        parse_amount(value, target, "a volume")
