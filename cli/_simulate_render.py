"""What `celldose simulate` prints: what-if and cohort results as tables, JSON and CSV.

The field names of the JSON and CSV outputs are documented in the README and kept stable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from celldose.cli._cmd_dose import header_lines
from celldose.cli._export import plan_json
from celldose.cli._render import csv_text, table
from celldose.protocols._display import format_sig, plural
from celldose.simulator.scenarios._whatif import WhatIfResult, WindowShift

if TYPE_CHECKING:
    from celldose.simulator.scenarios._cohort import CohortResult, Stats


def _day(day: int | None) -> str:
    return "—" if day is None else str(day)


def _date(date: dt.date | None) -> str | None:
    return date.isoformat() if date is not None else None


def _scenario_lines(result: WhatIfResult) -> list[str]:
    scenario = result.scenario
    lines = [f"what-if: {scenario.describe()}"]
    if result.schedule is not None:
        lines.append(f"schedule: {result.schedule}imum of the frequency range (--schedule)")
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
            row.append("—" if d.weight is None else d.weight.text)
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
        out.extend("  " + _window_line(w) for w in result.windows)
    if result.warnings:
        out.append("")
        out.extend(f"warning: {w}" for w in result.warnings)
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


def _window_line(w: WindowShift) -> str:
    text = f"{w.window.label!r} (anchor: {w.window.anchor}): "
    if w.dose is None:
        return text + (w.note or "no anchor")
    planned = f"dose {w.planned_dose} on {_span((w.planned_day, w.planned_date))}"
    simulated = f"dose {w.dose} on {_span((w.day, w.date))}"
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


def whatif_json(result: WhatIfResult) -> dict[str, Any]:
    """The JSON object of `celldose simulate` for one patient (fields in the README)."""
    base = plan_json(result.plan)
    scenario = result.scenario
    return {
        "mode": "what-if",
        "protocol": base["protocol"],
        "arm": base["arm"],
        "regimen": base["regimen"],
        "schedule": result.schedule,
        "patient": base["patient"],
        "basis": base["basis"],
        "product": base["product"],
        "scenario": {
            "missed": list(scenario.missed),
            "delays": [{"dose": n, "days": d} for n, d in scenario.delays],
            "delay_policy": scenario.policy,
            "weights": [
                {"day": d, "weight_kg": w.kg, "weight_given": f"{w.value:g} {w.unit}"}
                for d, w in scenario.weights
            ],
            "weight_basis": scenario.weight_basis,
            "description": scenario.describe(),
        },
        "doses": [_dose_json(d) for d in result.doses],
        "totals": {
            "planned": {
                "doses": len(result.doses),
                "total_cells": result.planned_total_cells,
                "total_vials": result.planned_vials,
                "course_days": result.planned_course_days,
            },
            "simulated": {
                "doses": len(result.given),
                "total_cells": result.total_cells,
                "total_vials": result.vials,
                "course_days": result.course_days,
            },
            "difference_cells": result.total_cells - result.planned_total_cells,
        },
        "windows": [_window_json(w) for w in result.windows],
        "warnings": list(result.warnings),
    }


def _dose_json(d: Any) -> dict[str, Any]:
    sim = d.simulated
    return {
        "number": d.number,
        "phase": d.phase,
        "status": d.status,
        "planned_day": d.planned_day,
        "day": d.day if sim is not None else None,
        "moved_days": d.moved_days,
        "planned_date": _date(d.planned_date),
        "date": _date(d.date) if sim is not None else None,
        "weight_kg": d.weight.kg if d.weight is not None else None,
        "planned_cells": d.planned_cells,
        "cells": d.cells,
        "cells_to_draw": sim.cells_to_draw if sim is not None else 0.0,
        "volume_ml": sim.volume_ml if sim is not None else None,
        "vials": sim.vials if sim is not None else None,
        "planned_cumulative_cells": d.planned_cumulative_cells,
        "cumulative_cells": d.cumulative_cells,
    }


def _window_json(w: WindowShift) -> dict[str, Any]:
    def point(p: tuple[int | None, dt.date | None]) -> dict[str, Any]:
        return {"day": p[0], "date": _date(p[1])}

    return {
        "label": w.window.label,
        "anchor": w.window.anchor,
        "planned_anchor_dose": w.planned_dose,
        "anchor_dose": w.dose,
        "planned_anchor_day": w.planned_day,
        "anchor_day": w.day,
        "planned_anchor_date": _date(w.planned_date),
        "anchor_date": _date(w.date),
        "moved_days": w.moved_days,
        "planned_start": point(w.planned_start),
        "planned_end": point(w.planned_end),
        "start": point(w.start),
        "end": point(w.end),
        "note": w.note,
    }


WHATIF_CSV_COLUMNS = (
    "number",
    "phase",
    "status",
    "planned_day",
    "day",
    "moved_days",
    "planned_date",
    "date",
    "weight_kg",
    "planned_cells",
    "cells",
    "cells_to_draw",
    "volume_ml",
    "vials",
    "planned_cumulative_cells",
    "cumulative_cells",
)


def whatif_csv(result: WhatIfResult) -> str:
    """One row per planned dose: planned against simulated (the JSON "doses" fields)."""
    return csv_text(WHATIF_CSV_COLUMNS, (_dose_json(d) for d in result.doses))


# -- cohorts ----------------------------------------------------------------------------------
def _stats(stats: Stats | None) -> dict[str, float] | None:
    return None if stats is None else stats.as_dict()


def cohort_json(result: CohortResult) -> dict[str, Any]:
    """The JSON object of `celldose simulate` for a cohort (fields in the README; stable)."""
    plan = result.plan
    cohort = result.cohort
    base = plan_json(plan)
    demand = result.demand
    return {
        "mode": "cohort",
        "seed": result.seed,
        "patients": result.patients,
        "protocol": plan.protocol_id,
        "arm": plan.arm,
        "regimen": plan.regimen,
        "schedule": result.schedule,
        "species": result.species.id,
        "protocol_species": plan.protocol_species,
        "basis": base["basis"],
        "product": base["product"],
        "weights": {
            "model": result.weight_model,
            "roster": cohort.roster.source if cohort.roster is not None else None,
            "weight_kg": result.weight_kg.as_dict(),
        },
        "adherence": {
            "missed": cohort.missed,
            "delayed": cohort.delayed,
            "delay_days": list(cohort.delay_days) if cohort.delay_days else None,
            "delay_policy": "shift",
        },
        "total_cells": result.total_cells.as_dict(),
        "cohort_total_cells": result.cohort_total_cells,
        "per_dose": [
            {
                "number": d.number,
                "phase": d.phase,
                "dose": d.dose,
                "planned_day": d.planned_day,
                "received": d.received,
                "missed_fraction": d.missed_fraction,
                "delayed_fraction": d.delayed_fraction,
                "cells": _stats(d.cells),
            }
            for d in result.per_dose
        ],
        "vials": _stats(result.vials),
        "course_days": _stats(result.course_days),
        "doses_given": result.doses_given.as_dict(),
        "patients_without_dose": result.patients_without_dose,
        "capped_doses": result.capped_doses,
        "manufacturing": {
            "overage": demand.overage,
            "cells_given": demand.cells_given,
            "cells_to_draw": demand.cells_to_draw,
            "cells_to_manufacture": demand.cells_to_manufacture,
            "cells_per_vial": demand.cells_per_vial,
            "vials": demand.vials,
            "vials_to_manufacture": demand.vials_to_manufacture,
        },
        "responders": [
            {
                "label": f.label,
                "k": f.k,
                "n": f.n,
                "posterior": f.posterior,
                "patients": f.patients,
                "mean": f.mean,
                "median": f.median,
                "p5": f.p5,
                "p95": f.p95,
                "note": f.note,
            }
            for f in result.responders
        ],
        "percentiles": PERCENTILE_NOTE,
        "warnings": list(result.warnings),
    }


PERCENTILE_NOTE = (
    "p5, median, p95: the smallest value such that at least 5%, 50%, 95% of the patients have "
    "it or less (inverted empirical CDF; always a value that occurs)"
)
COHORT_CSV_COLUMNS = (
    "seed",
    "patients",
    "quantity",
    "dose",
    "label",
    "mean",
    "median",
    "p5",
    "p95",
    "value",
)


def cohort_csv(result: CohortResult) -> str:
    """Tidy rows: one per quantity (per dose for per-dose ones); seed on every row."""
    rows: list[dict[str, Any]] = []

    def add(
        quantity: str,
        stats: Stats | dict[str, float] | None = None,
        *,
        dose: Any = "",
        label: str = "",
        value: Any = "",
    ) -> None:
        row = {"quantity": quantity, "dose": dose, "label": label, "value": value}
        if stats is not None:
            row.update(stats if isinstance(stats, dict) else stats.as_dict())
        rows.append(row)

    add("weight_kg", result.weight_kg, label=result.weight_model)
    add("total_cells", result.total_cells)
    for d in result.per_dose:
        add("cells", d.cells, dose=d.number, label=d.dose, value=d.received)
        add("missed_fraction", dose=d.number, value=d.missed_fraction)
        add("delayed_fraction", dose=d.number, value=d.delayed_fraction)
    if result.vials is not None:
        add("vials", result.vials)
    if result.course_days is not None:
        add("course_days", result.course_days)
    add("doses_given", result.doses_given)
    add("patients_without_dose", value=result.patients_without_dose)
    add("cohort_total_cells", value=result.cohort_total_cells)
    demand = result.demand
    add("overage", value=demand.overage)
    add("cells_to_draw", value=demand.cells_to_draw)
    add("cells_to_manufacture", value=demand.cells_to_manufacture)
    if demand.vials is not None:
        add("vials_total", value=demand.vials)
        add("vials_to_manufacture", value=demand.vials_to_manufacture)
    for f in result.responders:
        add(
            "responders",
            {"mean": f.mean, "median": float(f.median), "p5": float(f.p5), "p95": float(f.p95)},
            label=f"{f.label} ({f.k}/{f.n} published)",
        )
    for row in rows:
        row["seed"] = result.seed
        row["patients"] = result.patients
    return csv_text(COHORT_CSV_COLUMNS, rows)


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
        out.append(f"schedule: {result.schedule}imum of the frequency range (--schedule)")
    source = "from --dose" if plan.dose_source == "--dose" else "published"
    per = {"per kg": "× each patient's weight", "per m²": "× each patient's BSA (Meeh)"}
    for record in {str(r.dose): r for r in plan.doses}.values():
        scaling = ""
        if record.dose.basis == "per kg" and plan.scale is not None:
            sc = plan.scale
            scaling = f" × {sc.factor:.3g} (BSA scaling, Km {sc.km_from:g}/{sc.km_to:g})"
        how = per.get(record.dose.basis, "(flat)")
        out.append(f"basis: {record.dose} ({source}) {how}{scaling}")
    out.append(
        f"cohort: {plural(result.patients, 'virtual ' + result.species.label)}, seed {result.seed}"
        + (" (the default; --seed S for another draw)" if cohort.seed == 0 else "")
    )
    w = result.weight_kg
    out.append(
        f"weights: {result.weight_model}; drawn: median {format_sig(w.median)} kg, "
        f"5-95% {format_sig(w.p5)}-{format_sig(w.p95)} kg"
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
    headers = ["#", "phase", "planned day", "missed", "delayed", "mean", "5%", "median", "95%"]
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
                *cells,
            ]
        )
    out.append(table(headers, rows, right=tuple(range(len(headers)))))
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
    demand = result.demand
    out.append(
        f"cohort total: {format_sig(result.cohort_total_cells)} cells given to "
        f"{result.patients:,} patients"
    )
    overage = f"× overage {demand.overage:g}" + (" (none)" if demand.overage == 1 else "")
    drawn = "cells to draw" if plan.product.dose_counts_viable else "cells"
    line = (
        f"manufacturing: {format_sig(demand.cells_to_draw)} {drawn} {overage} = "
        f"{format_sig(demand.cells_to_manufacture)} cells"
    )
    if demand.vials is not None and demand.vials_to_manufacture is not None:
        line += f"; {demand.vials:,} vials opened {overage} = {demand.vials_to_manufacture:,} vials"
    out.append(line)
    for f in result.responders:
        out.append("")
        out.append(
            f"responders {f.label!r} ({f.k} of {f.n} published; {f.posterior} posterior): "
            f"among {f.patients:,} patients mean {_trim(f'{f.mean:,.1f}')}, median "
            f"{f.median:,}, 5-95% {f.p5:,}-{f.p95:,}"
        )
        out.append(f"  {f.note}")
    out.append("")
    out.append(f"percentiles: {PERCENTILE_NOTE}")
    if result.warnings:
        out.append("")
        out.extend(f"warning: {w}" for w in result.warnings)
    return "\n".join(out)


__all__ = [
    "cohort_csv",
    "cohort_json",
    "cohort_table",
    "whatif_csv",
    "whatif_json",
    "whatif_table",
]


def _trim(text: str) -> str:
    """No trailing zero: '5.0' -> '5', '50,000.0' -> '50,000', '21.4' stays."""
    return text.rstrip("0").rstrip(".") if "." in text else text
