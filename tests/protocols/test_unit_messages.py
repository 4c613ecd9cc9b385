"""Unit text that pint cannot read gets a message in people's words, never pint's class names."""

from __future__ import annotations

import pytest

from celldose.protocols import UnitError, parse_dose


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("2.10^6 cells/kg", "^6 cells"),  # a period typed for ×: the number stops at 2.10
        ("2 ^6 cells/kg", "^6 cells"),
        ("2 *cells", "*cells"),
    ],
)
def test_a_power_left_without_its_ten_is_refused_with_the_fix(text: str, rest: str) -> None:
    with pytest.raises(UnitError) as caught:
        parse_dose(text)
    assert str(caught.value) == (
        f"cannot read '{text}': '{rest}' starts with an operator, not a unit: the number before "
        "it is incomplete (write a power of ten as 2×10^6 (or 2×10⁶ or 2e6); a period is a "
        "decimal point, not a multiplication sign)"
    )


def test_unreadable_unit_names_no_exception_class() -> None:
    with pytest.raises(UnitError) as caught:
        parse_dose("2 cells**kg")
    message = str(caught.value)
    assert message == (
        "cannot read '2 cells**kg': 'cells**kg' cannot be read as a unit "
        "(write units like cells/kg, cells/m² (or m2), mL)"
    )
    assert "Error" not in message
