"""Dose expressions: ``2×10⁶ cells/kg``, ``2e6 cells/kg``, ``2 million cells/kg``, ``1.5×10⁸``.

The number is read here, by a strict grammar, never by pint's parser (which drops commas and reads
``10E9`` as 1×10¹⁰); only the unit goes to pint. A flattened superscript as copy-paste leaves it
(``2x106/Kg`` for 2×10⁶/kg) is refused with a hint, never computed as 212 or 106 cells.
"""

from __future__ import annotations

import math
import re
import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from celldose.protocols._display import format_exact, format_sig, superscript
from celldose.protocols._dose_number import FLATTENED_BARE, read_number
from celldose.protocols._dose_range import read_amounts, refuse_unit_between, split_bounds
from celldose.protocols._dose_unit import AmountUnit, Basis, read_dose_unit
from celldose.protocols._errors import UnitError
from celldose.protocols._units import (
    MAX_TEXT_LENGTH,
    read_unit,
    shorten,
    unit_dimensionality,
    unit_factor,
)

_BASIS_SUFFIX: dict[Basis, str] = {"per kg": "/kg", "per m²": "/m²", "flat": ""}


def _refuse_flattened_bare(written: str, original: str, unit_text: str) -> None:
    """A cell count written as a bare 104-109 or 1010-1012: a 10ⁿ whose superscript was lost."""
    bare = FLATTENED_BARE.fullmatch(written.strip())
    if bare is None:
        return
    power = superscript(int(bare.group(1)[2:]))
    unit = unit_text if unit_text.startswith("/") else f" {unit_text}"
    raise UnitError(
        original,
        f"'{written.strip()}' looks like a flattened 10{power} (a cell count without its power)",
        f"did you mean 10{power} (1×10{power})? write 1×10^{bare.group(1)[2:]}{unit} "
        f"or 1e{bare.group(1)[2:]}{unit}",
    )


class Dose(BaseModel):
    """A dose: an amount (cells, or mg/mL/mmol/IU for ordinary drugs) on a basis, or a range.

    Build it from text with :func:`parse_dose` or ``Dose.model_validate("2×10⁶ cells/kg")``.
    A range (``1–2×10⁶ cells/kg``) keeps both bounds: ``low`` is its lower bound and
    ``amount`` its upper bound, the amount used where one number is needed and none was
    chosen (ordering, totals). A dose per lb keeps the text as written (``written``) and its
    exact per-kg ``amount``.

    >>> parse_dose("2 million cells/kg") == parse_dose("2×10⁶ cells/kg")
    True
    >>> r = parse_dose("1–2×10⁶ cells/kg")
    >>> r.low, r.amount, str(r)
    (1000000.0, 2000000.0, '1×10⁶–2×10⁶ cells/kg')
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    amount: float
    unit: AmountUnit = "cells"
    basis: Basis = "per kg"
    low: float | None = Field(
        default=None, description="A range's lower bound (then amount is its upper bound)."
    )
    written: str | None = Field(
        default=None,
        description="The dose as written when its basis is not per kg or per m² (per lb).",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            return parse_dose(data).model_dump(exclude_none=True)
        return data

    @field_validator("amount", "low")
    @classmethod
    def _positive_finite(cls, value: float | None) -> float | None:
        if value is not None and (not math.isfinite(value) or value <= 0):
            raise ValueError(f"a dose must be a positive finite number, not {value!r}")
        return value

    @model_validator(mode="after")
    def _possible(self) -> Dose:
        if self.unit == "cells" and self.basis == "per kg" and self.amount > max_cells_per_kg():
            refuse_impossible_cells_per_kg(self.amount, str(self))  # str() only when refused
        return self

    @model_validator(mode="after")
    def _ordered(self) -> Dose:
        if self.low is not None and self.low >= self.amount:
            raise ValueError(
                f"a dose range's low ({self.low!r}) must be below its upper bound, amount "
                f"({self.amount!r})"
            )
        return self

    @property
    def is_cells(self) -> bool:
        return self.unit == "cells"

    @property
    def is_range(self) -> bool:
        return self.low is not None

    @property
    def suffix(self) -> str:
        """The unit and basis as written after the number: ``cells/kg``."""
        return f"{self.unit}{_BASIS_SUFFIX[self.basis]}"

    def upper(self) -> Dose:
        """A range's upper bound as a point dose (the dose itself when it is a point); a bound
        of a range per lb keeps its text as written (``2×10⁶ cells/lb``)."""
        if self.low is None:
            return self
        return Dose(
            amount=self.amount, unit=self.unit, basis=self.basis, written=self._bound_written(1)
        )

    def lower(self) -> Dose:
        """A range's lower bound as a point dose (the dose itself when it is a point)."""
        if self.low is None:
            return self
        return Dose(
            amount=self.low, unit=self.unit, basis=self.basis, written=self._bound_written(0)
        )

    def _bound_written(self, which: int) -> str | None:
        """One bound of a range written per lb, as written: ``1–2×10⁶ cells/lb`` gives
        ``2×10⁶ cells/lb`` (``which`` 1) and ``1×10⁶ cells/lb`` (0)."""
        if self.written is None:
            return None
        numbers, unit = self.written.split(" ", 1)
        bounds = numbers.split("–")
        return f"{bounds[which]} {unit}" if len(bounds) == 2 else None

    def contains(self, other: Dose) -> bool:
        """True when ``other`` (a point dose) lies within this range, bounds included."""
        if other.unit != self.unit or other.basis != self.basis:
            return False
        low = self.amount if self.low is None else self.low
        return low <= other.amount <= self.amount

    def __str__(self) -> str:
        if self.written is not None:
            return self.written
        high = _exact(self.amount, self.is_cells)
        if self.low is None:
            return f"{high} {self.suffix}"
        low = _exact(self.low, self.is_cells)
        if "×" in low + high:  # a power on both bounds: "1000–1×10⁴" would read as 1000×10⁴
            low, high = (format_exact(v, scientific=True) for v in (self.low, self.amount))
        return f"{low}–{high} {self.suffix}"

    def display(self) -> str:
        """For people: 4 significant figures at most (``2.205×10⁶ cells/kg``); both bounds of a
        range (``1×10⁶–2×10⁶ cells/kg``); a dose per lb as written, with its per-kg equivalent
        to 3 significant figures (``1×10⁶ cells/lb (2.2×10⁶ cells/kg)``)."""
        if self.written is not None:
            return f"{self.written} ({self.number_text(3)} {self.suffix})"
        return f"{self.number_text(4)} {self.suffix}"

    def labelled(self) -> str:
        """:func:`str` (exact, as written), with the per-kg equivalent of a dose per lb to 3
        significant figures: ``1×10⁶ cells/lb (2.2×10⁶ cells/kg)``."""
        return self.display() if self.written is not None else str(self)

    def number_text(self, digits: int = 3) -> str:
        """The amount (or both bounds) without the unit, rounded for people."""
        high = format_sig(self.amount, digits)
        if self.low is None:
            return high
        low = format_sig(self.low, digits)
        if "×" in low + high:  # a power on both bounds, as in str()
            low, high = (format_sig(v, digits, sci_from=0) for v in (self.low, self.amount))
        return f"{low}–{high}"


@cache
def max_cells_per_kg() -> float:
    """The most cells per kg of body weight a dose may be (``bounds.toml``, read once)."""
    text = resources.files("celldose.protocols").joinpath("bounds.toml").read_text("utf-8")
    return float(tomllib.loads(text)["dose"]["max_cells_per_kg"])


def refuse_impossible_cells_per_kg(cells_per_kg: float, dose: str) -> None:
    """Raise :class:`UnitError` when ``cells_per_kg`` is beyond what a dose can be."""
    most = max_cells_per_kg()
    if cells_per_kg > most:
        raise UnitError(
            dose,
            f"it is {format_sig(cells_per_kg)} cells/kg, more than any dose can be (at most "
            f"{format_sig(most)} cells/kg: the cells alone would fill more than 1.7 mL per kg of "
            "body weight)",
            "check the dose's unit (cells/kg, not cells/g or cells/mg) and its power of ten",
            refused=True,
        )


def _exact(value: float, cells: bool) -> str:
    number = format_exact(value)
    if cells and FLATTENED_BARE.fullmatch(number):  # 106 reads back as 1.06×10²
        number = format_exact(value, scientific=True)
    return number


def parse_dose(text: str, *, cell_product: bool = True) -> Dose:
    """Read a dose expression, or a dose range (``1–2×10⁶ cells/kg``).

    A bare count per kg (``2×10⁶/kg``) is read as cells/kg when ``cell_product`` is true.

    >>> str(parse_dose("2x10^6 cells/kg"))
    '2×10⁶ cells/kg'
    >>> str(parse_dose("1 to 2×10⁶ cells/kg"))
    '1×10⁶–2×10⁶ cells/kg'
    """
    original = text
    stripped = text.strip()
    if not stripped:
        raise UnitError(original, "no dose given", "write e.g. 2×10⁶ cells/kg")
    if len(stripped) > MAX_TEXT_LENGTH:
        raise UnitError(
            shorten(stripped),
            f"the dose is {len(stripped):,} characters long, more than the "
            f"{MAX_TEXT_LENGTH:,} celldose reads",
            "write e.g. 2×10⁶ cells/kg",
        )
    if stripped.startswith(("-", "−")):
        raise UnitError(original, "a dose must be positive", "remove the minus sign")
    amounts = read_amounts(stripped)
    if amounts is None:
        raise UnitError(original, "a dose starts with a number", "write e.g. 2×10⁶ cells/kg")
    low, value, end = amounts
    unit_text = stripped[end:].strip()
    if low is None:
        refuse_unit_between(original, unit_text)
    unit_text = re.sub(r"\s*/\s*", "/", unit_text)
    unit_text = re.sub(r"\s+per\s+", "/", unit_text)
    return dose_from_parts(
        value, unit_text, original, written=stripped[:end], cell_product=cell_product, low=low
    )


def dose_from_parts(
    value: Decimal,
    unit_text: str,
    original: str,
    *,
    written: str = "",
    cell_product: bool = True,
    low: Decimal | None = None,
) -> Dose:
    """Combine an already-read number (``written`` as in the text) and unit text into a
    :class:`Dose`; with ``low``, a range from ``low`` to ``value``."""
    if low is None:
        return _point_from_parts(value, unit_text, original, written, cell_product)
    low_written, high_written = split_bounds(written)
    high = _point_from_parts(value, unit_text, original, high_written, cell_product)
    if low <= 0:
        alone = high.written or f"{_exact(float(value), high.is_cells)} {high.suffix}"
        raise UnitError(
            original,
            "a dose range must start above 0",
            f"give the lowest dose the source reports, or the upper bound alone: {alone}",
        )
    bottom = _point_from_parts(low, unit_text, original, low_written, cell_product)
    return range_dose(bottom, high, original, (low, value))


def _point_from_parts(
    value: Decimal, unit_text: str, original: str, written: str, cell_product: bool
) -> Dose:
    """One number and its unit text as a point :class:`Dose`."""
    if not unit_text:
        shown = original.strip()
        raise UnitError(
            original,
            "a number without a unit",
            f"{shown} what? write {shown} cells/kg, {shown} cells or {shown} cells/m²",
        )
    if unit_text.startswith("/") and cell_product:
        unit_text = "cells" + unit_text
    read = read_dose_unit(unit_text, original)
    name, basis = read.unit, read.basis
    amount = float(value) * read.factor
    as_written: str | None = None
    if read.basis_text is not None:
        amount /= read.per
        if read.per != 1.0:  # per lb, per g: displayed as written, computed per kg
            as_written = (
                f"{_exact(float(value), name == 'cells')} {read.amount_text}/{read.basis_text}"
            )
    if not math.isfinite(amount) or amount <= 0:
        raise UnitError(original, "a dose must be a positive finite number")
    if name == "cells":
        _refuse_flattened_bare(written, original, unit_text)
        if basis == "per kg":
            refuse_impossible_cells_per_kg(amount, original)
    return Dose(amount=amount, unit=name, basis=basis, written=as_written)


def range_dose(low: Dose, high: Dose, original: str, numbers: tuple[Decimal, Decimal]) -> Dose:
    """Two bounds read with one unit as a range; equal or reversed bounds are refused."""
    low_text, high_text = (_exact(float(n), high.is_cells) for n in numbers)
    if low.amount == high.amount:
        raise UnitError(
            original,
            f"the range {low_text}–{high_text} has equal bounds",
            f"write a point dose: {high_text} {high.suffix}",
        )
    if low.amount > high.amount:
        raise UnitError(
            original,
            f"the range's lower bound {low_text} is above its upper bound {high_text}",
            f"write the smaller number first: {high_text}–{low_text} {high.suffix}",
        )
    written = None
    if high.written is not None:
        unit = high.written.split(" ", 1)[1]
        written = f"{low_text}–{high_text} {unit}"
    return Dose(
        amount=high.amount, unit=high.unit, basis=high.basis, low=low.amount, written=written
    )


def parse_amount(text: object, target: str, what: str) -> float:
    """Read a product quantity (``6.68e6 cells/mL``, ``3.8 mL``, ``25e6 cells``) in ``target``.

    Numbers pass through unchanged (already in ``target``); text is read with the same number
    grammar as doses, and its unit must convert to ``target``.
    """
    if isinstance(text, bool):
        raise UnitError(str(text), f"{what} must be a number with a unit, e.g. 3.8 mL")
    if isinstance(text, int | float):
        value = float(text)
    elif isinstance(text, str):
        stripped = text.strip()
        if len(stripped) > MAX_TEXT_LENGTH:
            raise UnitError(
                shorten(stripped),
                f"{what} is {len(stripped):,} characters long, more than the "
                f"{MAX_TEXT_LENGTH:,} celldose reads",
                f"write e.g. 1 {target}",
            )
        if stripped.startswith(("-", "−")):
            raise UnitError(text, f"{what} must be positive", "remove the minus sign")
        number = read_number(stripped) if stripped else None
        if number is None:
            raise UnitError(text, f"{what} starts with a number", f"write e.g. 1 {target}")
        amount, end = number
        unit_text = re.sub(r"\s*/\s*", "/", stripped[end:].strip())
        if not unit_text:
            hint = f"write {stripped} {target}"
            if target == "cells" and float(amount) != int(amount):  # 1.5 cells: no such count
                hint = f"write a whole count of cells with its unit, e.g. {stripped}×10⁸ cells"
            raise UnitError(text, f"{what} needs a unit", hint)
        unit = read_unit(unit_text, original=text)
        goal = read_unit(target)
        if unit_dimensionality(unit) != unit_dimensionality(goal):
            raise UnitError(text, f"{what} must be in {target} (or a unit that converts to it)")
        value = float(amount) * unit_factor(unit, goal)
        if "cells" in target:
            _refuse_flattened_bare(stripped[:end], text, unit_text)
    else:
        raise UnitError(str(text), f"{what} must be a number with a unit, e.g. 1 {target}")
    if not math.isfinite(value) or value <= 0:
        raise UnitError(str(text), f"{what} must be a positive finite number")
    return value
