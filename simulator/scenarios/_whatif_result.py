"""The result of a what-if: every dose planned against simulated, and the windows' anchors.

:meth:`WhatIfResult.to_dict` is the object the JSON output of `celldose simulate` holds for one
patient; its ``doses`` are the CSV rows (:data:`WHATIF_CSV_COLUMNS`). The field names are
documented in the README and kept stable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from celldose.protocols import NOT_REPORTED, ResponseWindow, Which, format_sig, plural
from celldose.simulator.dosing import DosePlan, DoseRecord, Weight, data_frame, html_table
from celldose.simulator.scenarios._scenario import WhatIf

if TYPE_CHECKING:
    import pandas

    from celldose.simulator.dosing import DosingData

Status = Literal["given", "delayed", "shifted", "missed"]


def _date(date: dt.date | None) -> str | None:
    return date.isoformat() if date is not None else None


WHATIF_CSV_COLUMNS = (
    "number",
    "phase",
    "status",
    "planned_day",
    "day",
    "moved_days",
    "planned_date",
    "date",
    "weight_kg",
    "band",
    "route",
    "planned_cells",
    "cells",
    "cells_to_draw",
    "volume_ml",
    "vials",
    "planned_cumulative_cells",
    "cumulative_cells",
)


@dataclass(frozen=True)
class WhatIfDose:
    """One dose, planned and simulated. A missed dose has 0 cells and no day of its own."""

    number: int
    phase: int
    status: Status
    planned_day: int | None
    day: int | None  # the simulated day (the planned day for a missed dose)
    moved_days: int
    planned_date: dt.date | None
    date: dt.date | None
    weight: Weight | None  # the weight it was computed on (None: missed)
    planned: DoseRecord
    simulated: DoseRecord | None  # None: missed
    planned_cumulative_cells: float
    cumulative_cells: float
    route: str = NOT_REPORTED  # the plan's route (routes.toml name), or "not reported"

    @property
    def cells(self) -> float:
        return 0.0 if self.simulated is None else self.simulated.cells

    @property
    def planned_cells(self) -> float:
        return self.planned.cells

    def to_dict(self) -> dict[str, Any]:
        """The dose as plain data (a row of the what-if CSV)."""
        sim = self.simulated
        return {
            "number": self.number,
            "phase": self.phase,
            "status": self.status,
            "planned_day": self.planned_day,
            "day": self.day if sim is not None else None,
            "moved_days": self.moved_days,
            "planned_date": _date(self.planned_date),
            "date": _date(self.date) if sim is not None else None,
            "weight_kg": self.weight.kg if self.weight is not None else None,
            "band": sim.band if sim is not None else None,  # the weight band of that weight
            "route": self.route,
            "planned_cells": self.planned_cells,
            "cells": self.cells,
            "cells_to_draw": sim.cells_to_draw if sim is not None else 0.0,
            "volume_ml": sim.volume_ml if sim is not None else None,
            "vials": sim.vials if sim is not None else None,
            "planned_cumulative_cells": self.planned_cumulative_cells,
            "cumulative_cells": self.cumulative_cells,
        }


@dataclass(frozen=True)
class WindowShift:
    """A response window of the arm: where its anchor falls, planned and simulated."""

    window: ResponseWindow
    planned_dose: int | None  # dose number of the anchor
    dose: int | None  # dose number of the anchor in the simulation (None: not given)
    planned_day: int | None
    day: int | None
    planned_date: dt.date | None
    date: dt.date | None
    planned_start: tuple[int | None, dt.date | None]
    planned_end: tuple[int | None, dt.date | None]
    start: tuple[int | None, dt.date | None]
    end: tuple[int | None, dt.date | None]
    note: str | None

    @property
    def moved_days(self) -> int | None:
        if self.day is None or self.planned_day is None:
            return None
        return self.day - self.planned_day

    def to_dict(self) -> dict[str, Any]:
        """The window as plain data."""

        def point(p: tuple[int | None, dt.date | None]) -> dict[str, Any]:
            return {"day": p[0], "date": _date(p[1])}

        return {
            "label": self.window.label,
            "anchor": self.window.anchor,
            "planned_anchor_dose": self.planned_dose,
            "anchor_dose": self.dose,
            "planned_anchor_day": self.planned_day,
            "anchor_day": self.day,
            "planned_anchor_date": _date(self.planned_date),
            "anchor_date": _date(self.date),
            "moved_days": self.moved_days,
            "planned_start": point(self.planned_start),
            "planned_end": point(self.planned_end),
            "start": point(self.start),
            "end": point(self.end),
            "note": self.note,
        }


@dataclass(frozen=True, repr=False)
class WhatIfResult:
    """The planned plan, the scenario, and every dose planned against simulated."""

    plan: DosePlan
    scenario: WhatIf
    schedule: Which | None
    doses: tuple[WhatIfDose, ...]
    windows: tuple[WindowShift, ...]
    warnings: tuple[str, ...]

    @property
    def given(self) -> tuple[WhatIfDose, ...]:
        return tuple(d for d in self.doses if d.simulated is not None)

    @property
    def planned_total_cells(self) -> float:
        return self.doses[-1].planned_cumulative_cells if self.doses else 0.0

    @property
    def total_cells(self) -> float:
        return self.doses[-1].cumulative_cells if self.doses else 0.0

    @property
    def planned_course_days(self) -> int | None:
        days = [d.planned_day for d in self.doses]
        if not days or any(d is None for d in days):
            return None
        return int(days[-1] or 0) - int(days[0] or 0)

    @property
    def course_days(self) -> int | None:
        """Days from the first to the last dose given (0 with one dose or none)."""
        days = [d.day for d in self.given]
        if not days:
            return 0
        if any(d is None for d in days):
            return None
        return int(days[-1] or 0) - int(days[0] or 0)

    def nonmem_records(self) -> DosingData:
        """The doses given as NONMEM-style dosing records (see
        :func:`celldose.simulator.dosing.nonmem_records`): TIME counts from the planned first
        dose, a missed dose is no record (the comments name it), a delay moves its record, and
        a run of doses the phase's interval apart with equal cells stays one record (II/ADDL).

        >>> from celldose.simulator.scenarios import whatif
        >>> r = whatif("jang2025-canine-itp", weight="12kg", skip=[2], dose="1e6 cells/kg")
        >>> [(x.time, x.ii, x.addl) for x in r.nonmem_records().records]
        [(0, 0, 0), (1344, 672, 5)]
        """
        from dataclasses import replace

        from celldose.simulator.dosing import Schedule, ascii_text, nonmem_records

        plan = self.plan.with_schedule(self.schedule)
        given = tuple(d.simulated for d in self.doses if d.simulated is not None)
        which = plan.schedules[0].which
        data = nonmem_records(replace(plan, schedules=(Schedule(which, given),), branches=()))
        missed = [d.number for d in self.doses if d.simulated is None]
        notes = [f"what-if: {self.scenario.describe()}; TIME counts from the planned first dose"]
        if missed:
            many = len(missed) > 1
            notes.append(
                f"missed: dose{'s' if many else ''} {', '.join(map(str, missed))} "
                f"({'are not records' if many else 'is not a record'})"
            )
        return replace(data, comments=(*data.comments, *map(ascii_text, notes)))

    def _vials(self, records: list[DoseRecord]) -> int | None:
        vials = [r.vials for r in records]
        return None if any(v is None for v in vials) else sum(v or 0 for v in vials)

    @property
    def planned_vials(self) -> int | None:
        return self._vials([d.planned for d in self.doses])

    @property
    def vials(self) -> int | None:
        return self._vials([d.simulated for d in self.doses if d.simulated is not None])

    def to_dict(self) -> dict[str, Any]:
        """The what-if as plain data: the object the JSON output of `celldose simulate` holds."""
        base = self.plan.to_dict()
        scenario = self.scenario
        return {
            "mode": "what-if",
            "protocol": base["protocol"],
            "arm": base["arm"],
            "regimen": base["regimen"],
            "route": base["route"],
            "administration": base["administration"],
            "schedule": self.schedule,
            "patient": base["patient"],
            "basis": base["basis"],
            "product": base["product"],
            "scenario": {
                "missed": list(scenario.missed),
                "delays": [{"dose": n, "days": d} for n, d in scenario.delays],
                "delay_policy": scenario.policy,
                "weights": [
                    {"day": d, "weight_kg": w.kg, "weight_given": f"{w.value:g} {w.unit}"}
                    for d, w in scenario.weights
                ],
                "weight_basis": scenario.weight_basis,
                "description": scenario.describe(),
            },
            "doses": [d.to_dict() for d in self.doses],
            "totals": {
                "planned": {
                    "doses": len(self.doses),
                    "total_cells": self.planned_total_cells,
                    "total_vials": self.planned_vials,
                    "course_days": self.planned_course_days,
                },
                "simulated": {
                    "doses": len(self.given),
                    "total_cells": self.total_cells,
                    "total_vials": self.vials,
                    "course_days": self.course_days,
                },
                "difference_cells": self.total_cells - self.planned_total_cells,
            },
            "windows": [w.to_dict() for w in self.windows],
            "warnings": list(self.warnings),
        }

    def __repr__(self) -> str:
        return (
            f"WhatIfResult({self.plan.protocol_id}, {self.plan.arm}, "
            f"{self.plan.patient.weight.text}, {self.scenario.describe()}: "
            f"{plural(len(self.given), 'dose')} of {len(self.doses)}, "
            f"{format_sig(self.total_cells)} cells)"
        )

    def to_pandas(self) -> pandas.DataFrame:
        """One row per planned dose (the CSV columns). Needs pandas."""
        return data_frame((d.to_dict() for d in self.doses), WHATIF_CSV_COLUMNS)

    def _repr_html_(self) -> str:
        headers = ("#", "status", "planned day", "day", "planned cells", "cells")
        body = [
            [
                str(d.number),
                d.status,
                "" if d.planned_day is None else str(d.planned_day),
                "" if d.day is None or d.simulated is None else str(d.day),
                format_sig(d.planned_cells),
                format_sig(d.cells),
            ]
            for d in self.doses
        ]
        return html_table(repr(self), headers, body, self.warnings)


__all__ = ["WHATIF_CSV_COLUMNS", "Status", "WhatIfDose", "WhatIfResult", "WindowShift"]
