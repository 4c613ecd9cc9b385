"""Patients: weight with a unit (kg, g, lb), species, and body surface area.

1 lb = 0.45359237 kg exactly (the international avoirdupois pound), never 1/2.2. A bare number
is refused: "12 what?". BSA: Meeh for dogs and cats (K × (weight in g)^(2/3) × 10⁻⁴), Mosteller
for humans (√(height cm × weight kg / 3600)), DuBois on request
(0.007184 × W^0.425 × H^0.725).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

from celldose.protocols import PatientError, Weight, parse_weight, read_measure
from celldose.simulator.dosing._species import Species, get_species

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
else:
    FloatArray = Any

_HEIGHT_UNITS = {"cm": 1.0, "m": 100.0, "in": 2.54}
HumanBsa = Literal["mosteller", "dubois"]


def parse_height(text: str) -> float:
    """A height in cm (``170cm``, ``1.7m``, ``67in``)."""
    value, unit = read_measure(text, _HEIGHT_UNITS, "height", "170cm")
    cm = value * _HEIGHT_UNITS[unit]
    if not 20 <= cm <= 260:
        raise PatientError(f"a height of {cm:g} cm is not plausible", "check the value and unit")
    return cm


@overload
def meeh_bsa(weight_kg: float, k: float) -> float: ...
@overload
def meeh_bsa(weight_kg: FloatArray, k: float) -> FloatArray: ...
def meeh_bsa(weight_kg: float | FloatArray, k: float) -> float | FloatArray:
    """Meeh: K × (weight in g)^(2/3) × 10⁻⁴ m², for one weight or a numpy array of them.

    >>> round(meeh_bsa(10.0, 10.1), 4)  # a 10 kg dog
    0.4688
    """
    bsa = k * (weight_kg * 1000.0) ** (2.0 / 3.0) * 1e-4
    return float(bsa) if isinstance(weight_kg, int | float) else bsa


def mosteller_bsa(weight_kg: float, height_cm: float) -> float:
    """Body surface area in m² by Mosteller (1987): √(height cm × weight kg / 3600).

    The default for humans; weight in kg, height in cm.

    >>> round(mosteller_bsa(70, 170), 3)
    1.818
    """
    return float(math.sqrt(height_cm * weight_kg / 3600.0))


def dubois_bsa(weight_kg: float, height_cm: float) -> float:
    """Body surface area in m² by Du Bois and Du Bois (1916): 0.007184 × kg^0.425 × cm^0.725.

    For humans, on request (``human_bsa="dubois"``); weight in kg, height in cm.

    >>> round(dubois_bsa(70, 170), 3)
    1.81
    """
    return float(0.007184 * weight_kg**0.425 * height_cm**0.725)


@dataclass(frozen=True)
class Patient:
    """One patient: species, weight, and (for humans) height."""

    species: Species
    weight: Weight
    height_cm: float | None = None
    human_bsa: HumanBsa = "mosteller"
    warnings: tuple[str, ...] = field(default=())

    @property
    def weight_kg(self) -> float:
        return self.weight.kg

    def bsa(self) -> tuple[float, str]:
        """BSA in m² and the formula used; PatientError when it cannot be computed."""
        sp = self.species
        if sp.bsa == "meeh" and sp.meeh_k is not None:
            return meeh_bsa(self.weight_kg, sp.meeh_k), f"Meeh, K={sp.meeh_k:g}"
        if sp.bsa == "mosteller":
            if self.height_cm is None:
                raise PatientError(
                    f"a per-m² dose for a {sp.label} needs the body surface area",
                    'pass height="170cm"',
                    fields=("height",),
                )
            if self.human_bsa == "dubois":
                return dubois_bsa(self.weight_kg, self.height_cm), "DuBois"
            return mosteller_bsa(self.weight_kg, self.height_cm), "Mosteller"
        raise PatientError(
            f"celldose has no BSA formula for a {sp.label}",
            "use a per-kg or flat dose",
        )


def make_patient(
    species: Species | str,
    weight: str | Weight,
    *,
    height: str | None = None,
    human_bsa: HumanBsa = "mosteller",
) -> Patient:
    """A patient of ``species`` (a :class:`Species` or its id) weighing ``weight`` (``"26.5lb"``).

    Checks the weight against the species' ranges: refuses outside hard, warns outside soft.
    """
    if isinstance(species, str):
        species = get_species(species)
    elif not isinstance(species, Species):
        raise PatientError(
            f"species must be a species id or a Species, not {type(species).__name__} {species!r}",
            'write it like "dog"',
            fields=("species",),
        )
    if isinstance(weight, Weight):
        w = weight
    elif isinstance(weight, str):
        w = parse_weight(weight)
    else:
        raise PatientError(
            f"the weight must be text with a unit or a Weight, not {weight!r}",
            'write it like "12kg" or "26.5lb"',
        )
    low, high = species.hard_kg
    if not low <= w.kg <= high:
        raise PatientError(
            f"a {species.label} of {w.text} is outside the accepted {low:g}-{high:g} kg",
            "check the number and the unit: kg, g or lb",
        )
    warnings: list[str] = []
    soft_low, soft_high = species.soft_kg
    if not soft_low <= w.kg <= soft_high:
        warnings.append(
            f"weight {w.text} is outside the usual {soft_low:g}-{soft_high:g} kg for a "
            f"{species.label}: check it"
        )
    height_cm = parse_height(height) if height is not None else None
    return Patient(species, w, height_cm, human_bsa, tuple(warnings))
