"""The result of a virtual cohort: per-dose and per-patient summaries, as data.

:meth:`CohortResult.to_dict` is the object the JSON output of `celldose simulate` holds for a cohort
and :meth:`CohortResult.rows` its CSV rows (one per patient statistic, per dose where the
statistic is per dose); the field names are documented in the README and kept stable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from celldose.protocols import Which, format_sig, plural
from celldose.simulator.dosing import DosePlan, Species, data_frame, html_table
from celldose.simulator.scenarios._demand import Demand
from celldose.simulator.scenarios._stats import PERCENTILE_NOTE, ResponderForecast, Stats

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas

    from celldose.simulator.scenarios._branch_shares import BranchShare
    from celldose.simulator.scenarios._cohort import Cohort

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int32]

COHORT_CSV_COLUMNS = (
    "seed",
    "patients",
    "route",
    "quantity",
    "dose",
    "label",
    "mean",
    "median",
    "p5",
    "p95",
    "value",
)


@dataclass(frozen=True)
class DoseStats:
    """One dose number across the cohort; ``cells`` counts the patients who received it."""

    number: int
    phase: int
    dose: str
    planned_day: int | None
    received: int
    missed_fraction: float
    delayed_fraction: float
    cells: Stats | None  # None when nobody received it
    branch: str | None = None  # the branch the dose belongs to; missed_fraction is among its
    # patients
    # not given because the patient's course reached its max per course (not counted as missed)
    stopped_fraction: float = 0.0


def _stats(stats: Stats | None) -> dict[str, float] | None:
    return None if stats is None else stats.as_dict()


@dataclass(frozen=True, eq=False, repr=False)
class CohortResult:
    """A simulated cohort: summaries, plus one value per patient in read-only arrays."""

    plan: DosePlan  # the reference plan: doses, basis, product (its patient is a placeholder)
    cohort: Cohort
    schedule: Which | None
    species: Species
    weight_model: str
    weight_kg: Stats
    total_cells: Stats
    cohort_total_cells: float
    per_dose: tuple[DoseStats, ...]
    vials: Stats | None
    course_days: Stats | None
    doses_given: Stats
    patients_without_dose: int
    capped_doses: int
    stopped_doses: int  # doses not given because the course reached its max per course
    demand: Demand
    responders: tuple[ResponderForecast, ...]
    warnings: tuple[str, ...]
    branches: tuple[BranchShare, ...]  # each branch of a decision: its share and its patients
    patient_weights_kg: FloatArray = field(repr=False)
    patient_total_cells: FloatArray = field(repr=False)
    patient_vials: IntArray | None = field(repr=False)
    patient_course_days: IntArray | None = field(repr=False)
    patient_doses_given: IntArray = field(repr=False)

    @property
    def seed(self) -> int:
        return self.cohort.seed

    @property
    def patients(self) -> int:
        return self.cohort.size

    def __repr__(self) -> str:
        return (
            f"CohortResult({self.plan.protocol_id}, {self.plan.arm}, "
            f"{plural(self.patients, 'patient')}, seed {self.seed}, median "
            f"{format_sig(self.total_cells.median)} cells per patient)"
        )

    def to_dict(self) -> dict[str, Any]:
        """The cohort as plain data: the object the JSON output of `celldose simulate` holds."""
        plan = self.plan
        cohort = self.cohort
        base = plan.to_dict()
        demand = self.demand
        return {
            "mode": "cohort",
            "seed": self.seed,
            "patients": self.patients,
            "protocol": plan.protocol_id,
            "arm": plan.arm,
            "regimen": plan.regimen,
            "route": plan.route,
            "administration": base["administration"],
            "schedule": self.schedule,
            "species": self.species.id,
            "protocol_species": plan.protocol_species,
            "basis": _cohort_basis(base["basis"], plan),
            "product": base["product"],
            "weights": {
                "model": self.weight_model,
                "roster": cohort.roster.source if cohort.roster is not None else None,
                "weight_kg": self.weight_kg.as_dict(),
            },
            "adherence": {
                "missed": cohort.missed,
                "delayed": cohort.delayed,
                "delay_days": list(cohort.delay_days) if cohort.delay_days else None,
                "delay_policy": "shift",
            },
            "total_cells": self.total_cells.as_dict(),
            "cohort_total_cells": self.cohort_total_cells,
            "per_dose": [
                {
                    "number": d.number,
                    "phase": d.phase,
                    "dose": d.dose,
                    "planned_day": d.planned_day,
                    "received": d.received,
                    "missed_fraction": d.missed_fraction,
                    "delayed_fraction": d.delayed_fraction,
                    "stopped_fraction": d.stopped_fraction,
                    "cells": _stats(d.cells),
                    "branch": d.branch,
                }
                for d in self.per_dose
            ],
            "branches": [b.to_dict() for b in self.branches],
            "vials": _stats(self.vials),
            "course_days": _stats(self.course_days),
            "doses_given": self.doses_given.as_dict(),
            "patients_without_dose": self.patients_without_dose,
            "capped_doses": self.capped_doses,
            "stopped_doses": self.stopped_doses,
            "manufacturing": demand.to_dict(),
            "responders": [
                {
                    "label": f.label,
                    "k": f.k,
                    "n": f.n,
                    "posterior": f.posterior,
                    "patients": f.patients,
                    "mean": f.mean,
                    "median": f.median,
                    "p5": f.p5,
                    "p95": f.p95,
                    "note": f.note,
                }
                for f in self.responders
            ],
            "percentiles": PERCENTILE_NOTE,
            "warnings": list(self.warnings),
        }

    def rows(self) -> list[dict[str, Any]]:
        """Tidy rows (:data:`COHORT_CSV_COLUMNS`): one per quantity, per dose for the per-dose
        ones, the seed on every row: the CSV of `celldose simulate`."""
        rows: list[dict[str, Any]] = []

        def add(
            quantity: str,
            stats: Stats | dict[str, float] | None = None,
            *,
            dose: Any = "",
            label: str = "",
            value: Any = "",
        ) -> None:
            row = {"quantity": quantity, "dose": dose, "label": label, "value": value}
            if stats is not None:
                row.update(stats if isinstance(stats, dict) else stats.as_dict())
            rows.append(row)

        add("weight_kg", self.weight_kg, label=self.weight_model)
        add("total_cells", self.total_cells)
        for d in self.per_dose:
            label = d.dose if d.branch is None else f"{d.dose} (branch {d.branch})"
            add("cells", d.cells, dose=d.number, label=label, value=d.received)
            add("missed_fraction", dose=d.number, value=d.missed_fraction)
            add("delayed_fraction", dose=d.number, value=d.delayed_fraction)
            add("stopped_fraction", dose=d.number, value=d.stopped_fraction)
        if self.vials is not None:
            add("vials", self.vials)
        if self.course_days is not None:
            add("course_days", self.course_days)
        add("doses_given", self.doses_given)
        add("patients_without_dose", value=self.patients_without_dose)
        for b in self.branches:
            add("branch_patients", label=f"{b.name}: {b.label}", value=b.patients)
        add("cohort_total_cells", value=self.cohort_total_cells)
        demand = self.demand
        add("overage", value=demand.overage)
        add("cells_to_draw", value=demand.cells_to_draw)
        if demand.vials is not None:
            add("vials_total", value=demand.vials)
            add("cells_thawed", value=demand.cells_thawed)
            add("vials_to_manufacture", value=demand.vials_to_manufacture)
        add("cells_to_manufacture", value=demand.cells_to_manufacture)
        for f in self.responders:
            add(
                "responders",
                {"mean": f.mean, "median": float(f.median), "p5": float(f.p5), "p95": float(f.p95)},
                label=f"{f.label} ({f.k}/{f.n} published)",
            )
        for row in rows:
            row["seed"] = self.seed
            row["patients"] = self.patients
            row["route"] = self.plan.route
        return rows

    def to_pandas(self) -> pandas.DataFrame:
        """:meth:`rows` as a DataFrame (one row per patient statistic, per dose where it is per
        dose; empty cells are NaN). Needs pandas: ``pip install 'celldose[pandas]'``."""
        tidy = [{k: (math.nan if v == "" else v) for k, v in r.items()} for r in self.rows()]
        return data_frame(tidy, COHORT_CSV_COLUMNS)

    def _repr_html_(self) -> str:
        stops = self.stopped_doses > 0
        headers = ("#", "planned day", "missed", *(("stopped",) if stops else ()))
        headers += ("mean cells", "p5", "median", "p95")
        body = [
            [
                str(d.number),
                "" if d.planned_day is None else str(d.planned_day),
                f"{100 * d.missed_fraction:.1f}%",
                *([f"{100 * d.stopped_fraction:.1f}%"] if stops else []),
                *(
                    [""] * 4
                    if d.cells is None
                    else [
                        format_sig(v)
                        for v in (d.cells.mean, d.cells.p5, d.cells.median, d.cells.p95)
                    ]
                ),
            ]
            for d in self.per_dose
        ]
        return html_table(repr(self), headers, body, self.warnings)


def _cohort_basis(basis: dict[str, Any], plan: DosePlan) -> dict[str, Any]:
    """The plan's basis for a cohort: with weight bands, every band's dose and no one band (each
    patient has their own)."""
    bands = plan.dose_bands
    if bands is None or not any(d.band is not None for d in plan.doses):
        return basis
    own = [d.dose for d in plan.doses if d.band is None]  # phases with a dose of their own
    every = [*own, *(b.dose for b in bands.bands)]
    doses, bases = {str(d) for d in every}, {d.basis for d in every}
    return {**basis, "doses": sorted(doses), "bases": sorted(bases), "band": None}


__all__ = ["COHORT_CSV_COLUMNS", "CohortResult", "Demand", "DoseStats"]
