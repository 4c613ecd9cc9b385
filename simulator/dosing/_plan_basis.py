"""The first stage of a dose plan: everything decided once, before any dose is counted.

:func:`plan_basis` takes the protocol, patient and options :func:`~._plan.plan_doses` was given
and returns a frozen :class:`PlanBasis`: the arm, its regimen with the values the source does
not report filled in, the dose of every phase and branch (and the published dose behind each),
the limits, the scaling, the dosing weight and body surface area, and the warnings so far. The
dose records (:mod:`._dose_records`) and the finished plan (:mod:`._plan_finish`) read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from celldose.protocols import (
    REGIMEN_ID,
    Administration,
    Arm,
    Branch,
    Dose,
    DoseBands,
    Limit,
    OptionError,
    Protocol,
    Regimen,
    merge_limits,
)
from celldose.simulator.dosing._arms import fill_unreported, resolve_phase_doses, treatment_arm
from celldose.simulator.dosing._bands import weigh_in
from celldose.simulator.dosing._branches import branch_phase_doses, chosen_branch
from celldose.simulator.dosing._dose_range import branch_published, range_use, upper_bound_note
from celldose.simulator.dosing._limits import DoseLimits, dose_limits
from celldose.simulator.dosing._logistics import Product, product_in_hand
from celldose.simulator.dosing._options import DoseOptions, ScaleInfo
from celldose.simulator.dosing._patient import Patient
from celldose.simulator.dosing._records import DoseSource
from celldose.simulator.dosing._route import plan_route
from celldose.simulator.dosing._species import get_species
from celldose.simulator.dosing._whole import whole_container_dose


@dataclass(frozen=True)
class PlanBasis:
    """What a plan is computed from: decided once per plan, read by every dose."""

    protocol: Protocol  # weighed in: a weight band's dose is the arm's
    patient: Patient
    options: DoseOptions  # start moved to a listed weekday, product values given applied
    arm: Arm
    context: str  # "(protocol, arm name)", for messages
    regimen: Regimen  # the arm's, with what the source does not report filled in
    dose_bands: DoseBands | None  # the weight bands the arm's dose comes from
    product: Product
    phase_doses: tuple[Dose, ...]  # the dose of each phase of the course
    phase_bands: tuple[str | None, ...]  # the weight band each phase's dose comes from
    published: tuple[Dose | None, ...]  # the published dose of each phase (None: not reported)
    source: DoseSource
    whole_text: str | None  # "the whole content of 4 vials", or None
    route: str
    administration: Administration
    included: Branch | None  # the branch included in the course (branch=)
    branch_doses: dict[str, list[Dose]]  # each branch's doses, course phases excluded
    branch_bands: dict[str, list[str | None]]
    branch_published: dict[str, list[Dose | None]]
    limits: tuple[Limit, ...]
    rules: DoseLimits
    scaling: ScaleInfo | None
    dose_kg: float  # the weight per-kg doses are computed on (a weight cap may lower it)
    weight_note: str | None  # "dosed at 100 kg (weight cap); ..." or None
    bsa: tuple[float, str] | None  # the patient's BSA (m²) and its formula, for per-m² doses
    warnings: tuple[str, ...]  # the warnings so far, in the order the plan shows them
    # the labels of values given rather than published (route, count, interval, product), which
    # an identified patient's plan shows as notes rather than warnings (see _identity.py)
    given_notes: tuple[str, ...] = ()


def plan_basis(
    protocol: Protocol, patient: Patient, options: DoseOptions, arm: str | None, branch: str | None
) -> PlanBasis:
    """Decide everything of the plan that comes before its doses (see :class:`PlanBasis`)."""
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
    given_notes = (*route_notes, *_filled_notes(chosen.regimen, options), *options.notes)
    warnings = [*given_notes, *warnings]
    if moved_first is not None:
        warnings.insert(0, moved_first)
    included = chosen_branch(regimen, branch, context)
    branches = regimen.decision.branches if regimen.decision is not None else ()
    branch_doses: dict[str, list[Dose]] = {}
    branch_bands: dict[str, list[str | None]] = {}
    for b in branches:
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
    branch_published_doses = {b.name: branch_published(b, published[-1]) for b in branches}
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
    return PlanBasis(
        protocol=protocol,
        patient=patient,
        options=options,
        arm=chosen,
        context=context,
        regimen=regimen,
        dose_bands=dose_bands,
        product=product,
        phase_doses=tuple(phase_doses),
        phase_bands=tuple(phase_bands),
        published=tuple(published),
        source=source,
        whole_text=whole_text,
        route=route_name,
        administration=administration,
        included=included,
        branch_doses=branch_doses,
        branch_bands=branch_bands,
        branch_published=branch_published_doses,
        limits=limits,
        rules=rules,
        scaling=scaling,
        dose_kg=dose_kg,
        weight_note=weight_note,
        bsa=bsa,
        warnings=tuple(warnings),
        given_notes=given_notes,
    )


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


def _arm_bands(protocol: Protocol, arm: Arm) -> DoseBands | None:
    """The weight bands the arm's dose comes from (the arm's or the protocol's), or None.

    Only phases before the first with a dose of its own take the banded dose."""
    dose = arm.dose if arm.dose is not None else protocol.dose
    if not isinstance(dose, DoseBands) or arm.regimen.phases[0].dose is not None:
        return None
    return dose


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
