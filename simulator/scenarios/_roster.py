"""Rosters: real patients, read from a CSV file of ``id,weight`` lines, with optional columns.

One format for `celldose simulate --roster` (a cohort of real weights) and `celldose dose
--roster` (a clinic list: one plan per patient). A file without a header has two columns, ``id``
and ``weight`` (with its unit). A header line names the columns, in any order: ``id`` and
``weight`` (required), and optionally ``name``, ``owner``, ``species`` (an id of the species
table), ``start`` and ``weighed`` (ISO dates), ``arm``. An empty optional cell takes the
command's value (``--species``, ``--start``, ``--arm``) or none.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from celldose.protocols import (
    CelldoseError,
    OptionError,
    PatientError,
    close_matches,
    read_capped,
)
from celldose.simulator.dosing import Species, get_species, one_line, parse_weight

MAX_ROSTER_BYTES = 16 << 20  # a roster of 100,000 patients takes about 2 MB
MAX_ROSTER_PATIENTS = 100_000  # real patients, one a line; a larger cohort is drawn (patients=N)
MAX_ID_LENGTH = 200  # characters of a patient id (and of a weight as written)

# every column a roster may have, in the order the documentation lists them
ROSTER_COLUMNS = ("id", "weight", "name", "owner", "species", "start", "weighed", "arm")
# the columns a cohort reads: one species, start and arm for every patient of a simulation
COHORT_COLUMNS = ("id", "weight", "name", "owner", "weighed")
_HINT = "write one patient a line as id,weight with a unit, e.g. rex,12kg"


@dataclass(frozen=True)
class RosterPatient:
    """One line of a roster: its line number, the patient's id and weight (kg, and as written),
    and the optional columns (None where the cell is empty or the column absent)."""

    line: int
    id: str
    weight_kg: float
    weight_text: str
    name: str | None = None
    owner: str | None = None
    species: str | None = None  # a species id
    start: dt.date | None = None
    weighed: dt.date | None = None
    arm: str | None = None


@dataclass(frozen=True)
class Roster:
    """Patients read from a roster file: ids and weights in kg, in file order, and each line's
    :class:`RosterPatient` (``patients``) with its optional columns."""

    source: str
    ids: tuple[str, ...]
    weights_kg: tuple[float, ...]
    warnings: tuple[str, ...] = ()
    patients: tuple[RosterPatient, ...] = ()
    columns: tuple[str, ...] = ("id", "weight")  # the file's columns, in its order
    sha256: str | None = None  # of the file's bytes as read (None for text given directly)


def read_roster(
    path: str | Path | BinaryIO, species: Species, *, columns: Collection[str] = COHORT_COLUMNS
) -> Roster:
    """Read a CSV roster of ``id,weight`` lines (``rex,12kg``), or of the columns a header line
    names (see the module's documentation); ``columns`` are those the caller reads (a cohort:
    :data:`COHORT_COLUMNS`; a clinic list: :data:`ROSTER_COLUMNS`), another is refused.

    Blank lines and lines starting with ``#`` are skipped. Every weight needs a unit; a weight
    outside the species' accepted range is refused, one outside its usual range is reported.
    Errors name the line. The file is UTF-8, with or without the byte-order mark that Excel's
    "CSV UTF-8" writes; it is read up to :data:`MAX_ROSTER_BYTES` (a pipe too), so a wrong file
    such as ``/dev/zero`` is refused instead of filling the memory. ``path`` may be a binary
    stream (standard input), named in messages by its ``name``.
    """
    source = str(path) if isinstance(path, str | Path) else str(getattr(path, "name", "<stream>"))
    try:
        data = read_capped(path, MAX_ROSTER_BYTES, what="the roster")
    except OSError as exc:  # no such file, a folder, no permission: said in words
        reason = (exc.strerror or str(exc)).lower()
        raise OptionError(
            f"cannot read the roster {source}: {reason}",
            "give a UTF-8 CSV file of id,weight lines",
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise OptionError(
            f"roster {source} line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save the file as UTF-8 (in Excel: CSV UTF-8)",
        ) from None
    roster = parse_roster(text, species, source, columns=columns)
    return replace(roster, sha256=hashlib.sha256(data).hexdigest())


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
                _HINT,
            ) from None
        yield reader.line_num, row


def parse_roster(
    text: str,
    species: Species,
    source: str = "<roster>",
    *,
    columns: Collection[str] = COHORT_COLUMNS,
) -> Roster:
    """The roster in ``text`` (see :func:`read_roster`); ``species`` is the species of a line
    that names none."""
    patients: list[RosterPatient] = []
    first_line: dict[str, int] = {}
    unusual: dict[str, list[int]] = {}
    header: tuple[str, ...] | None = None
    reader = csv.reader(io.StringIO(text))
    for line, row in _roster_rows(reader, source):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        where = f"roster {source} line {line}"
        if header is None and not patients and "id" in [c.lower() for c in cells]:
            header = _header(cells, columns, where)
            continue
        named = header or ("id", "weight")
        if len(cells) != len(named):
            hint = _HINT if header is None else "give every line one field per column of the header"
            if len(cells) == 1 and ";" in cells[0]:  # a spreadsheet that writes ';' for ','
                hint = "the fields are separated by ';': separate them by commas (CSV)"
            raise OptionError(
                f"{where}: expected {len(named)} fields ({','.join(named)}), found {len(cells)}",
                hint,
            )
        for name in named:
            if name not in columns and (value := dict(zip(named, cells, strict=True))[name]):
                raise OptionError(
                    f"{where}: {name} {value!r}: a cohort gives every patient the same species, "
                    "start and arm",
                    f"leave the {name} column empty, or plan each patient on its own "
                    "(a clinic list reads every column)",
                )
        longest = max(len(c) for c in cells)
        if longest > MAX_ID_LENGTH:
            raise OptionError(
                f"{where}: a field is {longest:,} characters long, more than {MAX_ID_LENGTH}",
                _HINT,
            )
        if len(patients) == MAX_ROSTER_PATIENTS:
            raise OptionError(
                f"{where}: the roster lists more than {MAX_ROSTER_PATIENTS:,} patients",
                "for a larger cohort, draw the weights for a number of patients instead",
            )
        patient = _patient(dict(zip(named, cells, strict=True)), line, species, where)
        if patient.id in first_line:
            raise OptionError(
                f"{where}: id {patient.id!r} repeats line {first_line[patient.id]}",
                "give every patient its own id",
            )
        first_line[patient.id] = line
        chosen = get_species(patient.species) if patient.species else species
        soft_low, soft_high = chosen.soft_kg
        if not soft_low <= patient.weight_kg <= soft_high:
            unusual.setdefault(chosen.id, []).append(line)
        patients.append(patient)
    if not patients:
        raise OptionError(
            f"roster {source} lists no patients", "write one patient a line: id,weight (rex,12kg)"
        )
    warnings = tuple(_unusual_note(get_species(sp), lines) for sp, lines in unusual.items())
    return Roster(
        source,
        tuple(p.id for p in patients),
        tuple(p.weight_kg for p in patients),
        warnings,
        tuple(patients),
        header or ("id", "weight"),
    )


def _header(cells: list[str], columns: Collection[str], where: str) -> tuple[str, ...]:
    """The columns a header line names; an unknown or repeated column is refused. A column the
    caller does not read (a cohort's species, start, arm) is allowed when every line leaves it
    empty: a clinic list's file serves a cohort too."""
    names = tuple(c.lower() for c in cells)
    for name in names:
        if name not in ROSTER_COLUMNS:
            close = close_matches(name, ROSTER_COLUMNS)
            guess = f"did you mean {close[0]!r}? " if close else ""
            raise OptionError(
                f"{where}: unknown column {name!r}",
                f"{guess}the columns are {', '.join(ROSTER_COLUMNS)}; id and weight are required",
            )
        if names.count(name) > 1:
            raise OptionError(f"{where}: column {name!r} repeats", "name each column once")
    missing = [c for c in ("id", "weight") if c not in names]
    if missing:
        raise OptionError(
            f"{where}: the header has no {' or '.join(missing)} column",
            "name the columns id,weight (and optionally " + ", ".join(ROSTER_COLUMNS[2:]) + ")",
        )
    return names


def _patient(cells: dict[str, str], line: int, species: Species, where: str) -> RosterPatient:
    """One line's patient; every refusal names the line."""
    if not cells["id"]:
        raise OptionError(f"{where}: the id is empty", "give every patient an id: rex,12kg")
    try:
        chosen = get_species(cells["species"]) if cells.get("species") else species
        weight = parse_weight(cells["weight"])
        low, high = chosen.hard_kg
        if not low <= weight.kg <= high:
            raise PatientError(
                f"a {chosen.label} of {weight.text} is outside the accepted {low:g}-{high:g} kg",
                "check the number and the unit: kg, g or lb",
            )
        text = {
            k: one_line(v, k, f"the {k}") if v else None for k, v in cells.items() if k in _TEXT
        }
        dates = {k: _date(v, k) if v else None for k, v in cells.items() if k in _DATES}
    except CelldoseError as exc:
        raise type(exc)(f"{where}: {exc.message}", exc.hint) from None
    return RosterPatient(
        line=line,
        id=cells["id"],
        weight_kg=weight.kg,
        weight_text=cells["weight"],
        name=text.get("name"),
        owner=text.get("owner"),
        species=chosen.id if cells.get("species") else None,
        start=dates.get("start"),
        weighed=dates.get("weighed"),
        arm=text.get("arm"),
    )


_TEXT = ("id", "name", "owner", "arm")
_DATES = ("start", "weighed")


def _date(text: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise OptionError(
            f"{column} {text!r} is not a date", "write it as YYYY-MM-DD, e.g. 2026-12-01"
        ) from None


def _unusual_note(species: Species, lines: list[int]) -> str:
    soft_low, soft_high = species.soft_kg
    many = len(lines) > 1
    listed = ", ".join(map(str, lines[:10])) + (", ..." if len(lines) > 10 else "")
    return (
        f"{len(lines)} roster weight{'s are' if many else ' is'} outside the usual "
        f"{soft_low:g}-{soft_high:g} kg for a {species.label} "
        f"(line{'s' if many else ''} {listed}): check {'them' if many else 'it'}"
    )


__all__ = [
    "COHORT_COLUMNS",
    "MAX_ROSTER_BYTES",
    "MAX_ROSTER_PATIENTS",
    "ROSTER_COLUMNS",
    "Roster",
    "RosterPatient",
    "parse_roster",
    "read_roster",
]
