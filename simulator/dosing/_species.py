"""The species table (``species.toml``): Km, Meeh K, weights. Data, loaded once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from celldose.protocols import PatientError

BsaMethod = Literal["meeh", "mosteller", "none"]


@dataclass(frozen=True)
class Species:
    """One row of the species table; see the header of species.toml for the fields."""

    id: str
    label: str
    group: str
    km: float | None
    meeh_k: float | None
    bsa: BsaMethod
    typical_kg: float
    soft_kg: tuple[float, float]
    hard_kg: tuple[float, float]
    cohort_median_kg: float
    cohort_sigma: float
    source: str
    plural: str = ""  # the label for more than one ("human children"); label + "s" if not given

    def __post_init__(self) -> None:
        if not self.plural:
            object.__setattr__(self, "plural", self.label + "s")


@cache
def species_table() -> dict[str, Species]:
    """All species, by id."""
    text = resources.files("celldose.simulator.dosing").joinpath("species.toml").read_text("utf-8")
    table: dict[str, Species] = {}
    for key, row in tomllib.loads(text).items():
        table[key] = Species(
            id=key,
            label=row["label"],
            group=row["group"],
            km=row.get("km"),
            meeh_k=row.get("meeh_k"),
            bsa=row["bsa"],
            typical_kg=float(row["typical_kg"]),
            soft_kg=(float(row["soft_kg"][0]), float(row["soft_kg"][1])),
            hard_kg=(float(row["hard_kg"][0]), float(row["hard_kg"][1])),
            cohort_median_kg=float(row["cohort"]["median_kg"]),
            cohort_sigma=float(row["cohort"]["sigma"]),
            source=row["source"],
            plural=row.get("plural", ""),
        )
    return table


def species_names() -> tuple[str, ...]:
    """The species ids of the species table (species.toml), in its order.

    >>> species_names()[:4]
    ('dog', 'cat', 'horse', 'human')
    """
    return tuple(species_table())


def get_species(name: str) -> Species:
    """The species called ``name`` (an id of species.toml)."""
    table = species_table()
    key = name.strip().lower().replace(" ", "-")
    if key in table:
        return table[key]
    raise PatientError(f"unknown species {name!r}", "use one of: " + ", ".join(table))
