"""Per-patient dose schedules: :func:`plan_doses`, the cells, volume, vials and date of every dose.

:func:`plan_doses` takes a protocol, an arm, a patient and options, and returns a frozen
:class:`DosePlan`: one :class:`Schedule` (two, min and max, for a frequency range), each a tuple
of :class:`DoseRecord`. Nothing is rounded here; the CLI rounds for display. Every value can be
given as the text a user types (``weight="26.5 lb"``, ``dose="1e6 cells/kg"``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from celldose.protocols import (
    REGIMEN_ID,
    Arm,
    Dose,
    DoseBands,
    Duration,
    OptionError,
    Phase,
    PlannedDose,
    Protocol,
    Regimen,
    Weight,
    Which,
    format_sig,
    load_protocol,
    merge_limits,
    plural,
)
from celldose.simulator.dosing._arms import fill_unreported, resolve_phase_doses, treatment_arm
from celldose.simulator.dosing._bands import weigh_in
from celldose.simulator.dosing._branches import (
    BranchPlan,
    assessment_window,
    branch_phase_doses,
    check_assessment,
    chosen_branch,
    start_note,
)
from celldose.simulator.dosing._checks import checks as thresholds
from celldose.simulator.dosing._dose_range import (
    RangeCells,
    branch_published,
    range_use,
    upper_bound_note,
)
from celldose.simulator.dosing._identity import PatientIdentity, with_identity
from celldose.simulator.dosing._limits import (
    DoseLimits,
    LimitedDose,
    StoppedDose,
    dose_limits,
    limit_notes,
)
from celldose.simulator.dosing._logistics import draw, product_in_hand, product_with
from celldose.simulator.dosing._options import DoseOptions, Scale, ScaleInfo, WeekendPolicy
from celldose.simulator.dosing._patient import HumanBsa, Patient, make_patient
from celldose.simulator.dosing._records import DosePlan, DoseRecord, Schedule
from celldose.simulator.dosing._rounding import (
    Rounded,
    Rounding,
    phrase,
    round_to_containers,
    rounding_notes,
    whole_count,
)
from celldose.simulator.dosing._route import check_spacing, plan_route
from celldose.simulator.dosing._rules import cells_per_dose, min_gap_days
from celldose.simulator.dosing._species import Species, get_species
from celldose.simulator.dosing._whole import whole_container_dose


def _scale(protocol: Protocol, patient: Patient, options: DoseOptions) -> ScaleInfo | None:
    if options.scale == "none":
        return None
    source = get_species(protocol.species)
    target = patient.species
    if source.id == target.id:
        raise OptionError(
            f"scale=bsa converts between species, but the patient and the protocol are both "
            f"{source.label}",
            "drop scale=bsa, or pass species=<id> for another species",
            fields=("scale", "species"),
        )
    for sp in (source, target):
        if sp.km is None:
            raise OptionError(
                f"there is no FDA Km for a {sp.label}, so scale=bsa cannot be used",
                "use the published per-kg dose (the default)",
                fields=("scale",),
            )
    assert source.km is not None and target.km is not None
    return ScaleInfo(source.id, target.id, source.km, target.km)


def _check_species(protocol: Protocol, patient: Patient, options: DoseOptions) -> None:
    source = get_species(protocol.species)
    if patient.species.group != source.group and not options.cross_species:
        raise OptionError(
            f"protocol {protocol.id} is for a {source.label}, not a {patient.species.label}",
            "pass cross_species=True to use it anyway (every output is then labelled)",
            fields=("cross_species",),
        )


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
    chosen = treatment_arm(protocol, arm)
    context = f"({protocol.id}, arm {chosen.name})"
    _check_species(protocol, patient, options)
    dose_bands = _arm_bands(protocol, chosen)
    protocol, chosen, band_used = weigh_in(protocol, chosen, patient.weight, context)
    regimen = fill_unreported(chosen.regimen, options, context)
    moved_first = regimen.first_dose_note(options.start) if options.start is not None else None
    if options.start is not None:  # a weekday pattern: the first dose on a listed weekday
        options = replace(options, start=regimen.first_dose_date(options.start))
    product = options.product or product_in_hand(protocol.product)
    by_containers = whole_container_dose(protocol, chosen, product, context)
    phase_doses, source, warnings = resolve_phase_doses(
        protocol,
        chosen,
        options,
        context,
        by_containers[0] if by_containers else None,
        bands=band_used,
    )
    whole_text = by_containers[1] if by_containers is not None and source == "protocol" else None
    phase_bands = [  # the band of each phase, unless dose= replaced its dose
        band if protocol.phase_dose(chosen, i) == dose else None
        for i, (band, dose) in enumerate(zip(band_used, phase_doses, strict=True), start=1)
    ]
    if protocol.id == REGIMEN_ID and source == "protocol":
        source = "regimen"
    route_name, route_notes = plan_route(protocol, options.route)
    administration = protocol.arm_administration(chosen)
    warnings = [
        *route_notes,
        *_filled_notes(chosen.regimen, options),
        *options.notes,
        *warnings,
    ]
    if moved_first is not None:
        warnings.insert(0, moved_first)
    included = chosen_branch(regimen, branch, context)
    branch_doses: dict[str, list[Dose]] = {}
    branch_bands: dict[str, list[str | None]] = {}
    for b in regimen.decision.branches if regimen.decision is not None else ():
        branch_doses[b.name], replaced = branch_phase_doses(
            b, phase_doses[-1], options.dose, context, options.override_range
        )
        warnings.extend(replaced)
        branch_bands[b.name] = [  # a branch phase without a dose takes the course's last
            phase_bands[-1]
            if all(p.dose is None for p in b.phases[: k + 1]) and d == phase_doses[-1]
            else None
            for k, d in enumerate(branch_doses[b.name])
        ]
    whole_dose = by_containers[0] if by_containers else None
    published: list[Dose | None] = [
        d if isinstance(d, Dose) else None
        for d in (
            whole_dose or protocol.phase_dose(chosen, i) for i in range(1, len(regimen.phases) + 1)
        )
    ]
    published = [  # a weight band's dose, as resolved for this patient
        dose if band is not None else p
        for p, band, dose in zip(published, phase_bands, phase_doses, strict=True)
    ]
    branch_published_doses = {
        b.name: branch_published(b, published[-1])
        for b in (regimen.decision.branches if regimen.decision is not None else ())
    }
    limits = merge_limits(protocol.limits, chosen.limits, chosen.regimen.limits)
    rules = dose_limits(limits, product.cap_cells)
    if whole_text is not None and whole_dose is not None:
        rules.check_whole(whole_dose.amount, whole_text, context)
    warnings.extend(
        _range_checks(
            phase_doses,
            published,
            branch_doses,
            branch_published_doses,
            options,
            limited=bool(rules.limits) or rules.cap_cells is not None,
            container=product.container,
        )
    )
    every_dose = [*phase_doses, *(d for doses in branch_doses.values() for d in doses)]
    scaling = _scale(protocol, patient, options)
    dose_kg, weight_note = rules.dosing_weight(patient.weight_kg, patient.weight.text)
    bsa: tuple[float, str] | None = None
    if any(d.basis == "per m²" for d in every_dose):
        bsa = patient.bsa()
        if scaling is not None:
            raise OptionError(
                "scale=bsa applies to per-kg doses; this dose is already per m²",
                "drop scale=bsa",
                fields=("scale",),
            )
    if scaling is not None and any(d.basis == "flat" for d in every_dose):
        raise OptionError(
            "scale=bsa applies to per-kg doses, not to a flat count",
            "drop scale=bsa",
            fields=("scale",),
        )

    def range_cells(
        dose: Dose, published: Dose | None, limited: float | None, totals: list[float]
    ) -> RangeCells | None:
        """Both bounds of a dose range; a limit that capped the dose caps both bounds."""
        in_range = range_use(dose, published)
        if in_range is None:
            return None
        bounds = []
        for bound in (in_range[0].lower(), in_range[0].upper()):
            cells = cells_per_dose(
                bound,
                dose_kg if bound.basis == "per kg" else patient.weight_kg,
                bsa_m2=bsa[0] if bsa else None,
                scale_factor=scaling.factor if scaling is not None else 1.0,
            )
            bounds.append(cells if limited is None else min(cells, limited))
        return RangeCells(
            range=in_range[0],
            use=in_range[1],
            cells_low=bounds[0],
            cells_high=bounds[1],
            volume_ml_low=draw(bounds[0], product).volume_ml,
            volume_ml_high=draw(bounds[1], product).volume_ml,
            cumulative_low=totals[0] + bounds[0],
            cumulative_high=totals[1] + bounds[1],
        )

    def dose_records(
        planned: Sequence[PlannedDose],
        phase_doses: Sequence[Dose],
        published: Sequence[Dose | None],
        cumulative: float = 0.0,
        branch: str | None = None,
        rules: DoseLimits = rules,
        bands: Sequence[str | None] = (),
        range_totals: tuple[float, float] = (0.0, 0.0),
    ) -> tuple[list[DoseRecord], list[StoppedDose]]:
        records: list[DoseRecord] = []
        stopped: list[StoppedDose] = []
        totals = list(range_totals)
        for item in planned:
            dose = phase_doses[item.phase - 1]
            band = bands[item.phase - 1] if item.phase <= len(bands) else None
            weighed = dose.basis == "per kg" and weight_note is not None
            cells = cells_per_dose(
                dose,
                dose_kg if dose.basis == "per kg" else patient.weight_kg,
                bsa_m2=bsa[0] if bsa else None,
                scale_factor=scaling.factor if scaling is not None else 1.0,
            )
            if cells < 1:
                raise OptionError(
                    f"the dose {dose} gives {format_sig(cells)} cells for {patient.weight.text}",
                    "check the dose and its unit: a dose is at least one whole cell",
                )
            date = item.time.date(options.start) if options.start else None
            day = item.time.day_on(options.start) if options.start else item.time.days
            low = (
                cells_per_dose(
                    dose.lower(),
                    dose_kg if dose.basis == "per kg" else patient.weight_kg,
                    bsa_m2=bsa[0] if bsa else None,
                    scale_factor=scaling.factor if scaling is not None else 1.0,
                )
                if dose.is_range
                else None
            )
            limited = rules.limit_dose(
                item.number, cells, cumulative, low=low, before_low=totals[0] if low else None
            )
            if (
                limited.capped_by == "max per course"
                and not limited.stopped
                and options.rounding != "none"
                and rules.course_cap is not None
            ):
                left = whole_count(limited.cells, product, options.rounding)
                if left == 0:  # what the course maximum leaves is not one whole container
                    reached = f"max per course {format_sig(rules.course_cap)} cells reached"
                    limited = LimitedDose(
                        0.0,
                        "max per course",
                        f"stopped: {reached}; the {format_sig(limited.cells)} cells left "
                        f"{phrase(options.rounding, 0, product.container)}",
                        stopped=True,
                    )
            if limited.stopped:
                assert limited.note is not None
                iso = date.isoformat() if date is not None else None
                reason = limited.note.removeprefix("stopped: ")
                if low is not None and options.rounding == "none":  # a range kept as a range:
                    # the course maximum stops it at its upper bound
                    reason += (
                        f" at the upper bound of the dose range; the course at its lower bound "
                        f"is {format_sig(totals[0])} cells, and dose= chooses a target within "
                        "the range"
                    )
                stopped.append(StoppedDose(item.number, item.phase, day, iso, branch, reason))
                continue
            cells = limited.cells
            capped = limited.capped_by is not None or weighed
            span = range_cells(
                dose,
                published[item.phase - 1],
                cells if limited.capped_by is not None else None,
                totals,
            )
            rounded: Rounded | None = None
            if options.rounding != "none":  # after the limits: a capped dose is what is prescribed
                rounded = round_to_containers(
                    cells,
                    product,
                    options.rounding,
                    options.round_tolerance,
                    cap=cells if limited.capped_by is not None else rules.per_dose_cap,
                    cap_text=f"the {format_sig(cells)} cells left for dose {item.number} by the "
                    f"max per course of {format_sig(rules.course_cap or 0)} cells"
                    if limited.capped_by == "max per course"
                    else None,
                    bounds=None
                    if span is None or span.use == "override"
                    else (span.cells_low, span.cells_high),
                )
                cells = rounded.cells
                if span is not None and span.use != "override":
                    span = replace(span, use="rounded")  # one dose given, within the range
            if span is not None and span.use == "upper bound":  # kept as a range: both bounds
                totals[0], totals[1] = span.cumulative_low, span.cumulative_high
            else:  # one dose given (a point, or chosen or rounded within a range): its cells
                totals[0] += cells
                totals[1] += cells
                if span is not None:
                    span = replace(span, cumulative_low=totals[0], cumulative_high=totals[1])
            taken = draw(cells, product)
            cumulative += cells
            if not math.isfinite(cumulative):
                raise OptionError(
                    f"the total cells after dose {item.number} of {dose} for "
                    f"{patient.weight.text} is out of range (more than a number can hold)",
                    "check the dose, its unit and the number of doses",
                )
            records.append(
                DoseRecord(
                    number=item.number,
                    phase=item.phase,
                    offset=str(item.time),
                    day=day,
                    date=date,
                    moved_from=None,
                    dose=dose,
                    cells=cells,
                    cells_per_kg=_per_kg(
                        dose, cells, patient, scaling, capped or rounded is not None
                    ),
                    cells_to_draw=taken.cells_to_draw,
                    volume_ml=taken.volume_ml,
                    vials=taken.vials,
                    leftover_cells=taken.leftover_cells,
                    leftover_ml=taken.leftover_ml,
                    cumulative_cells=cumulative,
                    capped=capped,
                    branch=branch,
                    band=band,
                    rounded=rounded,
                    capped_by=limited.capped_by or ("dose weight" if weighed else None),
                    cap_note=limited.note or (weight_note if weighed else None),
                    range=span,
                )
            )
        return records, stopped

    schedules = []
    branch_schedules: dict[str, list[Schedule]] = {}
    which_list: tuple[Which, ...] = ("min", "max") if regimen.is_range else ("min",)
    for which in which_list:
        planned = regimen.expand(which, context=context, start=options.start)
        records, stopped = dose_records(planned, phase_doses, published, bands=phase_bands)
        extra: dict[str, list[DoseRecord]] = {}
        extra_stopped: dict[str, list[StoppedDose]] = {}
        if regimen.decision is not None:
            check_assessment(regimen.decision, records[-1].day, context)
        for name, doses in branch_doses.items():  # each branch, numbered on after the course
            branch_records = partial(
                dose_records,
                regimen.expand_branch(name, which, context=context, start=options.start),
                [*phase_doses, *doses],
                [*published, *branch_published_doses[name]],
                records[-1].cumulative_cells,
                name,
                bands=[*phase_bands, *branch_bands[name]],
                range_totals=_range_totals(records[-1]),
            )
            try:
                extra[name], extra_stopped[name] = branch_records(rules=rules)
            except OptionError as exc:  # an optional branch past a limit: refused if chosen
                if (included is not None and included.name == name) or not rules.refuses:
                    raise
                extra[name], extra_stopped[name] = branch_records(rules=rules.without_refusals())
                note = f"branch {name} is refused if chosen: {exc.message}"
                if note not in warnings:
                    warnings.append(note)
        if options.start is not None and options.weekends == "next-weekday":
            for b in regimen.decision.branches if regimen.decision is not None else ():
                whole = _move_weekends(records + extra[b.name], (*regimen.phases, *b.phases))
                extra[b.name] = whole[len(records) :]
            records = _move_weekends(records, regimen.phases)
        for name, doses_after in extra.items():
            branch_schedules.setdefault(name, []).append(
                Schedule(
                    which if regimen.is_range else None,
                    tuple(doses_after),
                    tuple(extra_stopped[name]),
                )
            )
        check_spacing(records, administration, context)
        for doses_after in extra.values():  # each branch after the course's last dose
            check_spacing([records[-1], *doses_after], administration, context)
        if included is not None:
            records = records + extra[included.name]
            stopped = stopped + extra_stopped[included.name]
        schedule = Schedule(which if regimen.is_range else None, tuple(records), tuple(stopped))
        volume = schedule.total_volume_ml
        if volume is not None and not math.isfinite(volume):
            raise OptionError(
                "the course's total volume is out of range (more mL than a number can hold)",
                "check the concentration and its unit",
            )
        schedules.append(schedule)
    warnings = list(patient.warnings) + warnings + _plausibility(schedules, patient)
    if protocol.product.viability is not None and protocol.product.dose_counts is None:
        warnings.append(
            f"the protocol gives a viability ({protocol.product.viability:.0%}) but not whether "
            "its dose counts viable cells: no viability correction is made (add dose_counts "
            "to the protocol's product)"
        )
    if patient.height_cm is not None and bsa is None:
        warnings.append("height= has no effect: no dose here is per m² of a human")
    optional = [
        s
        for name, ss in branch_schedules.items()
        for s in ss
        if included is None or name != included.name
    ]
    warnings += limit_notes([*schedules, *optional], weight_note, product.cap_cells)
    if options.start is not None and options.weekends == "show":
        every_phase = _all_phases(regimen, included)
        weekend = sorted(
            {
                r.number
                for s in schedules
                for r in s.doses
                if r.weekend and not _listed_day(every_phase[r.phase - 1], r.date)
            }
        )
        if weekend:
            numbers = ", ".join(map(str, weekend))
            many = len(weekend) > 1
            warnings.append(
                f"dose{'s' if many else ''} {numbers} fall{'' if many else 's'} on a weekend "
                "(weekends=next-weekday moves them)"
            )
    every_record = [
        *(r for s in schedules for r in s.doses),
        *(r for bs in branch_schedules.values() for s in bs for r in s.doses),
    ]
    warnings.extend(
        rounding_notes(
            [(r.number, r.rounded) for r in every_record],
            patient.weight_kg,
            options.round_tolerance,
        )
    )
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
            first_day, first_date = _branch_start(branch_schedules[b.name][0])
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
    plan = DosePlan(
        protocol_id=protocol.id,
        protocol_species=protocol.species,
        arm=chosen.name,
        regimen=regimen.with_doses(phase_doses).to_shorthand(),
        patient=patient,
        bsa_m2=bsa[0] if bsa else None,
        bsa_formula=bsa[1] if bsa else None,
        dose_source=source,
        whole_containers=whole_text,
        scale=scaling,
        product=product,
        schedules=tuple(schedules),
        warnings=tuple(warnings),
        assessment=assessment,
        branches=tuple(branch_plans),
        branch=included.name if included is not None else None,
        dose_bands=dose_bands,
        route=route_name,
        administration=administration,
        rounding=options.rounding,
        round_tolerance=None if options.rounding == "none" else options.round_tolerance,
        limits=limits,
        dosing_weight_kg=dose_kg if weight_note is not None else None,
        dosing_weight_note=weight_note,
    )
    if plan.species_note:
        crossed = patient.species.group != get_species(protocol.species).group
        note = plan.species_note + (" (allowed with cross_species=)" if crossed else "")
        plan = replace(plan, warnings=(note, *plan.warnings))
    labels = [*route_notes, *_filled_notes(chosen.regimen, options), *options.notes]
    return with_identity(plan, identity, notes=labels)


def _arm_bands(protocol: Protocol, arm: Arm) -> DoseBands | None:
    """The weight bands the arm's dose comes from (the arm's or the protocol's), or None.

    Only phases before the first with a dose of its own take the banded dose."""
    dose = arm.dose if arm.dose is not None else protocol.dose
    if not isinstance(dose, DoseBands) or arm.regimen.phases[0].dose is not None:
        return None
    return dose


def _branch_start(schedule: Schedule) -> tuple[int | None, dt.date | None]:
    """The day and date of a branch's first planned dose, given or stopped by a limit."""
    if schedule.doses:
        return schedule.doses[0].day, schedule.doses[0].date
    first = schedule.stopped[0]
    return first.day, dt.date.fromisoformat(first.date) if first.date else None


def _range_checks(
    phase_doses: Sequence[Dose],
    published: Sequence[Dose | None],
    branch_doses: dict[str, list[Dose]],
    branch_published_doses: dict[str, list[Dose | None]],
    options: DoseOptions,
    *,
    limited: bool,
    container: str,
) -> list[str]:
    """The label of a range planned at its upper bound (``limited``: the plan has limits that
    may lower it); override_range= without a dose outside a range is refused."""
    pairs = list(zip(phase_doses, published, strict=True))
    for name, doses in branch_doses.items():
        pairs += list(zip(doses, branch_published_doses[name], strict=True))
    uses = [range_use(dose, reported) for dose, reported in pairs]
    if options.override_range and not any(u is not None and u[1] == "override" for u in uses):
        raise OptionError(
            "override_range=True allows a dose outside a published dose range, and no dose "
            "given here is outside one",
            "drop override_range=",
            fields=("override_range",),
        )
    note = upper_bound_note(
        [u[0] for u in uses if u is not None and u[1] == "upper bound"],
        limited=limited,
        rounded=None if options.rounding == "none" else container,
    )
    return [] if note is None else [note]


def _range_totals(record: DoseRecord) -> tuple[float, float]:
    """The cumulative cells at the lower and upper bound after ``record`` (its own cells for a
    point dose)."""
    if record.range is None:
        return record.cumulative_cells, record.cumulative_cells
    return record.range.cumulative_low, record.range.cumulative_high


def _filled_notes(regimen: Regimen, options: DoseOptions) -> list[str]:
    """Labels for values the source does not report and the command line gave."""
    notes = []
    if options.count is not None:
        notes.append(
            f"number of doses {options.count} given with count= (the source does not report it)"
        )
    if options.interval is not None:
        notes.append(
            f"interval {options.interval} given with interval= (the source does not report it)"
        )
    return notes


def _per_kg(
    dose: Dose, cells: float, patient: Patient, scale: ScaleInfo | None, capped: bool
) -> float:
    """Cells per kg: exact for a per-kg dose (no division noise), else cells / weight."""
    if dose.basis == "per kg" and not capped:
        return dose.amount * (scale.factor if scale is not None else 1.0)
    return cells / patient.weight_kg


def _plausibility(schedules: list[Schedule], patient: Patient) -> list[str]:
    """Warnings (never refusals) for doses and volumes outside checks.toml's soft ranges."""
    checks = thresholds()
    low, high = checks["dose"]["soft_cells_per_kg"]
    most_ml = checks["volume"]["soft_ml_per_kg"]
    doses = [d for s in schedules for d in s.doses]
    out = []
    odd = sorted({d.cells_per_kg for d in doses if not low <= d.cells_per_kg <= high})
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
    return out


def _all_phases(regimen: Regimen, included: Any) -> tuple[Phase, ...]:
    """The course's phases, then the included branch's (numbered on, as its doses are)."""
    return (*regimen.phases, *(included.phases if included is not None else ()))


def _listed_day(phase: Phase, date: dt.date | None) -> bool:
    """True when ``date`` is a weekday its phase lists: a Saturday or Sunday the protocol
    chose is kept, never flagged or moved as a weekend dose."""
    listed = phase.weekday_numbers
    return date is not None and listed is not None and date.weekday() in listed


def _move_weekends(records: list[DoseRecord], phases: Sequence[Phase]) -> list[DoseRecord]:
    """Move Saturday and Sunday doses to the next Monday; refuse if that breaks the spacing.
    A weekend day a weekday pattern lists (``on Saturdays``) is the protocol's choice: kept.

    Day numbers stay counted from the first dose actually given (day 0).
    """
    moved: list[DoseRecord] = []
    for record in records:
        assert record.date is not None
        if record.date.weekday() >= 5 and not _listed_day(phases[record.phase - 1], record.date):
            new = record.date + dt.timedelta(days=7 - record.date.weekday())
            record = replace(record, date=new, moved_from=record.date)
        moved.append(record)
    first = moved[0].date
    assert first is not None
    moved = [replace(r, day=(r.date - first).days) for r in moved if r.date is not None]
    for j in range(1, len(moved)):
        planned_a, planned_b, before, after = records[j - 1], records[j], moved[j - 1], moved[j]
        assert planned_a.date is not None and planned_b.date is not None
        assert before.date is not None and after.date is not None
        planned_gap = (planned_b.date - planned_a.date).days
        need = min_gap_days(phases[before.phase - 1], phases[after.phase - 1], planned_gap)
        gap = (after.date - before.date).days
        if gap < need:
            raise OptionError(
                f"moving weekend doses puts doses {before.number} and {after.number} "
                f"{plural(gap, 'day')} apart (at least {need} needed)",
                'choose another start="YYYY-MM-DD", or keep weekends=show',
                fields=("start", "weekends"),
            )
    return moved


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
