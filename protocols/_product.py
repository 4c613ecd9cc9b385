"""The cell product of a protocol, and the product quantities it gives with their units.

A quantity (a concentration, a cell count, a volume) is text with a unit, read into the unit its
field counts in; read from a file (validation context ``units_required``) a bare number is
refused, since nothing but the field's name says what it counts.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator

from celldose.protocols._display import format_exact, format_sig
from celldose.protocols._dose import parse_amount
from celldose.protocols._errors import UnitError
from celldose.protocols._model_base import FrozenModel
from celldose.protocols._phase import NotReported

Donor = Literal["autologous", "allogeneic"]

UNITS_REQUIRED = "units_required"  # validation context key: a file must give every unit


def _amount(target: str, what: str) -> BeforeValidator:
    """Read a product quantity in ``target``; from a file (context ``units_required``) a
    number without its unit is refused, since nothing but the field's name says what it counts.
    """

    def read(value: object, info: ValidationInfo) -> float:
        required = (info.context or {}).get(UNITS_REQUIRED)
        if required and isinstance(value, int | float) and not isinstance(value, bool):
            shown = format_exact(float(value)) if math.isfinite(value) else str(value)
            raise UnitError(str(value), f"{what} needs a unit", f"write {shown} {target}")
        return parse_amount(value, target, what)

    return BeforeValidator(read, json_schema_input_type=str)


CellsPerML = Annotated[float, _amount("cells/mL", "a concentration")]
Cells = Annotated[float, _amount("cells", "a cell count")]
Millilitres = Annotated[float, _amount("mL", "a volume")]


class Product(FrozenModel):
    """The cell product."""

    name: str = Field(min_length=1, description="Product name, e.g. 'cAT-MSC'.")
    tissue_source: str | NotReported = Field(description="Tissue, e.g. 'adipose tissue'.")
    donor: Donor | NotReported = Field(description="autologous or allogeneic.")
    origin_species: str = Field(min_length=1, description="Species the cells come from.")
    concentration: CellsPerML | None = Field(default=None, description="Cells per mL.")
    cells_per_vial: Cells | None = Field(default=None, description="Cells in one vial.")
    vial_volume: Millilitres | None = Field(default=None, description="Volume of one vial.")
    viability: float | None = Field(
        default=None, gt=0, le=1, description="Fraction of viable cells (0.92 = 92%)."
    )
    dose_counts: Literal["total cells", "viable cells"] | None = Field(
        default=None,
        description="Whether the dose counts all cells or viable cells only; not stated: no "
        "viability correction, and the output says so.",
    )
    container: Literal["vial", "bag"] = Field(
        default="vial",
        description="What one unit of the product is called (vial or bag): cells_per_vial and "
        "vial_volume are one container's content.",
    )
    notes: str = ""

    @model_validator(mode="after")
    def _vial(self) -> Product:
        if self.dose_counts == "viable cells" and self.viability is None:
            raise ValueError("dose_counts: viable cells needs the product's viability")
        problem = vial_contradiction(self.concentration, self.cells_per_vial, self.vial_volume)
        if problem is not None:
            raise ValueError(
                f"{problem}; give two of the three (the third is derived from them), or make "
                "them agree"
            )
        return self


def vial_contradiction(
    concentration: float | None, cells_per_vial: float | None, vial_volume: float | None
) -> str | None:
    """What is wrong when a concentration, a vial's cells and its volume, all three known,
    disagree by more than 1% (two of them determine the third); None when they agree or one
    is not known.

    >>> vial_contradiction(5e6, 3e7, 6.0) is None  # 5×10⁶ cells/mL × 6 mL = 3×10⁷ cells
    True
    >>> vial_contradiction(6.68e6, 3e7, 6.0)[:45]
    'cells_per_vial (3×10⁷ cells) contradicts conc'
    """
    if concentration is None or cells_per_vial is None or vial_volume is None:
        return None
    implied = concentration * vial_volume
    if abs(implied - cells_per_vial) <= 0.01 * cells_per_vial:
        return None
    return (
        f"cells_per_vial ({format_sig(cells_per_vial, 4)} cells) contradicts "
        f"concentration × vial_volume ({format_sig(concentration, 4)} cells/mL × "
        f"{format_sig(vial_volume)} mL = {format_sig(implied, 4)} cells)"
    )


__all__ = [
    "UNITS_REQUIRED",
    "vial_contradiction",
    "Cells",
    "CellsPerML",
    "Donor",
    "Millilitres",
    "Product",
]
