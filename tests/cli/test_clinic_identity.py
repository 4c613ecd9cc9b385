"""`celldose dose` at the clinic: the patient's identity on every output, calendar UIDs that
tell patients apart and survive a re-export, and `note:` for values given on the command line.

Dates by hand: 2026-01-05 is a Monday; jang2025-canine-itp is q4w ×8 (days 0, 28, ..., 196).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from icalendar import Calendar

from celldose.cli import main

JANG = ["jang2025-canine-itp", "--dose", "1e6 cells/kg"]
START = ["--start", "2026-01-05"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["dose", *args])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return out


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, ""), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err.strip()


def events(ics: str) -> list[dict[str, str]]:
    cal = Calendar.from_ical(ics)
    return [
        {k: str(v) for k, v in e.items() if k in ("UID", "SUMMARY", "DESCRIPTION")}
        for e in cal.walk("VEVENT")
    ]


# --------------------------------------------------------------------------------------------
# calendars


def test_two_patients_merged_into_one_calendar_keep_all_16_events(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # two dogs of different weights, same protocol and start: 8 + 8 events, 16 UIDs
    rex = ok(capsys, *JANG, "--weight", "12kg", *START, "--patient-id", "rex-01", "--format", "ics")
    bella = ok(capsys, *JANG, "--weight", "20kg", *START, "--patient-id", "b-7", "--format", "ics")
    merged = Calendar()
    for text in (rex, bella):
        for event in Calendar.from_ical(text).walk("VEVENT"):
            merged.add_component(event)
    uids = [str(e["UID"]) for e in merged.walk("VEVENT")]
    assert len(uids) == 16 and len(set(uids)) == 16
    assert str(Calendar.from_ical(rex).walk("VEVENT")[0]["UID"]) == (
        "rex-01-jang2025-canine-itp-msc-1@celldose"
    )


def test_without_a_patient_id_two_weights_or_two_starts_have_distinct_uids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    courses = [
        ("12kg", "2026-01-05"),
        ("20kg", "2026-01-05"),
        ("12kg", "2026-01-12"),
    ]
    uids: set[str] = set()
    for weight, start in courses:
        out = ok(capsys, *JANG, "--weight", weight, "--start", start, "--format", "ics")
        uids |= {e["UID"] for e in events(out)}
    assert len(uids) == 24


def test_re_exporting_a_course_gives_the_same_uids_and_bytes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for identity in ([], ["--patient-id", "rex-01"]):
        args = [*JANG, "--weight", "12kg", *START, *identity, "--format", "ics"]
        first, again = ok(capsys, *args), ok(capsys, *args)
        assert first == again


def test_a_dose_moved_off_a_weekend_keeps_its_uid(capsys: pytest.CaptureFixture[str]) -> None:
    # Sat 2026-01-03 + 28 days = Sat 01-31: every dose is a Saturday; next-weekday moves them
    # all to the Monday after; the UIDs name the dose, not the date
    for identity in ([], ["--patient-id", "rex-01"]):
        args = [*JANG, "--weight", "12kg", "--start", "2026-01-03", *identity, "--format", "ics"]
        shown = events(ok(capsys, *args))
        moved = events(ok(capsys, *args, "--weekends", "next-weekday"))
        assert [e["UID"] for e in shown] == [e["UID"] for e in moved]
        assert "Moved from 2026-01-03 (a weekend)" in moved[0]["DESCRIPTION"]


def test_the_calendar_is_named_by_patient_and_course(capsys: pytest.CaptureFixture[str]) -> None:
    regimen = ["--regimen", "1×10⁶ cells/kg q21d ×3", "--species", "dog", "--weight", "12kg"]
    out = ok(capsys, *regimen, "--start", "2026-12-01", "--format", "ics")
    name = str(Calendar.from_ical(out)["X-WR-CALNAME"])
    assert name == "dog 12 kg: 1×10⁶ cells/kg q21d ×3"
    assert "regimen regimen" not in out
    out = ok(
        capsys,
        *JANG,
        "--weight",
        "12kg",
        *START,
        "--format",
        "ics",
        "--patient-id",
        "2026-0147",
        "--patient-name",
        "Rex",
    )
    assert str(Calendar.from_ical(out)["X-WR-CALNAME"]) == (
        "Rex (2026-0147): jang2025-canine-itp, arm msc"
    )
    summaries = [e["SUMMARY"] for e in events(out)]
    assert summaries[0] == "Rex (2026-0147): IV infusion 1 of 8 (jang2025-canine-itp)"
    assert summaries[7] == "Rex (2026-0147): IV infusion 8 of 8 (jang2025-canine-itp)"


def test_descriptions_carry_dose_volume_route_basis_and_no_command_line_hints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Sat 2026-01-03: every dose on a weekend, so the plan warns; 12 kg × 1×10⁶ = 1.2×10⁷
    # cells; 1.2×10⁷ / 6.68×10⁶ cells/mL = 1.796 mL -> 1.8 mL
    out = ok(
        capsys,
        *JANG,
        "--weight",
        "12kg",
        "--start",
        "2026-01-03",
        "--format",
        "ics",
        "--concentration",
        "6.68e6 cells/mL",
        "--patient-id",
        "rex-01",
    )
    first = events(out)[0]["DESCRIPTION"].splitlines()
    assert first == [
        "Patient: rex-01, dog, 12 kg",
        "Dose 1 of 8 (phase 1): 1.2×10⁷ cells",
        "Basis: 1×10⁶ cells/kg (per kg) for 12 kg (dog)",
        "Route: IV (intravenous)",
        "Volume: 1.8 mL",
        "Warning: doses 1, 2, 3, 4, 5, 6, 7, 8 fall on a weekend",
    ]
    assert "--" not in out and "=" not in "".join(first)


# --------------------------------------------------------------------------------------------
# identity on the other outputs


def test_the_table_header_shows_clinic_owner_and_patient(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = ok(
        capsys,
        *JANG,
        "--weight",
        "26.5lb",
        "--start",
        "2026-12-01",
        "--patient-id",
        "2026-0147",
        "--patient-name",
        "Rex",
        "--owner",
        "J. Smith",
        "--clinic",
        "Riverside Vet",
        "--weighed",
        "2026-11-28",
    )
    assert out.splitlines()[:4] == [
        "clinic: Riverside Vet",
        "owner: J. Smith",
        "protocol: jang2025-canine-itp, arm msc: 1×10⁶ cells/kg q4w ×8",
        "patient: Rex (2026-0147), dog, 26.5 lb (12.02 kg), weighed 2026-11-28",
    ]


def test_json_and_csv_carry_the_identity(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        *JANG,
        "--weight",
        "12kg",
        "--patient-id",
        "rex-01",
        "--patient-name",
        "Rex",
        "--owner",
        "J. Smith",
        "--clinic",
        "Riverside Vet",
        "--weighed",
        "2026-01-02",
    ]
    patient = json.loads(ok(capsys, *args, "--format", "json"))["patient"]
    assert {k: patient[k] for k in ("id", "name", "owner", "clinic", "weighed")} == {
        "id": "rex-01",
        "name": "Rex",
        "owner": "J. Smith",
        "clinic": "Riverside Vet",
        "weighed": "2026-01-02",
    }
    rows = list(csv.DictReader(io.StringIO(ok(capsys, *args, "--format", "csv"))))
    assert len(rows) == 8
    assert {(r["id"], r["name"], r["weighed"]) for r in rows} == {("rex-01", "Rex", "2026-01-02")}


def test_a_weight_taken_more_than_7_days_before_the_first_dose_is_flagged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [*JANG, "--weight", "12kg", "--start", "2026-12-01"]
    # 2026-12-01 − 2026-11-23 = 8 days: flagged; 2026-11-24 is 7 days: not
    out = ok(capsys, *args, "--weighed", "2026-11-23")
    assert (
        "warning: the weight was taken on 2026-11-23, 8 days before the first dose "
        "(2026-12-01; more than 7): weigh the patient again and recompute"
    ) in out.splitlines()
    assert "weight was taken" not in ok(capsys, *args, "--weighed", "2026-11-24")
    # weighed the day after the first dose
    out = ok(capsys, *args, "--weighed", "2026-12-02")
    assert (
        "warning: the weight was taken on 2026-12-02, 1 day after the first dose (2026-12-01): "
        "check the date given with --weighed"
    ) in out.splitlines()
    # JSON: the same warning, in the list of warnings
    data = json.loads(ok(capsys, *args, "--weighed", "2026-11-23", "--format", "json"))
    assert data["warnings"][0].startswith("the weight was taken on 2026-11-23, 8 days before")


def test_values_given_on_the_command_line_are_notes_and_problems_stay_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = ok(
        capsys,
        *JANG,
        "--weight",
        "12kg",
        "--start",
        "2026-01-03",
        "--concentration",
        "6.68e6 cells/mL",
        "--vial",
        "3.8 mL",
    )
    assert out.splitlines()[-3:] == [
        "note: concentration 6.68×10⁶ cells/mL given with --concentration",
        "note: vial 3.8 mL given with --vial",
        "warning: doses 1, 2, 3, 4, 5, 6, 7, 8 fall on a weekend (--weekends next-weekday moves "
        "them)",
    ]
    data = json.loads(
        ok(capsys, *JANG, "--weight", "12kg", "--vial", "2.5e7 cells", "--format", "json")
    )
    assert data["notes"] == ["vial 2.5×10⁷ cells given with --vial"]
    assert data["notes"][0] in data["warnings"]  # warnings still lists every label (stable)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patient-id", " "], "error: --patient-id is empty (give it, or leave it out)"),
        (
            ["--patient-name", "Rex\tII"],
            "error: --patient-name has a tab at character 4 (write it on one line)",
        ),
        (
            ["--owner", "x" * 201],
            "error: --owner is 201 characters long, more than 200 (shorten it)",
        ),
        (
            ["--clinic", "Vet\x1b[2J"],
            "error: --clinic has a control character (U+001B) at character 4 (remove it)",
        ),
    ],
)
def test_bad_identity_text_is_refused(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert refused(capsys, *JANG, "--weight", "12kg", *args) == message


def test_a_weighed_date_that_is_not_a_date_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, *JANG, "--weight", "12kg", "--weighed", "last week")
    assert "'last week' is not a date: write it as YYYY-MM-DD" in message


def test_simulate_prints_values_given_as_notes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([
        "simulate", *JANG, "--weight", "12kg", "--concentration", "6.68e6 cells/mL", "--skip", "2"
    ])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "note: concentration 6.68×10⁶ cells/mL given with --concentration" in out.splitlines()
    assert "warning: concentration" not in out
