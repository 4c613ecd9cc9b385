"""A dose plan as a FHIR R5 Bundle (type ``collection``): the Patient, a Medication for the
product, and one MedicationRequest per phase.

- The course's phases are MedicationRequests with ``intent`` ``plan`` (a computed plan, status
  ``draft``: to be reviewed before it is ordered). A decision's branch not chosen is a
  MedicationRequest per phase with ``intent`` ``option``; its condition is stated in
  ``dosageInstruction.text`` (a chosen branch is ``plan``, its condition stated too).
- Each Dosage gives the ordered dose with its basis (UCUM ``{cells}/kg``, ``{cells}/m2``,
  ``{cells}/[lb_av]``, ``{cells}``; type ``ordered``) and the dose computed for this patient
  (``{cells}``; type ``calculated``); a dose range is a ``doseRange``.
- The timing is ``repeat`` where it says the regimen exactly (q4w ×8: ``count`` 8, ``period`` 4,
  ``periodUnit`` ``wk``, from ``boundsPeriod.start`` when dated), and explicit ``event`` dates
  otherwise (calendar months, weekday patterns, explicit days, weekend moves). A phase whose
  doses differ (a course maximum caps one) has one Dosage per run of equal doses, in
  ``sequence``.
- The route is a SNOMED CT code with its display (``snomed_routes.toml``); a route not
  reported is left out, and so is every fact the source does not report (no rate, no duration,
  no tissue source is ever filled in).

Identifiers are UUIDs derived from the plan (uuid5), so the same plan gives the same bytes.
"""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from celldose.protocols import (
    NOT_REPORTED,
    REGIMEN_ID,
    FrequencyRange,
    IntervalRange,
    OptionError,
    Phase,
)
from celldose.simulator.dosing._dose_runs import (
    course_doses,
    course_phase_count,
    dose_runs,
    plan_phases,
    read_duration,
)
from celldose.simulator.dosing._records import DosePlan
from celldose.simulator.dosing._schedule import DoseRecord

UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
DOSE_RATE_TYPE = "http://terminology.hl7.org/CodeSystem/dose-rate-type"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_OID, "celldose")
_LB_KG = 0.45359237
_PERIOD_UNITS = {"day": "d", "week": "wk", "month": "mo", "year": "a"}  # FHIR's units of time
WHAT = "FHIR bundles"


@cache
def snomed_routes() -> dict[str, dict[str, str]]:
    """Route name -> ``{"code", "display"}`` (``snomed_routes.toml``, read once)."""
    text = (
        resources.files("celldose.simulator.dosing")
        .joinpath("snomed_routes.toml")
        .read_text("utf-8")
    )
    return tomllib.loads(text)


def fhir_bundle(
    plans: DosePlan | Sequence[DosePlan], *, product: str | None = None
) -> dict[str, Any]:
    """One plan (or a clinic list's plans) as a FHIR R5 Bundle (plain JSON data; see the module
    docstring): a Patient per plan (``identifier`` and ``name`` from ``plan.identity``), one
    Medication (``product``: its ``code.text``; left out when None), the MedicationRequests.

    >>> import celldose
    >>> plan = celldose.plan_doses(
    ...     "jang2025-canine-itp", weight="12 kg", dose="1e6 cells/kg", start="2026-12-01"
    ... )
    >>> request = fhir_bundle(plan)["entry"][2]["resource"]
    >>> repeat = request["dosageInstruction"][0]["timing"]["repeat"]
    >>> repeat["count"], repeat["period"], repeat["periodUnit"], repeat["boundsPeriod"]
    (8, 4, 'wk', {'start': '2026-12-01'})
    """
    many = [plans] if isinstance(plans, DosePlan) else list(plans)
    if not many:
        raise OptionError("there is no plan to write as a FHIR bundle", "give at least one plan")
    keys = [_key(plan) for plan in many]
    medication_url = _urn("|".join(keys), "medication")
    medication: dict[str, Any] = {"resourceType": "Medication"}
    if product is not None:
        medication["code"] = {"text": product}
    patients: list[dict[str, Any]] = []
    requests: list[dict[str, Any]] = []
    for plan, key in zip(many, keys, strict=True):
        patient_url = _urn(key, "patient")
        patients.append({"fullUrl": patient_url, "resource": _patient(plan)})
        requests.extend(_requests(plan, key, patient_url, medication_url))
    return {
        "resourceType": "Bundle",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": _urn("|".join(keys), "bundle")},
        "type": "collection",
        "entry": [
            *patients[:1],
            {"fullUrl": medication_url, "resource": medication},
            *patients[1:],
            *requests,
        ],
    }


def _key(plan: DosePlan) -> str:
    """What names one plan's resources (their UUIDs derive from it)."""
    first = plan.schedules[0].doses[0].date if plan.schedules[0].doses else None
    who = plan.identity
    parts = (plan.protocol_id, plan.arm, plan.regimen, plan.patient.weight_kg, first)
    return "|".join(map(str, (*parts, who.id, who.name, plan.branch, plan.schedule)))


ANIMAL = "http://hl7.org/fhir/StructureDefinition/patient-animal"  # FHIR's core extension


def _patient(plan: DosePlan) -> dict[str, Any]:
    """The Patient: its id and name; an animal says its species (FHIR's patient-animal
    extension, the species as text: celldose holds no coded species)."""
    patient: dict[str, Any] = {"resourceType": "Patient"}
    species = plan.patient.species
    if species.group != "human":
        animal = {"url": "species", "valueCodeableConcept": {"text": species.label}}
        patient["extension"] = [{"url": ANIMAL, "extension": [animal]}]
    if plan.identity.id is not None:
        patient["identifier"] = [{"value": plan.identity.id}]
    if plan.identity.name is not None:
        patient["name"] = [{"text": plan.identity.name}]
    return patient


def _requests(
    plan: DosePlan, key: str, patient_url: str, medication_url: str
) -> list[dict[str, Any]]:
    """The plan's MedicationRequests: the course's phases, then each branch not chosen."""
    if len(plan.schedules) > 1:  # a range kept as a range: exact for one phase, else refused
        context = Context(plan, plan_phases(plan), patient_url, medication_url)
        return [{"fullUrl": _urn(key, "phase-1"), "resource": context.range_request()}]
    doses = course_doses(plan, WHAT)
    entries = []
    phases = plan_phases(plan)
    context = Context(plan, phases, patient_url, medication_url)
    course = course_phase_count(plan)
    for number in range(1, len(phases) + 1):
        in_phase = [d for d in doses if d.phase == number]
        if not in_phase:
            continue  # every dose of the phase stopped by a course maximum
        branch = plan.branch if number > course else None
        request = context.request(number, in_phase, branch, "plan")
        entries.append({"fullUrl": _urn(key, f"phase-{number}"), "resource": request})
    for b in plan.branches:
        if b.chosen:
            continue
        every = plan_phases(plan, b.name)
        options = Context(plan, every, patient_url, medication_url)
        branch_doses = b.schedules[0].doses
        for number in range(course + 1, len(every) + 1):
            in_phase = [d for d in branch_doses if d.phase == number]
            if in_phase:
                request = options.request(number, in_phase, b.name, "option")
                url = _urn(key, f"{b.name}-phase-{number}")
                entries.append({"fullUrl": url, "resource": request})
    return entries


def _urn(key: str, what: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{key}|{what}')}"


class Context:
    """What every MedicationRequest of one plan shares."""

    def __init__(
        self, plan: DosePlan, phases: Sequence[Phase], patient: str, medication: str
    ) -> None:
        self.plan = plan
        self.phases = phases
        self.patient = patient
        self.medication = medication

    def request(
        self, number: int, doses: Sequence[DoseRecord], branch: str | None, intent: str
    ) -> dict[str, Any]:
        text = self.text(number, branch)
        dosages = []
        for sequence, run in enumerate(self.runs(doses), start=1):
            dosage: dict[str, Any] = {"sequence": sequence, "text": text}
            dosage["timing"] = self.timing(run)
            route = self.route()
            if route is not None:
                dosage["route"] = route
            dosage["doseAndRate"] = self.dose_and_rate(run[0])
            dosages.append(dosage)
        request: dict[str, Any] = {
            "resourceType": "MedicationRequest",
            "status": "draft",
            "intent": intent,
            "medication": {"reference": {"reference": self.medication}},
            "subject": {"reference": self.patient},
            "dosageInstruction": dosages,
        }
        notes = self.notes(number, branch)
        if notes:
            request["note"] = [{"text": n} for n in notes]
        return request

    def range_request(self) -> dict[str, Any]:
        """A frequency or interval range of one phase, as FHIR says it: ``frequency`` 1 to
        ``frequencyMax`` 2 a week, or ``period`` 3 to ``periodMax`` 6 months (``count`` to
        ``countMax`` where the two schedules differ); anything else needs one schedule."""
        plan = self.plan
        low, high = plan.schedules
        phase = self.phases[0] if len(self.phases) == 1 else None
        cells = {d.cells for s in plan.schedules for d in s.doses}
        repeat: dict[str, Any] = {}
        tpw = None if phase is None else phase.times_per_week
        if isinstance(tpw, FrequencyRange):
            repeat.update(frequency=tpw.min, frequencyMax=tpw.max, period=1, periodUnit="wk")
        elif phase is not None and isinstance(phase.every, IntervalRange):
            shortest, longest = phase.every.min, phase.every.max
            if shortest.unit == longest.unit:
                unit = _PERIOD_UNITS[shortest.unit]
                repeat.update(
                    frequency=1, period=shortest.amount, periodMax=longest.amount, periodUnit=unit
                )
        if (
            not repeat
            or plan.branches
            or len(cells) != 1
            or low.stopped
            or high.stopped
            or any(d.moved_from is not None for s in plan.schedules for d in s.doses)
        ):
            course_doses(plan, WHAT)  # refused: choose a schedule
        counts = sorted({len(low.doses), len(high.doses)})
        repeat["count"] = counts[0]
        if len(counts) > 1:
            repeat["countMax"] = counts[1]
        first = low.doses[0]
        if first.date is not None:
            repeat["boundsPeriod"] = {"start": first.date.isoformat()}
        facts = plan.administration
        duration = None if facts.duration == NOT_REPORTED else read_duration(facts.duration)
        if duration is not None:
            repeat["duration"], repeat["durationUnit"] = duration[0], duration[1]
        dosage: dict[str, Any] = {
            "sequence": 1,
            "text": self.text(1, None),
            "timing": {"repeat": dict(sorted(repeat.items()))},
        }
        route = self.route()
        if route is not None:
            dosage["route"] = route
        dosage["doseAndRate"] = self.dose_and_rate(first)
        return {
            "resourceType": "MedicationRequest",
            "status": "draft",
            "intent": "plan",
            "medication": {"reference": {"reference": self.medication}},
            "subject": {"reference": self.patient},
            "dosageInstruction": [dosage],
        }

    def text(self, number: int, branch: str | None) -> str:
        plan = self.plan
        what = (
            f"regimen {plan.regimen}"
            if plan.protocol_id == REGIMEN_ID
            else f"{plan.protocol_id}, arm {plan.arm}: {plan.regimen}"
        )
        who = f"{plan.patient.species.label}, {plan.patient.weight.text}"
        text = f"phase {number} of {what}; for {who}"
        if branch is not None:
            found = next(b for b in plan.branches if b.name == branch)
            assessed = (
                "" if plan.assessment is None else f" at the assessment {plan.assessment.text}"
            )
            text = f"only if {found.condition} (branch {branch}, decided{assessed}): {text}"
        return text

    def runs(self, doses: Sequence[DoseRecord]) -> list[list[DoseRecord]]:
        """Runs of the phase (one Dosage each): a regular run, or consecutive single doses of
        the same cells as one run of event dates."""
        out: list[list[DoseRecord]] = []
        single = False
        for run in dose_runs(doses, self.phases, self.plan, expand=False):
            alone = len(run) == 1
            if alone and single and out and out[-1][-1].cells == run[0].cells:
                out[-1].append(run[0])
                continue
            out.append(run)
            single = alone
        return out

    def timing(self, run: list[DoseRecord]) -> dict[str, Any]:
        repeat: dict[str, Any] = {}
        facts = self.plan.administration
        duration = None if facts.duration == NOT_REPORTED else read_duration(facts.duration)
        if duration is not None:
            repeat["duration"] = duration[0]
            repeat["durationUnit"] = duration[1]
        regular = len(run) > 1 and _regular(run, self.phases, self.plan)
        if regular:
            assert run[0].day is not None and run[1].day is not None
            days = run[1].day - run[0].day
            if run[0].date is not None:
                repeat["boundsPeriod"] = {"start": run[0].date.isoformat()}
            repeat["count"] = len(run)
            repeat["frequency"] = 1
            repeat["period"], repeat["periodUnit"] = (
                (days // 7, "wk") if days % 7 == 0 else (days, "d")
            )
            return {"repeat": dict(sorted(repeat.items()))}
        if any(d.date is None for d in run):
            if len(run) == 1:
                return {"repeat": dict(sorted({**repeat, "count": 1}.items()))}
            raise OptionError(
                f"{WHAT} give the doses of {self.plan.regimen} as dates",
                "give the first dose's date with start=YYYY-MM-DD",
                fields=("start",),
            )
        timing: dict[str, Any] = {"event": [d.date.isoformat() for d in run if d.date]}
        if repeat:
            timing["repeat"] = dict(sorted(repeat.items()))
        return timing

    def route(self) -> dict[str, Any] | None:
        route = self.plan.route
        if route == NOT_REPORTED:
            return None
        concept: dict[str, Any] = {"text": route}
        code = snomed_routes().get(route)
        if code is not None:
            concept["coding"] = [
                {"system": SNOMED, "code": code["code"], "display": code["display"]}
            ]
        return concept

    def dose_and_rate(self, dose: DoseRecord) -> list[dict[str, Any]]:
        ordered: dict[str, Any] = {"type": _rate_type("ordered", "Ordered")}
        expression = dose.dose
        unit, code, factor = _basis_unit(expression.unit, expression.basis, expression.written)
        if expression.low is not None:
            ordered["doseRange"] = {
                "low": _quantity(expression.low * factor, unit, code),
                "high": _quantity(expression.amount * factor, unit, code),
            }
        else:
            ordered["doseQuantity"] = _quantity(expression.amount * factor, unit, code)
        calculated: dict[str, Any] = {"type": _rate_type("calculated", "Calculated")}
        cells_unit, cells_code, _ = _basis_unit(expression.unit, "flat", None)
        span = dose.range
        if span is not None and span.use == "upper bound":
            calculated["doseRange"] = {
                "low": _quantity(span.cells_low, cells_unit, cells_code),
                "high": _quantity(span.cells_high, cells_unit, cells_code),
            }
        else:
            calculated["doseQuantity"] = _quantity(dose.cells, cells_unit, cells_code)
        return [ordered, calculated]

    def notes(self, number: int, branch: str | None) -> list[str]:
        plan = self.plan
        out = []
        stopped = [s.number for s in plan.schedules[0].stopped if s.branch == branch]
        if stopped and any(d.phase == number for d in plan.doses):
            out.append(
                "not given, stopped by a course maximum: dose "
                + ", ".join(map(str, stopped))
                + f" (limits: {', '.join(x.label for x in plan.limits) or 'cap='})"
            )
        if branch is not None:
            found = next(b for b in plan.branches if b.name == branch)
            out.append(f"branch start: {found.start_note}")
        if any(d.capped for d in plan.doses if d.phase == number):
            notes = {d.cap_note for d in plan.doses if d.phase == number and d.cap_note}
            out.extend(sorted(notes))
        return out


def _regular(run: list[DoseRecord], phases: Sequence[Phase], plan: DosePlan) -> bool:
    """True when the run is one record by the runs' rule (a regular phase, its interval)."""
    return len(dose_runs(run, phases, plan, expand=False)) == 1


def _rate_type(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": DOSE_RATE_TYPE, "code": code, "display": display}]}


def _basis_unit(amount_unit: str, basis: str, written: str | None) -> tuple[str, str, float]:
    """(unit text, UCUM code, factor from the dose's amount) of a dose's basis."""
    base = "{cells}" if amount_unit == "cells" else amount_unit
    if basis == "per kg" and written is not None and "lb" in written:
        return f"{amount_unit}/lb", f"{base}/[lb_av]", _LB_KG
    if basis == "per kg":
        return f"{amount_unit}/kg", f"{base}/kg", 1.0
    if basis == "per m²":
        return f"{amount_unit}/m²", f"{base}/m2", 1.0
    return amount_unit, base, 1.0


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    number: float | int = int(value) if float(value).is_integer() and abs(value) < 1e15 else value
    return {"value": number, "unit": unit, "system": UCUM, "code": code}
