"""The package's one unit registry, built lazily from ``units.txt``, and safe unit parsing.

pint's default registry costs about a quarter of a second to build, and its string parser has
traps (it drops commas, reads ``10E9`` as 1×10¹⁰, knows ``M`` as molar). celldose builds a small
registry from its own definitions file on first use and reads unit text through
:func:`read_unit` (and :func:`parse_unit`, which returns pint's unit), which close those traps
before pint sees the text.

Importing pint (and numpy, which pint imports) takes longer than the rest of ``celldose dose``,
so the few unit texts a dose, a weight or a product uses most (``cells``, ``kg``, ``lb``,
``m**2``, ``mL``, ``cells/mL``) have pint's readings in ``unit_readings.toml`` (checked against
pint by the tests): :func:`unit_dimensionality` and :func:`unit_factor` answer from there, and
ask pint for any other text or target.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from celldose.protocols._errors import UnitError

if TYPE_CHECKING:
    from collections.abc import Mapping

MAX_TEXT_LENGTH = 1000  # a dose, unit or regimen text (pint's parser is super-linear in length)

_SUPERSCRIPT_POWERS = {"²": "**2", "³": "**3", "⁻¹": "**-1"}
_SQUARE_SUFFIX = re.compile(r"\b(k?m|cm|mm)([23])\b")
_KG_SPELLINGS = re.compile(r"\b(Kg|KG|kG)\b")
_UNIT_TEXT = re.compile(r"^[A-Za-zµμ/*.() 0-9\-]*$")
_EXPONENT = re.compile(r"\*\*\s*-?\d+")
_POWER = re.compile(r"\*\*\s*-?(\d+)(\s*\*\*)?")
_GLUED_DIGIT = re.compile(r"[A-Za-zµμ0-9]*[0-9][A-Za-zµμ0-9]*")
_WORD = re.compile(r"[A-Za-zµμ]+")


@cache
def registry() -> Any:
    """Return the celldose unit registry (built on first call, then shared)."""
    import pint

    definitions = resources.files("celldose.protocols").joinpath("units.txt")
    ureg: Any
    with resources.as_file(definitions) as path:
        # No cache_folder: pint's cache is a pickle, and unpickling a file from a user-writable
        # folder runs whatever code it holds. The definitions are parsed on every start.
        ureg = pint.UnitRegistry(str(path), autoconvert_offset_to_baseunit=False, cache_folder=None)
    ureg.formatter.default_format = "~P"
    return ureg


def normalize_unit_text(text: str) -> str:
    """Rewrite the spellings people use (``m²``, ``m2``, ``Kg``) into pint's own."""
    out = text.strip()
    for sup, power in _SUPERSCRIPT_POWERS.items():
        out = out.replace(sup, power)
    out = _SQUARE_SUFFIX.sub(r"\1**\2", out)
    out = re.sub(r"\^\s*(\d)", r"**\1", out)
    out = _KG_SPELLINGS.sub("kg", out)
    return out


def parse_unit(text: str, *, original: str | None = None) -> Any:
    """Parse unit text (``cells/kg``, ``mL``, ``cells/m²``) into a pint ``Unit``.

    Raises :class:`UnitError` with a hint for anything pint would misread or cannot read.
    """
    shown = original if original is not None else text
    return _pint_units(read_unit(text, original=original), shown, text)


def read_unit(text: str, *, original: str | None = None) -> str:
    """Check unit text (``cells/kg``, ``mL``, ``cells/m²``) and return it as pint spells it
    (``cells/m**2``), a unit pint knows: ask :func:`unit_dimensionality` and
    :func:`unit_factor` about it.

    Raises :class:`UnitError` with a hint for anything pint would misread or cannot read.

    >>> read_unit(" cells/m² ")
    'cells/m**2'
    """
    shown = original if original is not None else text
    if len(text) > MAX_TEXT_LENGTH:
        raise UnitError(
            shorten(shown),
            f"the unit is {len(text):,} characters long, more than the "
            f"{MAX_TEXT_LENGTH:,} celldose reads",
            "write a unit like cells/kg, cells/m² or mL",
        )
    if "%" in text:
        raise UnitError(
            shown,
            "'%' is not accepted in a unit (a percent would scale the number by 100)",
            "write a fraction as a plain number (0.9 for 90%)",
        )
    if "," in text:
        raise UnitError(shown, "commas are not allowed in units", "remove the comma")
    if re.search(r"\bcc\b", text):
        raise UnitError(shown, "'cc' is not accepted", "write mL (1 cc = 1 mL)")
    if re.search(r"\bM\b", text):
        raise UnitError(
            shown,
            "'M' would be read as molar",
            "write 'million' or a power of ten, e.g. 2×10⁶ cells/kg",
        )
    normalized = normalize_unit_text(text)
    if not _UNIT_TEXT.match(normalized):
        odd = sorted({c for c in normalized if not _UNIT_TEXT.match(c)})
        raise UnitError(
            shown,
            f"the unit contains {' '.join(repr(c) for c in odd)}, which celldose does not accept",
            "write units like cells/kg, cells/m² (or m2), mL",
        )
    if not normalized:
        raise UnitError(shown, "no unit given", "add a unit, e.g. cells/kg, cells, mL or kg")
    if normalized.startswith(("**", "*", "/")):
        # "2.10^6 cells/kg": the number ends at "2.10" and the power is left without its ten
        raise UnitError(
            shown,
            f"'{text.strip()}' starts with an operator, not a unit: the number before it is "
            "incomplete",
            "write a power of ten as 2×10^6 (or 2×10⁶ or 2e6); a period is a decimal point, "
            "not a multiplication sign",
        )
    _refuse_towers(normalized, shown)
    _refuse_glued_digits(normalized, shown)
    _refuse_prefixed_cells(normalized, shown)
    if normalized not in _known_units():
        _pint_units(normalized, shown, text)  # refuses what pint cannot read
    return normalized


def _pint_units(normalized: str, shown: str, text: str) -> Any:
    """pint's unit for checked text, or :class:`UnitError` when pint cannot read it."""
    import pint

    try:
        return _parsed_units(normalized)
    except pint.UndefinedUnitError as exc:
        raise UnitError(
            shown,
            f"unknown unit {str(exc.unit_names[0] if exc.unit_names else exc)!r}",
            "use cells, cells/kg, cells/m², mL, L, kg, g, lb, mg, µg, days or weeks",
        ) from None
    except Exception:  # pint's tokenizer and parser raise assorted built-ins
        raise UnitError(
            shown,
            f"'{text.strip()}' cannot be read as a unit",
            "write units like cells/kg, cells/m² (or m2), mL",
        ) from None


@lru_cache(maxsize=512)
def _parsed_units(normalized: str) -> Any:
    """pint's reading of checked unit text; a file of many arms writes a few units many times,
    and pint's parser takes about a millisecond a unit (a unit object is immutable: shared)."""
    return registry().parse_units(normalized)


def shorten(text: str, limit: int = 60) -> str:
    """The start of a long text, for a message that must stay one readable line."""
    return text if len(text) <= limit else text[:limit] + "…"


def _refuse_towers(normalized: str, shown: str) -> None:
    """A unit takes one small power (m², kg⁻¹): pint would compute ``kg**9**9**9`` for ever."""
    for power in _POWER.finditer(normalized):
        if power.group(2) or len(power.group(1)) > 1:
            raise UnitError(
                shown,
                "a power of a power, or a power above 9, is not a unit",
                "write units like cells/kg, cells/m² (or m2), mL",
            )


def _refuse_glued_digits(normalized: str, shown: str) -> None:
    """Digits belong to powers (``m**2``); ``1cells`` is a number glued to a unit, never 1×cells."""
    glued = _GLUED_DIGIT.search(_EXPONENT.sub(" ", normalized))
    if glued is not None:
        raise UnitError(
            shown,
            f"{glued.group(0)!r} in the unit: a number glued to a unit",
            "write the number in one piece, then a space and the unit: 2×10^6 cells/kg",
        )


def _refuse_prefixed_cells(normalized: str, shown: str) -> None:
    """Cells take no SI prefix: pint would read ``mcells`` as milli-cells (2×10⁶ mcells = 2000)."""
    for word in _WORD.findall(normalized):
        lower = word.lower()
        if lower.endswith(("cell", "cells")) and lower not in ("cell", "cells"):
            raise UnitError(
                shown,
                f"{word!r}: cells take no prefix (it would be read as a multiple of one cell)",
                "write the power of ten with the number: 2×10⁶ cells/kg",
            )


def quantity(value: float, unit: Any) -> Any:
    """Build a pint Quantity in the celldose registry (unit text is read once per text)."""
    return registry().Quantity(value, _parsed_units(unit) if isinstance(unit, str) else unit)


@cache
def _known_units() -> Mapping[str, Any]:
    """pint's readings of the most used unit texts (``unit_readings.toml``, read once)."""
    text = resources.files("celldose.protocols").joinpath("unit_readings.toml").read_text("utf-8")
    return tomllib.loads(text)


def unit_dimensionality(unit: str) -> str:
    """The dimensionality of unit text returned by :func:`read_unit`, as pint writes it.

    >>> unit_dimensionality("cells/mL")
    '[cell_count] / [length] ** 3'
    """
    known = _known_units().get(unit)
    if known is not None:
        return str(known["dimensionality"])
    return str(_parsed_units(unit).dimensionality)


@lru_cache(maxsize=512)
def unit_factor(unit: Any, target: str) -> float:
    """How many ``target`` one ``unit`` (text from :func:`read_unit`, or a pint unit) is:
    ``unit_factor("lb", "kg")`` is 0.45359237. pint's conversion, done once per pair (it costs
    a fraction of a millisecond each time), or its reading in ``unit_readings.toml``.

    >>> unit_factor("lb", "kg")
    0.45359237
    """
    if isinstance(unit, str):
        known = _known_units().get(unit)
        if known is not None and target in known["to"]:
            return float(known["to"][target])
        unit = _parsed_units(unit)
    return float(quantity(1.0, unit).to(target).magnitude)
