"""celldose.simulator.dosing: one patient, one plan.

The patient (weight, species, body surface area), the product in hand (volumes, whole vials,
viability, a cap), the dose options, and :func:`plan_doses`, which applies the one dose rule to
every dose of a protocol's regimen and returns a frozen :class:`DosePlan`. This path imports
neither matplotlib nor numpy's random machinery.
"""

from typing import TYPE_CHECKING, Any

from celldose.protocols import Weight, parse_weight
from celldose.simulator.dosing._arms import (
    fill_unreported,
    needs_count,
    needs_dose,
    needs_interval,
    resolve_phase_doses,
    treatment_arm,
)
from celldose.simulator.dosing._bands import cells_by_band, holds_array, weigh_in
from celldose.simulator.dosing._dose_range import RangeCells, RangeUse, upper_bound_note
from celldose.simulator.dosing._identity import (
    MAX_IDENTITY_TEXT,
    PatientIdentity,
    course_key,
    make_identity,
    one_line,
    weight_age_warnings,
)
from celldose.simulator.dosing._limits import (
    DoseLimits,
    LimitedDose,
    StoppedDose,
    dose_limits,
    without_course_caps,
)
from celldose.simulator.dosing._logistics import Draw, Product, draw, product_in_hand, product_with
from celldose.simulator.dosing._options import DoseOptions, Scale, ScaleInfo, WeekendPolicy
from celldose.simulator.dosing._output import data_frame, html_table
from celldose.simulator.dosing._patient import (
    HumanBsa,
    Patient,
    dubois_bsa,
    make_patient,
    meeh_bsa,
    mosteller_bsa,
    parse_height,
)
from celldose.simulator.dosing._plan import plan_doses
from celldose.simulator.dosing._records import DosePlan, DoseSource
from celldose.simulator.dosing._rounding import Rounded, Rounding, round_to_containers
from celldose.simulator.dosing._route import (
    check_spacing,
    plan_route,
    spacing_problems,
    spacing_text,
)
from celldose.simulator.dosing._rules import (
    LandedWindow,
    cells_per_dose,
    cells_per_dose_array,
    land_window,
    min_gap_days,
)
from celldose.simulator.dosing._schedule import DoseRecord, Schedule
from celldose.simulator.dosing._species import Species, get_species, species_names, species_table

if TYPE_CHECKING:
    from celldose.simulator.dosing._fhir import fhir_bundle, snomed_routes
    from celldose.simulator.dosing._nonmem import (
        NONMEM_COLUMNS,
        DosingData,
        DosingRecord,
        ascii_text,
        nonmem_records,
    )

# The interchange formats (NONMEM records, FHIR bundles) load on first use: `celldose dose`
# with another format needs neither.
_LAZY = {
    "fhir_bundle": "celldose.simulator.dosing._fhir",
    "snomed_routes": "celldose.simulator.dosing._fhir",
    "NONMEM_COLUMNS": "celldose.simulator.dosing._nonmem",
    "DosingData": "celldose.simulator.dosing._nonmem",
    "DosingRecord": "celldose.simulator.dosing._nonmem",
    "ascii_text": "celldose.simulator.dosing._nonmem",
    "nonmem_records": "celldose.simulator.dosing._nonmem",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'celldose.simulator.dosing' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "MAX_IDENTITY_TEXT",
    "PatientIdentity",
    "course_key",
    "make_identity",
    "one_line",
    "weight_age_warnings",
    "data_frame",
    "html_table",
    "DoseLimits",
    "DoseOptions",
    "DosingData",
    "DosingRecord",
    "NONMEM_COLUMNS",
    "DosePlan",
    "DoseRecord",
    "DoseSource",
    "Draw",
    "HumanBsa",
    "LandedWindow",
    "LimitedDose",
    "Patient",
    "Product",
    "RangeCells",
    "RangeUse",
    "Rounded",
    "Rounding",
    "Scale",
    "ScaleInfo",
    "Schedule",
    "Species",
    "StoppedDose",
    "WeekendPolicy",
    "Weight",
    "ascii_text",
    "cells_by_band",
    "cells_per_dose",
    "cells_per_dose_array",
    "check_spacing",
    "dose_limits",
    "draw",
    "dubois_bsa",
    "fhir_bundle",
    "fill_unreported",
    "get_species",
    "holds_array",
    "land_window",
    "make_patient",
    "meeh_bsa",
    "min_gap_days",
    "mosteller_bsa",
    "needs_count",
    "needs_dose",
    "needs_interval",
    "nonmem_records",
    "parse_height",
    "parse_weight",
    "plan_doses",
    "plan_route",
    "product_with",
    "product_in_hand",
    "resolve_phase_doses",
    "spacing_problems",
    "spacing_text",
    "round_to_containers",
    "snomed_routes",
    "species_names",
    "species_table",
    "treatment_arm",
    "upper_bound_note",
    "weigh_in",
    "without_course_caps",
]
