"""Per-patient dose schedules: :func:`plan_doses`, the cells, volume, vials and date of every dose.

:func:`plan_doses` takes a protocol, an arm, a patient and options, and returns a frozen
:class:`DosePlan`: one :class:`Schedule` (two, min and max, for a frequency range), each a tuple
of :class:`DoseRecord`. Nothing is rounded here; the CLI rounds for display. Every value can be
given as the text a user types (``weight="26.5 lb"``, ``dose="1e6 cells/kg"``).

A plan is computed in stages, each in its own module: :func:`~._plan_basis.plan_basis`
decides everything once (the arm, the doses of every phase and branch, limits, scaling, the
dosing weight, the warnings so far); :func:`~._plan_schedules.plan_schedules` expands the regimen
phase by phase and builds the records of every schedule with
:func:`~._dose_records.dose_records` (the unit work once per phase, per dose only floats and
dates); :func:`_finish` adds the plan's warnings and builds
the :class:`DosePlan`. A warning about the patient or the plan as a whole goes in :func:`_finish`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from celldose.protocols import (
    Dose,
    Duration,
    OptionError,
    Protocol,
    Weight,
    format_sig,
    load_protocol,
    max_cells_per_kg,
)
from celldose.simulator.dosing._branches import BranchPlan, assessment_window, start_note
from celldose.simulator.dosing._checks import checks as thresholds
from celldose.simulator.dosing._identity import PatientIdentity, with_identity
from celldose.simulator.dosing._limits import limit_notes
from celldose.simulator.dosing._logistics import product_with
from celldose.simulator.dosing._options import DoseOptions, Scale, WeekendPolicy
from celldose.simulator.dosing._patient import HumanBsa, Patient, make_patient
from celldose.simulator.dosing._plan_basis import PlanBasis, plan_basis
from celldose.simulator.dosing._plan_schedules import (
    PlannedSchedules,
    all_phases,
    branch_start,
    listed_day,
    plan_schedules,
)
from celldose.simulator.dosing._records import DosePlan
from celldose.simulator.dosing._rounding import Rounding, rounding_notes
from celldose.simulator.dosing._schedule import Schedule
from celldose.simulator.dosing._species import Species, get_species


def plan_doses(
    protocol: Protocol | str | Path,
    patient: Patient | None = None,
    *,
    arm: str | None = None,
    branch: str | None = None,
    weight: str | Weight | None = None,
    species: str | Species | None = None,
    height: str | None = None,
    human_bsa: HumanBsa = "mosteller",
    dose: str | Dose | None = None,
    count: int | str | None = None,
    interval: str | Duration | None = None,
    start: str | dt.date | None = None,
    scale: Scale | None = None,
    weekends: WeekendPolicy | None = None,
    cross_species: bool | None = None,
    concentration: str | float | None = None,
    vial: str | None = None,
    viability: float | None = None,
    cap: str | float | None = None,
    route: str | None = None,
    rounding: Rounding | None = None,
    round_tolerance: float | str | None = None,
    override_range: bool | None = None,
    options: DoseOptions | None = None,
    identity: PatientIdentity | None = None,
) -> DosePlan:
    """Compute the dose plan of ``arm`` of ``protocol`` for a patient.

    ``protocol`` is a :class:`Protocol`, a library id or a file path. The patient is a
    :class:`Patient`, or ``weight=`` (and ``species=``, default the protocol's, ``height=``).
    ``dose``, ``count``, ``interval``, ``start``, ``scale``, ``weekends``, ``cross_species`` and
    ``route`` take the text a user types or a value object, and replace the same fields of
    ``options``.
    ``concentration`` (``"6.68e6 cells/mL"``), ``vial`` (``"3.8 mL"`` or ``"2.5e7 cells"``),
    ``viability`` and ``cap`` (``"1e8 cells"``) replace the protocol's product values, labelled
    on the plan (see :func:`product_with`). ``rounding`` (``"down"`` or ``"nearest"``) rounds
    every dose to whole vials (or bags), refused beyond ``round_tolerance`` (a fraction, or
    ``"10%"``, the default; see :func:`round_to_containers`). A regimen with a decision plans
    the course up to it, the assessment window and every branch as an optional schedule;
    ``branch`` (a branch's name) includes that branch in the course. ``route`` (``"IM"``,
    ``"intramuscular"``) gives the route where the protocol does not report it (see
    :func:`plan_route`); the plan carries the route and the arm's administration facts, and
    refuses doses closer than the facts' minimum spacing. A dose range is planned with both
    bounds; ``dose`` picks a target within it, and ``override_range=True`` allows one outside
    it (labelled; see ``_dose_range.py``). ``identity`` (:func:`make_identity`) names the
    patient on every output; a weight it dates more than 7 days before the first dose warns.

    >>> plan = plan_doses("chen2024-itp-ucmsc", weight="70kg", arm="expansion-2.0")
    >>> plan.schedules[0].total_cells
    560000000.0
    >>> plan_doses("jang2025-canine-itp", weight="12 kg", dose="1e6 cells/kg")
    DosePlan(jang2025-canine-itp, msc, 12 kg, 8 doses, 9.6×10⁷ cells)
    """
    protocol = _as_protocol(protocol)
    patient = _as_patient(protocol, patient, weight, species, height, human_bsa)
    given = {
        "dose": dose,
        "count": count,
        "interval": interval,
        "start": start,
        "scale": scale,
        "weekends": weekends,
        "cross_species": cross_species,
        "route": route,
        "rounding": rounding,
        "round_tolerance": round_tolerance,
        "override_range": override_range,
    }
    options = _as_options(options)
    if round_tolerance is not None and (rounding or options.rounding) == "none":
        raise OptionError(
            "round_tolerance= has no effect without rounding=",
            "add rounding=down or rounding=nearest, or drop round_tolerance=",
            fields=("round_tolerance",),
        )
    changes: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if any(v is not None for v in (concentration, vial, viability, cap)):
        product, notes = product_with(
            protocol.product,
            concentration=concentration,
            vial=vial,
            viability=viability,
            cap=cap,
        )
        changes.update(product=product, notes=(*options.notes, *notes))
    if changes:
        options = replace(options, **changes)
    basis = plan_basis(protocol, patient, options, arm, branch)
    planned = plan_schedules(basis)
    return with_identity(_finish(basis, planned), identity, notes=list(basis.given_notes))


def _finish(basis: PlanBasis, planned: PlannedSchedules) -> DosePlan:
    """The plan's warnings, assessment and branches, and the :class:`DosePlan` itself."""
    protocol, patient, options, regimen = (
        basis.protocol,
        basis.patient,
        basis.options,
        basis.regimen,
    )
    included, product, schedules = basis.included, basis.product, list(planned.schedules)
    branch_schedules = planned.branches
    warnings = [*patient.warnings, *basis.warnings, *planned.warnings]
    warnings += _plausibility(schedules, patient)
    if protocol.product.viability is not None and protocol.product.dose_counts is None:
        warnings.append(
            f"the protocol gives a viability ({protocol.product.viability:.0%}) but not whether "
            "its dose counts viable cells: no viability correction is made (add dose_counts "
            "to the protocol's product)"
        )
    if patient.height_cm is not None and basis.bsa is None:
        warnings.append("height= has no effect: no dose here is per m² of a human")
    optional = [
        s
        for name, ss in branch_schedules.items()
        for s in ss
        if included is None or name != included.name
    ]
    warnings += limit_notes([*schedules, *optional], basis.weight_note, product.cap_cells)
    if options.start is not None and options.weekends == "show":
        every_phase = all_phases(regimen, included)
        weekend = sorted(
            {
                r.number
                for s in schedules
                for r in s.doses
                if r.date is not None  # r.weekend, without a property call per dose
                and r.date.weekday() >= 5
                and not listed_day(every_phase[r.phase - 1], r.date)
            }
        )
        if weekend:
            numbers = ", ".join(map(str, weekend[:_LISTED]))
            if len(weekend) > _LISTED:  # a long course: the first ones, and how many more
                numbers += f" and {len(weekend) - _LISTED:,} more"
            many = len(weekend) > 1
            warnings.append(
                f"dose{'s' if many else ''} {numbers} fall{'' if many else 's'} on a weekend "
                "(weekends=next-weekday moves them)"
            )
    every_schedule = [*schedules, *(s for bs in branch_schedules.values() for s in bs)]
    rounded = [
        (r.number, r.rounded) for s in every_schedule for r in s.doses if r.rounded is not None
    ]
    warnings.extend(
        rounding_notes(
            rounded,
            patient.weight_kg,
            options.round_tolerance,
        )
    )
    scaling = basis.scaling
    if scaling is not None:
        warnings.append(
            f"dose scaled from {scaling.from_species} to {scaling.to_species} by body surface "
            f"area (Km {scaling.km_from:g}/{scaling.km_to:g} = {scaling.factor:.3g}); no source "
            "shows that BSA scaling applies to cell doses"
        )
    assessment = None
    branch_plans: list[BranchPlan] = []
    if regimen.decision is not None:
        assessment = assessment_window(regimen.decision, schedules[0].doses[0].date)
        for b in regimen.decision.branches:
            first_day, first_date = branch_start(branch_schedules[b.name][0])
            branch_plans.append(
                BranchPlan(
                    name=b.name,
                    condition=b.condition,
                    start=b.start,
                    start_note=start_note(b, regimen, first_day, first_date),
                    share=b.share,
                    chosen=included is not None and b.name == included.name,
                    schedules=tuple(branch_schedules[b.name]),
                )
            )
            if b.start == "not reported" and included is not None and b.name == included.name:
                warnings.append(f"branch {b.name} {branch_plans[-1].start_note}")
    bsa = basis.bsa
    plan = DosePlan(
        protocol_id=protocol.id,
        protocol_label=protocol.short_label,
        protocol_species=protocol.species,
        arm=basis.arm.name,
        regimen=regimen.with_doses(list(basis.phase_doses)).to_shorthand(),
        patient=patient,
        bsa_m2=bsa[0] if bsa else None,
        bsa_formula=bsa[1] if bsa else None,
        dose_source=basis.source,
        whole_containers=basis.whole_text,
        scale=scaling,
        product=product,
        schedules=tuple(schedules),
        warnings=tuple(warnings),
        assessment=assessment,
        branches=tuple(branch_plans),
        branch=included.name if included is not None else None,
        dose_bands=basis.dose_bands,
        route=basis.route,
        administration=basis.administration,
        rounding=options.rounding,
        round_tolerance=None if options.rounding == "none" else options.round_tolerance,
        limits=basis.limits,
        dosing_weight_kg=basis.dose_kg if basis.weight_note is not None else None,
        dosing_weight_note=basis.weight_note,
        published=protocol.reference.is_published,
    )
    if plan.species_note:
        crossed = patient.species.group != get_species(protocol.species).group
        note = plan.species_note + (" (allowed with cross_species=)" if crossed else "")
        plan = replace(plan, warnings=(note, *plan.warnings))
    return plan


_LISTED = 10  # weekend doses named one by one in the warning; more are counted


def _plausibility(schedules: list[Schedule], patient: Patient) -> list[str]:
    """Warnings for doses and volumes outside checks.toml's soft ranges; a refusal for a dose
    beyond what any dose can be (protocols' bounds.toml), such as a flat dose for a patient far
    lighter than the source's."""
    checks = thresholds()
    low, high = checks["dose"]["soft_cells_per_kg"]
    most_ml = checks["volume"]["soft_ml_per_kg"]
    doses = [d for s in schedules for d in s.doses]
    per_kg = {d.cells_per_kg for d in doses}  # a few values, however many doses
    if per_kg and max(per_kg) > max_cells_per_kg():
        heaviest = next(d for d in doses if d.cells_per_kg == max(per_kg))
        raise OptionError(
            f"dose {heaviest.number} is {format_sig(heaviest.cells)} cells for "
            f"{patient.weight.text}: {format_sig(heaviest.cells_per_kg)} cells/kg, more than any "
            f"dose can be (at most {format_sig(max_cells_per_kg())} cells/kg)",
            "check the dose, its unit and the weight",
        )
    out = []
    odd = sorted(v for v in per_kg if not low <= v <= high)
    if odd:
        shown = ", ".join(f"{format_sig(v)} cells/kg" for v in odd[:3])
        out.append(
            f"a dose of {shown} is outside {format_sig(low)}-{format_sig(high)} cells/kg "
            "per administration: check the dose and its unit"
        )
    big = [d.volume_ml for d in doses if d.volume_ml is not None]
    if big and max(big) > most_ml * patient.weight_kg:
        out.append(
            f"a volume of {format_sig(max(big))} mL per dose is more than {format_sig(most_ml)} "
            f"mL/kg for {patient.weight.text}: check the concentration and its unit"
        )
    least_ml = checks["volume"]["soft_min_ml"]
    if big and min(big) < least_ml:
        out.append(
            f"a volume of {format_sig(min(big))} mL per dose is less than {format_sig(least_ml)} "
            "mL, too little to draw up accurately: check the concentration and its unit (or "
            "dilute the dose)"
        )
    return out


def _as_protocol(protocol: object) -> Protocol:
    if isinstance(protocol, Protocol):
        return protocol
    if isinstance(protocol, str | Path):
        return load_protocol(protocol)
    raise OptionError(
        f"protocol must be a Protocol, a library id or a file path, not "
        f"{type(protocol).__name__} {protocol!r}",
        fields=("protocol",),
    )


def _as_options(options: object) -> DoseOptions:
    if options is None:
        return DoseOptions()
    if isinstance(options, DoseOptions):
        return options
    raise OptionError(
        f"options must be DoseOptions, not {type(options).__name__} {options!r}",
        fields=("options",),
    )


def _as_patient(
    protocol: Protocol,
    patient: object,
    weight: str | Weight | None,
    species: str | Species | None,
    height: str | None,
    human_bsa: HumanBsa,
) -> Patient:
    if patient is None:
        if weight is None:
            raise OptionError(
                "plan_doses needs the patient's weight", 'pass weight="12 kg"', fields=("weight",)
            )
        return make_patient(species or protocol.species, weight, height=height, human_bsa=human_bsa)
    if not isinstance(patient, Patient):
        raise OptionError(
            f"patient must be a Patient, not {type(patient).__name__} {patient!r}",
            'pass weight="12 kg" (and species=) instead',
            fields=("patient", "weight", "species"),
        )
    if weight is not None or species is not None or height is not None:
        raise OptionError(
            "give a patient, or its weight, species and height, not both",
            "drop patient, or drop weight, species and height",
        )
    return patient
