"""Simulating virtual cohorts: many patients of one protocol arm, drawn at random, summarised.

A cohort is N virtual patients whose weights come from the species' distribution (lognormal
with the ``cohort`` median and sigma of species.toml, truncated to its ``soft_kg`` range), from
one fixed weight, or from a roster file (``id,weight`` with units). Each dose is missed with
probability ``missed``; a dose that is given is delayed with probability ``delayed`` by a whole
number of days drawn uniformly from ``delay_days`` (inclusive), and a delay moves every later
dose with it (the "shift" policy: keeping the calendar could break the spacing rule at random).
The same seed gives the same result (numpy's ``SeedSequence(seed)``, one stream per kind of
draw). The engine is :mod:`._engine`, the statistics :mod:`._stats`.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from celldose.protocols import (
    Dose,
    DoseBands,
    OptionError,
    Protocol,
    Responders,
    Which,
    format_sig,
    merge_limits,
)
from celldose.simulator.dosing import (
    DoseOptions,
    DosePlan,
    Species,
    Weight,
    get_species,
    make_patient,
    plan_doses,
    upper_bound_note,
    without_course_caps,
)
from celldose.simulator.scenarios._branch_shares import BranchShares, branch_shares
from celldose.simulator.scenarios._cohort import Cohort
from celldose.simulator.scenarios._cohort_blocks import Progress, run_blocks
from celldose.simulator.scenarios._cohort_result import CohortResult, DoseStats
from celldose.simulator.scenarios._cohort_weights import describe_weights, weight_model
from celldose.simulator.scenarios._demand import manufacturing_demand
from celldose.simulator.scenarios._engine import (
    Engine,
    IntArray,
    cells_out_of_range,
    make_engine,
)
from celldose.simulator.scenarios._options import as_protocol, dose_options
from celldose.simulator.scenarios._roster import read_roster
from celldose.simulator.scenarios._stats import (
    Stats,
    responder_forecast,
)

MAX_CELLS = 200_000_000  # patients × doses: the per-dose array is 8 bytes each (1.6 GB)


def simulate_cohort(
    protocol: Protocol | str,
    cohort: Cohort | None = None,
    *,
    arm: str | None = None,
    options: DoseOptions | None = None,
    schedule: Which | None = None,
    progress: Progress | None = None,
    dose: str | Dose | None = None,
    count: int | None = None,
    interval: str | None = None,
    branch_share: BranchShares | None = None,
    **who: Any,
) -> CohortResult:
    """Simulate ``cohort`` on ``arm`` of ``protocol`` (a Protocol, a library id or a file).

    Instead of a :class:`Cohort`, its fields may be given as keywords (``patients=1000,
    weight="70kg", missed=0.1, seed=7``); ``dose``, ``count`` and ``interval`` fill
    ``options`` as in :func:`~celldose.simulator.dosing.plan_doses`. ``schedule`` picks the
    minimum or maximum schedule of a frequency range (required then). ``progress(done,
    total)`` is called after each block of patients. A regimen with a decision sends each
    patient into at most one branch, with the share ``branch_share`` gives
    (``{"partial-response": 0.41}`` or ``"partial-response=0.41"``) or the protocol reports; a
    branch with neither is refused (see :mod:`._branch_shares`).

    >>> r = simulate_cohort("jang2025-canine-itp", patients=3, weight="10kg",
    ...                     dose="1e6 cells/kg")
    >>> r.total_cells.median, r.cohort_total_cells
    (80000000.0, 240000000.0)

    """
    protocol = as_protocol(protocol)
    options = dose_options(options, dose=dose, count=count, interval=interval)
    if options.rounding != "none":  # each patient's dose would round to its own whole vials
        raise OptionError(
            "a cohort does not round doses to whole vials (rounding= is for one patient's plan)",
            "drop rounding=; the cohort's demand counts the whole vials each dose opens",
            fields=("rounding",),
        )
    unknown = sorted(set(who) - {f.name for f in fields(Cohort)})
    if unknown:
        raise OptionError(
            f"simulate_cohort has no argument {', '.join(unknown)}",
            "its cohort arguments: " + ", ".join(f.name for f in fields(Cohort)),
        )
    if isinstance(who.get("species"), str):
        who["species"] = get_species(who["species"])
    if isinstance(who.get("roster"), str | Path):  # a roster file, read for the patients' species
        who["roster"] = read_roster(
            who["roster"], who.get("species") or get_species(protocol.species)
        )
    if cohort is None:
        cohort = Cohort(**who)
    elif who:
        raise OptionError(
            f"give a Cohort or its fields ({', '.join(sorted(who))}), not both",
            fields=tuple(sorted(who)),
        )
    elif not isinstance(cohort, Cohort):
        raise OptionError(f"cohort must be a Cohort, not {cohort!r}", "e.g. patients=1000")
    species = cohort.species or get_species(protocol.species)
    chosen = protocol.arm(arm)
    _check_bsa(protocol, chosen.name, species, options)
    model = weight_model(cohort, species)
    reference = make_patient(species, Weight(model.median_kg, model.median_kg, "kg"))
    limits = merge_limits(protocol.limits, chosen.limits, chosen.regimen.limits)
    # the course maximum is applied by the engine over the doses each patient receives
    plan = plan_doses(without_course_caps(protocol), reference, arm=chosen.name, options=options)
    index = plan.schedule_index(schedule)
    shares = branch_shares(plan, branch_share)
    records = plan.schedules[index].doses + tuple(
        d for b in plan.branches for d in b.schedules[index].doses
    )
    branch_rows = (
        np.asarray(
            [-1] * len(plan.schedules[index].doses)
            + [i for i, b in enumerate(plan.branches) for _ in b.schedules[index].doses],
            dtype=np.int32,
        )
        if shares
        else None
    )
    doses = len(records)
    patients = cohort.size
    if patients * doses > MAX_CELLS:
        raise OptionError(
            f"{patients:,} patients × {doses} doses is more than celldose holds at once "
            f"({MAX_CELLS:,} doses)",
            f"give at most patients={MAX_CELLS // doses:,}",
            fields=("patients",),
        )
    engine = make_engine(plan, index, species, records, limits)
    run = run_blocks(engine, model, cohort, branch_rows, [b.share for b in shares], progress)
    weights, totals, vials, course = run.weights, run.totals, run.vials, run.course
    given_counts, received, entered = run.given_counts, run.received, run.entered
    with np.errstate(over="ignore"):
        cohort_total = float(totals.sum())
    drawn = run.to_draw if engine.viability is not None else cohort_total
    if not math.isfinite(drawn * cohort.overage):
        raise cells_out_of_range()
    percentiles, dose_sums = run.percentiles, run.dose_sums
    stopped_by_dose, delayed = run.stopped_by_dose, run.delayed
    capped, stopped = run.capped, run.stopped
    names = [b.name for b in shares]
    eligible = [  # the patients each dose was meant for: all, or those in its branch
        patients if r.branch is None or not names else int(entered[names.index(r.branch)])
        for r in records
    ]
    per_dose = [
        DoseStats(
            number=record.number,
            phase=record.phase,
            dose=str(plan.dose_bands)
            if record.band is not None and plan.dose_bands is not None
            else str(record.dose),
            planned_day=record.day,
            received=int(received[j]),
            missed_fraction=0.0
            if eligible[j] == 0
            else 1.0 - float(received[j] + stopped_by_dose[j]) / eligible[j],
            stopped_fraction=0.0 if eligible[j] == 0 else float(stopped_by_dose[j]) / eligible[j],
            delayed_fraction=float(delayed[j]) / patients,
            cells=None
            if received[j] == 0
            else Stats(
                mean=float(dose_sums[j] / received[j]),
                median=float(percentiles[j, 1]),
                p5=float(percentiles[j, 0]),
                p95=float(percentiles[j, 2]),
            ),
            branch=record.branch,
        )
        for j, record in enumerate(records)
    ]
    total_vials = int(vials.sum(dtype=np.int64)) if vials is not None else None
    demand = manufacturing_demand(
        cohort_total, drawn, engine.cells_per_vial, total_vials, cohort.overage, engine.container
    )
    forecasts = tuple(
        responder_forecast(w.label, w.responders, patients)
        for w in protocol.response_windows
        if isinstance(w.responders, Responders) and w.arm in (None, chosen.name)
    )
    placeholder = () if model.kind == "fixed" else reference.warnings  # a fixed weight is real
    warnings = _warnings(plan, placeholder, cohort, engine, (capped, stopped), given_counts)
    for array in (weights, totals, vials, course, given_counts):
        if array is not None:
            array.flags.writeable = False
    return CohortResult(
        plan=plan,
        cohort=cohort,
        schedule=plan.schedules[index].which,
        species=species,
        weight_model=describe_weights(model, cohort, species),
        weight_kg=run.weight_stats,
        total_cells=run.total_stats,
        cohort_total_cells=cohort_total,
        per_dose=tuple(per_dose),
        vials=run.vial_stats,
        course_days=run.course_stats,
        doses_given=run.given_stats,
        patients_without_dose=int(np.count_nonzero(given_counts == 0)),
        capped_doses=capped,
        stopped_doses=stopped,
        demand=demand,
        branches=tuple(replace(b, patients=int(entered[i])) for i, b in enumerate(shares)),
        responders=forecasts,
        warnings=warnings,
        patient_weights_kg=weights,
        patient_total_cells=totals,
        patient_vials=vials,
        patient_course_days=course,
        patient_doses_given=given_counts,
    )


def _check_bsa(protocol: Protocol, arm: str, species: Species, options: DoseOptions) -> None:
    chosen = protocol.arm(arm)
    doses: list[Any] = (
        [options.dose]
        if options.dose is not None
        else [protocol.phase_dose(chosen, i) for i in range(1, len(chosen.regimen.phases) + 1)]
    )
    for bands in [d for d in doses if isinstance(d, DoseBands)]:
        doses.extend(b.dose for b in bands.bands)
    per_m2 = any(isinstance(d, Dose) and d.basis == "per m²" for d in doses)
    if per_m2 and (species.bsa != "meeh" or species.meeh_k is None):
        raise OptionError(
            f"a per-m² dose for a virtual cohort of {species.plural} needs each patient's body "
            "surface area, and celldose draws weights only (Meeh BSA from the weight: dogs, cats)",
            'give a per-kg dose, e.g. dose="1e6 cells/kg", or simulate one patient at a time '
            "with a height",
            fields=("dose",),
        )


def _warnings(
    plan: DosePlan,
    reference_warnings: tuple[str, ...],
    cohort: Cohort,
    engine: Engine,
    limited: tuple[int, int],
    given_counts: IntArray,
) -> tuple[str, ...]:
    capped, stopped = limited
    patient_limits = ("capped at", "not given: stopped", "(weight cap); patient weighs")
    out = [w for w in plan.warnings if w not in reference_warnings]
    out = [w for w in out if not any(p in w for p in patient_limits)]
    out = [w for w in out if "fall on a weekend" not in w]
    if cohort.roster is not None:
        out.extend(cohort.roster.warnings)
    if capped and not engine.limits.limits:
        assert engine.cap is not None
        out.append(
            f"{capped:,} doses were above the cap and capped at {format_sig(engine.cap)} cells"
        )
    elif capped:
        labels = [x.label for x in engine.limits.limits if x.action == "cap"]
        if engine.limits.cap_cells is not None:
            labels.append(f"cap= {format_sig(engine.limits.cap_cells)} cells")
        out.append(f"{capped:,} doses were capped by the limits ({'; '.join(labels)})")
    if stopped:
        out.append(
            f"{stopped:,} doses were not given: the course reached its max per course (doses "
            "missed earlier leave room for later ones)"
        )
    if engine.planned_days is None:
        out.append(
            "the regimen counts calendar months: course lengths in days need a start date "
            "(start=YYYY-MM-DD)"
        )
    if cohort.missed == 1:
        out.append("missed=1: every dose is missed, nobody is treated")
    if plan.dose_bands is not None and any(d.band is not None for d in plan.doses):
        out.append(
            "the dose is by weight band: each virtual patient gets the dose of the band that "
            f"holds their weight (the regimen shows the band of {plan.patient.weight.text}, "
            "the median weight)"
        )
        has_limits = bool(engine.limits.limits) or engine.limits.cap_cells is not None
        for band in plan.dose_bands.root:  # every band's range, not only the median's
            note = upper_bound_note([band.dose], limited=has_limits) if band.dose.is_range else None
            if note is not None and not any(w.startswith(note.split(" kept as")[0]) for w in out):
                out.append(note)
    return tuple(out)


__all__ = ["MAX_CELLS", "Progress", "simulate_cohort"]
