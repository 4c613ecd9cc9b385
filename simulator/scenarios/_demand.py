"""What a cohort needs manufactured: cells dosed, cells thawed in whole containers, what to order.

A container (a vial, a bag) is single use: a thawed container is not kept for the next dose, so
the cells thawed are the whole containers opened (containers × cells per container), more than
the cells dosed. The overage applies to what is ordered: whole containers (ceil(containers ×
overage)) when the container size is known, so the cells ordered are those containers' content;
without a container size, the cells drawn × overage (and the result says containers are not
counted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Demand:
    """What the cohort needs manufactured, with the overage factor applied.

    With a container size: ``cells_thawed`` = ``vials`` × ``cells_per_vial`` and
    ``cells_to_manufacture`` = ``vials_to_manufacture`` × ``cells_per_vial``.

    >>> d = manufacturing_demand(9.6e8, 9.6e8, 25.384e6, 80, 1.2)
    >>> d.cells_thawed, d.vials_to_manufacture, d.cells_to_manufacture
    (2030720000.0, 96, 2436864000.0)
    """

    overage: float
    cells_given: float  # cells dosed to the patients
    cells_to_draw: float  # cells given, divided by the viability when the dose counts viable
    cells_to_manufacture: float  # what is ordered: the ordered containers' cells, or drawn × F
    cells_per_vial: float | None
    vials: int | None  # whole containers thawed over the cohort (None: container size unknown)
    vials_to_manufacture: int | None  # ceil(vials × overage)
    cells_thawed: float | None = None  # vials × cells_per_vial: every cell of every container
    container: str = "vial"  # the product's container word (vial, bag)

    @property
    def cells_not_dosed(self) -> float | None:
        """Cells thawed but not drawn for a dose (left in the opened containers)."""
        if self.cells_thawed is None:
            return None
        return max(self.cells_thawed - self.cells_to_draw, 0.0)

    def to_dict(self) -> dict[str, Any]:
        """The ``manufacturing`` object of the cohort JSON."""
        return {
            "overage": self.overage,
            "cells_given": self.cells_given,
            "cells_to_draw": self.cells_to_draw,
            "cells_thawed": self.cells_thawed,
            "cells_to_manufacture": self.cells_to_manufacture,
            "container": self.container,
            "cells_per_vial": self.cells_per_vial,
            "vials": self.vials,
            "vials_to_manufacture": self.vials_to_manufacture,
        }


def manufacturing_demand(
    cells_given: float,
    cells_to_draw: float,
    cells_per_vial: float | None,
    vials: int | None,
    overage: float,
    container: str = "vial",
) -> Demand:
    """The demand from the cohort's totals (see the module's docstring for the rules)."""
    if cells_per_vial is None or vials is None:
        return Demand(
            overage=overage,
            cells_given=cells_given,
            cells_to_draw=cells_to_draw,
            cells_to_manufacture=cells_to_draw * overage,
            cells_per_vial=None,
            vials=None,
            vials_to_manufacture=None,
            container=container,
        )
    ordered = math.ceil(vials * overage * (1 - 1e-12))  # 10 × 1.1 is 11, not 12
    return Demand(
        overage=overage,
        cells_given=cells_given,
        cells_to_draw=cells_to_draw,
        cells_to_manufacture=ordered * cells_per_vial,
        cells_per_vial=cells_per_vial,
        vials=vials,
        vials_to_manufacture=ordered,
        cells_thawed=vials * cells_per_vial,
        container=container,
    )


__all__ = ["Demand", "manufacturing_demand"]
