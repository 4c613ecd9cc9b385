"""The :class:`DosePlan` that `celldose dose` shows: the patient, the basis and the schedules
of :class:`DoseRecord` (``_schedule.py``).

A plan becomes plain data with :meth:`DosePlan.to_dict` (the object ``celldose dose --format
json`` writes; field names are documented and stable), one row per dose with
:meth:`DosePlan.records` (the CSV rows) or :meth:`DosePlan.to_pandas`, and prints short: a
one-line ``repr`` and a small HTML table in a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from celldose.protocols import (
    NOT_REPORTED,
    Administration,
    DoseBands,
    Limit,
    OptionError,
    Which,
    format_sig,
    route_event,
)
from celldose.simulator.dosing._identity import PatientIdentity
from celldose.simulator.dosing._logistics import Product
from celldose.simulator.dosing._options import ScaleInfo
from celldose.simulator.dosing._output import data_frame, html_table
from celldose.simulator.dosing._patient import Patient
from celldose.simulator.dosing._schedule import DoseRecord, Schedule, dose_text

if TYPE_CHECKING:
    from celldose.simulator.dosing._branches import AssessmentWindow, BranchPlan

# Where the doses came from: the protocol, the dose= argument, or a one-line regimen.
DoseSource = Literal["protocol", "given", "regimen"]


@dataclass(frozen=True)
class DosePlan:
    """Everything `celldose dose` shows: patient, basis, schedules and warnings."""

    protocol_id: str
    protocol_species: str
    arm: str
    regimen: str  # the arm's regimen in shorthand, with filled-in values
    patient: Patient
    bsa_m2: float | None
    bsa_formula: str | None
    dose_source: DoseSource
    scale: ScaleInfo | None
    product: Product
    schedules: tuple[Schedule, ...]
    warnings: tuple[str, ...] = field(default=())
    assessment: AssessmentWindow | None = None  # a decision's assessment (see _branches.py)
    branches: tuple[BranchPlan, ...] = ()  # every branch of the decision, planned
    branch: str | None = None  # the branch included in the course (branch=NAME)
    dose_bands: DoseBands | None = None  # the weight bands the arm's dose comes from
    whole_containers: str | None = None  # "the whole content of 4 vials" (dose_by), or None
    rounding: str = "none"  # doses rounded to whole containers: none, down, nearest
    round_tolerance: float | None = None  # the tolerance of the rounding (None: no rounding)
    limits: tuple[Limit, ...] = ()  # the protocol's, arm's and regimen's limits that apply
    dosing_weight_kg: float | None = None  # set when per-kg doses use a weight cap
    dosing_weight_note: str | None = None  # "dosed at 100 kg (weight cap); patient weighs ..."
    route: str = NOT_REPORTED  # a route of routes.toml, or "not reported"
    administration: Administration = field(default_factory=Administration)
    identity: PatientIdentity = field(default_factory=PatientIdentity)  # id, name, ... (optional)
    notes: tuple[str, ...] = ()  # the warnings that only label a value the caller gave
    schedule: Which | None = None  # the side of a range kept by with_schedule(), or None
    published: bool = True  # the protocol is published (its doses are "published")
    protocol_label: str | None = None  # the protocol's short label (Chen 2024), for figures

    @property
    def problems(self) -> tuple[str, ...]:
        """The warnings that are not :attr:`notes`: what to check before dosing."""
        return tuple(w for w in self.warnings if w not in self.notes)

    @property
    def route_event(self) -> str:
        """What one administration is called: "IV infusion", "IM injection", ..."""
        return route_event(self.route)

    @property
    def species_note(self) -> str | None:
        if self.patient.species.id == self.protocol_species:
            return None
        return (
            f"patient is a {self.patient.species.label}; the protocol was written for "
            f"{self.protocol_species}"
        )

    def limit_entries(self) -> list[dict[str, Any]]:
        """Every limit that applies, as data: the protocol's (arm's, regimen's), then the
        per-dose cap given with ``cap=`` (a max per dose with action cap); each with its
        ``label`` and ``source`` (``protocol`` or ``cap=``)."""
        entries: list[dict[str, Any]] = [
            {**x.model_dump(exclude_none=True), "label": x.description, "source": "protocol"}
            for x in self.limits
        ]
        cap = self.product.cap_cells
        if cap is not None:
            limit = Limit(max_per_dose=cap, action="cap")
            entries.append(
                {
                    **limit.model_dump(exclude_none=True),
                    "label": f"{limit.label.removesuffix(' (cap)')} (cap, from cap=)",
                    "source": "cap=",
                }
            )
        return entries

    @property
    def bands(self) -> tuple[str, ...]:
        """The weight bands of the dose, each ``<dose> if <weight>`` (none without bands)."""
        return () if self.dose_bands is None else tuple(str(b) for b in self.dose_bands.bands)

    @property
    def doses(self) -> tuple[DoseRecord, ...]:
        if len(self.schedules) == 1:  # the one schedule's own tuple, not a copy
            return self.schedules[0].doses
        return tuple(d for s in self.schedules for d in s.doses)

    def schedule_index(self, which: Which | None) -> int:
        """Which schedule to use: the only one, or ``min``/``max`` of a frequency range."""
        if len(self.schedules) == 1:
            if which is not None:
                raise OptionError(
                    f"schedule picks one side of a range; {self.protocol_id} arm "
                    f"{self.arm} has one schedule ({self.regimen})",
                    "leave it out",
                    fields=("schedule",),
                )
            return 0
        if which is None:
            raise OptionError(
                f"{self.protocol_id} arm {self.arm} is a range ({self.regimen})",
                "choose schedule=min (the least dosing: fewest doses a week, longest interval) "
                "or schedule=max (the most)",
                fields=("schedule",),
            )
        return 0 if which == "min" else 1

    def with_schedule(self, which: Which | None) -> DosePlan:
        """The plan with one side of a range (``min`` or ``max``) and its branches' doses on
        that side; the plan itself for ``None`` (a range keeps both sides). A plan of one
        schedule takes no side (refused, as by :meth:`schedule_index`).

        >>> from celldose.protocols import protocol_from_regimen
        >>> from celldose.simulator.dosing import plan_doses
        >>> ranged = protocol_from_regimen("1e6 cells/kg once or twice weekly ×4", "dog")
        >>> plan = plan_doses(ranged, weight="10 kg").with_schedule("max")
        >>> [d.day for d in plan.doses], plan.schedule
        ([0, 3, 7, 10], 'max')
        """
        if self.schedule is not None:  # already one side of a range
            if which in (None, self.schedule):
                return self
            raise OptionError(
                f"this plan keeps the {self.schedule} schedule of {self.regimen} only",
                "plan the doses again to keep the other",
                fields=("schedule",),
            )
        if which is None:
            return self
        index = self.schedule_index(which)
        return replace(
            self,
            schedules=(self.schedules[index],),
            branches=tuple(replace(b, schedules=(b.schedules[index],)) for b in self.branches),
            schedule=which,
        )

    def records(self) -> list[dict[str, Any]]:
        """One dict per dose (both schedules of a range, marked by ``schedule``): the CSV rows
        and the ``doses`` of :meth:`to_dict`."""
        out = []
        for schedule in self.schedules:
            for dose in schedule.doses:
                row = self._row(dose, schedule.which)
                row["in_course"] = True
                out.append(row)
        return out

    def all_records(self) -> list[dict[str, Any]]:
        """:meth:`records`, then the doses of every branch not in the course (``in_course``
        false): the CSV rows."""
        out = self.records()
        for branch in self.branches:
            if not branch.chosen:
                for schedule in branch.schedules:
                    for dose in schedule.doses:
                        row = self._row(dose, schedule.which)
                        row["in_course"] = False
                        out.append(row)
        return out

    def _row(self, dose: DoseRecord, which: Which | None) -> dict[str, Any]:
        row = dose.record()
        row["id"] = self.identity.id
        row["name"] = self.identity.name
        weighed = self.identity.weighed
        row["weighed"] = None if weighed is None else weighed.isoformat()
        row["schedule"] = which
        row["basis"] = dose.dose.basis
        row["route"] = self.route
        row["weight_kg"] = self.patient.weight_kg
        row["species"] = self.patient.species.id
        row["protocol_species"] = self.protocol_species
        row["scale_factor"] = self.scale.factor if self.scale else None
        row["scaling"] = self.scale.label if self.scale else None
        return row

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain data: the object the JSON output of `celldose dose` holds.

        ``plan.to_dict()["doses"][0]["cells"]`` is the first dose's cells.
        """
        patient = self.patient
        return {
            "protocol": self.protocol_id,
            "arm": self.arm,
            "regimen": self.regimen,
            "route": self.route,
            "administration": self.administration.to_dict(),
            "patient": {
                **self.identity.to_dict(),
                "species": patient.species.id,
                "protocol_species": self.protocol_species,
                "weight_kg": patient.weight_kg,
                "weight_given": f"{patient.weight.value:g} {patient.weight.unit}",
                "height_cm": patient.height_cm,
                "bsa_m2": self.bsa_m2,
                "bsa_formula": self.bsa_formula,
            },
            "basis": {
                "doses": sorted({dose_text(d.dose) for d in self.doses}),
                "bases": sorted({d.dose.basis for d in self.doses}),
                "source": self.dose_source,
                "whole_containers": self.whole_containers,
                "scale": None if self.scale is None else _scale_dict(self.scale),
                "bands": list(self.bands),
                "band": next((d.band for d in self.doses if d.band is not None), None),
            },
            "product": {
                "concentration_cells_per_ml": self.product.concentration_in_use,
                "concentration_derived_from": self.product.concentration_derived,
                "vial_cells": self.product.cells_per_vial,
                "viability": self.product.viability,
                "dose_counts_viable": self.product.dose_counts_viable,
                "cap_cells": self.product.cap_cells,
                "container": self.product.container,
            },
            "rounding": None
            if self.round_tolerance is None
            else {"mode": self.rounding, "tolerance": self.round_tolerance},
            "limits": self.limit_entries(),
            "dosing_weight_kg": self.dosing_weight_kg,
            "dosing_weight_note": self.dosing_weight_note,
            "range": len(self.schedules) > 1 or self.schedule is not None,
            "schedule": self.schedule,
            "totals": [s.totals() for s in self.schedules],
            "doses": self.records(),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "assessment": None if self.assessment is None else self.assessment.to_dict(),
            "branch": self.branch,
            "branches": [
                {
                    **b.to_dict(),
                    "doses": [self._row(d, s.which) for s in b.schedules for d in s.doses],
                }
                for b in self.branches
            ],
        }

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` of one row per dose (the columns of :meth:`records`).

        Needs pandas: ``pip install 'celldose[pandas]'``.
        """
        records = self.records()
        return data_frame(records, list(records[0]) if records else [])

    def __repr__(self) -> str:
        count = len(self.schedules[0].doses) if self.schedules else 0
        cells = format_sig(self.schedules[0].total_cells) if self.schedules else "0"
        totals = self.schedules[0].totals() if self.schedules else {}
        if totals.get("total_cells_low") is not None:  # a dose range: both bounds
            cells = f"{format_sig(totals['total_cells_low'])}–{cells}"
        side = " (min schedule)" if len(self.schedules) > 1 else ""
        return (
            f"DosePlan({self.protocol_id}, {self.arm}, {self.patient.weight.text}, "
            f"{count} dose{'' if count == 1 else 's'}, {cells} cells{side})"
        )

    def _repr_html_(self) -> str:
        rows = [
            [
                schedule.which or "",
                str(d.number),
                str(d.day) if d.day is not None else d.offset,
                d.date.isoformat() if d.date else "",
                format_sig(d.cells),
                "" if d.volume_ml is None else format_sig(d.volume_ml),
                "" if d.vials is None else str(d.vials),
            ]
            for schedule in self.schedules
            for d in schedule.doses
        ]
        notes = (self.regimen, f"route: {self.route}", *self.warnings)
        return html_table(repr(self), _HTML_COLUMNS, rows, notes)


_HTML_COLUMNS = ("schedule", "#", "day", "date", "cells", "volume (mL)", "vials")


def _scale_dict(scale: ScaleInfo) -> dict[str, Any]:
    return {
        "method": "bsa (FDA Km)",
        "from": scale.from_species,
        "to": scale.to_species,
        "km_from": scale.km_from,
        "km_to": scale.km_to,
        "factor": scale.factor,
    }
