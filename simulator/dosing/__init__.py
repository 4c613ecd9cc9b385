"""celldose.simulator.dosing: one patient, one plan.

The patient (weight, species, body surface area), the product in hand (volumes, whole vials,
viability, a cap), the dose options, and :func:`plan_doses`, which applies the one dose rule to
every dose of a protocol's regimen and returns a frozen :class:`DosePlan`. This path imports
neither matplotlib nor numpy's random machinery.
"""

from celldose.simulator.dosing._logistics import Draw, Product, draw
from celldose.simulator.dosing._patient import (
    Patient,
    Weight,
    dubois_bsa,
    make_patient,
    meeh_bsa,
    mosteller_bsa,
    parse_height,
    parse_weight,
)
from celldose.simulator.dosing._schedule import (
    DoseOptions,
    DosePlan,
    DoseRecord,
    ScaleInfo,
    Schedule,
    plan_doses,
)
from celldose.simulator.dosing._species import Species, get_species, species_names, species_table

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
