"""A clinic list: one dose plan per patient of a roster (what `celldose dose` plans for a roster).

Each line of the roster is one patient: its id, weight and optional name, owner, species, start,
date weighed and arm (see ``_roster.py``); an empty cell takes the value given for all. Each
plan is :func:`plan_doses`' for that patient, so a clinic list is exactly the single-patient
plans one after the other. A line that cannot be planned is refused with its line number.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from celldose.protocols import CelldoseError, OptionError, Protocol, load_protocol
from celldose.simulator.dosing import (
    DoseOptions,
    DosePlan,
    PatientIdentity,
    Rounding,
    Species,
    get_species,
    make_patient,
    plan_doses,
)
from celldose.simulator.scenarios._roster import ROSTER_COLUMNS, Roster, read_roster


def plan_roster(
    protocol: Protocol | str | Path,
    roster: Roster | str | Path,
    *,
    species: str | Species | None = None,
    arm: str | None = None,
    branch: str | None = None,
    clinic: str | None = None,
    options: DoseOptions | None = None,
    rounding: Rounding | None = None,
    round_tolerance: float | str | None = None,
) -> tuple[DosePlan, ...]:
    """The dose plan of every patient of ``roster`` (a :class:`Roster` or a roster file's path),
    in its order.

    ``species`` (default: the protocol's), ``arm`` and the start of ``options`` apply to the
    lines that leave theirs empty; ``clinic`` names the clinic on every plan. ``options``,
    ``branch``, ``rounding`` and ``round_tolerance`` are :func:`plan_doses`' for every patient.

    >>> from celldose.simulator.scenarios import parse_roster
    >>> plans = plan_roster(
    ...     "jang2025-canine-itp",
    ...     parse_roster("id,weight,name\\nrex,12kg,Rex\\nbella,26.5lb,\\n", get_species("dog"),
    ...                  columns=ROSTER_COLUMNS),
    ...     options=DoseOptions(dose="1e6 cells/kg"),
    ... )
    >>> [(p.identity.label, p.schedules[0].doses[0].cells) for p in plans]
    [('Rex (rex)', 12000000.0), ('bella', 12020197.805)]
    """
    if not isinstance(protocol, Protocol):
        protocol = load_protocol(protocol)
    default = species if isinstance(species, Species) else get_species(species or protocol.species)
    if not isinstance(roster, Roster):
        roster = read_roster(roster, default, columns=ROSTER_COLUMNS)
    options = options or DoseOptions()
    plans = []
    for row in roster.patients:
        try:
            patient = make_patient(row.species or default, row.weight_text)
            identity = PatientIdentity(
                id=row.id, name=row.name, owner=row.owner, clinic=clinic, weighed=row.weighed
            )
            plan = plan_doses(
                protocol,
                patient,
                arm=row.arm or arm,
                branch=branch,
                options=options if row.start is None else replace(options, start=row.start),
                rounding=rounding,
                round_tolerance=round_tolerance,
                identity=identity,
            )
        except CelldoseError as exc:
            raise OptionError(
                f"roster {roster.source} line {row.line} (id {row.id!r}): {exc.message}",
                exc.hint,
                fields=exc.fields,
            ) from None
        plans.append(plan)
    return tuple(plans)


__all__ = ["plan_roster"]
