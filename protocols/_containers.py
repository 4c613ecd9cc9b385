"""Doses given as the whole content of containers (``dose_by: whole containers``).

Some labels dose whole containers, not an amount: Alofisel gives "the whole content of 4
vials" (4 × 30×10⁶ cells). In a protocol file (at the protocol's level, or an arm's)::

    dose_by: whole containers
    containers: 4            # vials or bags: the product's container word
    dose: 1.2×10⁸ cells      # optional: the amount the source states; checked against 4 × 3×10⁷

The dose is then ``containers`` × the cells in one container (the product's ``cells_per_vial``,
or ``concentration`` × ``vial_volume``). The checks here run with the protocol's other
cross-field checks, so ``celldose check`` lists every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from celldose.protocols._display import format_sig, plural
from celldose.protocols._dose import Dose
from celldose.protocols._protocol_checks import FieldProblem

if TYPE_CHECKING:
    from celldose.protocols._product import Product
    from celldose.protocols._protocol import Arm, Protocol

DoseBy = Literal["whole containers"]


@dataclass(frozen=True)
class WholeContainers:
    """An arm's dose as the whole content of ``count`` containers; ``stated`` is the amount the
    source states (or None)."""

    count: int
    container: str  # vial, bag
    stated: Dose | None

    @property
    def text(self) -> str:
        """``the whole content of 4 vials``."""
        return f"the whole content of {plural(self.count, self.container)}"


def whole_containers(protocol: Protocol, arm: Arm) -> WholeContainers | None:
    """The arm's whole-container dose: its own, or the protocol's where the arm gives no dose."""
    word = protocol.product.container
    if arm.dose_by is not None and arm.containers is not None:
        stated = arm.dose if isinstance(arm.dose, Dose) else None
        return WholeContainers(arm.containers, word, stated)
    own = arm.dose is not None or any(p.dose is not None for p in arm.regimen.phases)
    if protocol.dose_by is not None and protocol.containers is not None and not own:
        stated = protocol.dose if isinstance(protocol.dose, Dose) else None
        return WholeContainers(protocol.containers, word, stated)
    return None


def cells_per_container(product: Product) -> float | None:
    """The cells in one container of the product, where the product says."""
    if product.cells_per_vial is not None:
        return product.cells_per_vial
    if product.concentration is not None and product.vial_volume is not None:
        return product.concentration * product.vial_volume
    return None


def _pair(
    dose_by: DoseBy | None, containers: int | None, *path: str | int
) -> Iterator[FieldProblem]:
    if dose_by is not None and containers is None:
        yield FieldProblem(  # blamed on dose_by: the missing field has no line
            "whole containers needs containers: the number of containers a dose uses (add e.g. "
            "containers: 4 next to dose_by)",
            *path, "dose_by",
        )  # fmt: skip
    if containers is not None and dose_by is None:
        yield FieldProblem(  # blamed on containers: the missing field has no line
            "containers needs dose_by: whole containers (containers is the number of whole "
            "containers a dose uses)",
            *path, "containers",
        )  # fmt: skip


def container_checks(p: Protocol) -> Iterator[FieldProblem]:
    """Every problem of the whole-container doses of ``p``."""
    yield from _pair(p.dose_by, p.containers)
    per = cells_per_container(p.product)
    for index, arm in enumerate(p.arms):
        yield from _pair(arm.dose_by, arm.containers, "arms", index)
        whole = whole_containers(p, arm)
        if whole is None:
            continue
        where: tuple[str | int, ...] = ("arms", index) if arm.dose_by is not None else ()
        if arm.dose_by is not None and any(ph.dose is not None for ph in arm.regimen.phases):
            yield FieldProblem(
                f"arm {arm.name!r} doses whole containers: its regimen's phases cannot give "
                "their own dose",
                "arms", index, "regimen",
            )  # fmt: skip
        stated = whole.stated
        if stated is None:
            continue
        if stated.basis != "flat" or not stated.is_cells:
            yield FieldProblem(
                f"dose_by: whole containers gives a number of cells, not {stated}: write the "
                "amount the source states (e.g. 1.2×10⁸ cells), or leave dose out",
                *where, "dose",
            )  # fmt: skip
        elif per is not None and abs(whole.count * per - stated.amount) > 0.01 * stated.amount:
            yield FieldProblem(
                f"the dose {stated} contradicts {whole.text} of {format_sig(per)} cells "
                f"({format_sig(whole.count * per)} cells); make them agree",
                *where, "dose",
            )  # fmt: skip


__all__ = [
    "DoseBy",
    "WholeContainers",
    "cells_per_container",
    "container_checks",
    "whole_containers",
]
