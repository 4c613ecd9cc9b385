"""Interchange formats of `celldose dose`: NONMEM-style dosing records (``--format nonmem``)
and a FHIR R5 Bundle (``--format fhir``).

The records and the bundle are data (:func:`celldose.simulator.dosing.nonmem_records`,
:func:`celldose.simulator.dosing.fhir_bundle`); here they become text: a CSV with ``#`` comment
lines on top, in the command line's words, and JSON.
"""

from __future__ import annotations

from collections.abc import Sequence

from celldose.cli._flags import to_flags
from celldose.cli._render import csv_text, to_json
from celldose.protocols import NOT_REPORTED, Protocol
from celldose.simulator.dosing import DosePlan, ascii_text, fhir_bundle, nonmem_records


def nonmem_csv(plans: Sequence[DosePlan], *, expand: bool = False) -> str:
    """The CSV of `celldose dose --format nonmem`: comment lines (``# ...``: the ID map, the
    units, the protocol, what is not in the records), the header, one line per record."""
    # Hook for patient identity: the ID map names each plan's patient id once plans carry one
    # (the clinic's --patient-id); until then every ID says "no patient id given".
    data = nonmem_records(plans, expand=expand, patient_ids=[None] * len(plans))
    lines = [f"# {ascii_text(to_flags(c))}" for c in data.comments]
    lines += [f"# warning: {ascii_text(to_flags(w))}" for w in data.warnings]
    return "\n".join(lines) + "\n" + csv_text(data.columns, data.rows())


def fhir_json(plan: DosePlan, protocol: Protocol) -> str:
    """The JSON of `celldose dose --format fhir`: a FHIR R5 Bundle of type collection."""
    product = None if protocol.product.name == NOT_REPORTED else protocol.product.name
    # Hook for patient identity: the Patient's identifier once plans carry the clinic's
    # --patient-id; until then the Patient has none.
    return to_json(fhir_bundle(plan, product=product, patient_id=None))
