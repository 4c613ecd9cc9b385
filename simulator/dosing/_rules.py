"""The one copy of each dosing rule: a dose in cells, the spacing between doses, a window's place.

Every path of celldose that needs one of these rules calls it from here: the dose plan, the
figure lanes, the what-if and the cohort engine.

- :func:`cells_per_dose` turns one dose (per kg, per m², flat) into cells for a patient: a
  dose's amount is held in cells per kg, per m² or flat (its unit was read and converted when
  the dose was read), so cells/kg × kg = cells is one multiplication, with no unit to convert;
  :func:`cells_per_dose_array` is its vectorised twin for arrays of weights (the same
  arithmetic in the same order), tested to agree with it and with pint's units.
- :func:`min_gap_days` is the minimum number of days between two consecutive doses.
- :func:`land_window` places a response window from its anchor among the doses given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celldose.protocols import (
    Dose,
    DoseTime,
    Duration,
    OptionError,
    Phase,
    ResponseWindow,
    format_sig,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_OUT_OF_RANGE = "(more cells than a number can hold)"
_CHECK = "check the dose and its unit"


def cells_per_dose(
    dose: Dose, weight_kg: float, *, bsa_m2: float | None = None, scale_factor: float = 1.0
) -> float:
    """Cells per administration for a patient: cells/kg × kg = cells.

    ``bsa_m2`` is needed for a per-m² dose; ``scale_factor`` multiplies a per-kg dose
    (cross-species scaling by body surface area).

    >>> from celldose.protocols import parse_dose
    >>> cells_per_dose(parse_dose("2×10⁶ cells/kg"), 12.5)
    25000000.0
    >>> cells_per_dose(parse_dose("5×10⁷ cells/m²"), 10.0, bsa_m2=0.5)
    25000000.0
    """
    if dose.basis == "per kg":
        value = dose.amount * scale_factor * weight_kg
    elif dose.basis == "per m²":
        value = dose.amount * _bsa(dose, bsa_m2)
    else:
        value = dose.amount
    if not math.isfinite(value):
        raise OptionError(
            f"the dose {dose} for {format_sig(weight_kg)} kg is out of range {_OUT_OF_RANGE}",
            _CHECK,
        )
    return value


def cells_per_dose_array(
    dose: Dose,
    weights_kg: npt.NDArray[np.float64],
    *,
    bsa_m2: npt.NDArray[np.float64] | None = None,
    scale_factor: float = 1.0,
) -> npt.NDArray[np.float64]:
    """:func:`cells_per_dose` for an array of weights (and of BSAs, for a per-m² dose)."""
    import numpy as np

    weights = np.asarray(weights_kg, dtype=float)
    if dose.basis == "per kg":
        cells = dose.amount * scale_factor * weights
    elif dose.basis == "per m²":
        if bsa_m2 is None:
            _bsa(dose, None)
        cells = dose.amount * np.asarray(bsa_m2, dtype=float)
    else:
        cells = np.full(weights.shape, dose.amount, dtype=float)
    if not np.all(np.isfinite(cells)):
        raise OptionError(f"the dose {dose} is out of range {_OUT_OF_RANGE}", _CHECK)
    return cells


def _bsa(dose: Dose, bsa_m2: float | None) -> float:
    if bsa_m2 is None:
        raise OptionError(
            f"the dose {dose} is per m² of body surface area: pass bsa_m2=",
            fields=("bsa_m2",),
        )
    return bsa_m2


def min_gap_days(before: Phase, after: Phase, planned_gap: int) -> int:
    """The fewest days a schedule may put between two consecutive doses.

    The doses belong to phases ``before`` and ``after`` and the plan put them ``planned_gap``
    days apart. Within a phase: the phase's promise (3 days for twice weekly, the stated
    ``min_spacing``; 1 day otherwise: two doses never share a day). Across a phase boundary: the
    larger promise of the two phases, but never more than the plan's own gap, so that a plan
    the regimen accepts is never refused by its own rule (``q2d ×3 then twice weekly ×4`` puts
    doses 3 and 4 two days apart).

    >>> from celldose.protocols import parse_regimen
    >>> q2d, twice = parse_regimen("1e6 cells/kg q2d x3 then twice weekly x4").phases
    >>> min_gap_days(twice, twice, 3), min_gap_days(q2d, twice, 2)
    (3, 2)
    """
    need = max(before.spacing_days() or 1, after.spacing_days() or 1)
    if before == after:
        return need
    return max(1, min(need, planned_gap))


@dataclass(frozen=True)
class LandedWindow:
    """Where a response window lands among the doses given.

    ``anchor_index`` is the 0-based index of the anchor dose in the doses given; ``start`` and
    ``end`` are None where the source does not report them or there is no anchor; ``note`` says
    why there is no anchor.
    """

    anchor_index: int | None
    anchor: DoseTime | None
    start: DoseTime | None
    end: DoseTime | None
    note: str | None = None


def land_window(window: ResponseWindow, given: Sequence[DoseTime]) -> LandedWindow:
    """Place ``window`` from its anchor ('first dose', 'last dose', 'dose N') among ``given``.

    >>> from celldose.protocols import ResponseWindow
    >>> w = ResponseWindow(label="R", anchor="dose 2", start="4 weeks", end="not reported")
    >>> landed = land_window(w, [DoseTime.zero(), DoseTime.zero().plus_days(14)])
    >>> landed.anchor_index, str(landed.start), landed.end
    (1, 'day 42', None)
    """
    number = window.anchor_dose
    index = len(given) - 1 if number == "last" else number - 1
    if not 0 <= index < len(given):
        note = (
            "no dose is given: the window has no anchor"
            if not given
            else f"fewer than {number} doses are given ({len(given)}): the window has no anchor"
        )
        return LandedWindow(None, None, None, None, note)
    anchor = given[index]
    return LandedWindow(
        anchor_index=index,
        anchor=anchor,
        start=_after(anchor, window.start),
        end=_after(anchor, window.end),
    )


def _after(anchor: DoseTime, offset: object) -> DoseTime | None:
    return anchor.plus(offset.as_time()) if isinstance(offset, Duration) else None
