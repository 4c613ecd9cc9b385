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
from celldose.simulator.dosing import (
    DosePlan,
    DosingData,
    ascii_text,
    fhir_bundle,
    nonmem_records,
)


def nonmem_csv(plans: Sequence[DosePlan], *, expand: bool = False) -> str:
    """The CSV of `celldose dose --format nonmem`: comment lines (``# ...``: the ID map, the
    units, the protocol, what is not in the records), the header, one line per record."""
    return dosing_csv(nonmem_records(plans, expand=expand))  # the ID map: each plan's identity


def dosing_csv(data: DosingData) -> str:
    """Dosing records as CSV: the ``#`` comments and warnings (in flag words), then the data."""
    lines = [f"# {ascii_text(to_flags(c))}" for c in data.comments]
    lines += [f"# warning: {ascii_text(to_flags(w))}" for w in data.warnings]
    return "\n".join(lines) + "\n" + csv_text(data.columns, data.rows())


def fhir_json(plans: Sequence[DosePlan], protocol: Protocol) -> str:
    """The JSON of `celldose dose --format fhir`: a FHIR R5 Bundle of type collection (a
    Patient per plan, with the id and name of ``--patient-id``/``--patient-name`` or the
    roster's)."""
    product = None if protocol.product.name == NOT_REPORTED else protocol.product.name
    bundle = fhir_bundle(plans, product=product)
    for entry in bundle["entry"]:  # celldose's notes in the command line's words (--cap)
        for note in entry["resource"].get("note", []):
            note["text"] = to_flags(note["text"])
    return to_json(bundle)
