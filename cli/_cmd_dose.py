"""`celldose dose`: the main job. One patient's cells, volume, vials and dates for every dose."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

import click

from celldose.cli._branch_render import decision_lines
from celldose.cli._complete import complete_path
from celldose.cli._describe import schedule_words
from celldose.cli._export import plan_csv, plan_ics
from celldose.cli._flags import in_flags, to_flags, warning_lines
from celldose.cli._identity import build_identity, identity_lines, identity_options, who
from celldose.cli._inputs import (
    build_options,
    build_patient,
    dosing_options,
    load_target,
    patient_options,
    target_options,
)
from celldose.cli._limit_render import stopped_lines
from celldose.cli._range_render import (
    cells_text,
    cumulative_text,
    range_line,
    source_text,
    total_cells_text,
    total_volume_text,
    volume_text,
)
from celldose.cli._render import (
    check_outputs,
    format_option,
    input_files,
    table,
    to_json,
    write_output,
)
from celldose.protocols import (
    NOT_REPORTED,
    REGIMEN_ID,
    Administration,
    OptionError,
    format_sig,
    route_info,
)
from celldose.simulator.dosing import (
    DosePlan,
    DoseRecord,
    Rounding,
    Schedule,
    one_line,
    plan_doses,
)


@click.command(name="dose")
@target_options
@patient_options(
    weight_required=False,
    weight_help="Body weight with a unit: 12kg, 26.5lb, 950g (needed unless --roster).",
)
@identity_options
@click.option(
    "--roster",
    default=None,
    shell_complete=complete_path,
    help="A clinic list: a CSV of id,weight lines (or with a header: id,weight,name,owner,"
    "species,start,weighed,arm); one plan per patient, in one output.",
)
@dosing_options
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
    "table",
    "json",
    "csv",
    "ics",
    "html",
    help="Output format (ics and html need --start; html is a printable dose sheet).",
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
    branch: str | None,
    rounding: str | None,
    round_tolerance: str | None,
    fmt: str,
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

    Doses are computed in full precision and shown to 3 significant figures; the basis and
    the weight are printed with them. Values the source does not report must be given
    (--dose, --count, --interval): celldose never fills them in.
    """
    inputs = input_files(protocol, roster)
    check_outputs({"-o": output}, inputs)
    check_sheet_options(fmt, paper, lot)
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
    round_mode: Rounding | None = (
        "down" if rounding == "down" else "nearest" if rounding else None
    )
    if roster is not None:
        from celldose.cli._clinic_list import dose_roster

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
    )
    if fmt == "json":
        text = to_json(plan_json(plan))
    elif fmt == "csv":
        text = plan_csv(plan)
    elif fmt == "ics":
        text = plan_ics(plan)
    elif fmt == "html":
        from celldose.cli._sheet import sheet_html

        text = sheet_html([(plan, target)], paper=paper or "a4", lot=lot)
    else:
        text = render_table(plan, lot=lot)
    write_output(text, output, inputs=inputs)
    if fmt in ("csv", "ics") or (fmt == "json" and output not in (None, "-")):
        for line in warning_lines(plan.warnings, plan.notes):  # CSV, iCalendar: no place for them
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


def _volume(value: float | None) -> str:
    return "—" if value is None else f"{format_sig(value)} mL"


SOURCES = {"given": "from --dose", "regimen": "from --regimen", "protocol": "published"}


def header_lines(plan: DosePlan, lot: str | None = None) -> list[str]:
    """Protocol, patient and basis: printed above every table of doses."""
    patient = plan.patient
    lines = identity_lines(plan.identity)
    if plan.protocol_id == REGIMEN_ID:
        lines.append(f"regimen (given with --regimen): {plan.regimen}")
    else:
        lines.append(f"protocol: {plan.protocol_id}, arm {plan.arm}: {plan.regimen}")
    weight = patient.weight.text
    if plan.identity.weighed is not None:
        weight += f", weighed {plan.identity.weighed.isoformat()}"
    who_line = f"patient: {who(plan.identity)}{patient.species.label}, {weight}"
    if plan.species_note:
        who_line += f" (protocol written for {plan.protocol_species})"
    if plan.bsa_m2 is not None:
        who_line += f", BSA {format_sig(plan.bsa_m2, 4)} m² ({plan.bsa_formula})"
    lines.append(who_line)
    if plan.bands:
        lines.append("weight bands: " + "; ".join(plan.bands))
    lines.extend(route_lines(plan))
    lines.extend(basis_lines(plan))
    limits = plan.limit_entries()
    if limits:
        lines.append("limits: " + to_flags("; ".join(x["label"] for x in limits)))
    product = plan.product
    concentration = product.concentration_in_use
    if concentration is not None:
        derived = product.concentration_derived
        how = f" (derived: {derived})" if derived else ""
        lines.append(f"product: {format_sig(concentration)} cells/mL{how}")
    if lot is not None:
        lines.append(f"lot: {lot}")
    if product.dose_counts_viable and product.viability is not None:
        lines.append(
            f"viability: {format_sig(product.viability * 100)}%: the dose counts viable cells; "
            "'to draw' counts all cells"
        )
    return lines


def basis_lines(plan: DosePlan, sources: dict[str, str] = SOURCES) -> list[str]:
    """``basis: …`` for each distinct dose (and its range for this patient): the dose, its basis
    and source (``sources`` words each plan.dose_source), times what it was computed on."""
    patient = plan.patient
    lines: list[str] = []
    seen: set[str] = set()
    for record in plan.doses:
        dose = record.dose
        if str(dose) in seen:
            continue
        seen.add(str(dose))
        source = source_text(record, sources.get(plan.dose_source, "published"))
        if record.band is not None:
            source += f", weight band {record.band}"
        dose_text = dose.display()
        if dose.basis == "per kg":
            weight = format_sig(patient.weight_kg, 4)
            basis = f"{dose_text} (per kg, {source}) × {weight} kg body weight"
            if plan.dosing_weight_kg is not None:
                capped = format_sig(plan.dosing_weight_kg, 4)
                basis = f"{dose_text} (per kg, {source}) × {capped} kg: {plan.dosing_weight_note}"
            if plan.scale is not None:
                s = plan.scale
                basis += f" × {s.factor:.3g} (BSA scaling, Km {s.km_from:g}/{s.km_to:g})"
        elif dose.basis == "per m²":
            bsa = format_sig(plan.bsa_m2 or 0, 4)
            basis = f"{dose_text} (per m², {source}) × {bsa} m² BSA for {patient.weight.text}"
        elif plan.whole_containers is not None and plan.dose_source == "protocol":
            basis = whole_basis(plan, record)
        else:
            basis = f"{dose_text} (flat, {source}); patient weight {patient.weight.text}"
        lines.append(f"basis: {basis}")
        span = range_line(record, patient.weight.text)
        if span is not None:
            lines.append(span)
    return lines


def route_lines(plan: DosePlan) -> list[str]:
    """The route, then one line per administration fact the source gives (never a default)."""
    if plan.route == NOT_REPORTED:
        lines = ["route: not reported (give it with --route)"]
    else:
        lines = [f"route: {route_shown(plan)}"]
    return lines + fact_lines(plan.administration)


def route_shown(plan: DosePlan) -> str:
    """``IV infusion (intravenous)``, ``intralesional injection``, or ``not reported``."""
    if plan.route == NOT_REPORTED:
        return NOT_REPORTED
    info = route_info(plan.route)
    return info.event if info.label in info.event else f"{info.event} ({info.label})"


def fact_lines(administration: Administration, indent: str = "  ") -> list[str]:
    """One line per fact the source gives, labels aligned, long text wrapped under itself."""
    facts = administration.facts()
    width = max((len(label) for label, _ in facts), default=0)
    lines = []
    for label, text in facts:
        lead = f"{indent}{label + ':':<{width + 1}} "
        wrapped = textwrap.wrap(text, width=max(40, _WIDTH - len(lead)))
        lines.append(lead + wrapped[0])
        lines.extend(" " * len(lead) + more for more in wrapped[1:])
    return lines


_WIDTH = 96  # characters of a wrapped administration fact's line


def whole_basis(plan: DosePlan, record: DoseRecord) -> str:
    """``the whole content of 4 vials (published): 1.2×10⁸ cells (flat), 1.67×10⁶ cells/kg for
    72 kg, 24 mL``."""
    text = (
        f"{plan.whole_containers} (published): {format_sig(record.cells)} cells (flat), "
        f"{format_sig(record.cells / plan.patient.weight_kg)} cells/kg for "
        f"{plan.patient.weight.text}"
    )
    if record.volume_ml is not None:
        text += f", {_volume(record.volume_ml)}"
    return text


def render_table(plan: DosePlan, lot: str | None = None) -> str:
    out = header_lines(plan, lot)
    dated = any(d.date is not None for d in plan.doses)
    viable = plan.product.dose_counts_viable

    def schedule_table(schedule: Schedule) -> str:
        headers = ["#", "phase", "day"] + (["date"] if dated else []) + ["cells"]
        vials = any(d.vials is not None for d in schedule.doses)
        headers += (["to draw"] if viable else []) + ["volume", "vials"]
        headers += (["leftover"] if vials else []) + ["cumulative"]
        rows = []
        for d in schedule.doses:
            day = str(d.day) if d.day is not None else d.offset
            row = [str(d.number), str(d.phase), day]
            if dated:
                assert d.date is not None
                date = f"{d.date.isoformat()} {d.date.strftime('%a')}"
                if d.moved_from is not None:
                    date += f" (moved from {d.moved_from.strftime('%a')})"
                elif d.weekend:
                    date += " weekend"
                row.append(date)
            cap = "weight cap" if d.capped_by == "dose weight" else "capped"
            marks = [m for m, on in ((cap, d.capped), ("rounded", d.rounded)) if on]
            row.append(cells_text(d) + (f" ({', '.join(marks)})" if marks else ""))
            if viable:
                row.append(f"{format_sig(d.cells_to_draw)} cells")
            row += [volume_text(d), "—" if d.vials is None else str(d.vials)]
            if vials:
                left = "—" if d.leftover_cells is None else f"{format_sig(d.leftover_cells)} cells"
                if d.leftover_ml is not None:
                    left += f" ({format_sig(d.leftover_ml)} mL)"
                row.append(left)
            row.append(cumulative_text(d))
            rows.append(row)
        return table(headers, rows, right=(0, 1, 2))

    for schedule in plan.schedules:
        out.append("")
        if schedule.which is not None:
            label = schedule_words(plan.regimen, schedule.which)
            out.append(f"{schedule.which}imum schedule ({label}):")
        out.append(schedule_table(schedule))
        count = len(schedule.doses)
        total = (
            f"course: {count} dose{'s' if count != 1 else ''}, "
            f"{total_cells_text(schedule)} in total"
        )
        volume = total_volume_text(schedule)
        if volume is not None:
            total += f", {volume}"
        if schedule.total_vials is not None:
            leftover = [d.leftover_cells for d in schedule.doses if d.leftover_cells]
            total += f", {schedule.total_vials} vial{'s' if schedule.total_vials != 1 else ''}"
            if leftover:
                total += f" (leftover {format_sig(sum(leftover))} cells unused)"
        if schedule.course_days is not None:
            total += f", last dose on day {schedule.course_days}"
        out.append(total)
        out.extend(stopped_lines(schedule))
    if plan.assessment is not None:
        out.extend(decision_lines(plan, schedule_table))
    if plan.warnings:
        out.append("")
        out.extend(warning_lines(plan.warnings, plan.notes))
    return "\n".join(out)
