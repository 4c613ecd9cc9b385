"""Weight bands at dose time: the band that holds the patient picks the dose.

A protocol (or an arm) may give its dose as weight bands (``protocols/_bands.py``). For one
patient, :func:`weigh_in` replaces every band list by the dose of the band that holds the
patient's weight, and says which band each phase used, so the one dose rule downstream sees a
plain dose and every output can name the band. A weight outside every band is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from celldose.protocols import (
    EDGE_TOLERANCE,
    Arm,
    Dose,
    DoseBands,
    OptionError,
    Protocol,
    Weight,
    WeightRange,
    format_sig,
)
from celldose.simulator.dosing._rules import cells_per_dose_array

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]


def _pick(
    dose: Dose | DoseBands | str | None, weight: Weight, context: str
) -> tuple[Dose | str | None, str | None]:
    """The dose of the band that holds ``weight`` and the band's label; any other dose (or
    'not reported') as it is, with no band."""
    if not isinstance(dose, DoseBands):
        return dose, None
    band = dose.band_for(weight.kg)
    if band is None:
        bands = ", ".join(f'"{b.label}"' for b in dose.bands)
        raise OptionError(
            f"no weight band of the dose {context} holds {weight.text}: its bands are {bands}",
            "check the weight and its unit",
            fields=("weight",),
        )
    return band.dose, band.label


def weigh_in(
    protocol: Protocol, arm: Arm, weight: Weight, context: str
) -> tuple[Protocol, Arm, tuple[str | None, ...]]:
    """``protocol`` and ``arm`` with their weight bands replaced by the doses of the bands that
    hold ``weight``, and the band (its label, e.g. ``≤ 50 kg``) each phase of the arm used.

    >>> from celldose.protocols import parse_weight, protocol_from_regimen
    >>> p = protocol_from_regimen("weekly ×4", "human")
    >>> bands = DoseBands.model_validate([
    ...     {"weight": "≤ 50 kg", "dose": "2×10⁶ cells/kg"},
    ...     {"weight": "> 50 kg", "dose": "1×10⁸ cells"},
    ... ])
    >>> p = p.model_copy(update={"dose": bands})
    >>> _, arm, used = weigh_in(p, p.arms[0], parse_weight("110 lb"), "(test)")
    >>> used  # 110 lb = 49.895 kg
    ('≤ 50 kg',)
    """
    phases = range(1, len(arm.regimen.phases) + 1)
    reported = [protocol.phase_dose(arm, i) for i in phases]
    if not any(isinstance(d, DoseBands) for d in reported):
        return protocol, arm, tuple(None for _ in phases)
    arm_dose, band = _pick(arm.dose, weight, context)
    protocol_dose: object = protocol.dose
    if arm.dose is None:  # the arm takes the protocol's dose
        protocol_dose, band = _pick(protocol.dose, weight, context)
    new_arm = arm.model_copy(update={"dose": arm_dose})
    new_protocol = protocol.model_copy(
        update={
            "dose": protocol_dose,
            "arms": tuple(new_arm if a is arm else a for a in protocol.arms),
        }
    )
    used: list[str | None] = []
    for i, dose in zip(phases, reported, strict=True):
        own = any(p.dose is not None for p in arm.regimen.phases[:i])
        if own or not isinstance(dose, DoseBands):
            used.append(None)
        else:
            used.append(band)
    return new_protocol, new_arm, tuple(used)


def holds_array(band: WeightRange, weights_kg: FloatArray) -> BoolArray:
    """:meth:`WeightRange.holds` for an array of weights (the same comparisons, in kg)."""
    import numpy as np

    inside = np.ones(weights_kg.shape, dtype=bool)
    for bound, sign in ((band.low, 1), (band.high, -1)):
        if bound is None:
            continue
        edge = bound.weight.kg
        on_edge = np.abs(weights_kg - edge) <= EDGE_TOLERANCE * abs(edge)
        beyond = sign * (weights_kg - edge) > 0  # above a lower edge, below an upper one
        inside &= (beyond & ~on_edge) | (on_edge if bound.included else False)
    return inside


def cells_by_band(
    bands: DoseBands,
    weights_kg: FloatArray,
    *,
    dosing_kg: FloatArray | None = None,
    bsa_m2: FloatArray | None = None,
    scale_factor: float = 1.0,
) -> FloatArray:
    """Each patient's cells for a banded dose: the dose of the band that holds their weight,
    by :func:`cells_per_dose_array` (a virtual cohort's twin of :func:`weigh_in`).

    The band is chosen by the patient's weight; a per-kg band dose is computed on
    ``dosing_kg`` when given (the weight capped by a dosing weight limit)."""
    import numpy as np

    weights = np.asarray(weights_kg, dtype=float)
    dosing = weights if dosing_kg is None else np.asarray(dosing_kg, dtype=float)
    cells = np.full(weights.shape, np.nan)
    for band in bands.bands:
        inside = holds_array(band.range, weights)
        if inside.any():
            cells[inside] = cells_per_dose_array(
                band.dose,
                (dosing if band.dose.basis == "per kg" else weights)[inside],
                bsa_m2=None if bsa_m2 is None else np.asarray(bsa_m2)[inside],
                scale_factor=scale_factor,
            )
    outside = np.isnan(cells)
    if outside.any():
        low = format_sig(float(weights[outside].min()), 4)
        high = format_sig(float(weights[outside].max()), 4)
        span = f"{low} kg" if low == high else f"{low}-{high} kg"
        names = ", ".join(f'"{b.label}"' for b in bands.bands)
        raise OptionError(
            f"{int(outside.sum()):,} of the patients ({span}) weigh outside every weight band "
            f"of the dose ({names})",
            "cover the species' plausible weights with bands (check the protocol file), or give "
            "weights inside them",
        )
    return cells


__all__ = ["cells_by_band", "holds_array", "weigh_in"]
