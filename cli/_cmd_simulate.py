"""`celldose simulate`: what-if scenarios for one patient, and virtual cohorts.

One patient (``--weight`` or ``--weights``): missed doses (``--skip``), delays (``--delay``),
weight over time, planned against simulated. A cohort (``--patients N`` or ``--roster FILE``):
random weights, missed and delayed doses, summarised; the seed is printed in every format.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

import click

from celldose.cli._cmd_dose import header_lines
from celldose.cli._export import plan_json
from celldose.cli._inputs import (
    build_options,
    build_patient,
    dosing_options,
    load_target,
    target_options,
)
from celldose.cli._render import table, to_json, write_output
from celldose.protocols._display import format_sig
from celldose.protocols._errors import OptionError
from celldose.protocols._protocol import Protocol
from celldose.protocols._regimen import Which
from celldose.simulator._schedule import DoseOptions
from celldose.simulator._whatif import (
    WhatIf,
    WhatIfResult,
    WindowShift,
    parse_delays,
    parse_skips,
    parse_weights,
    whatif,
)

if TYPE_CHECKING:
    from celldose.simulator._cohort import CohortResult, Stats

# Options that only make sense in one of the two modes: name -> option text.
COHORT_ONLY = {
    "seed": "--seed",
    "missed": "--missed",
    "delayed": "--delayed",
    "delay_days": "--delay-days",
    "overage": "--overage",
    "weight_median": "--weight-median",
    "weight_sigma": "--weight-sigma",
    "plot": "--plot",
    "size": "--size",
}
WHATIF_ONLY = {
    "skip": "--skip",
    "delay": "--delay",
    "weights": "--weights",
    "weight_basis": "--weight-basis",
    "height": "--height",
}


@click.command(name="simulate")
@target_options
@click.option(
    "--weight",
    default=None,
    help="One patient's weight (12kg, 26.5lb); for a cohort: every virtual patient's weight.",
)
@click.option("--height", default=None, help="Height of one patient (humans, per-m² doses).")
@click.option(
    "--bsa-formula",
    type=click.Choice(["mosteller", "dubois"]),
    default="mosteller",
    show_default=True,
    help="Human BSA formula.",
)
@dosing_options
@click.option(
    "--schedule",
    type=click.Choice(["min", "max"]),
    default=None,
    help="For a frequency range (once or twice weekly): the fewest or the most doses a week.",
)
@click.option("--skip", multiple=True, help="What-if: dose numbers missed: --skip 2 or 2,5.")
@click.option(
    "--delay", multiple=True, help="What-if: DOSE:DAYS, dose moved later: --delay 3:5 or 3:1w."
)
@click.option(
    "--delay-policy",
    type=click.Choice(["shift", "keep"]),
    default=None,
    help="After a delay: shift every later dose (default) or keep their days (what-if only).",
)
@click.option(
    "--weights",
    default=None,
    help='What-if: weights over time, DAY:WEIGHT from the first dose: "0:12kg,28:13kg".',
)
@click.option(
    "--weight-basis",
    type=click.Choice(["current", "baseline"]),
    default=None,
    help="With --weights: dose on the latest weight (current, default) or the day-0 weight.",
)
@click.option("--patients", type=int, default=None, help="Cohort: number of virtual patients.")
@click.option(
    "--roster",
    type=click.Path(dir_okay=False),
    default=None,
    help="Cohort: CSV of id,weight lines with units (rex,12kg).",
)
@click.option("--seed", type=int, default=None, help="Cohort: random seed (default 0; printed).")
@click.option("--missed", type=float, default=None, help="Cohort: probability a dose is missed.")
@click.option("--delayed", type=float, default=None, help="Cohort: probability a dose is delayed.")
@click.option(
    "--delay-days", default=None, help='Cohort: delay in days, uniform over a range: "1-7".'
)
@click.option(
    "--overage", type=float, default=None, help="Cohort: manufacturing overage factor (1.2)."
)
@click.option("--weight-median", default=None, help="Cohort: median weight (default: species).")
@click.option(
    "--weight-sigma", type=float, default=None, help="Cohort: sigma of log weight (species)."
)
@click.option("--plot", default=None, help="Cohort: histogram figure (.png, .svg or .pdf).")
@click.option("--size", default=None, help="Figure size: single, 1.5, double, or WxH (mm).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("-o", "--output", default=None, help="Write to this file instead of the screen.")
def command(**kwargs: Any) -> None:
    """What-if scenarios for one patient, or a virtual cohort, of PROTOCOL (or --regimen).

    \b
    Examples, one patient (--weight or --weights):
      celldose simulate jang2025-canine-itp --dose "1e6 cells/kg" --weight 12kg --skip 2
      celldose simulate jang2025-canine-itp --dose "1e6 cells/kg" --weight 12kg \\
          --delay 3:5 --delay-policy keep --start 2026-01-05
      celldose simulate --regimen "1e6 cells/kg q4w x3" --species dog \\
          --weights "0:12kg,28:13kg,56:13.5kg"
    Examples, a cohort (--patients N or --roster FILE):
      celldose simulate chen2024-itp-ucmsc --arm expansion-2.0 --patients 100000 \\
          --missed 0.05 --delayed 0.1 --delay-days 1-7 --overage 1.2 --seed 7 --plot h.png

    \b
    Delays move later doses with them (--delay-policy shift) unless --delay-policy keep; a
    change that breaks the protocol's minimum spacing is refused. Cohort weights come from
    species.toml (lognormal, truncated to the usual range), --weight, or a roster. The seed
    is printed in every output; the same seed gives the same output.
    """
    args = kwargs
    cohort_mode = args["patients"] is not None or args["roster"] is not None
    if cohort_mode:
        _refuse(args, WHATIF_ONLY, "to one patient's what-if; drop --patients/--roster")
        if args["delay_policy"] == "keep":
            raise OptionError(
                "--delay-policy keep is for one patient's what-if: in a cohort, random delays "
                "shift the later doses (keeping the calendar could break the spacing rule)",
                "drop --delay-policy",
            )
    else:
        _refuse(args, COHORT_ONLY, "to virtual cohorts: add --patients N or --roster FILE")
        if args["weight"] is None and args["weights"] is None:
            raise OptionError(
                "simulate needs one patient's weight, or a cohort",
                'give --weight 12kg (or --weights "0:12kg,28:13kg"), or --patients N',
            )
        if args["weight"] is not None and args["weights"] is not None:
            raise OptionError(
                "give --weight (one weight) or --weights (weights over time), not both",
                'put the first weight in --weights as day 0: "0:12kg,28:13kg"',
            )
        if args["weight_basis"] is not None and args["weights"] is None:
            raise OptionError(
                "--weight-basis chooses between the weights of --weights", "add --weights"
            )
        if args["delay_policy"] is not None and not args["delay"]:
            raise OptionError("--delay-policy applies to --delay", "add --delay DOSE:DAYS")
    target = load_target(args["protocol"], args["regimen"], args["species"])
    options = build_options(
        target,
        dose_text=args["dose_text"],
        count=args["count"],
        interval=args["interval"],
        scale=args["scale"],
        start=args["start"],
        concentration=args["concentration"],
        vial=args["vial"],
        viability=args["viability"],
        cap=args["cap"],
        weekends=args["weekends"],
        cross_species=args["cross_species"],
    )
    schedule: Which | None = args["schedule"]
    if cohort_mode:
        text = _run_cohort(target, options, schedule, args)
    else:
        text = _run_whatif(target, options, schedule, args)
    write_output(text, args["output"])


def _refuse(args: dict[str, Any], names: dict[str, str], why: str) -> None:
    given = [option for name, option in names.items() if args[name] not in (None, ())]
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        raise OptionError(f"{', '.join(given)} {verb} {why}")


# -- what-if ------------------------------------------------------------------------------------
def _run_whatif(
    target: Protocol, options: DoseOptions, schedule: Which | None, args: dict[str, Any]
) -> str:
    measurements = parse_weights(args["weights"]) if args["weights"] is not None else ()
    if measurements:
        before = [(day, w) for day, w in measurements if day <= 0]
        if not before:
            raise OptionError(
                f"--weights starts on day {min(d for d, _ in measurements)}: the first dose "
                "(day 0) needs a weight",
                'measure on day 0 (or before, e.g. "-3:12kg"): "0:12kg,28:13kg"',
            )
        weight_text = _weight_text(max(before, key=lambda m: m[0])[1])
    else:
        weight_text = args["weight"]
    patient = build_patient(
        target, weight_text, args["species"], args["height"], args["bsa_formula"]
    )
    scenario = WhatIf(
        missed=parse_skips(args["skip"]),
        delays=parse_delays(args["delay"]),
        policy=args["delay_policy"] or "shift",
        weights=measurements,
        weight_basis=args["weight_basis"] or "current",
    )
    result = whatif(target, patient, scenario, arm=args["arm"], options=options, schedule=schedule)
    if args["fmt"] == "json":
        return to_json(whatif_json(result))
    if args["fmt"] == "csv":
        return whatif_csv(result)
    return whatif_table(result)


def _weight_text(weight: Any) -> str:
    return f"{weight.value!r}{weight.unit}"


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
    planned = f"planned: {planned_n} doses, {format_sig(result.planned_total_cells)} cells"
    simulated = f"simulated: {given_n} doses, {format_sig(result.total_cells)} cells"
    simulated += f" ({sign}{format_sig(abs(difference))} cells)"
    if result.planned_vials is not None:
        planned += f", {result.planned_vials} vials"
    if result.vials is not None:
        simulated += f", {result.vials} vials"
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
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=WHATIF_CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for d in result.doses:
        row = _dose_json(d)
        writer.writerow({k: "" if row[k] is None else row[k] for k in WHATIF_CSV_COLUMNS})
    return out.getvalue()


# -- cohorts ------------------------------------------------------------------------------------
class _ProgressBar:
    """A bar on stderr, shown only when stderr is a terminal and the run passes one second."""

    def __init__(self, stream: TextIO, delay: float = 1.0) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.started = time.perf_counter()
        self.delay = delay
        self.shown = False
        self.drawn = -math.inf

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if not self.enabled or now - self.started < self.delay:
            return
        if done < total and now - self.drawn < 0.1:  # redraw at most ten times a second
            return
        self.drawn = now
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(
            f"\rsimulating [{'#' * filled}{'.' * (width - filled)}] {100 * done // total:3d}% "
            f"({done:,}/{total:,} patients)"
        )
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()


def _run_cohort(
    target: Protocol, options: DoseOptions, schedule: Which | None, args: dict[str, Any]
) -> str:
    from celldose.simulator._cohort import (
        DEFAULT_SEED,
        Cohort,
        parse_delay_days,
        read_roster,
        simulate_cohort,
    )
    from celldose.simulator._patient import make_patient, parse_weight
    from celldose.simulator._species import get_species

    species = get_species(args["species"] or target.species)
    roster = read_roster(args["roster"], species) if args["roster"] is not None else None
    weight = None
    if args["weight"] is not None:
        weight = make_patient(species, args["weight"]).weight
    cohort = Cohort(
        patients=args["patients"],
        roster=roster,
        weight=weight,
        weight_median=parse_weight(args["weight_median"])
        if args["weight_median"] is not None
        else None,
        weight_sigma=args["weight_sigma"],
        missed=args["missed"] if args["missed"] is not None else 0.0,
        delayed=args["delayed"] if args["delayed"] is not None else 0.0,
        delay_days=parse_delay_days(args["delay_days"]) if args["delay_days"] else None,
        overage=args["overage"] if args["overage"] is not None else 1.0,
        seed=args["seed"] if args["seed"] is not None else DEFAULT_SEED,
        species=species,
    )
    if args["plot"] is not None:
        from celldose.simulator._style import check_output, figure_size

        check_output(args["plot"])
        figure_size(args["size"])
    bar = _ProgressBar(sys.stderr)
    try:
        result = simulate_cohort(
            target, cohort, arm=args["arm"], options=options, schedule=schedule, progress=bar
        )
    finally:
        bar.close()
    if args["plot"] is not None:
        from celldose.simulator._cohort_plot import draw_cohort_histogram
        from celldose.simulator._style import save_figure

        save_figure(draw_cohort_histogram(result, size=args["size"] or "single"), args["plot"])
    if args["fmt"] == "json":
        return to_json(cohort_json(result))
    if args["fmt"] == "csv":
        return cohort_csv(result)
    return cohort_table(result)


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
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COHORT_CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        row["seed"] = result.seed
        row["patients"] = result.patients
        writer.writerow({k: row.get(k, "") for k in COHORT_CSV_COLUMNS})
    return out.getvalue()


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
        f"cohort: {result.patients:,} virtual {result.species.label}s, seed {result.seed}"
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


__all__ = ["command", "cohort_csv", "cohort_json", "cohort_table", "whatif_csv", "whatif_json"]


def _trim(text: str) -> str:
    """No trailing zero: '5.0' -> '5', '50,000.0' -> '50,000', '21.4' stays."""
    return text.rstrip("0").rstrip(".") if "." in text else text
