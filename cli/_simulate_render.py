"""What `celldose simulate` prints: what-if and cohort results as tables, JSON and CSV.

The field names of the JSON and CSV outputs are documented in the README and kept stable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from celldose.cli._dose_table import SOURCES, header_lines, published_word, route_lines
from celldose.cli._flags import in_flags, to_flags, warning_lines
from celldose.cli._range_render import is_spanned, source_text
from celldose.cli._render import csv_text, table
from celldose.protocols import format_sig, plural
from celldose.simulator.scenarios import (
    PERCENTILE_NOTE,
    WHATIF_CSV_COLUMNS,
    Stats,
    WhatIfResult,
    WindowShift,
)

if TYPE_CHECKING:
    from celldose.simulator.scenarios import CohortResult


def _day(day: int | None) -> str:
    return "—" if day is None else str(day)


def _scenario_lines(result: WhatIfResult) -> list[str]:
    scenario = result.scenario
    lines = [f"what-if: {scenario.describe()}"]
    if result.schedule is not None:
        lines.append(f"schedule: {result.schedule}imum of the range (--schedule)")
    ranges = {
        d.planned.range.range: None
        for d in result.doses
        if d.planned.range is not None and is_spanned(d.planned)
    }
    if ranges:  # one number per dose: the what-if follows the upper bound of a range
        shown = ", ".join(r.display() for r in ranges)
        uppers = ", ".join(r.upper().display() for r in ranges)
        capped = any(d.planned.capped_by is not None for d in result.doses)
        below = " (or at the limit where one caps it)" if capped else ""
        lines.append(
            f"cells: each dose at the upper bound {uppers} of the dose range {shown}{below}; "
            "--dose chooses a target within the range"
        )
    if scenario.weights:
        measured = ", ".join(f"day {d} {w.text}" for d, w in scenario.weights)
        if scenario.weight_basis == "current":
            lines.append(
                "weights: each dose on the current weight (the latest measurement on or before "
                f"its day): {measured}"
            )
        else:
            lines.append(
                f"weights: every dose on the baseline weight {result.plan.patient.weight.text} "
                f"(--weight-basis baseline; measured: {measured})"
            )
    return lines


def whatif_table(result: WhatIfResult) -> str:
    out = header_lines(result.plan) + _scenario_lines(result)
    dated = any(d.planned_date is not None for d in result.doses)
    vials = any(d.planned.vials is not None for d in result.doses)
    headers = ["#", "phase", "status", "planned day", "day"]
    headers += ["planned date", "date"] if dated else []
    weights = bool(result.scenario.weights)
    headers += (["weight"] if weights else []) + ["planned cells", "cells"]
    headers += ["vials"] if vials else []
    headers += ["planned cumulative", "cumulative"]
    rows = []
    for d in result.doses:
        status = d.status + (f" +{d.moved_days}d" if d.moved_days else "")
        day = d.planned.offset if d.planned_day is None else str(d.planned_day)
        sim_day = (
            "—" if d.simulated is None else (d.planned.offset if d.day is None else str(d.day))
        )
        row = [str(d.number), str(d.phase), status, day, sim_day]
        if dated:
            row.append(_weekday(d.planned_date))
            row.append("—" if d.simulated is None else _weekday(d.date))
        if weights:
            weight = "—" if d.weight is None else d.weight.text
            if d.simulated is not None and d.simulated.band is not None:
                weight += f" (band {d.simulated.band})"
            row.append(weight)
        row.append(f"{format_sig(d.planned_cells)} cells")
        row.append("—" if d.simulated is None else f"{format_sig(d.cells)} cells")
        if vials:
            row.append(
                "—" if d.simulated is None or d.simulated.vials is None else str(d.simulated.vials)
            )
        row.append(f"{format_sig(d.planned_cumulative_cells)} cells")
        row.append(f"{format_sig(d.cumulative_cells)} cells")
        rows.append(row)
    out.append("")
    out.append(table(headers, rows, right=(0, 1, 3, 4)))
    out.append("")
    out.extend(_totals_lines(result))
    if result.windows:
        out.append("")
        out.append("response windows (anchors follow the doses given):")
        offsets = {d.number: d.planned.offset for d in result.doses}
        out.extend("  " + _window_line(w, offsets) for w in result.windows)
    if result.warnings:
        out.append("")
        out.extend(warning_lines(result.warnings, result.plan.notes))
    return "\n".join(out)


def _weekday(date: dt.date | None) -> str:
    return "—" if date is None else f"{date.isoformat()} {date.strftime('%a')}"


def _totals_lines(result: WhatIfResult) -> list[str]:
    planned_n, given_n = len(result.doses), len(result.given)
    difference = result.total_cells - result.planned_total_cells
    sign = "+" if difference > 0 else ("−" if difference < 0 else "±")
    planned = (
        f"planned: {plural(planned_n, 'dose')}, {format_sig(result.planned_total_cells)} cells"
    )
    simulated = f"simulated: {plural(given_n, 'dose')}, {format_sig(result.total_cells)} cells"
    simulated += f" ({sign}{format_sig(abs(difference))} cells)"
    if result.planned_vials is not None:
        planned += f", {plural(result.planned_vials, 'vial')}"
    if result.vials is not None:
        simulated += f", {plural(result.vials, 'vial')}"
    if result.planned_course_days is not None:
        planned += f", first to last dose {result.planned_course_days} days"
    if result.course_days is not None:
        simulated += f", first to last dose {result.course_days} days"
    return [planned, simulated]


def _span(point: tuple[int | None, dt.date | None]) -> str:
    day, date = point
    if day is None:
        return "?"
    return f"day {day}" + (f" ({date.isoformat()})" if date is not None else "")


def _dose_when(
    number: int | None, point: tuple[int | None, dt.date | None], offsets: dict[int, str]
) -> str:
    """``dose 2 on day 28 (2026-02-02)``; without a day (calendar months, no --start), the
    regimen's time: ``dose 2 at +1 month``."""
    if point[0] is None and number in offsets:
        return f"dose {number} at {offsets[number]}"
    return f"dose {number} on {_span(point)}"


def _window_line(w: WindowShift, offsets: dict[int, str]) -> str:
    text = f"{w.window.label!r} (anchor: {w.window.anchor}): "
    if w.dose is None:
        return text + (w.note or "no anchor")
    planned = _dose_when(w.planned_dose, (w.planned_day, w.planned_date), offsets)
    simulated = _dose_when(w.dose, (w.day, w.date), offsets)
    moved = w.moved_days
    text += f"planned {planned}, simulated {simulated}"
    if moved:
        text += f" (moved {moved:+d} days)"
    if w.planned_start[0] is not None or w.start[0] is not None:
        text += (
            f"; window {_span(w.planned_start)} to {_span(w.planned_end)}"
            f" -> {_span(w.start)} to {_span(w.end)}"
        )
    if w.note:
        text += f"; {w.note}"
    return text


def whatif_csv(result: WhatIfResult) -> str:
    """One row per planned dose: planned against simulated (the JSON "doses" fields)."""
    return csv_text(WHATIF_CSV_COLUMNS, (in_flags(d.to_dict()) for d in result.doses))


# -- cohorts ----------------------------------------------------------------------------------
def cohort_csv(result: CohortResult) -> str:
    """Tidy rows: one per quantity (per dose for per-dose ones); seed on every row."""
    from celldose.simulator.scenarios import COHORT_CSV_COLUMNS

    return csv_text(COHORT_CSV_COLUMNS, (_cohort_row(row) for row in result.rows()))


def _cohort_row(row: dict[str, Any]) -> dict[str, Any]:
    """A cohort CSV row in flag words: a branch's ``label`` is celldose's own text ("share 0.41,
    given with --branch-share"), every other label the protocol's, kept as written."""
    out: dict[str, Any] = in_flags(row)
    if row.get("quantity") == "branch_patients":
        out["label"] = to_flags(str(row["label"]))
    return out


def _count(value: float) -> str:
    """A count of things: whole numbers with thousands separators, else 3 significant figures."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return format_sig(value)


def cohort_table(result: CohortResult) -> str:
    plan = result.plan
    cohort = result.cohort
    out = [f"protocol: {plan.protocol_id}, arm {plan.arm}: {plan.regimen}"]
    if result.schedule is not None:
        out.append(f"schedule: {result.schedule}imum of the range (--schedule)")
    source = SOURCES.get(plan.dose_source, published_word(plan))
    per = {"per kg": "× each patient's weight", "per m²": "× each patient's BSA (Meeh)"}
    if plan.dose_bands is not None and any(r.band is not None for r in plan.doses):
        out.append(f"basis: weight bands ({source}), the band that holds each patient's weight:")
        for band in plan.dose_bands.bands:
            out.append(f"  {band} {per.get(band.dose.basis, '(flat)')}")
    for record in {str(r.dose): r for r in plan.doses if r.band is None}.values():
        # the words of `celldose dose`'s basis line, for a cohort instead of one patient
        named = source_text(record, source)
        if plan.whole_containers is not None and plan.dose_source == "protocol":
            whole = format_sig(record.cells)
            out.append(f"basis: {plan.whole_containers} ({named}): {whole} cells (flat)")
            continue
        scaling = ""
        if record.dose.basis == "per kg" and plan.scale is not None:
            sc = plan.scale
            scaling = f" × {sc.factor:.3g} (BSA scaling, Km {sc.km_from:g}/{sc.km_to:g})"
        if record.dose.basis in per:
            how = f"({record.dose.basis}, {named}) {per[record.dose.basis]}"
        else:
            how = f"(flat, {named})"
        line = f"basis: {record.dose.display()} {how}{scaling}"
        if record.dose.is_range:
            line += f"; demand ordered at the upper bound {record.dose.upper().display()}"
        out.append(line)
    out.extend(route_lines(plan))
    species = result.species
    listed = cohort.roster is not None  # real patients of a roster: their weights are read
    kind = "" if listed else "virtual "
    who = plural(result.patients, f"{kind}{species.label}", f"{kind}{species.plural}")
    out.append(
        f"cohort: {who}, seed {result.seed}"
        + (" (the default; --seed S for another draw)" if cohort.seed == 0 else "")
    )
    w = result.weight_kg
    out.append(
        f"weights: {result.weight_model}; {'as listed' if listed else 'drawn'}: median "
        f"{format_sig(w.median)} kg, 5-95% {format_sig(w.p5)}-{format_sig(w.p95)} kg"
    )
    adherence = f"adherence: each dose missed with probability {cohort.missed:g}"
    if cohort.delay_days is not None:
        low, high = cohort.delay_days
        days = f"{low}" if low == high else f"{low}-{high}"
        adherence += (
            f"; a dose given is delayed with probability {cohort.delayed:g} by {days} days "
            "(later doses shift)"
        )
    out.append(adherence)
    out.append("")
    out.append("per dose: cells among the patients who received it")
    stops = result.stopped_doses > 0  # a course maximum stopped doses: their own column
    headers = ["#", "phase", "planned day", "missed", "delayed"] + (["stopped"] if stops else [])
    headers += ["mean", "5%", "median", "95%"]
    branched = any(d.branch is not None for d in result.per_dose)
    headers += ["branch"] if branched else []
    rows = []
    for d in result.per_dose:
        s = d.cells
        cells = (
            ["—"] * 4
            if s is None
            else [format_sig(s.mean), format_sig(s.p5), format_sig(s.median), format_sig(s.p95)]
        )
        rows.append(
            [
                str(d.number),
                str(d.phase),
                _day(d.planned_day),
                f"{_trim(f'{100 * d.missed_fraction:.1f}')}%",
                f"{_trim(f'{100 * d.delayed_fraction:.1f}')}%",
                *([f"{_trim(f'{100 * d.stopped_fraction:.1f}')}%"] if stops else []),
                *cells,
                *([d.branch or ""] if branched else []),
            ]
        )
    out.append(table(headers, rows, right=tuple(range(len(headers) - branched))))
    if stops:
        out.append(
            "stopped: not given because the patient's course reached its max per course "
            "(not counted as missed)"
        )
    if branched:
        out.append("branch doses: 'missed' counts among the patients drawn into the branch")
    for b in result.branches:
        out.append(
            f"branch {b.name} (if {b.condition}): {to_flags(b.label)}; "
            f"{b.patients:,} of {plural(result.patients, 'patient')} drawn into it"
        )
    out.append("")
    out.append("per patient, over the course:")
    summary: list[tuple[str, Stats, Callable[[float], str]]] = [
        ("total cells", result.total_cells, format_sig)
    ]
    if result.vials is not None:
        summary.append(("vials", result.vials, _count))
    if result.course_days is not None:
        summary.append(("first to last dose (days)", result.course_days, _count))
    summary.append(("doses given", result.doses_given, _count))
    lines = [
        [name, format_sig(s.mean), fmt(s.p5), fmt(s.median), fmt(s.p95)] for name, s, fmt in summary
    ]
    out.append(table(["", "mean", "5%", "median", "95%"], lines, right=(1, 2, 3, 4)))
    if result.patients_without_dose:
        out.append(f"patients given no dose: {result.patients_without_dose:,}")
    out.append("")
    out.extend(demand_lines(result))
    for f in result.responders:
        out.append("")
        out.append(
            f"responders {f.label!r} ({f.k} of {f.n} published; {f.posterior} posterior): "
            f"among {plural(f.patients, 'patient')} mean {_trim(f'{f.mean:,.1f}')}, median "
            f"{f.median:,}, 5-95% {f.p5:,}-{f.p95:,}"
        )
        out.append(f"  {f.note}")
    out.append("")
    out.append(f"percentiles: {PERCENTILE_NOTE}")
    if result.warnings:
        out.append("")
        out.extend(warning_lines(result.warnings, result.plan.notes))
    return "\n".join(out)


def demand_lines(result: CohortResult) -> list[str]:
    """Cells dosed, cells thawed in whole containers, and what to order (overage applied)."""
    demand = result.demand
    viable = result.plan.product.dose_counts_viable
    word = demand.container
    overage = f"× overage {demand.overage:g}" + (" (none)" if demand.overage == 1 else "")
    lines = [
        f"cohort total: {format_sig(result.cohort_total_cells)} cells dosed to "
        f"{plural(result.patients, 'patient')}"
    ]
    drawn = f"{format_sig(demand.cells_to_draw)} cells"
    if demand.vials is None or demand.cells_per_vial is None or demand.cells_thawed is None:
        what = "cells to draw" if viable else "cells dosed"
        lines.append(
            f"manufacturing: {format_sig(demand.cells_to_draw)} {what} {overage} = "
            f"{format_sig(demand.cells_to_manufacture)} cells to order (no {word} size: whole "
            f"{word}s thawed are not counted; give the product's cells_per_vial, or --vial)"
        )
        return lines
    lines.append(
        f"manufacturing (single-use {word}s: a thawed {word} is not kept for the next dose):"
    )
    dosed = "viable cells" if viable else "cells"
    rows = [["cells dosed", f"{format_sig(demand.cells_given)} {dosed}"]]
    if viable:
        rows.append(["cells to draw", f"{drawn} (viable cells ÷ viability)"])
    rows.append(
        [
            "cells thawed",
            f"{plural(demand.vials, word)} × {format_sig(demand.cells_per_vial)} cells = "
            f"{format_sig(demand.cells_thawed)} cells ({format_sig(demand.cells_not_dosed or 0)} "
            f"cells left in opened {word}s)",
        ]
    )
    assert demand.vials_to_manufacture is not None
    rows.append(
        [
            "to order",
            f"{plural(demand.vials, word)} {overage} = {plural(demand.vials_to_manufacture, word)}"
            f" = {format_sig(demand.cells_to_manufacture)} cells",
        ]
    )
    lines.extend(f"  {name + ':':<14} {text}" for name, text in rows)
    return lines


__all__ = [
    "cohort_csv",
    "cohort_table",
    "whatif_csv",
    "whatif_table",
]


def _trim(text: str) -> str:
    """No trailing zero: '5.0' -> '5', '50,000.0' -> '50,000', '21.4' stays."""
    return text.rstrip("0").rstrip(".") if "." in text else text
