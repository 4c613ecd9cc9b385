"""`celldose dose --format fhir`: a FHIR R5 Bundle, read by real clients.

Every bundle of every library study (and the clinic example) parses with the ``fhir.resources``
R5 models, and the invariants of FHIR's Timing (tim-1 … tim-10; there is no tim-3) and Dosage
(dos-1) hold, evaluated with ``fhirpathpy`` on the exported JSON. Expected values are worked out
by hand; refusals: exit code 2, one line, nothing written.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import fhirpathpy
import pytest
from fhir.resources.bundle import Bundle

from celldose.cli import main

# The R5 invariants (https://hl7.org/fhir/R5/datatypes.html#Timing, dosage.html#Dosage): the
# key, and the FHIRPath expression on Timing.repeat (tim-*) or on Dosage (dos-1)
TIMING_REPEAT = {
    "tim-1": "duration.empty() or durationUnit.exists()",
    "tim-2": "period.empty() or periodUnit.exists()",
    "tim-4": "duration.exists() implies duration >= 0",
    "tim-5": "period.exists() implies period >= 0",
    "tim-6": "periodMax.empty() or period.exists()",
    "tim-7": "durationMax.empty() or duration.exists()",
    "tim-8": "countMax.empty() or count.exists()",
    "tim-9": "offset.empty() or (when.exists() and when.select($this in ('C' | 'CM' | 'CD' | "
    "'CV')).allFalse())",
    "tim-10": "timeOfDay.empty() or when.empty()",
}
DOSAGE = {"dos-1": "asNeededFor.empty() or asNeeded.empty() or asNeeded"}
UCUM = "http://unitsofmeasure.org"
JANG = ["jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/kg", "--start"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["dose", *args])
    out, err = capsys.readouterr()
    return code, out, err


def bundle(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, *args, "--format", "fhir")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def requests(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "MedicationRequest"
    ]


@functools.cache
def compiled(expression: str) -> Any:
    """The FHIRPath expression parsed once per test process (``fhirpathpy.evaluate`` parses it
    on every call, most of the cost of these checks)."""
    return fhirpathpy.compile(expression)


def broken_invariants(data: dict[str, Any]) -> list[str]:
    """Every invariant that does not hold, as ``key at request N, dosage M``."""
    broken = []
    for i, request in enumerate(requests(data), start=1):
        for j, dosage in enumerate(request["dosageInstruction"], start=1):
            for key, expression in DOSAGE.items():
                if compiled(expression)(dosage) != [True]:
                    broken.append(f"{key} at request {i}, dosage {j}")
            repeat = dosage.get("timing", {}).get("repeat")
            for key, expression in TIMING_REPEAT.items():
                if repeat is not None and compiled(expression)(repeat) != [True]:
                    broken.append(f"{key} at request {i}, dosage {j}")
    return broken


def test_every_library_bundle_parses_and_keeps_the_invariants(
    capsys: pytest.CaptureFixture[str], library_case: Any
) -> None:
    """``library_case``: every study of the library and the clinic example (tests/conftest.py)."""
    data = bundle(capsys, *library_case.args())
    parsed = Bundle.model_validate(data)
    assert parsed.type == "collection"
    assert broken_invariants(data) == []
    plan = library_case.plan()
    # the course's doses, read back from the parsed models: a repeat's count, or its events
    given = 0
    for entry in parsed.entry:
        resource = entry.resource
        if type(resource).__name__ != "MedicationRequest" or resource.intent != "plan":
            continue
        for dosage in resource.dosageInstruction:
            timing = dosage.timing
            given += len(timing.event) if timing.event else timing.repeat.count
    assert given == len(plan.doses)


def test_the_invariants_are_checked() -> None:
    """The evaluator can fail: a period without its unit breaks tim-2."""
    data = {
        "entry": [
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "dosageInstruction": [{"timing": {"repeat": {"period": 4}}}],
                }
            }
        ]
    }
    assert broken_invariants(data) == ["tim-2 at request 1, dosage 1"]


def test_q4w_x8_is_a_repeat_with_both_doses(capsys: pytest.CaptureFixture[str]) -> None:
    data = bundle(capsys, *JANG, "2026-12-01")
    parsed = Bundle.model_validate(data)
    kinds = [type(e.resource).__name__ for e in parsed.entry]
    assert kinds == ["Patient", "Medication", "MedicationRequest"]
    assert parsed.entry[1].resource.code.text == "cAT-MSC"
    request = parsed.entry[2].resource
    assert (request.status, request.intent) == ("draft", "plan")
    dosage = request.dosageInstruction[0]
    repeat = dosage.timing.repeat
    # q4w ×8: count 8, period 4, periodUnit wk, from the first dose's date
    assert (repeat.count, repeat.period, repeat.periodUnit) == (8, 4, "wk")
    assert repeat.boundsPeriod.start.isoformat() == "2026-12-01"
    ordered, calculated = dosage.doseAndRate
    assert ordered.type.coding[0].code == "ordered"
    # ordered 1×10⁶ cells/kg; calculated 1×10⁶ × 12 kg = 1.2×10⁷ cells
    assert (ordered.doseQuantity.value, ordered.doseQuantity.code) == (1000000, "{cells}/kg")
    assert ordered.doseQuantity.system == UCUM
    assert calculated.type.coding[0].code == "calculated"
    assert (calculated.doseQuantity.value, calculated.doseQuantity.code) == (12000000, "{cells}")
    route = dosage.route.coding[0]
    assert (route.system, route.code, route.display) == (
        "http://snomed.info/sct",
        "47625008",
        "Intravenous route",
    )


def test_the_same_plan_gives_the_same_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, *JANG, "2026-12-01", "--format", "fhir")[1]
    assert run(capsys, *JANG, "2026-12-01", "--format", "fhir")[1] == first
    assert run(capsys, *JANG, "2026-12-08", "--format", "fhir")[1] != first


def test_calendar_months_are_event_dates(capsys: pytest.CaptureFixture[str]) -> None:
    # monthly ×4 from Jan 31, clipped to the months' ends
    data = bundle(
        capsys, "qi2017-sjogren-thrombocytopenia", "--weight", "60kg", "--start", "2026-01-31"
    )
    timing = requests(data)[0]["dosageInstruction"][0]["timing"]
    assert timing == {"event": ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]}


def test_a_duration_the_source_gives_is_in_the_timing(capsys: pytest.CaptureFixture[str]) -> None:
    # Lanzoni 2021: days 0 and 3 (explicit days: event dates), over 10 ± 5 min
    data = bundle(
        capsys, "lanzoni2021-covid-ards-ucmsc", "--weight", "70kg", "--start", "2026-01-05"
    )
    timing = requests(data)[0]["dosageInstruction"][0]["timing"]
    assert timing == {
        "event": ["2026-01-05", "2026-01-08"],
        "repeat": {"duration": 10.0, "durationUnit": "min"},
    }


def test_no_duration_or_rate_is_filled_in(capsys: pytest.CaptureFixture[str]) -> None:
    dosage = requests(bundle(capsys, *JANG, "2026-12-01"))[0]["dosageInstruction"][0]
    assert "duration" not in dosage["timing"]["repeat"]
    assert all("rateQuantity" not in d and "rateRatio" not in d for d in dosage["doseAndRate"])


@pytest.mark.parametrize(
    ("args", "code", "display"),
    [
        (["enciso2019-canine-ad-admsc", "--weight", "12kg"], "78421000", "Intramuscular route"),
        (
            ["alofisel-crohn-perianal-fistula-darvadstrocel", "--weight", "70kg"],
            "372466002",
            "Intralesional route",
        ),
    ],
)
def test_routes_are_snomed_codes(
    capsys: pytest.CaptureFixture[str], args: list[str], code: str, display: str
) -> None:
    route = requests(bundle(capsys, *args))[0]["dosageInstruction"][0]["route"]
    assert route["coding"] == [
        {"system": "http://snomed.info/sct", "code": code, "display": display}
    ]


def test_a_route_not_reported_is_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--regimen", "1e6 cells/kg weekly ×2", "--species", "dog", "--weight", "10kg"]
    dosage = requests(bundle(capsys, *args))[0]["dosageInstruction"][0]
    assert "route" not in dosage
    # weekly ×2 without a start: a repeat without bounds
    assert dosage["timing"] == {
        "repeat": {"count": 2, "frequency": 1, "period": 1, "periodUnit": "wk"}
    }


def test_a_dose_range_is_a_dose_range(capsys: pytest.CaptureFixture[str]) -> None:
    # 1–2×10⁶ cells/kg × 10 kg: 1×10⁷–2×10⁷ cells
    args = ["--regimen", "1–2×10⁶ cells/kg weekly ×4", "--species", "dog", "--weight", "10kg"]
    ordered, calculated = requests(bundle(capsys, *args))[0]["dosageInstruction"][0]["doseAndRate"]
    assert [ordered["doseRange"][b]["value"] for b in ("low", "high")] == [1000000, 2000000]
    assert ordered["doseRange"]["low"]["code"] == "{cells}/kg"
    assert [calculated["doseRange"][b]["value"] for b in ("low", "high")] == [10000000, 20000000]
    assert calculated["doseRange"]["high"]["code"] == "{cells}"


def test_a_per_m2_dose_keeps_its_basis(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--regimen", "5e7 cells/m² weekly ×2", "--species", "dog", "--weight", "10kg"]
    ordered = requests(bundle(capsys, *args))[0]["dosageInstruction"][0]["doseAndRate"][0]
    assert ordered["doseQuantity"] == {
        "value": 50000000,
        "unit": "cells/m²",
        "system": UCUM,
        "code": "{cells}/m2",
    }


def test_branches_are_options_with_their_condition(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["ryoncil2024-pediatric-sr-agvhd-remestemcel", "--weight", "20kg", "--start"]
    found = requests(bundle(capsys, *args, "2026-01-05"))
    assert [r["intent"] for r in found] == ["plan", "option", "option"]
    text = found[1]["dosageInstruction"][0]["text"]
    assert text.startswith(
        "only if partial or mixed response (branch partial-or-mixed-response, decided at the "
        "assessment day 28 ± 2 (2026-02-02 ± 2 days: 2026-01-31 to 2026-02-04)): phase 2 of "
    )
    # weekly ×4 from the assessment day, 2026-02-02 (the source does not say: assumed, noted)
    repeat = found[1]["dosageInstruction"][0]["timing"]["repeat"]
    assert (repeat["count"], repeat["period"], repeat["periodUnit"]) == (4, 1, "wk")
    assert repeat["boundsPeriod"] == {"start": "2026-02-02"}
    assert found[1]["note"][0]["text"].startswith(
        "branch start: starts day 28 (2026-02-02), assumed"
    )
    # with --branch, the branch is part of the plan (its condition still stated)
    chosen = requests(bundle(capsys, *args, "2026-01-05", "--branch", "partial-or-mixed-response"))
    assert [r["intent"] for r in chosen] == ["plan", "plan", "option"]


def test_a_capped_dose_is_a_dosage_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    # 2×10⁶ × 100 kg = 2×10⁸; max per course 5×10⁸: 2×10⁸, 2×10⁸, 1×10⁸, dose 4 stopped
    args = [
        "--regimen",
        "2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells",
        "--species",
        "human",
        "--weight",
        "100kg",
        "--start",
        "2026-01-05",
    ]
    request = requests(bundle(capsys, *args))[0]
    first, second = request["dosageInstruction"]
    assert (first["sequence"], second["sequence"]) == (1, 2)
    assert first["timing"]["repeat"]["count"] == 2
    assert second["timing"] == {"event": ["2026-01-19"]}
    assert second["doseAndRate"][1]["doseQuantity"]["value"] == 100000000
    assert request["note"][0]["text"].startswith("not given, stopped by a course maximum: dose 4")


def test_a_frequency_range_of_one_phase_is_frequency_to_frequency_max(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # once or twice weekly ×3: frequency 1 to frequencyMax 2 a week, 3 doses
    data = bundle(
        capsys, "aa-ucmsc-18", "--weight", "60kg", "--count", "3", "--start", "2026-01-05"
    )
    dosage = requests(data)[0]["dosageInstruction"][0]
    assert dosage["timing"] == {
        "repeat": {
            "boundsPeriod": {"start": "2026-01-05"},
            "count": 3,
            "frequency": 1,
            "frequencyMax": 2,
            "period": 1,
            "periodUnit": "wk",
        }
    }
    assert dosage["doseAndRate"][1]["doseQuantity"]["value"] == 60000000  # 1×10⁶ × 60 kg
    assert broken_invariants(data) == []
    Bundle.model_validate(data)


def test_an_interval_range_is_period_to_period_max(capsys: pytest.CaptureFixture[str]) -> None:
    # every 3 to 6 months ×3: period 3 to periodMax 6, in months; once or twice weekly for 4
    # weeks: 4 (once weekly) to 8 (twice weekly) doses, count to countMax
    months = ["--regimen", "1×10⁶ cells/kg every 3 to 6 months ×3", "--species", "dog"]
    repeat = requests(bundle(capsys, *months, "--weight", "12kg"))[0]["dosageInstruction"][0]
    assert repeat["timing"]["repeat"] == {
        "count": 3,
        "frequency": 1,
        "period": 3,
        "periodMax": 6,
        "periodUnit": "mo",
    }
    weeks = ["--regimen", "1×10⁶ cells/kg once or twice weekly for 4 weeks", "--species", "dog"]
    timing = requests(bundle(capsys, *weeks, "--weight", "12kg"))[0]["dosageInstruction"][0]
    assert (timing["timing"]["repeat"]["count"], timing["timing"]["repeat"]["countMax"]) == (4, 8)


def test_a_range_fhir_cannot_say_needs_a_schedule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "bundle.json"
    regimen = "1×10⁶ cells/kg once or twice weekly ×2 then weekly ×2"
    args = ["--regimen", regimen, "--species", "dog", "--weight", "12kg", "--format", "fhir"]
    code, stdout, err = run(capsys, *args, "-o", str(out))
    assert (code, stdout) == (2, "")
    assert err.strip() == (
        "error: FHIR bundles follow one schedule, and the regimen is a range (1×10⁶ cells/kg "
        "once or twice weekly ×2 then weekly ×2) (choose --schedule min (the least dosing: "
        "fewest doses a week, longest interval) or --schedule max (the most))"
    )
    assert not out.exists()
    # max: twice weekly (days 0 and 3), then weekly: dates, so it needs a start
    assert run(capsys, *args, "--schedule", "max")[2].strip() == (
        "error: FHIR bundles give the doses of 1×10⁶ cells/kg once or twice weekly ×2 then "
        "weekly ×2 as dates (give the first dose's date with --start YYYY-MM-DD)"
    )
    chosen = bundle(capsys, *args[:-2], "--schedule", "max", "--start", "2026-01-05")
    timings = [d["timing"] for r in requests(chosen) for d in r["dosageInstruction"]]
    # days 0, 3, then weekly from day 7 (where the next dose would fall): 7, 14
    assert timings == [
        {"event": ["2026-01-05", "2026-01-08"]},
        {
            "repeat": {
                "boundsPeriod": {"start": "2026-01-12"},
                "count": 2,
                "frequency": 1,
                "period": 1,
                "periodUnit": "wk",
            }
        },
    ]


def test_the_patient_carries_its_identifier(capsys: pytest.CaptureFixture[str]) -> None:
    data = bundle(capsys, *JANG, "2026-12-01", "--patient-id", "2026-0147", "--patient-name", "Rex")
    patient = Bundle.model_validate(data).entry[0].resource
    assert patient.identifier[0].value == "2026-0147"
    assert patient.name[0].text == "Rex"


def test_a_clinic_list_is_one_bundle_of_every_patient(capsys: pytest.CaptureFixture[str]) -> None:
    roster = str(Path(__file__).resolve().parents[2] / "examples" / "clinic-roster.csv")
    data = bundle(capsys, "jang2025-canine-itp", "--dose", "1e6 cells/kg", "--roster", roster)
    parsed = Bundle.model_validate(data)
    kinds = [type(e.resource).__name__ for e in parsed.entry]
    assert kinds == ["Patient", "Medication", "Patient", "Patient", *["MedicationRequest"] * 3]
    ids = [
        e.resource.identifier[0].value
        for e in parsed.entry
        if type(e.resource).__name__ == "Patient"
    ]
    assert ids == ["2026-0147", "2026-0152", "2026-0160"]
    subjects = [r["subject"]["reference"] for r in requests(data)]
    patients = [e["fullUrl"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert subjects == patients  # each request names its own patient
    # Bella, 8 kg: 1×10⁶ × 8 = 8×10⁶ cells a dose
    assert (
        requests(data)[1]["dosageInstruction"][0]["doseAndRate"][1]["doseQuantity"]["value"]
        == 8000000
    )
    assert broken_invariants(data) == []


def test_notes_speak_of_flags(capsys: pytest.CaptureFixture[str]) -> None:
    # 2×10⁶ cells/kg × 40 kg = 8×10⁷ cells, capped at 5×10⁷ by --cap
    args = ["--regimen", "2×10⁶ cells/kg weekly ×2", "--species", "dog", "--weight", "40kg"]
    request = requests(bundle(capsys, *args, "--cap", "5e7 cells"))[0]
    assert request["note"] == [{"text": "capped at 5×10⁷ cells (--cap)"}]
    assert request["dosageInstruction"][0]["doseAndRate"][1]["doseQuantity"]["value"] == 50000000


def test_an_animal_patient_says_its_species(capsys: pytest.CaptureFixture[str]) -> None:
    data = bundle(capsys, *JANG, "2026-12-01")
    Bundle.model_validate(data)  # the extension is valid FHIR R5
    (patient,) = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert patient["extension"] == [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/patient-animal",
            "extension": [{"url": "species", "valueCodeableConcept": {"text": "dog"}}],
        }
    ]
    human = bundle(
        capsys, "qi2017-sjogren-thrombocytopenia", "--weight", "60kg", "--start", "2026-12-01"
    )
    (person,) = [
        e["resource"] for e in human["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert "extension" not in person  # a human is no animal here (FHIR: absence implies nothing)
