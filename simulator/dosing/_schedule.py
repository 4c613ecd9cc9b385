"""Per-patient dose schedules: the cells, volume, vials and date of every dose.

:func:`plan_doses` takes a protocol, an arm, a patient and options, and returns a frozen
:class:`DosePlan`: one :class:`Schedule` (two, min and max, for a frequency range), each a tuple
of :class:`DoseRecord`. Nothing is rounded here; the CLI rounds for display.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import ValidationError

from celldose.protocols._calendar import Duration
from celldose.protocols._dose import Dose
from celldose.protocols._errors import NotReportedError, OptionError
from celldose.protocols._load import REGIMEN_ID
from celldose.protocols._protocol import Arm, Protocol
from celldose.protocols._regimen import NOT_REPORTED, Phase, Regimen, Which
from celldose.simulator.dosing._logistics import Product, draw, product_in_hand
from celldose.simulator.dosing._patient import Patient
from celldose.simulator.dosing._species import get_species

WeekendPolicy = Literal["show", "next-weekday"]
Scale = Literal["none", "bsa"]


@dataclass(frozen=True)
class DoseOptions:
    """Choices for :func:`plan_doses`; every one of them is labelled on the output."""

    dose: Dose | None = None  # the dose, when the protocol does not report it (or to override)
    count: int | None = None  # the number of doses, when not reported
    interval: Duration | None = None  # the interval, when not reported
    scale: Scale = "none"  # "bsa": cross-species scaling by FDA Km
    start: dt.date | None = None
    weekends: WeekendPolicy = "show"
    product: Product | None = None  # logistics; None: from the protocol's product
    cross_species: bool = False  # allow a patient of another species than the protocol's
    notes: tuple[str, ...] = ()  # labels for values given on the command line

    def __post_init__(self) -> None:
        if self.start is not None and not isinstance(self.start, dt.date):
            raise OptionError(
                f"start must be a datetime.date, not {type(self.start).__name__}",
                "use datetime.date(2026, 12, 1) (the CLI reads YYYY-MM-DD)",
            )
        if self.count is not None and (isinstance(self.count, bool) or self.count < 1):
            raise OptionError(f"count must be a whole number of at least 1, not {self.count!r}")


@dataclass(frozen=True)
class ScaleInfo:
    """Cross-species scaling: dose per kg × km_from / km_to."""

    from_species: str
    to_species: str
    km_from: float
    km_to: float

    @property
    def factor(self) -> float:
        return self.km_from / self.km_to

    @property
    def label(self) -> str:
        return (
            f"BSA (Km {self.from_species} {self.km_from:g} / {self.to_species} {self.km_to:g} "
            f"= {self.factor:.3g})"
        )


@dataclass(frozen=True)
class DoseRecord:
    """One dose for one patient. ``cells`` is what the patient receives (viable cells when the
    dose counts viable cells); ``cells_to_draw`` is what is drawn from the product."""

    number: int
    phase: int
    offset: str  # the dose's time from the first dose, as the regimen gives it
    day: int | None  # days from the first dose (None: calendar months without a start date)
    date: dt.date | None
    moved_from: dt.date | None  # set when a weekend dose was moved to the next weekday
    dose: Dose  # the dose expression this dose was computed from
    cells: float
    cells_per_kg: float
    cells_to_draw: float
    volume_ml: float | None
    vials: int | None
    leftover_cells: float | None
    leftover_ml: float | None
    cumulative_cells: float
    capped: bool = False

    @property
    def weekend(self) -> bool:
        return self.date is not None and self.date.weekday() >= 5

    def record(self) -> dict[str, Any]:
        """A plain dict for JSON/CSV export (field names are documented and stable)."""
        return {
            "number": self.number,
            "phase": self.phase,
            "offset": self.offset,
            "day": self.day,
            "date": self.date.isoformat() if self.date else None,
            "weekday": self.date.strftime("%a") if self.date else None,
            "weekend": self.weekend if self.date else None,
            "moved_from": self.moved_from.isoformat() if self.moved_from else None,
            "dose": str(self.dose),
            "cells": self.cells,
            "cells_per_kg": self.cells_per_kg,
            "cells_to_draw": self.cells_to_draw,
            "volume_ml": self.volume_ml,
            "vials": self.vials,
            "leftover_cells": self.leftover_cells,
            "leftover_ml": self.leftover_ml,
            "cumulative_cells": self.cumulative_cells,
            "capped": self.capped,
        }


@dataclass(frozen=True)
class Schedule:
    """The doses of one schedule (a frequency range has a min and a max schedule)."""

    which: Which | None  # None unless the regimen is a frequency range
    doses: tuple[DoseRecord, ...]

    @property
    def total_cells(self) -> float:
        return self.doses[-1].cumulative_cells if self.doses else 0.0

    @property
    def total_vials(self) -> int | None:
        vials = [d.vials for d in self.doses]
        return None if any(v is None for v in vials) else sum(v or 0 for v in vials)

    @property
    def total_volume_ml(self) -> float | None:
        volumes = [d.volume_ml for d in self.doses]
        return None if any(v is None for v in volumes) else sum(v or 0.0 for v in volumes)

    @property
    def course_days(self) -> int | None:
        """Days from the first to the last dose (None: months without a start date)."""
        return self.doses[-1].day if self.doses else None


@dataclass(frozen=True)
class DosePlan:
    """Everything `celldose dose` shows: patient, basis, schedules and warnings."""

    protocol_id: str
    protocol_species: str
    arm: str
    regimen: str  # the arm's regimen in shorthand, with filled-in values
    patient: Patient
    bsa_m2: float | None
    bsa_formula: str | None
    dose_source: str  # "protocol" or "--dose"
    scale: ScaleInfo | None
    product: Product
    schedules: tuple[Schedule, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def species_note(self) -> str | None:
        if self.patient.species.id == self.protocol_species:
            return None
        return (
            f"patient is a {self.patient.species.label}; the protocol was written for "
            f"{self.protocol_species}"
        )

    @property
    def doses(self) -> tuple[DoseRecord, ...]:
        return tuple(d for s in self.schedules for d in s.doses)

    def schedule_index(self, which: Which | None) -> int:
        """Which schedule to use: the only one, or ``min``/``max`` of a frequency range."""
        if len(self.schedules) == 1:
            if which is not None:
                raise OptionError(
                    f"--schedule picks one side of a frequency range; {self.protocol_id} arm "
                    f"{self.arm} has one schedule ({self.regimen})",
                    "drop --schedule",
                )
            return 0
        if which is None:
            raise OptionError(
                f"{self.protocol_id} arm {self.arm} is a frequency range ({self.regimen})",
                "choose --schedule min (fewest doses a week) or --schedule max (most)",
            )
        return 0 if which == "min" else 1

    def records(self) -> list[dict[str, Any]]:
        """One dict per dose (both schedules of a range, marked by ``schedule``)."""
        out = []
        for schedule in self.schedules:
            for dose in schedule.doses:
                row = dose.record()
                row["schedule"] = schedule.which
                row["basis"] = dose.dose.basis
                row["weight_kg"] = self.patient.weight_kg
                row["species"] = self.patient.species.id
                row["protocol_species"] = self.protocol_species
                row["scale_factor"] = self.scale.factor if self.scale else None
                row["scaling"] = self.scale.label if self.scale else None
                out.append(row)
        return out


def fill_unreported(regimen: Regimen, options: DoseOptions, context: str) -> Regimen:
    """Fill values the source does not report, from the options; refuse to override others."""
    phases: list[Phase] = []
    used_count = used_interval = False
    for phase in regimen.phases:
        data = phase.model_dump(exclude_none=True)
        if phase.count == NOT_REPORTED or phase.duration == NOT_REPORTED:
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
            raise OptionError(f"{context}: {message}", "check --count and --interval") from None
    if options.count is not None and not used_count:
        raise OptionError(
            f"{context} reports the number of doses ({regimen.to_shorthand()})",
            "--count only fills a count the source does not report; drop it",
        )
    if options.interval is not None and not used_interval:
        raise OptionError(
            f"{context} reports the interval ({regimen.to_shorthand()})",
            "--interval only fills an interval the source does not report; drop it",
        )
    return Regimen(phases=tuple(phases), product=regimen.product)


def resolve_phase_doses(
    protocol: Protocol, arm: Arm, options: DoseOptions, context: str
) -> tuple[list[Dose], str, list[str]]:
    doses: list[Dose] = []
    warnings: list[str] = []
    source = "protocol"
    for index in range(1, len(arm.regimen.phases) + 1):
        reported = protocol.phase_dose(arm, index)
        if isinstance(reported, Dose):
            if options.dose is not None and options.dose != reported:
                warnings.append(
                    f"dose {options.dose} from --dose replaces the protocol's {reported}"
                )
                doses.append(options.dose)
                source = "--dose"
            else:
                doses.append(reported)
        else:
            if options.dose is None:
                raise NotReportedError(
                    "the dose per administration", "dose", '"<amount> cells/kg"', context
                )
            doses.append(options.dose)
            source = "--dose"
    for dose in doses:
        if not dose.is_cells:
            raise OptionError(
                f"the dose {dose} is not a number of cells",
                "give the dose in cells, cells/kg or cells/m²",
            )
    return doses, source, warnings


def treatment_arm(protocol: Protocol, arm: str | None) -> Arm:
    """The arm to dose: named, or the only treatment arm; a placebo arm is refused."""
    chosen = protocol.arm(arm)
    if chosen.is_placebo:
        raise OptionError(
            f"arm {chosen.name!r} of {protocol.id} is a placebo: there are no cells to dose",
            "choose a treatment arm with --arm",
        )
    return chosen


def _scale(protocol: Protocol, patient: Patient, options: DoseOptions) -> ScaleInfo | None:
    if options.scale == "none":
        return None
    source = get_species(protocol.species)
    target = patient.species
    if source.id == target.id:
        raise OptionError(
            f"--scale bsa converts between species, but the patient and the protocol are both "
            f"{source.label}",
            "drop --scale, or give --species for another species",
        )
    for sp in (source, target):
        if sp.km is None:
            raise OptionError(
                f"there is no FDA Km for a {sp.label}, so --scale bsa cannot be used",
                "use the published per-kg dose (the default)",
            )
    assert source.km is not None and target.km is not None
    return ScaleInfo(source.id, target.id, source.km, target.km)


def _check_species(protocol: Protocol, patient: Patient, options: DoseOptions) -> None:
    source = get_species(protocol.species)
    if patient.species.group != source.group and not options.cross_species:
        raise OptionError(
            f"protocol {protocol.id} is for a {source.label}, not a {patient.species.label}",
            "add --cross-species to use it anyway (every output is then labelled)",
        )


def plan_doses(
    protocol: Protocol,
    patient: Patient,
    *,
    arm: str | None = None,
    options: DoseOptions | None = None,
) -> DosePlan:
    """Compute the dose plan of ``arm`` of ``protocol`` for ``patient``.

    >>> from celldose.protocols import load_protocol
    >>> from celldose.simulator import make_patient, get_species
    >>> p = load_protocol("chen2024-itp-ucmsc")
    >>> plan = plan_doses(p, make_patient(get_species("human"), "70kg"), arm="expansion-2.0")
    >>> plan.schedules[0].total_cells
    560000000.0
    """
    options = options or DoseOptions()
    chosen = treatment_arm(protocol, arm)
    context = f"({protocol.id}, arm {chosen.name})"
    _check_species(protocol, patient, options)
    regimen = fill_unreported(chosen.regimen, options, context)
    phase_doses, source, warnings = resolve_phase_doses(protocol, chosen, options, context)
    if protocol.id == REGIMEN_ID and source == "protocol":
        source = "--regimen"
    warnings = [*_filled_notes(chosen.regimen, options), *options.notes, *warnings]
    scale = _scale(protocol, patient, options)
    product = options.product or product_in_hand(protocol.product)
    bsa: tuple[float, str] | None = None
    if any(d.basis == "per m²" for d in phase_doses):
        bsa = patient.bsa()
        if scale is not None:
            raise OptionError(
                "--scale bsa applies to per-kg doses; this dose is already per m²",
                "drop --scale",
            )
    if scale is not None and any(d.basis == "flat" for d in phase_doses):
        raise OptionError(
            "--scale bsa applies to per-kg doses, not to a flat count", "drop --scale"
        )
    schedules = []
    which_list: tuple[Which, ...] = ("min", "max") if regimen.is_range else ("min",)
    for which in which_list:
        planned = regimen.expand(which, context=context)
        records: list[DoseRecord] = []
        cumulative = 0.0
        for item in planned:
            dose = phase_doses[item.phase - 1]
            cells = _cells(dose, patient, bsa, scale)
            if not math.isfinite(cells):
                raise OptionError(
                    f"the dose {dose} for {patient.weight.text} is out of range "
                    "(more cells than a number can hold)",
                    "check the dose and its unit",
                )
            if cells < 1:
                raise OptionError(
                    f"the dose {dose} gives {cells:g} cells for {patient.weight.text}",
                    "check the dose and its unit: a dose is at least one whole cell",
                )
            capped = False
            if product.cap_cells is not None and cells > product.cap_cells:
                cells = product.cap_cells
                capped = True
            taken = draw(cells, product)
            cumulative += cells
            if not math.isfinite(cumulative):
                raise OptionError(
                    f"the total cells after dose {item.number} of {dose} for "
                    f"{patient.weight.text} is out of range (more than a number can hold)",
                    "check the dose, its unit and the number of doses",
                )
            date = item.time.date(options.start) if options.start else None
            day = item.time.day_on(options.start) if options.start else item.time.days
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
                    cells_per_kg=_per_kg(dose, cells, patient, scale, capped),
                    cells_to_draw=taken.cells_to_draw,
                    volume_ml=taken.volume_ml,
                    vials=taken.vials,
                    leftover_cells=taken.leftover_cells,
                    leftover_ml=taken.leftover_ml,
                    cumulative_cells=cumulative,
                    capped=capped,
                )
            )
        if options.start is not None and options.weekends == "next-weekday":
            records = _move_weekends(records, regimen)
        schedule = Schedule(which if regimen.is_range else None, tuple(records))
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
        warnings.append("--height has no effect: no dose here is per m² of a human")
    if any(r.capped for s in schedules for r in s.doses):
        assert product.cap_cells is not None
        from celldose.protocols._display import format_sig

        noun = "cell" if product.cap_cells == 1 else "cells"
        warnings.append(
            f"doses above the cap are capped at {format_sig(product.cap_cells)} {noun}"
        )
    if options.start is not None and options.weekends == "show":
        weekend = sorted({r.number for s in schedules for r in s.doses if r.weekend})
        if weekend:
            numbers = ", ".join(map(str, weekend))
            plural = len(weekend) > 1
            warnings.append(
                f"dose{'s' if plural else ''} {numbers} fall{'' if plural else 's'} on a weekend "
                "(--weekends next-weekday moves them)"
            )
    if scale is not None:
        warnings.append(
            f"dose scaled from {scale.from_species} to {scale.to_species} by body surface area "
            f"(Km {scale.km_from:g}/{scale.km_to:g} = {scale.factor:.3g}); no source shows that "
            "BSA scaling applies to cell doses"
        )
    plan = DosePlan(
        protocol_id=protocol.id,
        protocol_species=protocol.species,
        arm=chosen.name,
        regimen=regimen.with_doses(phase_doses).to_shorthand(),
        patient=patient,
        bsa_m2=bsa[0] if bsa else None,
        bsa_formula=bsa[1] if bsa else None,
        dose_source=source,
        scale=scale,
        product=product,
        schedules=tuple(schedules),
        warnings=tuple(warnings),
    )
    if plan.species_note:
        crossed = patient.species.group != get_species(protocol.species).group
        note = plan.species_note + (" (--cross-species)" if crossed else "")
        plan = replace(plan, warnings=(note, *plan.warnings))
    return plan


def _filled_notes(regimen: Regimen, options: DoseOptions) -> list[str]:
    """Labels for values the source does not report and the command line gave."""
    notes = []
    if options.count is not None:
        notes.append(
            f"number of doses {options.count} given with --count (the source does not report it)"
        )
    if options.interval is not None:
        notes.append(
            f"interval {options.interval} given with --interval (the source does not report it)"
        )
    return notes


def _per_kg(
    dose: Dose, cells: float, patient: Patient, scale: ScaleInfo | None, capped: bool
) -> float:
    """Cells per kg: exact for a per-kg dose (no division noise), else cells / weight."""
    if dose.basis == "per kg" and not capped:
        return dose.amount * (scale.factor if scale is not None else 1.0)
    return cells / patient.weight_kg


@cache
def _checks() -> dict[str, Any]:
    text = resources.files("celldose.simulator.dosing").joinpath("checks.toml").read_text("utf-8")
    return tomllib.loads(text)


def _plausibility(schedules: list[Schedule], patient: Patient) -> list[str]:
    """Warnings (never refusals) for doses and volumes outside checks.toml's soft ranges."""
    from celldose.protocols._display import format_sig

    checks = _checks()
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


def _cells(
    dose: Dose, patient: Patient, bsa: tuple[float, str] | None, scale: ScaleInfo | None
) -> float:
    """Cells per administration, computed with units (pint): cells/kg × kg = cells."""
    from celldose.protocols._units import quantity

    if dose.basis == "per kg":
        factor = scale.factor if scale is not None else 1.0
        cells = quantity(dose.amount, "cells/kg") * factor * quantity(patient.weight_kg, "kg")
    elif dose.basis == "per m²":
        assert bsa is not None
        cells = quantity(dose.amount, "cells/m**2") * quantity(bsa[0], "m**2")
    else:
        cells = quantity(dose.amount, "cells")
    return float(cells.to("cells").magnitude)


def _move_weekends(records: list[DoseRecord], regimen: Regimen) -> list[DoseRecord]:
    """Move Saturday and Sunday doses to the next Monday; refuse if that breaks the spacing.

    Day numbers stay counted from the first dose actually given (day 0).
    """
    moved: list[DoseRecord] = []
    for record in records:
        assert record.date is not None
        if record.date.weekday() >= 5:
            new = record.date + dt.timedelta(days=7 - record.date.weekday())
            record = replace(record, date=new, moved_from=record.date)
        moved.append(record)
    first = moved[0].date
    assert first is not None
    moved = [replace(r, day=(r.date - first).days) for r in moved if r.date is not None]
    spacing = max((p.spacing_days() or 1) for p in regimen.phases)
    for before, after in zip(moved, moved[1:], strict=False):
        assert before.date is not None and after.date is not None
        gap = (after.date - before.date).days
        if gap < spacing:
            raise OptionError(
                f"moving weekend doses puts doses {before.number} and {after.number} "
                f"{gap} day{'s' if gap != 1 else ''} apart (at least {spacing} needed)",
                "choose another --start date, or keep --weekends show",
            )
    return moved
