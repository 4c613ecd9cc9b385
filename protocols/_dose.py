"""Dose expressions: ``2×10⁶ cells/kg``, ``2e6 cells/kg``, ``2 million cells/kg``, ``1.5×10⁸``.

The number is read here, by a strict grammar, never by pint's parser (which drops commas and reads
``10E9`` as 1×10¹⁰); only the unit goes to pint. A flattened superscript as copy-paste leaves it
(``2x106/Kg`` for 2×10⁶/kg) is refused with a hint, never computed as 212 or 106 cells.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from celldose.protocols._display import format_exact, format_sig, superscript
from celldose.protocols._errors import UnitError
from celldose.protocols._units import MAX_TEXT_LENGTH, parse_unit, quantity, shorten

Basis = Literal["per kg", "per m²", "flat"]
AmountUnit = Literal["cells", "mg", "mL", "mmol", "IU"]

_SUP_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_WORDS = {"thousand": 3, "million": 6, "billion": 9}

# The number part of a dose. Group names are used below; see `read_number`.
NUMBER_RE = re.compile(
    r"""
    (?P<mant>\d+(?:\.\d+)?)
    (?:(?P<e>[eE])(?P<epow>[+-]?\d+))?
    (?:\s*(?P<times>[x×X*·])\s*(?P<ten>10)
        (?:\s*(?:\^|\*\*)\s*(?P<pow>[+-]?\d+)|(?P<sup>[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)|(?P<flat>\d+))?
    )?
    (?:\s+(?P<word>thousand|million|billion)\b)?
    """,
    re.VERBOSE,
)
_BARE_POWER_RE = re.compile(r"10\s*(?:\^|\*\*)\s*[+-]?\d+|10[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_CONTROL_SPACES = {"\t": "tab", "\n": "line break", "\r": "carriage return"}
_DIGIT_AFTER_SPACE = re.compile(r"\s+[0-9⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻]")
# 10⁴-10⁹ and 10¹⁰-10¹² with the superscript flattened and no mantissa: "106 cells/kg"
_FLATTENED_BARE = re.compile(r"0*(10[4-9]|101[0-2])")

_NUMERATORS: dict[str, AmountUnit] = {
    "[cell_count]": "cells",
    "[mass]": "mg",
    "[length] ** 3": "mL",
    "[substance]": "mmol",
    "[biological_activity]": "IU",
}
_BASIS_UNIT: dict[Basis, str] = {"per kg": "kg", "per m²": "m**2", "flat": ""}
_BODY_WEIGHT_UNITS = frozenset({"kg", "Kg", "KG", "g", "lb", "lbs", "pound"})
_BASIS_SUFFIX: dict[Basis, str] = {"per kg": "/kg", "per m²": "/m²", "flat": ""}


def read_number(text: str, pos: int = 0) -> tuple[Decimal, int] | None:
    """Read a dose number at ``pos``; return (value, end) or None if no number starts there.

    Raises :class:`UnitError` for forms that would be misread (decimal commas, ``10E9``,
    flattened superscripts).
    """
    source = text
    if _BARE_POWER_RE.match(text, pos):
        text = text[:pos] + "1×" + text[pos:]
        shift = 2
    else:
        shift = 0
    match = NUMBER_RE.match(text, pos)
    if match is None:
        return None
    end = match.end() - shift
    _refuse_split_number(source, pos, end)
    mant = match.group("mant")
    tail = text[match.end() :]
    if re.match(r",\d", tail):
        raise UnitError(
            text[pos:].strip(),
            "commas are not accepted in numbers (decimal comma or thousands separator)",
            "write 1.5 for one and a half, and 1000000 or 1×10⁶ without separators",
        )
    if match.group("e") and mant == "10":
        raise UnitError(
            text[pos:].strip(),
            f"'10{match.group('e')}{match.group('epow')}' means "
            f"1×10^{int(match.group('epow')) + 1}, "
            "not 10^" + match.group("epow"),
            f"write 10^{match.group('epow')} or 1e{match.group('epow')}",
        )
    too_long = len(mant) > 40 or any(len(match.group(g) or "") > 6 for g in ("epow", "pow", "flat"))
    if too_long:
        raise UnitError(text[pos:].strip(), "the number is out of range")
    if match.group("ten") and re.match(r"[eE][+-]?\d", text[match.end() :]):
        raise UnitError(
            text[pos:].strip(),
            f"'{mant}{match.group('times')}10E…' mixes ×10 with E notation",
            "write a power of ten as ×10^9 (or 10⁹), or E notation alone as 1e9",
        )
    if match.group("flat") is not None:
        digits = match.group("flat")
        after = text[match.end() :]
        rest = after.strip().split(" ")[0]
        rest = (" " if after[:1].isspace() else "") + re.sub(r"(?i)kg", "kg", rest)
        raise UnitError(
            text[pos:].strip(),
            f"'{mant}{match.group('times')}10{digits}' looks like a flattened superscript",
            f"did you mean {mant}×10{superscript(int(digits))}{rest}? "
            f"write {mant}×10^{int(digits)} or {mant}e{int(digits)}",
        )
    if match.group("ten") and match.group("pow") is None and match.group("sup") is None:
        raise UnitError(
            text[pos:].strip(),
            f"'{mant}{match.group('times')}10' has no power",
            f"write {mant}×10^6 (or {mant}×10⁶) with the power",
        )
    try:
        value = Decimal(mant)
        if match.group("e"):
            value = value.scaleb(int(match.group("epow")))
        if match.group("pow") is not None:
            value = value.scaleb(int(match.group("pow")))
        elif match.group("sup") is not None:
            value = value.scaleb(int(match.group("sup").translate(_SUP_DIGITS)))
        if match.group("word"):
            value = value.scaleb(_WORDS[match.group("word")])
    except (ArithmeticError, ValueError):
        raise UnitError(text[pos:].strip(), "the number is out of range") from None
    return value, end


def _refuse_split_number(text: str, pos: int, end: int) -> None:
    """A space other than a plain one inside the number ``text[pos:end]``, or any space between
    it and more digits (``5×10¹ ¹cells``, ``25×10^1 1cells``): its reading would drop digits.
    The position is counted in ``text`` (the whole regimen, when the number is in one)."""
    odd = next((i for i in range(pos, end) if text[i].isspace() and text[i] != " "), None)
    if odd is None and _DIGIT_AFTER_SPACE.match(text, end):
        odd = end
    if odd is None:
        return
    char = text[odd]
    name = _CONTROL_SPACES.get(char) or unicodedata.name(char, "space").lower()
    raise UnitError(
        text[pos:].strip(),
        f"the {name} (U+{ord(char):04X}) at character {odd + 1} splits the number",
        "write the number in one piece with plain characters (<m>×10^<n> or <m>e<n>), "
        "then a space and the unit",
    )


def _refuse_flattened_bare(written: str, original: str, unit_text: str) -> None:
    """A cell count written as a bare 104-109 or 1010-1012: a 10ⁿ whose superscript was lost."""
    bare = _FLATTENED_BARE.fullmatch(written.strip())
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
    """A dose: an amount (cells, or mg/mL/mmol/IU for ordinary drugs) on a basis.

    Build it from text with :func:`parse_dose` or ``Dose.model_validate("2×10⁶ cells/kg")``.

    >>> parse_dose("2 million cells/kg") == parse_dose("2×10⁶ cells/kg")
    True
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    amount: float
    unit: AmountUnit = "cells"
    basis: Basis = "per kg"

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            return parse_dose(data).model_dump()
        return data

    @field_validator("amount")
    @classmethod
    def _positive_finite(cls, value: float) -> float:
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"a dose must be a positive finite number, not {value!r}")
        return value

    @property
    def is_cells(self) -> bool:
        return self.unit == "cells"

    def __str__(self) -> str:
        number = format_exact(self.amount)
        if self.is_cells and _FLATTENED_BARE.fullmatch(number):  # 106 reads back as 1.06×10²
            number = format_exact(self.amount, scientific=True)
        return f"{number} {self.unit}{_BASIS_SUFFIX[self.basis]}"

    def display(self) -> str:
        """For people: 4 significant figures at most (``2.205×10⁶ cells/kg``)."""
        return f"{format_sig(self.amount, 4)} {self.unit}{_BASIS_SUFFIX[self.basis]}"


def parse_dose(text: str, *, cell_product: bool = True) -> Dose:
    """Read a dose expression.

    A bare count per kg (``2×10⁶/kg``) is read as cells/kg when ``cell_product`` is true.

    >>> str(parse_dose("2x10^6 cells/kg"))
    '2×10⁶ cells/kg'
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
    number = read_number(stripped)
    if number is None:
        raise UnitError(original, "a dose starts with a number", "write e.g. 2×10⁶ cells/kg")
    value, end = number
    unit_text = stripped[end:].strip()
    unit_text = re.sub(r"\s*/\s*", "/", unit_text)
    unit_text = re.sub(r"\s+per\s+", "/", unit_text)
    return dose_from_parts(
        value, unit_text, original, written=stripped[:end], cell_product=cell_product
    )


def dose_from_parts(
    value: Decimal,
    unit_text: str,
    original: str,
    *,
    written: str = "",
    cell_product: bool = True,
) -> Dose:
    """Combine an already-read number (``written`` as in the text) and unit text into a
    :class:`Dose`."""
    if not unit_text:
        shown = original.strip()
        raise UnitError(
            original,
            "a number without a unit",
            f"{shown} what? write {shown} cells/kg, {shown} cells or {shown} cells/m²",
        )
    if unit_text.startswith("/") and cell_product:
        unit_text = "cells" + unit_text
    parts = unit_text.split("/")
    if len(parts) > 2 or not parts[0] or (len(parts) == 2 and not parts[1]):
        raise UnitError(
            original,
            f"'{unit_text}' is not a dose unit",
            "write an amount and at most one basis: cells, cells/kg or cells/m²",
        )
    if "%" in unit_text:
        raise UnitError(
            original,
            f"'{unit_text}' is not a dose amount or basis ('%' would scale the dose by 100)",
            "a dose is cells, cells/kg or cells/m² (or mg, mL, mg/kg for ordinary drugs)",
        )
    if parts[0].strip() in _BODY_WEIGHT_UNITS:
        raise UnitError(
            original,
            f"'{parts[0]}' is a body weight unit, not a dose",
            "a dose is cells, cells/kg or cells/m²; pass the body weight as weight=\"70 kg\"",
            fields=("weight",),
        )
    numerator = parse_unit(parts[0], original=original)
    name = _NUMERATORS.get(str(numerator.dimensionality))
    if name is None:
        dims = str(numerator.dimensionality)
        kind = "a dimensionless number" if dims == "dimensionless" else f"of dimension {dims}"
        raise UnitError(
            original,
            f"'{parts[0]}' is not a dose amount ({kind})",
            "a dose is cells, cells/kg or cells/m² (or mg, mL, mg/kg for ordinary drugs)",
        )
    amount = float(value) * float(quantity(1.0, numerator).to(name).magnitude)
    basis: Basis = "flat"
    if len(parts) == 2:
        denominator = parse_unit(parts[1], original=original)
        dims = str(denominator.dimensionality)
        if dims == "[mass]":
            basis = "per kg"
        elif dims == "[length] ** 2":
            basis = "per m²"
        else:
            raise UnitError(
                original,
                f"'/{parts[1]}' is not a dose basis",
                "a dose is per kg (body weight), per m² (body surface area) or flat",
            )
        amount /= float(quantity(1.0, denominator).to(_BASIS_UNIT[basis]).magnitude)
    if not math.isfinite(amount) or amount <= 0:
        raise UnitError(original, "a dose must be a positive finite number")
    if name == "cells":
        _refuse_flattened_bare(written, original, unit_text)
    return Dose(amount=amount, unit=name, basis=basis)


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
            raise UnitError(text, f"{what} needs a unit", f"write {stripped} {target}")
        unit = parse_unit(unit_text, original=text)
        goal = parse_unit(target)
        if unit.dimensionality != goal.dimensionality:
            raise UnitError(text, f"{what} must be in {target} (or a unit that converts to it)")
        value = float(quantity(float(amount), unit).to(goal).magnitude)
        if "cells" in target:
            _refuse_flattened_bare(stripped[:end], text, unit_text)
    else:
        raise UnitError(str(text), f"{what} must be a number with a unit, e.g. 1 {target}")
    if not math.isfinite(value) or value <= 0:
        raise UnitError(str(text), f"{what} must be a positive finite number")
    return value
