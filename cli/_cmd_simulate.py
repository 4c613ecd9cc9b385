"""`celldose simulate`: what-if scenarios for one patient, and virtual cohorts.

One patient (``--weight`` or ``--weights``): missed doses (``--skip``), delays (``--delay``),
weight over time, planned against simulated. A cohort (``--patients N`` or ``--roster FILE``):
random weights, missed and delayed doses, summarised; the seed is printed in every format.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, TextIO

import click

from celldose.cli._complete import complete_path
from celldose.cli._flags import in_flags
from celldose.cli._identity import build_identity, identity_options
from celldose.cli._inputs import (
    build_options,
    build_patient,
    dosing_options,
    load_target,
    patient_options,
    refuse_stdin_twice,
    roster_input,
    schedule_option,
    target_options,
)
from celldose.cli._render import (
    FRACTION,
    check_outputs,
    format_option,
    input_files,
    to_json,
    write_output,
)
from celldose.cli._simulate_render import cohort_csv, cohort_table, whatif_csv, whatif_table
from celldose.protocols import OptionError, Protocol, Which
from celldose.simulator.dosing import DoseOptions, get_species, make_patient, parse_weight
from celldose.simulator.scenarios import (
    DEFAULT_SEED,
    Cohort,
    WhatIf,
    parse_delay_days,
    parse_delays,
    parse_skips,
    parse_weights,
    read_roster,
    whatif,
)

# Options that only make sense in one of the two modes: name -> option text.
COHORT_ONLY = {
    "seed": "--seed",
    "missed": "--missed",
    "delayed": "--delayed",
    "delay_days": "--delay-days",
    "overage": "--overage",
    "weight_median": "--weight-median",
    "weight_sigma": "--weight-sigma",
    "branch_share": "--branch-share",
    "plot": "--plot",
    "size": "--size",
}
WHATIF_ONLY = {
    "skip": "--skip",
    "delay": "--delay",
    "weights": "--weights",
    "weight_basis": "--weight-basis",
    "height": "--height",
    "patient_id": "--patient-id",
    "patient_name": "--patient-name",
    "owner": "--owner",
    "clinic": "--clinic",
    "weighed": "--weighed",
}


@click.command(name="simulate")
@target_options
@identity_options
@patient_options(
    weight_required=False,
    weight_help="One patient's weight (12kg, 26.5lb); for a cohort: every virtual patient's "
    "weight.",
)
@dosing_options
@schedule_option
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
@click.option(
    "--missed",
    type=FRACTION,
    default=None,
    help="Cohort: probability a dose is missed (0.1 or 10%).",
)
@click.option(
    "--delayed",
    type=FRACTION,
    default=None,
    help="Cohort: probability a dose is delayed (0.2 or 20%).",
)
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
@click.option(
    "--branch-share",
    multiple=True,
    help="Cohort: share of patients entering a branch of the protocol's decision, "
    "NAME=0.41 (repeatable); needed where the source reports none.",
)
@click.option(
    "--plot",
    default=None,
    shell_complete=complete_path,
    help="Cohort: histogram figure (.png, .svg or .pdf).",
)
@click.option("--size", default=None, help="Figure size: single, 1.5, double, or WxH (mm).")
@format_option(
    "table",
    "json",
    "csv",
    "nonmem",
    help="Output format (nonmem: a what-if's doses given, as NONMEM-style dosing records).",
)
@click.option(
    "-o",
    "--output",
    default=None,
    shell_complete=complete_path,
    help="Write to this file instead of the screen.",
)
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
        if args["fmt"] == "nonmem":
            raise OptionError(
                "a virtual cohort is not written as dosing records (its patients are drawn, "
                "not dosed)",
                "write a clinic list's doses with: celldose dose PROTOCOL --roster FILE "
                "--format nonmem",
            )
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
    refuse_stdin_twice([s for s in (args["protocol"], args["roster"]) if s])
    inputs = input_files(args["protocol"], args["roster"])
    check_outputs({"-o": args["output"], "--plot": args["plot"]}, inputs)
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
        override_range=args["override_range"],
        route=args["route"],
    )
    schedule: Which | None = args["schedule"]
    if cohort_mode:
        text = _run_cohort(target, options, schedule, args, inputs)
    else:
        text = _run_whatif(target, options, schedule, args)
    write_output(text, args["output"], inputs=inputs)


def _json(kind: str, target: Protocol, args: dict[str, Any], body: dict[str, Any]) -> str:
    """The result's JSON in its envelope (kind ``whatif`` or ``cohort``)."""
    from celldose.cli._envelope import envelope, provenance

    where = provenance(target, args["protocol"], args["regimen"])
    return to_json(envelope(kind, provenance=where, **body))


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
    who = [args[k] for k in ("patient_id", "patient_name", "owner", "clinic", "weighed")]
    result = whatif(
        target,
        patient,
        scenario,
        arm=args["arm"],
        options=options,
        schedule=schedule,
        identity=build_identity(*who),
    )
    if args["fmt"] == "json":
        return _json("whatif", target, args, in_flags(result.to_dict()))
    if args["fmt"] == "csv":
        return whatif_csv(result)
    if args["fmt"] == "nonmem":
        from celldose.cli._interchange import dosing_csv

        return dosing_csv(result.nonmem_records())
    return whatif_table(result)


def _weight_text(weight: Any) -> str:
    return f"{weight.value!r}{weight.unit}"


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
    target: Protocol,
    options: DoseOptions,
    schedule: Which | None,
    args: dict[str, Any],
    inputs: tuple[str, ...],
) -> str:
    from celldose.simulator.scenarios import simulate_cohort  # loads numpy

    species = get_species(args["species"] or target.species)
    roster = read_roster(roster_input(args["roster"]), species) if args["roster"] else None
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
        from celldose.simulator.figures import check_output, figure_size

        check_output(args["plot"])
        figure_size(args["size"])
    bar = _ProgressBar(sys.stderr)
    try:
        result = simulate_cohort(
            target,
            cohort,
            arm=args["arm"],
            options=options,
            schedule=schedule,
            progress=bar,
            branch_share=list(args["branch_share"]) or None,
        )
    finally:
        bar.close()
    if args["plot"] is not None:
        from celldose.simulator.figures import draw_cohort_histogram, save_figure

        figure = draw_cohort_histogram(result, size=args["size"] or "single")
        save_figure(figure, args["plot"], inputs=inputs)
    if args["fmt"] == "json":
        return _json("cohort", target, args, in_flags(result.to_dict()))
    if args["fmt"] == "csv":
        return cohort_csv(result)
    return cohort_table(result)


__all__ = ["command"]
