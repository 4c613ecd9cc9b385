"""Rosters: real patients of a virtual cohort, read from a CSV file of ``id,weight`` lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celldose.protocols import OptionError, PatientError, read_capped
from celldose.simulator.dosing import Species, parse_weight

MAX_ROSTER_BYTES = 16 << 20  # a roster of 100,000 patients takes about 2 MB
MAX_ROSTER_PATIENTS = 100_000  # real patients, one a line; a larger cohort is drawn (patients=N)
MAX_ID_LENGTH = 200  # characters of a patient id (and of a weight as written)


@dataclass(frozen=True)
class Roster:
    """Patients read from a roster file: ids and weights in kg, in file order."""

    source: str
    ids: tuple[str, ...]
    weights_kg: tuple[float, ...]
    warnings: tuple[str, ...] = ()


def read_roster(path: str | Path, species: Species) -> Roster:
    """Read a CSV roster of ``id,weight`` lines (``rex,12kg``; a header ``id,weight`` is allowed).

    Blank lines and lines starting with ``#`` are skipped. Every weight needs a unit; a weight
    outside the species' accepted range is refused, one outside its usual range is reported.
    Errors name the line. The file is UTF-8, with or without the byte-order mark that Excel's
    "CSV UTF-8" writes; it is read up to :data:`MAX_ROSTER_BYTES` (a pipe too), so a wrong file
    such as ``/dev/zero`` is refused instead of filling the memory.
    """
    source = str(path)
    try:
        text = read_capped(path, MAX_ROSTER_BYTES, what="the roster").decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionError(
            f"cannot read the roster {source}: {exc}", "give a UTF-8 CSV file of id,weight lines"
        ) from None
    return parse_roster(text, species, source)


def _roster_rows(reader: Any, source: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, row) of a csv reader; a line the csv module refuses is an OptionError."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field past csv's own limit (131,072), a NUL byte, ...
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a field is more than {MAX_ID_LENGTH} characters long"
            raise OptionError(
                f"roster {source} line {reader.line_num}: {reason}",
                "write one patient a line as id,weight with a unit, e.g. rex,12kg",
            ) from None
        yield reader.line_num, row


def parse_roster(text: str, species: Species, source: str = "<roster>") -> Roster:
    """The roster in ``text`` (see :func:`read_roster`)."""
    ids: list[str] = []
    weights: list[float] = []
    first_line: dict[str, int] = {}
    unusual: list[int] = []
    low, high = species.hard_kg
    soft_low, soft_high = species.soft_kg
    reader = csv.reader(io.StringIO(text))
    seen_data = False
    for line, row in _roster_rows(reader, source):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not seen_data and [c.lower() for c in cells] == ["id", "weight"]:
            seen_data = True
            continue
        seen_data = True
        where = f"roster {source} line {line}"
        if len(cells) != 2:
            raise OptionError(
                f"{where}: expected 2 fields (id,weight), found {len(cells)}",
                "write one patient a line as id,weight with a unit, e.g. rex,12kg",
            )
        patient_id, weight_text = cells
        if not patient_id:
            raise OptionError(f"{where}: the id is empty", "give every patient an id: rex,12kg")
        longest = max(len(patient_id), len(weight_text))
        if longest > MAX_ID_LENGTH:
            raise OptionError(
                f"{where}: a field is {longest:,} characters long, more than {MAX_ID_LENGTH}",
                "write one patient a line as id,weight with a unit, e.g. rex,12kg",
            )
        if len(ids) == MAX_ROSTER_PATIENTS:
            raise OptionError(
                f"{where}: the roster lists more than {MAX_ROSTER_PATIENTS:,} patients",
                "for a larger cohort, draw the weights for a number of patients instead",
            )
        if patient_id in first_line:
            raise OptionError(
                f"{where}: id {patient_id!r} repeats line {first_line[patient_id]}",
                "give every patient its own id",
            )
        try:
            weight = parse_weight(weight_text)
        except PatientError as exc:
            raise PatientError(f"{where}: {exc.message}", exc.hint) from None
        if not low <= weight.kg <= high:
            raise PatientError(
                f"{where}: a {species.label} of {weight.text} is outside the accepted "
                f"{low:g}-{high:g} kg",
                "check the number and the unit: kg, g or lb",
            )
        if not soft_low <= weight.kg <= soft_high:
            unusual.append(line)
        first_line[patient_id] = line
        ids.append(patient_id)
        weights.append(weight.kg)
    if not ids:
        raise OptionError(
            f"roster {source} lists no patients", "write one patient a line: id,weight (rex,12kg)"
        )
    warnings: tuple[str, ...] = ()
    if unusual:
        many = len(unusual) > 1
        lines = ", ".join(map(str, unusual[:10])) + (", ..." if len(unusual) > 10 else "")
        warnings = (
            f"{len(unusual)} roster weight{'s are' if many else ' is'} outside the usual "
            f"{soft_low:g}-{soft_high:g} kg for a {species.label} "
            f"(line{'s' if many else ''} {lines}): check {'them' if many else 'it'}",
        )
    return Roster(source, tuple(ids), tuple(weights), warnings)


__all__ = ["MAX_ROSTER_BYTES", "MAX_ROSTER_PATIENTS", "Roster", "parse_roster", "read_roster"]
