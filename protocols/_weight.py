"""Body weights with a unit (kg, g, lb): read once, here, for patients and for weight bands.

1 lb = 0.45359237 kg exactly (the international avoirdupois pound), never 1/2.2. A bare number
is refused: "12 what?". The number is read by the dose grammar (:func:`read_number`), so a
decimal comma or a flattened superscript is refused here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from celldose.protocols._display import format_exact, format_sig
from celldose.protocols._dose_number import read_number
from celldose.protocols._errors import PatientError, UnitError

WEIGHT_UNITS = {"kg": 1.0, "g": 0.001, "lb": 0.45359237}
_WEIGHT_WORDS = {
    "kgs": "kg", "kilogram": "kg", "kilograms": "kg", "gram": "g", "grams": "g",
    "lbs": "lb", "pound": "lb", "pounds": "lb",
}  # fmt: skip


@dataclass(frozen=True)
class Weight:
    """A body weight as given (``26.5 lb``) and in kilograms (full precision)."""

    kg: float
    value: float
    unit: str

    @property
    def text(self) -> str:
        """The weight as given, every digit (``50.0001 kg``: a weight just over a band's 50 kg
        edge never reads as 50 kg), with its kilograms to 4 significant figures when given in
        another unit (``26.5 lb (12.02 kg)``)."""
        given = f"{format_exact(self.value)} {self.unit}"
        return given if self.unit == "kg" else f"{given} ({kg_text(self.kg)} kg)"


def kg_text(kg: float) -> str:
    """Kilograms to 4 significant figures, or more where 4 would round the weight onto a round
    number (one or two figures, as a band's edge is written) that it is not: 110.24 lb is
    50.004 kg, never "50 kg" beside a band "> 50 kg".

    >>> kg_text(12.020197805), kg_text(50.00403), kg_text(50.0), kg_text(49.8951607)
    ('12.02', '50.004', '50', '49.9')
    """
    shown = format_sig(kg, 4)
    for digits in range(4, 10):
        shown = format_sig(kg, digits)
        figures = len(shown.replace(".", "").strip("0"))
        if "×" in shown or figures > 2 or math.isclose(float(shown), kg, rel_tol=1e-12):
            return shown
    return shown


def read_measure(text: str, units: dict[str, float], what: str, example: str) -> tuple[float, str]:
    """Read ``<number> <unit>`` where the unit is a key of ``units``; return (number, unit).

    Refuses a missing unit, an unknown one, a negative, zero or non-finite number.
    """
    if not isinstance(text, str):
        raise PatientError(
            f"the {what} must be text with a unit, not {text!r}", f"write it like {example}"
        )
    stripped = text.strip()
    if stripped.startswith(("-", "−")):
        raise PatientError(f"the {what} must be positive, not {text!r}")
    if stripped.startswith("."):
        raise PatientError(f"cannot read the {what} {text!r}", f"write a leading zero: 0{stripped}")
    try:
        number = read_number(stripped) if stripped else None
    except UnitError as exc:
        raise PatientError(f"cannot read the {what} {text!r}: {exc.problem}", exc.hint) from None
    if number is None:
        raise PatientError(f"cannot read the {what} {text!r}", f"write it like {example}")
    value, end = number
    unit = stripped[end:].strip()
    if not unit:
        raise PatientError(
            f"{stripped} what? the {what} needs a unit",
            f"write {stripped}kg or {stripped}lb" if what == "weight" else f"write {stripped}cm",
        )
    key = unit if unit in units else unit.lower()
    key = _WEIGHT_WORDS.get(key, key) if units is WEIGHT_UNITS else key
    if key not in units:
        raise PatientError(
            f"unknown {what} unit {unit!r} in {text!r}",
            "use " + ", ".join(units) + f", e.g. {example}",
        )
    amount = float(value)
    if not math.isfinite(amount):
        raise PatientError(f"the {what} {text!r} is out of range", f"write it like {example}")
    if amount <= 0:
        raise PatientError(f"the {what} must be positive, not {text!r}")
    return amount, key


def parse_weight(text: str) -> Weight:
    """``"26.5lb"`` -> Weight(kg=12.020197805, value=26.5, unit='lb').

    >>> round(parse_weight("110 lb").kg, 7)
    49.8951607
    """
    value, unit = read_measure(text, WEIGHT_UNITS, "weight", "12kg or 26.5lb")
    kg = value / 1000.0 if unit == "g" else value * WEIGHT_UNITS[unit]  # 950 g is 0.95 kg
    return Weight(kg=kg, value=value, unit=unit)


__all__ = ["WEIGHT_UNITS", "Weight", "parse_weight", "read_measure"]
