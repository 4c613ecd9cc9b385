"""celldose.simulator.scenarios: what-if for one patient, virtual cohorts, comparisons.

Built on :mod:`celldose.simulator.dosing`. numpy lives here: the cohort names load it on first
use, so a what-if or a comparison does not pay for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from celldose.simulator.scenarios._comparison import (
    Lane,
    build_lane,
    build_lanes,
    comparison_rows,
    wilson_interval,
)
from celldose.simulator.scenarios._whatif import WhatIf, WhatIfResult, whatif

if TYPE_CHECKING:
    from celldose.simulator.scenarios._cohort import Cohort, CohortResult, simulate_cohort

_NUMPY = {"Cohort", "CohortResult", "simulate_cohort"}


def __getattr__(name: str) -> Any:
    if name in _NUMPY:
        return getattr(importlib.import_module("celldose.simulator.scenarios._cohort"), name)
    raise AttributeError(f"module 'celldose.simulator.scenarios' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Cohort",
    "CohortResult",
    "Lane",
    "WhatIf",
    "WhatIfResult",
    "build_lane",
    "build_lanes",
    "comparison_rows",
    "simulate_cohort",
    "whatif",
    "wilson_interval",
]
