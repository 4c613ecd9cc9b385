"""An arm dosed as the whole content of N containers: its dose in cells from the product in hand.

The protocol says ``dose_by: whole containers`` with ``containers: N``
(:func:`celldose.protocols.whole_containers`); the cells come from the product in hand (the
protocol's, or a vial given with ``vial=``, labelled): N × cells per container, × the viability
when the dose counts viable cells (so that each dose draws exactly N containers).
"""

from __future__ import annotations

from celldose.protocols import (
    Arm,
    Dose,
    OptionError,
    Protocol,
    format_sig,
    plural,
    whole_containers,
)
from celldose.simulator.dosing._logistics import Product


def whole_container_dose(
    protocol: Protocol, arm: Arm, product: Product, context: str
) -> tuple[Dose, str] | None:
    """The arm's dose and its words (``the whole content of 4 vials``), or None when the arm
    does not dose whole containers."""
    whole = whole_containers(protocol, arm)
    if whole is None:
        return None
    known = product.vial_cells is not None or (
        product.vial_volume_ml is not None and product.concentration is not None
    )
    per = product.cells_per_vial if known else None
    if per is None:
        raise OptionError(
            f"the dose {context} is {whole.text}, but the product does not give the cells "
            f"in one {whole.container}",
            'pass vial="3.8 mL" (with concentration=) or vial="3e7 cells"',
            fields=("vial",),
        )
    if whole.stated is not None and abs(whole.count * per - whole.stated.amount) > (
        0.01 * whole.stated.amount
    ):
        raise OptionError(
            f"the dose {context} is {whole.text} ({whole.stated}, as the source states), but "
            f"{plural(whole.count, whole.container)} of {format_sig(per)} cells hold "
            f"{format_sig(whole.count * per)} cells",
            "drop vial=, or give the vial the protocol's product has",
            fields=("vial",),
        )
    fraction = product.viability if product.dose_counts_viable and product.viability else 1.0
    return Dose(amount=whole.count * per * fraction, unit="cells", basis="flat"), whole.text


__all__ = ["whole_container_dose"]
