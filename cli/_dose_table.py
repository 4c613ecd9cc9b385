"""The table `celldose dose` prints: a header (protocol, patient, route, basis, product), then
the doses; its parts are shared by `show`, `simulate` and the HTML sheet."""

from __future__ import annotations

import textwrap

from celldose.cli._branch_render import decision_lines
from celldose.cli._describe import schedule_words
from celldose.cli._flags import to_flags, warning_lines
from celldose.cli._identity import identity_lines, who
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
from celldose.cli._render import table
from celldose.protocols import (
    NOT_REPORTED,
    REGIMEN_ID,
    Administration,
    format_sig,
    kg_text,
    route_info,
)
from celldose.simulator.dosing import DosePlan, DoseRecord, Schedule


def _volume(value: float | None) -> str:
    return "—" if value is None else f"{format_sig(value)} mL"


SOURCES = {"given": "from --dose", "regimen": "from --regimen"}


def published_word(plan: DosePlan) -> str:
    """Where a protocol's own dose comes from: ``published``, or ``from the protocol`` for an
    unpublished one (a clinic's in-house protocol, ``reference: {published: false}``)."""
    return "published" if plan.published else "from the protocol"


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
        if patient.height_cm is not None:  # the BSA's other input (Mosteller, DuBois)
            who_line += f", {format_sig(patient.height_cm, 4)} cm"
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
        source = source_text(record, sources.get(plan.dose_source, published_word(plan)))
        if record.band is not None:
            source += f", weight band {record.band}"
        dose_text = dose.display()
        if dose.basis == "per kg":
            weight = kg_text(patient.weight_kg)
            basis = f"{dose_text} (per kg, {source}) × {weight} kg body weight"
            if plan.dosing_weight_kg is not None:
                capped = format_sig(plan.dosing_weight_kg, 4)
                basis = f"{dose_text} (per kg, {source}) × {capped} kg: {plan.dosing_weight_note}"
            if plan.scale is not None:
                s = plan.scale
                basis += f" × {s.factor:.3g} (BSA scaling, Km {s.km_from:g}/{s.km_to:g})"
        elif dose.basis == "per m²":
            bsa = format_sig(plan.bsa_m2 or 0, 4)
            built = patient.weight.text
            if patient.height_cm is not None:
                built += f", {format_sig(patient.height_cm, 4)} cm"
            basis = f"{dose_text} (per m², {source}) × {bsa} m² BSA for {built}"
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
        f"{plan.whole_containers} ({published_word(plan)}): {format_sig(record.cells)} cells "
        "(flat), "
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
