"""celldose.simulator: from a protocol to doses, scenarios and figures, in three stages.

- :mod:`celldose.simulator.dosing`: one patient, one plan (no numpy random, no matplotlib);
- :mod:`celldose.simulator.scenarios`: what-if, cohorts and comparisons (numpy);
- :mod:`celldose.simulator.figures`: timelines and histograms (matplotlib).

The dosing names are here directly; the others load their stage on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from celldose.simulator.dosing import (
    DoseOptions,
    DosePlan,
    DoseRecord,
    Draw,
    Patient,
    Product,
    ScaleInfo,
    Schedule,
    Species,
    Weight,
    draw,
    dubois_bsa,
    get_species,
    make_patient,
    meeh_bsa,
    mosteller_bsa,
    parse_height,
    parse_weight,
    plan_doses,
    species_names,
    species_table,
)

_LAZY: dict[str, str] = {
    "Cohort": "celldose.simulator.scenarios",
    "CohortResult": "celldose.simulator.scenarios",
    "WhatIf": "celldose.simulator.scenarios",
    "WhatIfResult": "celldose.simulator.scenarios",
    "simulate_cohort": "celldose.simulator.scenarios",
    "whatif": "celldose.simulator.scenarios",
    "draw_cohort_histogram": "celldose.simulator.figures",
    "draw_timeline": "celldose.simulator.figures",
    "plot_timeline": "celldose.simulator.figures",
    "timeline_figure": "celldose.simulator.figures",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'celldose.simulator' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Cohort",
    "CohortResult",
    "DoseOptions",
    "DosePlan",
    "DoseRecord",
    "Draw",
    "Patient",
    "Product",
    "ScaleInfo",
    "Schedule",
    "Species",
    "WhatIf",
    "WhatIfResult",
    "Weight",
    "draw",
    "draw_cohort_histogram",
    "draw_timeline",
    "dubois_bsa",
    "get_species",
    "make_patient",
    "meeh_bsa",
    "mosteller_bsa",
    "parse_height",
    "parse_weight",
    "plan_doses",
    "plot_timeline",
    "simulate_cohort",
    "species_names",
    "species_table",
    "timeline_figure",
    "whatif",
]
