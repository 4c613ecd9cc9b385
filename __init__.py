"""celldose: cell-therapy (MSC) treatment protocols turned into per-patient dose schedules.

The front door for Python users. Every public name of the three stages is here, and each is
loaded on first use, so ``import celldose`` costs nothing and the dose path never pays for numpy's
random machinery or matplotlib::

    >>> import celldose
    >>> plan = celldose.plan_doses("chen2024-itp-ucmsc", weight="70 kg", arm="expansion-2.0")
    >>> plan.schedules[0].total_cells
    560000000.0

The stages, one subpackage each, with imports running one way (``cli`` → ``figures`` →
``scenarios`` → ``dosing`` → ``protocols``):

- :mod:`celldose.protocols`: the protocol language, validation and the bundled library;
- :mod:`celldose.simulator.dosing`: one patient, one plan (the one dose rule);
- :mod:`celldose.simulator.scenarios`: what-if, virtual cohorts, comparisons, statistics (numpy);
- :mod:`celldose.simulator.figures`: timelines and histograms (matplotlib);
- :mod:`celldose.cli`: the command-line application (``python -m celldose``).

Errors are :class:`CelldoseError` subclasses whose message says how to fix the input.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> the public package it comes from (never a private module)
_PUBLIC: dict[str, str] = {
    # the protocol language and the library
    "CelldoseError": "celldose.protocols",
    "Dose": "celldose.protocols",
    "Protocol": "celldose.protocols",
    "Regimen": "celldose.protocols",
    "library_ids": "celldose.protocols",
    "library_protocols": "celldose.protocols",
    "load_protocol": "celldose.protocols",
    "parse_dose": "celldose.protocols",
    "parse_protocol": "celldose.protocols",
    "parse_regimen": "celldose.protocols",
    # one patient, one plan
    "DoseOptions": "celldose.simulator.dosing",
    "DosePlan": "celldose.simulator.dosing",
    "Patient": "celldose.simulator.dosing",
    "fhir_bundle": "celldose.simulator.dosing",
    "get_species": "celldose.simulator.dosing",
    "make_patient": "celldose.simulator.dosing",
    "nonmem_records": "celldose.simulator.dosing",
    "plan_doses": "celldose.simulator.dosing",
    # what-if, cohorts, comparisons
    "Cohort": "celldose.simulator.scenarios",
    "CohortResult": "celldose.simulator.scenarios",
    "Comparison": "celldose.simulator.scenarios",
    "WhatIf": "celldose.simulator.scenarios",
    "WhatIfResult": "celldose.simulator.scenarios",
    "compare": "celldose.simulator.scenarios",
    "simulate_cohort": "celldose.simulator.scenarios",
    "whatif": "celldose.simulator.scenarios",
    # figures
    "draw_cohort_histogram": "celldose.simulator.figures",
    "draw_timeline": "celldose.simulator.figures",
    "plot_timeline": "celldose.simulator.figures",
    "timeline_figure": "celldose.simulator.figures",
}

__all__ = sorted([*_PUBLIC, "__version__"])

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        value: Any = version("celldose")
    elif name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    else:
        raise AttributeError(f"module 'celldose' has no attribute {name!r}")
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return list(__all__)  # the public API only (not typing helpers)
