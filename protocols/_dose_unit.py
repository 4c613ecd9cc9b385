"""The unit of a dose as written (``cells/kg``, ``cells/lb``, ``mg``): its amount, its basis and
the factors that bring it to celldose's own units (cells, mg, mL...; per kg, per m² or flat).

A protocol file writes a few units many times (``cells/kg`` in every arm), and checking one
(:func:`~celldose.protocols._units.read_unit`) takes tens of microseconds; a unit text that
reads without a problem is read once per process and its reading shared (it depends on the text
alone). A text that is refused is read again each time, so that every refusal names the dose it
was found in.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from celldose.protocols._errors import UnitError
from celldose.protocols._units import read_unit, unit_dimensionality, unit_factor

Basis = Literal["per kg", "per m²", "flat"]
AmountUnit = Literal["cells", "mg", "mL", "mmol", "IU"]

_NUMERATORS: dict[str, AmountUnit] = {
    "[cell_count]": "cells",
    "[mass]": "mg",
    "[length] ** 3": "mL",
    "[substance]": "mmol",
    "[biological_activity]": "IU",
}
_BASES: dict[str, Basis] = {"[mass]": "per kg", "[length] ** 2": "per m²"}
_BASIS_UNIT: dict[Basis, str] = {"per kg": "kg", "per m²": "m**2", "flat": ""}
_BODY_WEIGHT_UNITS = frozenset({"kg", "Kg", "KG", "g", "lb", "lbs", "pound"})
_MAX_READINGS = 1024  # distinct unit texts kept (a file of 1 MB could write many odd ones)


class DoseUnit(NamedTuple):
    """A dose unit text, read: ``amount`` of ``unit`` per ``basis`` is ``amount × factor / per``
    in celldose's units (``cells/lb``: factor 1, per 0.45359237). A named tuple: immutable, and
    cheaper to define at start-up than a dataclass."""

    amount_text: str  # as written: "cells"
    basis_text: str | None  # as written after the '/': "lb"; None for a flat dose
    unit: AmountUnit
    basis: Basis
    factor: float  # one amount_text in ``unit``
    per: float  # one basis_text in kg or m² (1.0 when flat)


_readings: dict[str, DoseUnit] = {}


def read_dose_unit(unit_text: str, original: str) -> DoseUnit:
    """Read ``unit_text`` (an amount and at most one basis, ``cells/kg``) of the dose written
    ``original``; raise :class:`UnitError` naming ``original`` when it is not a dose unit."""
    known = _readings.get(unit_text)
    if known is not None:
        return known
    reading = _read(unit_text, original)
    if len(_readings) >= _MAX_READINGS:
        _readings.clear()
    _readings[unit_text] = reading
    return reading


def _read(unit_text: str, original: str) -> DoseUnit:
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
            'a dose is cells, cells/kg or cells/m²; pass the body weight as weight="70 kg"',
            fields=("weight",),
        )
    numerator = read_unit(parts[0], original=original)
    dims = unit_dimensionality(numerator)
    name = _NUMERATORS.get(dims)
    if name is None:
        kind = "a dimensionless number" if dims == "dimensionless" else f"of dimension {dims}"
        raise UnitError(
            original,
            f"'{parts[0]}' is not a dose amount ({kind})",
            "a dose is cells, cells/kg or cells/m² (or mg, mL, mg/kg for ordinary drugs)",
        )
    factor = unit_factor(numerator, name)
    if len(parts) == 1:
        return DoseUnit(parts[0], None, name, "flat", factor, 1.0)
    denominator = read_unit(parts[1], original=original)
    basis = _BASES.get(unit_dimensionality(denominator))
    if basis is None:
        raise UnitError(
            original,
            f"'/{parts[1]}' is not a dose basis",
            "a dose is per kg (body weight), per m² (body surface area) or flat",
        )
    per = unit_factor(denominator, _BASIS_UNIT[basis])
    return DoseUnit(parts[0], parts[1], name, basis, factor, per)


__all__ = ["AmountUnit", "Basis", "DoseUnit", "read_dose_unit"]
