"""celldose.simulator.scenarios: what-if for one patient, virtual cohorts, comparisons.

Built on :mod:`celldose.simulator.dosing`. numpy lives here: the cohort names load it on first
use, so a what-if or a comparison does not pay for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from celldose.simulator.scenarios._branch_shares import BranchShare, BranchShares
from celldose.simulator.scenarios._clinic import plan_roster
from celldose.simulator.scenarios._cohort import DEFAULT_SEED, Cohort, parse_delay_days
from celldose.simulator.scenarios._comparison import (
    COMPARISON_COLUMNS,
    Comparison,
    ComparisonRow,
    compare,
    comparison_notes,
    comparison_rows,
    format_cells,
)
from celldose.simulator.scenarios._lane_model import (
    DAYS_PER_MONTH,
    REFERENCE_START,
    Lane,
    LaneBranch,
    LaneDose,
    LaneSchedule,
    LaneWindow,
)
from celldose.simulator.scenarios._lane_sets import ANY, LaneOptions, build_lanes
from celldose.simulator.scenarios._lanes import build_lane
from celldose.simulator.scenarios._roster import (
    COHORT_COLUMNS,
    ROSTER_COLUMNS,
    Roster,
    RosterPatient,
    parse_roster,
    read_roster,
)
from celldose.simulator.scenarios._scenario import WhatIf, parse_delays, parse_skips, parse_weights
from celldose.simulator.scenarios._stats import (
    PERCENTILE_NOTE,
    ResponderForecast,
    Stats,
    responders_text,
    wilson_interval,
)
from celldose.simulator.scenarios._whatif import whatif
from celldose.simulator.scenarios._whatif_result import (
    WHATIF_CSV_COLUMNS,
    WhatIfDose,
    WhatIfResult,
    WindowShift,
)

if TYPE_CHECKING:
    from celldose.simulator.scenarios._cohort_result import (
        COHORT_CSV_COLUMNS,
        CohortResult,
        DoseStats,
    )
    from celldose.simulator.scenarios._demand import Demand
    from celldose.simulator.scenarios._simulate import simulate_cohort

# numpy loads with these (the cohort engine), on first use
_NUMPY = {
    "COHORT_CSV_COLUMNS": "celldose.simulator.scenarios._cohort_result",
    "CohortResult": "celldose.simulator.scenarios._cohort_result",
    "Demand": "celldose.simulator.scenarios._demand",
    "DoseStats": "celldose.simulator.scenarios._cohort_result",
    "simulate_cohort": "celldose.simulator.scenarios._simulate",
}


def __getattr__(name: str) -> Any:
    module = _NUMPY.get(name)
    if module is None:
        raise AttributeError(f"module 'celldose.simulator.scenarios' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "ANY",
    "COHORT_CSV_COLUMNS",
    "COMPARISON_COLUMNS",
    "DAYS_PER_MONTH",
    "DEFAULT_SEED",
    "PERCENTILE_NOTE",
    "REFERENCE_START",
    "WHATIF_CSV_COLUMNS",
    "BranchShare",
    "BranchShares",
    "Cohort",
    "CohortResult",
    "Comparison",
    "ComparisonRow",
    "Demand",
    "DoseStats",
    "Lane",
    "LaneBranch",
    "LaneDose",
    "LaneOptions",
    "LaneSchedule",
    "LaneWindow",
    "ResponderForecast",
    "Roster",
    "Stats",
    "WhatIf",
    "WhatIfDose",
    "WhatIfResult",
    "WindowShift",
    "build_lane",
    "build_lanes",
    "compare",
    "comparison_notes",
    "comparison_rows",
    "format_cells",
    "parse_delay_days",
    "parse_delays",
    "parse_roster",
    "plan_roster",
    "COHORT_COLUMNS",
    "ROSTER_COLUMNS",
    "RosterPatient",
    "parse_skips",
    "parse_weights",
    "read_roster",
    "responders_text",
    "simulate_cohort",
    "whatif",
    "wilson_interval",
]
