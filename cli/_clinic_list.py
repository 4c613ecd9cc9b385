"""`celldose dose --roster FILE`: a clinic list, one plan per patient, in one output.

Table: a block per patient. JSON: an envelope (``schema`` ``celldose/dose-roster/1``) with the
roster's name, its warnings and ``plans``, each the single-patient JSON. CSV: one row per dose
(the ``id`` column tells the patients apart). iCalendar: one calendar. HTML: one sheet per
patient, page after page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from celldose.cli._cmd_dose import plan_json
from celldose.cli._dose_table import render_table
from celldose.cli._envelope import envelope
from celldose.cli._export import CSV_COLUMNS, course_words, csv_rows, plans_ics
from celldose.cli._flags import in_flags, warning_lines
from celldose.cli._inputs import roster_input
from celldose.cli._render import csv_text, to_json, write_output
from celldose.protocols import OptionError, Protocol, Which, plural
from celldose.simulator.dosing import DoseOptions, DosePlan, Rounding, get_species


def dose_roster(
    target: Protocol,
    roster: str,
    options: DoseOptions,
    *,
    single: Mapping[str, object],
    species: str | None,
    arm: str | None,
    branch: str | None,
    clinic: str | None,
    rounding: Rounding | None,
    round_tolerance: str | None,
    fmt: str,
    paper: str,
    lot: str | None,
    output: str | None,
    inputs: Sequence[str],
    schedule: Which | None = None,
    expand: bool = False,
    provenance: Mapping[str, object] | None = None,
) -> None:
    """Plan every patient of the roster file, then write the clinic list in ``fmt``; a line
    that cannot be planned is refused (its line number) before anything is written.
    ``single`` maps each single-patient flag to its value: one given is refused. ``schedule``
    keeps one side of a range; ``expand`` writes NONMEM records one per dose; ``provenance``
    goes in the JSON's envelope."""
    from celldose.simulator.scenarios import ROSTER_COLUMNS, plan_roster, read_roster

    refuse_single_patient_flags(single)
    default = get_species(species or target.species)
    clinic_list = read_roster(roster_input(roster), default, columns=ROSTER_COLUMNS)
    plans = plan_roster(
        target,
        clinic_list,
        species=default,
        arm=arm,
        branch=branch,
        clinic=clinic,
        options=options,
        rounding=rounding,
        round_tolerance=round_tolerance,
    )
    plans = tuple(plan.with_schedule(schedule) for plan in plans)
    if fmt in ("ics", "html"):
        what = "a calendar" if fmt == "ics" else "a dose sheet"
        for plan, row in zip(plans, clinic_list.patients, strict=True):
            if any(d.date is None for d in plan.doses):
                raise OptionError(
                    f"roster {clinic_list.source} line {row.line} (id {row.id!r}): {what} needs "
                    "dates",
                    "give the line a start, or add --start YYYY-MM-DD",
                )
    text = roster_text(
        fmt,
        plans,
        target,
        clinic_list.source,
        clinic_list.warnings,
        paper=paper,
        lot=lot,
        clinic=clinic,
        expand=expand,
        provenance=provenance,
        roster_sha256=clinic_list.sha256,
    )
    write_output(text, output, inputs=inputs)
    if fmt in ("csv", "ics", "nonmem", "fhir") or (fmt == "json" and output not in (None, "-")):
        echo_roster_warnings(plans, clinic_list.warnings)


def refuse_single_patient_flags(given: Mapping[str, object]) -> None:
    """A roster gives each patient's weight and identity: those flags are refused with it."""
    for flag, value in given.items():
        if value is not None:
            raise OptionError(
                f"{flag} is given by the roster for each patient",
                f"drop {flag}, or write it in the roster's columns: id,weight,name,owner,"
                "species,start,weighed,arm",
            )


def roster_text(
    fmt: str,
    plans: Sequence[DosePlan],
    protocol: Protocol,
    roster_source: str,
    roster_warnings: Sequence[str],
    *,
    paper: str,
    lot: str | None,
    clinic: str | None,
    expand: bool = False,
    provenance: Mapping[str, object] | None = None,
    roster_sha256: str | None = None,
) -> str:
    """The clinic list in ``fmt``; JSON names the roster file and the SHA-256 of its bytes."""
    if fmt in ("nonmem", "fhir"):
        from celldose.cli._interchange import fhir_json, nonmem_csv

        return nonmem_csv(plans, expand=expand) if fmt == "nonmem" else fhir_json(plans, protocol)
    if fmt == "json":
        data = envelope(
            "dose-roster",
            provenance=provenance,
            roster=roster_source,
            roster_sha256=roster_sha256,
            patients=len(plans),
            warnings=list(in_flags(list(roster_warnings), mapped=True)),
            plans=[plan_json(plan) for plan in plans],
        )
        return to_json(data)
    if fmt == "csv":
        rows = (row for plan in plans for row in csv_rows(plan))
        return csv_text(CSV_COLUMNS, rows, verbatim=("offset",))
    if fmt == "ics":
        who = clinic or ("clinic list" if roster_source == "<stdin>" else Path(roster_source).name)
        course = course_words(plans[0]) if len({p.arm for p in plans}) == 1 else protocol.id
        return plans_ics(plans, f"{who}: {course} ({plural(len(plans), 'patient')})")
    if fmt == "html":
        from celldose.cli._sheet import sheet_html

        return sheet_html([(plan, protocol) for plan in plans], paper=paper, lot=lot)
    blocks = [f"clinic list: {roster_source}, {plural(len(plans), 'patient')}"]
    blocks.extend(warning_lines(roster_warnings))
    for number, plan in enumerate(plans, start=1):
        title = f"patient {number} of {len(plans)}: {plan.identity.label}"
        blocks.append("\n".join(["", "=" * len(title), title, "=" * len(title)]))
        blocks.append(render_table(plan, lot=lot))
    return "\n".join(blocks)


def echo_roster_warnings(plans: Sequence[DosePlan], roster_warnings: Sequence[str]) -> None:
    """For the formats with no place for them: every warning on standard error, each line
    naming its patient (``warning: rex-01: …``)."""
    for line in warning_lines(roster_warnings):
        click.echo(line, err=True)
    for plan in plans:
        for line in warning_lines(plan.warnings, plan.notes):
            kind, _, text = line.partition(": ")
            click.echo(f"{kind}: {plan.identity.id}: {text}", err=True)
