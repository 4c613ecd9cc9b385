"""celldose.simulator: patients, species, dosing math, schedules, simulation and plotting.

The dose path (:func:`plan_doses`) imports neither numpy nor matplotlib; the cohort simulation
and the plotting functions load them when first used.
"""

from __future__ import annotations

from typing import Any

from celldose.simulator._logistics import Draw, Product, draw
from celldose.simulator._patient import (
    Patient,
    Weight,
    dubois_bsa,
    make_patient,
    meeh_bsa,
    mosteller_bsa,
    parse_height,
    parse_weight,
)
from celldose.simulator._schedule import (
    DoseOptions,
    DosePlan,
    DoseRecord,
    ScaleInfo,
    Schedule,
    plan_doses,
)
from celldose.simulator._species import Species, get_species, species_names, species_table

# Heavy parts, imported on first use: name -> module.
_LAZY: dict[str, str] = {
    # what-if scenarios and virtual cohorts (numpy)
    "WhatIf": "celldose.simulator._whatif",
    "whatif": "celldose.simulator._whatif",
    "Cohort": "celldose.simulator._cohort",
    "CohortResult": "celldose.simulator._cohort",
    "simulate_cohort": "celldose.simulator._cohort",
    # figures (matplotlib)
    "draw_timeline": "celldose.simulator._timeline",
    "plot_timeline": "celldose.simulator._timeline",
    "draw_cohort_histogram": "celldose.simulator._cohort_plot",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'celldose.simulator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "DoseOptions",
    "DosePlan",
    "DoseRecord",
    "Draw",
    "Patient",
    "Product",
    "ScaleInfo",
    "Schedule",
    "Species",
    "Weight",
    "draw",
    "dubois_bsa",
    "get_species",
    "make_patient",
    "meeh_bsa",
    "mosteller_bsa",
    "parse_height",
    "parse_weight",
    "plan_doses",
    "species_names",
    "species_table",
]
