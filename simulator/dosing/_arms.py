"""One arm's plan before any patient: which arm, its doses, and the values the source does not
report (filled from the options, never guessed)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from celldose.protocols import (
    NOT_REPORTED,
    Arm,
    Dose,
    DoseBands,
    NotReportedError,
    OptionError,
    Phase,
    Protocol,
    Regimen,
)
from celldose.simulator.dosing._dose_range import replace_dose
from celldose.simulator.dosing._options import DoseOptions
from celldose.simulator.dosing._records import DoseSource


def treatment_arm(protocol: Protocol, arm: str | None) -> Arm:
    """The arm to dose: named, or the only treatment arm; a placebo or control arm is refused."""
    chosen = protocol.arm(arm)
    if chosen.gives_no_cells:
        kind = "a placebo" if chosen.is_placebo else "a control arm"
        raise OptionError(
            f"arm {chosen.name!r} of {protocol.id} is {kind}: there are no cells to dose",
            "choose a treatment arm: arm=<name>",
            fields=("arm",),
        )
    return chosen


def needs_dose(protocol: Protocol, arm: Arm) -> bool:
    """True when some phase of ``arm`` has no reported dose."""
    return any(
        not isinstance(protocol.phase_dose(arm, i), Dose | DoseBands)
        for i in range(1, len(arm.regimen.phases) + 1)
    )


def needs_count(arm: Arm) -> bool:
    """True when some phase of ``arm`` does not report its number of doses."""
    return any(p.count == NOT_REPORTED or p.duration == NOT_REPORTED for p in arm.regimen.phases)


def needs_interval(arm: Arm) -> bool:
    """True when some phase of ``arm`` does not report its interval."""
    return any(p.every == NOT_REPORTED for p in arm.regimen.phases)


def fill_unreported(regimen: Regimen, options: DoseOptions, context: str) -> Regimen:
    """Fill values the source does not report, from the options; refuse to override others."""
    phases: list[Phase] = []
    used_count = used_interval = False
    for phase in regimen.phases:
        unreported_count = phase.count == NOT_REPORTED or phase.duration == NOT_REPORTED
        if not unreported_count and phase.every != NOT_REPORTED:
            phases.append(phase)  # validated with its protocol: nothing to fill
            continue
        data = phase.model_dump(exclude_none=True)
        if unreported_count:
            if options.count is None:
                raise NotReportedError("the number of doses", "count", "<N>", context)
            data.pop("duration", None)
            data["count"] = options.count
            used_count = True
        if phase.every == NOT_REPORTED:
            if options.interval is None:
                raise NotReportedError(
                    "the interval between doses", "interval", '"<N> weeks"', context
                )
            data["every"] = options.interval
            used_interval = True
        try:
            phases.append(Phase.model_validate(data))
        except ValidationError as exc:
            message = str(exc.errors()[0].get("msg", "invalid")).removeprefix("Value error, ")
            raise OptionError(
                f"{context}: {message}", "check the count and interval given"
            ) from None
    if options.count is not None and not used_count:
        raise OptionError(
            f"the source {context} reports the number of doses ({regimen.to_shorthand()})",
            "count= only fills a count the source does not report; drop it",
        )
    if options.interval is not None and not used_interval:
        raise OptionError(
            f"the source {context} reports the interval ({regimen.to_shorthand()})",
            "interval= only fills an interval the source does not report; drop it",
        )
    if not (used_count or used_interval):
        return regimen
    try:
        return Regimen(
            phases=tuple(phases),
            product=regimen.product,
            decision=regimen.decision,
            limits=regimen.limits,
        )
    except ValidationError as exc:  # a decision checked again with the values given
        message = str(exc.errors()[0].get("msg", "invalid")).removeprefix("Value error, ")
        raise OptionError(f"{context}: {message}", "check the count and interval given") from None


def resolve_phase_doses(
    protocol: Protocol,
    arm: Arm,
    options: DoseOptions,
    context: str,
    whole: Dose | None = None,
    bands: Sequence[str | None] = (),
) -> tuple[list[Dose], DoseSource, list[str]]:
    """Each phase's dose: the protocol's, or the options' (labelled when it replaces one);
    ``whole`` is the arm's dose when it is the whole content of containers.

    ``bands`` names the weight band each phase's dose came from (see :func:`weigh_in`), for the
    label of a replaced dose."""
    doses: list[Dose] = []
    warnings: list[str] = []
    source: DoseSource = "protocol"
    for index in range(1, len(arm.regimen.phases) + 1):
        reported = whole if whole is not None else protocol.phase_dose(arm, index)
        if isinstance(reported, DoseBands) and options.dose is None:
            bands = ", ".join(f'"{b.label}"' for b in reported.bands)
            raise OptionError(
                f"the dose {context} depends on the weight (weight bands {bands})",
                'give the patient\'s weight, e.g. weight="12 kg"',
                fields=("weight",),
            )
        if isinstance(reported, DoseBands):
            assert options.dose is not None
            warnings.append(f"dose {options.dose} from dose= replaces the protocol's weight bands")
            doses.append(options.dose)
            source = "given"
        elif isinstance(reported, Dose):
            if options.dose is not None and options.dose != reported:
                band = bands[index - 1] if index <= len(bands) else None
                label = replace_dose(reported, options.dose, options.override_range, context)
                warnings.append(
                    (label or f"dose {options.dose} from dose= replaces the protocol's {reported}")
                    + (f" (weight band {band})" if band is not None else "")
                )
                doses.append(options.dose)
                source = "given"
            else:
                doses.append(reported)
        else:
            if options.dose is None:
                raise NotReportedError(
                    "the dose per administration", "dose", '"<amount> cells/kg"', context
                )
            doses.append(options.dose)
            source = "given"
    for dose in doses:
        if not dose.is_cells:
            raise OptionError(
                f"the dose {dose} is not a number of cells",
                "give the dose in cells, cells/kg or cells/m²",
            )
    return doses, source, warnings
