"""`celldose dose --format html`: a printable dose sheet, one page per patient.

One self-contained HTML page (inline CSS, no scripts, no fonts or images to fetch), from the
package's template ``templates/dose_sheet.html``, rendered by Jinja2 with autoescaping (a patient
named ``<script>`` prints as text). Jinja2 is imported here, on first use, so that the other
formats never load it. The printed date comes from ``SOURCE_DATE_EPOCH`` when it is set, so the
same input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from celldose.cli._dose_table import basis_lines, route_shown
from celldose.cli._envelope import celldose_version
from celldose.cli._export import calendar_warning, course_words, patient_words
from celldose.cli._flags import to_flags
from celldose.cli._range_render import cells_text, total_cells_text, total_volume_text, volume_text
from celldose.protocols import (
    NOT_REPORTED,
    REGIMEN_ID,
    OptionError,
    Protocol,
    format_sig,
    plural,
)
from celldose.simulator.dosing import DosePlan


@dataclass(frozen=True)
class Paper:
    """A paper size: its CSS ``@page`` size and, on screen, the page's width and height."""

    css: str
    width: str
    height: str


PAPERS = {"a4": Paper("A4", "210mm", "297mm"), "letter": Paper("letter", "8.5in", "11in")}

# each basis of a dose, in words
BASIS_WORDS = {
    "per kg": "per kg of body weight: each dose is the dose per kg × the patient's weight",
    "per m²": "per m² of body surface area: each dose is the dose per m² × the patient's BSA",
    "flat": "a flat number of cells: each dose is the same whatever the patient's weight",
}

# where the doses come from, in the words of a printed sheet (no command-line flags)
SHEET_SOURCES = {"given": "prescribed", "regimen": "prescribed"}


def printed_date() -> dt.date:
    """``SOURCE_DATE_EPOCH`` (seconds since 1970) as a UTC date when set, else today's date
    where the sheet is printed (the computer's time zone)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.date.today()
    if not epoch.isdigit() or len(epoch) > 12:
        raise OptionError(
            f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970",
            "set it to an integer such as 1767225600, or unset it",
        )
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()


def sheet_html(
    plans: Sequence[tuple[DosePlan, Protocol]],
    *,
    paper: str = "a4",
    lot: str | None = None,
) -> str:
    """The HTML of one sheet per plan (each with the protocol it came from), page after page."""
    from jinja2 import Environment, StrictUndefined

    template = resources.files("celldose.cli").joinpath("templates", "dose_sheet.html")
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    sheets = [sheet_data(plan, protocol, lot) for plan, protocol in plans]
    title = "Dose sheet: " + "; ".join(patient_words(p) for p, _ in plans[:3])
    if len(plans) > 3:
        title += f" and {len(plans) - 3} more"
    return env.from_string(template.read_text("utf-8")).render(
        sheets=sheets,
        paper=PAPERS[paper],
        title=title,
        version=celldose_version(),
        printed=printed_date().isoformat(),
    )


def sheet_data(plan: DosePlan, protocol: Protocol, lot: str | None) -> dict[str, Any]:
    """What one sheet shows, as text (the template escapes it)."""
    dated = [d for d in plan.doses if d.date is not None]
    if not dated or len(dated) != len(plan.doses):
        raise OptionError("a dose sheet needs dates", "add --start YYYY-MM-DD")
    if len(plan.schedules) > 1:
        raise OptionError(
            "a frequency range has a minimum and a maximum schedule, not one dose sheet",
            "use --format table or json to see both",
        )
    identity = plan.identity
    patient = plan.patient
    weight = patient.weight.text
    if plan.bsa_m2 is not None:
        if patient.height_cm is not None:  # the BSA's other input
            weight += f", height {format_sig(patient.height_cm, 4)} cm"
        weight += f"; BSA {format_sig(plan.bsa_m2, 4)} m² ({plan.bsa_formula})"
    product = plan.product
    container = product.container
    schedule = plan.schedules[0]
    viable = product.dose_counts_viable
    rows = []
    for d in schedule.doses:
        assert d.date is not None
        date = f"{d.date.isoformat()} {d.date.strftime('%a')}"
        if d.moved_from is not None:
            date += f" (moved from {d.moved_from.strftime('%a')} {d.moved_from.isoformat()})"
        elif d.weekend:
            date += " (weekend)"
        marks = [m for m, on in (("capped", d.capped), ("rounded", d.rounded)) if on]
        rows.append(
            {
                "number": str(d.number) + ("*" if d.branch else ""),
                "date": date,
                "day": str(d.day),
                "cells": cells_text(d) + (f" ({', '.join(marks)})" if marks else ""),
                "to_draw": f"{format_sig(d.cells_to_draw)} cells",
                "volume": volume_text(d) if d.volume_ml is not None else "not known",
                "containers": "not known" if d.vials is None else plural(d.vials, container),
            }
        )
    headers = ["#", "date", "day", "cells"] + (["cells to draw"] if viable else [])
    headers += ["volume to draw", f"{container}s to thaw", "initials", "time given"]
    count = len(schedule.doses)
    total = f"Course: {count} dose{'s' if count != 1 else ''}, {total_cells_text(schedule)}"
    volume = total_volume_text(schedule)
    if volume is not None:
        total += f", {volume}"
    if schedule.total_vials is not None:
        total += f", {plural(schedule.total_vials, container)}"
    total += f"; last dose on day {schedule.course_days}."
    decision = []
    if plan.assessment is not None:
        decision.append(f"Assessment: {plan.assessment.text} after the first dose.")
    for branch in plan.branches:
        if branch.chosen:
            decision.append(f"* Branch {branch.name}: given only if {branch.condition}.")
        else:
            doses = len(branch.schedules[0].doses) if branch.schedules else 0
            decision.append(
                f"Branch {branch.name} (if {branch.condition}, {plural(doses, 'dose')}): not on "
                "this sheet; print a sheet that includes it once the assessment decides."
            )
    basis = [BASIS_WORDS[b] for b in sorted({d.dose.basis for d in plan.doses})]
    basis += [line.removeprefix("basis: ") for line in basis_lines(plan, SHEET_SOURCES)]
    basis = [line[:1].upper() + line[1:] for line in basis]
    if plan.scale is not None:
        basis.append(f"Scaled between species: {plan.scale.label}.")
    limits = plan.limit_entries()
    if limits:
        basis.append("Limits: " + "; ".join(calendar_warning(x["label"]) for x in limits))
    if viable and product.viability is not None:
        basis.append(
            f"Viability {format_sig(product.viability * 100)}%: the dose counts viable cells; "
            "'cells to draw' counts all cells."
        )
    return {
        "clinic": identity.clinic,
        "patient": [
            ("ID", identity.id),
            ("Name", identity.name),
            ("Owner", identity.owner),
            ("Species", patient.species.label),
            ("Weight", weight),
            ("Weighed on", None if identity.weighed is None else identity.weighed.isoformat()),
        ],
        "course": [
            *_protocol_facts(plan, protocol),
            ("Product", _product_text(protocol)),
            ("Concentration", _concentration_text(plan)),
            ("Lot", lot),
            *_route_facts(plan),
        ],
        "basis": basis,
        "headers": headers,
        "viable": viable,
        "rows": rows,
        "total": total,
        "decision": decision,
        "warnings": [calendar_warning(w) for w in dict.fromkeys(plan.problems)],
        "notes": [sheet_note(n) for n in dict.fromkeys(plan.notes)],
    }


# A note names the API argument a value came from ("given with concentration="); a printed sheet
# says, in words, that the value was given for this patient rather than taken from the protocol.
_SHEET_WORDS = (
    (re.compile(r" \(given with override_range=True\)"), " (given outside it on purpose)"),
    (re.compile(r" given with override_range=True"), " on purpose"),
    (re.compile(r" from dose="), " chosen for this patient"),
    (re.compile(r" given with \w+="), " given for this patient"),
)


def sheet_note(note: str) -> str:
    """A plan's note as the sheet prints it: where a value came from, without command words.

    >>> sheet_note("concentration 6.68×10⁶ cells/mL given with concentration=")
    'concentration 6.68×10⁶ cells/mL given for this patient'
    """
    for pattern, words in _SHEET_WORDS:
        note = pattern.sub(words, note)
    return to_flags(note)


def _protocol_facts(plan: DosePlan, protocol: Protocol) -> list[tuple[str, str | None]]:
    if plan.protocol_id == REGIMEN_ID:
        return [("Regimen", f"{course_words(plan)} (given, no published source)")]
    reference = protocol.reference  # `reference: not reported`: its citation is not reported
    doi = reference.doi if reference.doi != NOT_REPORTED else None  # a citation cites what is
    pubmed = reference.pubmed if reference.pubmed != NOT_REPORTED else None
    ids = [f"doi:{doi}" if doi else "", f"PubMed {pubmed}" if pubmed else "", *reference.registry]
    citation = reference.citation + "".join(f" {i}" for i in ids if i)
    return [
        ("Protocol", f"{protocol.id}: {protocol.title}"),
        ("Arm", f"{plan.arm}: {plan.regimen}"),
        ("Source", citation),
    ]


def _product_text(protocol: Protocol) -> str:
    """``cAT-MSC, from adipose tissue, allogeneic`` (``product: not reported``: its name is)."""
    product = protocol.product
    facts = [product.name]
    if product.tissue_source != NOT_REPORTED:
        facts.append(f"from {product.tissue_source}")
    if product.donor != NOT_REPORTED:
        facts.append(str(product.donor))
    return ", ".join(facts)


def _concentration_text(plan: DosePlan) -> str:
    product = plan.product
    if product.concentration_in_use is None:
        return "not known"
    text = f"{format_sig(product.concentration_in_use)} cells/mL"
    if product.concentration_derived:
        text += f" (derived: {product.concentration_derived})"
    return text


def _route_facts(plan: DosePlan) -> list[tuple[str, str | None]]:
    """The route, then each administration fact the source gives."""
    facts = plan.administration.facts()
    return [("Route", route_shown(plan)), *((label.capitalize(), text) for label, text in facts)]
