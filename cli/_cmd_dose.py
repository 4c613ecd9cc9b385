"""`celldose dose`: the main job. One patient's cells, volume, vials and dates for every dose."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from celldose.cli._complete import complete_path
from celldose.cli._dose_table import render_table
from celldose.cli._export import plan_csv, plan_ics
from celldose.cli._flags import in_flags, to_flags, warning_lines
from celldose.cli._identity import build_identity, identity_options
from celldose.cli._inputs import (
    build_options,
    build_patient,
    dosing_options,
    load_target,
    patient_options,
    refuse_stdin_twice,
    schedule_option,
    target_options,
)
from celldose.cli._render import (
    check_outputs,
    format_option,
    input_files,
    output_format,
    to_json,
    write_output,
)
from celldose.protocols import (
    OptionError,
    Which,
)
from celldose.simulator.dosing import (
    DosePlan,
    Rounding,
    one_line,
    plan_doses,
)

DOSE_FORMATS = ("table", "json", "csv", "ics", "html", "nonmem", "fhir")


@click.command(name="dose")
@target_options
@patient_options(
    weight_required=False,
    weight_help="Body weight with a unit: 12kg, 26.5lb, 950g (needed unless --roster).",
)
@identity_options
@click.option(
    "--roster",
    metavar="FILE",
    default=None,
    shell_complete=complete_path,
    help="A clinic list: a CSV of id,weight lines (or with a header: id,weight,name,owner,"
    "species,start,weighed,arm); one plan per patient, in one output.",
)
@dosing_options
@schedule_option
@click.option(
    "--branch",
    default=None,
    help="Include this branch of the protocol's decision in the course (e.g. "
    "partial-or-mixed-response); without it the course stops at the decision.",
)
@click.option(
    "--round",
    "rounding",
    type=click.Choice(["down", "nearest"]),
    default=None,
    help="Round every dose to whole vials (or bags) of the product: down, or to the nearest; "
    "the output shows the dose given and its change from the prescribed dose in %.",
)
@click.option(
    "--round-tolerance",
    default=None,
    help="With --round: the largest change allowed, as a percentage (default 10%).",
)
@format_option(
    *DOSE_FORMATS,
    help="Output format (ics and html need --start; html is a printable dose sheet; nonmem: "
    "NONMEM-style dosing records; fhir: a FHIR R5 Bundle). Without it, -o's ending picks it "
    "(rex.ics: ics; .json, .csv, .html alike).",
)
@click.option(
    "--expand",
    is_flag=True,
    help="With --format nonmem: one record per dose (no II/ADDL).",
)
@click.option(
    "--paper",
    type=click.Choice(["a4", "letter"]),
    default=None,
    help="With --format html: the paper the sheet prints on (default a4).",
)
@click.option(
    "--lot",
    default=None,
    help="The product's lot (batch) number, for the table's header and the HTML sheet.",
)
@click.option(
    "-o",
    "--output",
    default=None,
    shell_complete=complete_path,
    help="Write to this file instead of the screen.",
)
def command(
    protocol: str | None,
    regimen: str | None,
    arm: str | None,
    species: str | None,
    cross_species: bool,
    weight: str | None,
    height: str | None,
    bsa_formula: str,
    patient_id: str | None,
    patient_name: str | None,
    owner: str | None,
    clinic: str | None,
    weighed: dt.date | None,
    roster: str | None,
    start: dt.date | None,
    dose_text: str | None,
    override_range: bool,
    count: int | None,
    interval: str | None,
    scale: str,
    concentration: str | None,
    vial: str | None,
    viability: float | None,
    cap: str | None,
    route: str | None,
    weekends: str,
    schedule: Which | None,
    branch: str | None,
    rounding: str | None,
    round_tolerance: str | None,
    fmt: str,
    expand: bool,
    paper: str | None,
    lot: str | None,
    output: str | None,
) -> None:
    """Per-patient doses of PROTOCOL (a library id, a YAML file, or - for standard input), or
    of --regimen.

    \b
    Examples:
      celldose dose qi2017-sjogren-thrombocytopenia --weight 60kg --start 2025-01-31
      celldose dose jang2025-canine-itp --weight 26.5lb --dose "1×10⁶ cells/kg" \\
          --concentration "6.68e6 cells/mL" --vial "3.8 mL" --start 2026-12-01
      celldose dose --regimen "1×10⁶ cells/kg q21d ×3" --species dog --weight 12kg
      celldose dose chen2024-itp-ucmsc --arm expansion-2.0 --weight 70kg --format json
      celldose dose jang2025-canine-itp --weight 12kg --dose "2e6 cells/kg" \\
          --concentration "6.68e6 cells/mL" --vial "3.8 mL" --round nearest
      celldose dose --regimen "0.5×10⁶ cells weekly ×6" --species dog --weight 12kg --route IM
      celldose dose jang2025-canine-itp --weight 26.5lb --dose 1e6/kg --start 2026-12-01 \\
          --patient-id 2026-0147 --patient-name Rex --format html -o rex.html
      celldose dose jang2025-canine-itp --dose 1e6/kg --start 2026-12-03 \\
          --roster clinic.csv --format ics -o december.ics
      celldose dose aa-ucmsc-18 --weight 60kg --count 6 --schedule max --format nonmem
      celldose dose jang2025-canine-itp --weight 12kg --dose 1e6/kg --start 2026-12-01 \\
          --patient-id 2026-0147 --format fhir -o rex-fhir.json

    Doses are computed in full precision and shown to 3 significant figures; the basis and
    the weight are printed with them. Values the source does not report must be given
    (--dose, --count, --interval): celldose never fills them in.
    """
    fmt = output_format(fmt, output, DOSE_FORMATS)
    refuse_stdin_twice([s for s in (protocol, roster) if s])
    inputs = input_files(protocol, roster)
    check_outputs({"-o": output}, inputs)
    check_sheet_options(fmt, paper, lot)
    if expand and fmt != "nonmem":
        raise OptionError(
            "--expand writes NONMEM-style records one per dose", "add --format nonmem"
        )
    target = load_target(protocol, regimen, species)
    if roster is None and weight is None:
        raise OptionError(
            "missing option --weight",
            "give the patient's weight, e.g. --weight 12kg, or a clinic list with --roster FILE",
        )
    options = build_options(
        target,
        dose_text=dose_text,
        count=count,
        interval=interval,
        scale=scale,
        start=start,
        concentration=concentration,
        vial=vial,
        viability=viability,
        cap=cap,
        weekends=weekends,
        cross_species=cross_species,
        override_range=override_range,
        route=route,
    )
    round_mode: Rounding | None = "down" if rounding == "down" else "nearest" if rounding else None
    if roster is not None:
        from celldose.cli._clinic_list import dose_roster
        from celldose.cli._envelope import provenance

        dose_roster(
            target,
            roster,
            options,
            single={
                "--weight": weight,
                "--height": height,
                "--patient-id": patient_id,
                "--patient-name": patient_name,
                "--owner": owner,
                "--weighed": weighed,
            },
            species=species,
            arm=arm,
            branch=branch,
            clinic=clinic,
            rounding=round_mode,
            round_tolerance=round_tolerance,
            fmt=fmt,
            paper=paper or "a4",
            lot=lot,
            output=output,
            inputs=inputs,
            schedule=schedule,
            expand=expand,
            provenance=provenance(target, protocol, regimen) if fmt == "json" else None,
        )
        return
    assert weight is not None
    patient = build_patient(target, weight, species, height, bsa_formula)
    plan = plan_doses(
        target,
        patient,
        arm=arm,
        branch=branch,
        options=options,
        rounding=round_mode,
        round_tolerance=round_tolerance,
        identity=build_identity(patient_id, patient_name, owner, clinic, weighed),
    ).with_schedule(schedule)
    if fmt == "json":
        from celldose.cli._envelope import envelope, provenance

        text = to_json(
            envelope(
                "dose-plan", provenance=provenance(target, protocol, regimen), **plan_json(plan)
            )
        )
    elif fmt == "csv":
        text = plan_csv(plan)
    elif fmt == "ics":
        text = plan_ics(plan)
    elif fmt == "html":
        from celldose.cli._sheet import sheet_html

        text = sheet_html([(plan, target)], paper=paper or "a4", lot=lot)
    elif fmt in ("nonmem", "fhir"):
        from celldose.cli._interchange import fhir_json, nonmem_csv

        text = nonmem_csv([plan], expand=expand) if fmt == "nonmem" else fhir_json([plan], target)
    else:
        text = render_table(plan, lot=lot)
    write_output(text, output, inputs=inputs)
    if fmt in ("csv", "ics", "nonmem", "fhir") or (fmt == "json" and output not in (None, "-")):
        for line in warning_lines(plan.warnings, plan.notes):  # no place for them in these
            click.echo(line, err=True)


def check_sheet_options(fmt: str, paper: str | None, lot: str | None) -> None:
    """--paper is for the HTML sheet, --lot for the table and the sheet (one line of text)."""
    if paper is not None and fmt != "html":
        raise OptionError("--paper sets the page of the HTML sheet", "add --format html")
    if lot is not None:
        one_line(lot, "lot")
        if fmt not in ("table", "html"):
            raise OptionError(
                f"--lot is printed on the table and the HTML sheet, not in {fmt}",
                "use --format table or html",
            )


def plan_json(plan: DosePlan) -> dict[str, Any]:
    """The plan's JSON in flag words (``notes`` too: the key is not one of FLAG_FIELDS, where
    a decision's ``notes`` are the protocol's own text)."""
    data: dict[str, Any] = in_flags(plan.to_dict())
    data["notes"] = [to_flags(note) for note in plan.notes]
    return data
