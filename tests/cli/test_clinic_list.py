"""`celldose dose PROTOCOL --roster clinic.csv`: one plan per patient, in one output.

Hand-worked, 1×10⁶ cells/kg, 6.68×10⁶ cells/mL, a 3.8 mL vial (3.8 × 6.68×10⁶ = 2.5384×10⁷ cells):
- Rex, 26.5 lb = 26.5 × 0.45359237 = 12.020197805 kg: 1.2020197805×10⁷ cells,
  / 6.68×10⁶ = 1.799430809 mL, 1 vial; from its own start, Tue 2026-12-01
- Bella, 8 kg: 8×10⁶ cells, 8/6.68 = 1.197604790 mL, 1 vial; Wed 2026-12-02
- Max, 31.2 kg: 3.12×10⁷ cells, 31.2/6.68 = 4.670658683 mL, 2 vials (3.12×10⁷ > 2.5384×10⁷);
  no start in the roster: --start, Thu 2026-12-03
q4w ×8: each patient's doses 28 days apart.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from importlib.metadata import version
from pathlib import Path

import pytest
from icalendar import Calendar

from celldose.cli import main

ROSTER = """\
# Riverside, December list
id,weight,name,owner,species,start,weighed,arm
2026-0147,26.5lb,Rex,J. Smith,,2026-12-01,2026-11-28,
2026-0152,8kg,Bella,A. Jones,dog,2026-12-02,2026-11-30,
2026-0160,31.2kg,Max,,,,2026-12-01,msc
"""
EXPECTED = {  # id: (cells, mL, vials, first date)
    "2026-0147": (12020197.805, 1.799430809, 1, dt.date(2026, 12, 1)),
    "2026-0152": (8e6, 1.197604790, 1, dt.date(2026, 12, 2)),
    "2026-0160": (3.12e7, 4.670658683, 2, dt.date(2026, 12, 3)),
}
BASE = ["jang2025-canine-itp", "--dose", "1e6 cells/kg"]
PRODUCT = ["--concentration", "6.68e6 cells/mL", "--vial", "3.8 mL"]


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["dose", *args])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return out


def clinic_list(capsys: pytest.CaptureFixture[str], roster: Path, *args: str) -> str:
    return ok(capsys, *BASE, *PRODUCT, "--start", "2026-12-03", "--roster", str(roster), *args)


def test_json_holds_one_single_patient_plan_per_line(
    capsys: pytest.CaptureFixture[str], roster: Path
) -> None:
    data = json.loads(clinic_list(capsys, roster, "--clinic", "Riverside", "--format", "json"))
    assert data["schema"] == "celldose/dose-roster/1"
    assert data["celldose_version"] == version("celldose")
    assert (data["roster"], data["patients"]) == (str(roster), 3)
    # the roster's bytes, hashed independently of celldose
    assert data["roster_sha256"] == hashlib.sha256(roster.read_bytes()).hexdigest()
    assert [p["patient"]["id"] for p in data["plans"]] == list(EXPECTED)
    for plan in data["plans"]:
        cells, ml, vials, first = EXPECTED[plan["patient"]["id"]]
        doses = plan["doses"]
        assert len(doses) == 8
        assert doses[0]["cells"] == pytest.approx(cells, rel=1e-12)
        assert doses[0]["volume_ml"] == pytest.approx(ml, rel=1e-9)
        assert doses[0]["vials"] == vials
        assert [d["date"] for d in doses] == [
            (first + dt.timedelta(days=28 * k)).isoformat() for k in range(8)
        ]
        assert plan["patient"]["clinic"] == "Riverside"
    # each plan is the single-patient JSON of the same patient
    single = json.loads(
        ok(
            capsys, *BASE, *PRODUCT, "--weight", "26.5lb", "--start", "2026-12-01",
            "--patient-id", "2026-0147", "--patient-name", "Rex", "--owner", "J. Smith",
            "--clinic", "Riverside", "--weighed", "2026-11-28", "--format", "json",
        )
    )  # fmt: skip
    for key in ("schema", "celldose_version", "provenance"):  # once, in the roster's envelope
        del single[key]
    assert data["plans"][0] == single


def test_csv_has_one_row_per_dose_with_the_id(
    capsys: pytest.CaptureFixture[str], roster: Path
) -> None:
    rows = list(csv.DictReader(io.StringIO(clinic_list(capsys, roster, "--format", "csv"))))
    assert len(rows) == 24
    assert [r["id"] for r in rows] == [i for i in EXPECTED for _ in range(8)]
    assert [r["name"] for r in rows[::8]] == ["Rex", "Bella", "Max"]
    assert float(rows[16]["cells"]) == pytest.approx(3.12e7, rel=1e-12)
    assert rows[16]["vials"] == "2"


def test_ics_is_one_calendar_of_every_patient(
    capsys: pytest.CaptureFixture[str], roster: Path
) -> None:
    out = clinic_list(capsys, roster, "--clinic", "Riverside Vet", "--format", "ics")
    cal = Calendar.from_ical(out)
    assert str(cal["X-WR-CALNAME"]) == "Riverside Vet: jang2025-canine-itp, arm msc (3 patients)"
    events = cal.walk("VEVENT")
    assert len(events) == 24 and len({str(e["UID"]) for e in events}) == 24
    assert (
        str(events[8]["SUMMARY"]) == "Bella (2026-0152): IV infusion 1 of 8 (jang2025-canine-itp)"
    )
    assert events[8].decoded("dtstart") == dt.date(2026, 12, 2)


def test_html_is_one_sheet_per_patient(
    capsys: pytest.CaptureFixture[str], roster: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    html = clinic_list(capsys, roster, "--format", "html")
    assert html.count('<div class="sheet">') == 3
    assert ".sheet + .sheet { break-before: page; }" in html
    for name in ("Rex", "Bella", "Max"):
        assert f"<tr><th>Name</th><td>{name}</td></tr>" in html


def test_the_table_has_a_block_per_patient(
    capsys: pytest.CaptureFixture[str], roster: Path
) -> None:
    lines = clinic_list(capsys, roster).splitlines()
    assert lines[0] == f"clinic list: {roster}, 3 patients"
    titles = [line for line in lines if line.startswith("patient ") and " of 3: " in line]
    assert titles == [
        "patient 1 of 3: Rex (2026-0147)",
        "patient 2 of 3: Bella (2026-0152)",
        "patient 3 of 3: Max (2026-0160)",
    ]
    assert "patient: Max (2026-0160), dog, 31.2 kg, weighed 2026-12-01" in lines


def test_csv_warnings_name_their_patient(capsys: pytest.CaptureFixture[str], roster: Path) -> None:
    code, _, err = run(
        capsys, *BASE, "--start", "2026-12-03", "--roster", str(roster), "--format", "csv",
        "--vial", "2.5e7 cells",
    )  # fmt: skip
    assert code == 0
    assert "note: 2026-0147: vial 2.5×10⁷ cells given with --vial" in err.splitlines()


def test_a_bare_weight_is_refused_with_its_line_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    roster = tmp_path / "clinic.csv"
    roster.write_text("id,weight\nrex,12kg\nbella,8kg\nmax,12\n", encoding="utf-8")
    out = tmp_path / "list.json"
    code, stdout, err = run(
        capsys, *BASE, "--roster", str(roster), "--format", "json", "-o", str(out)
    )
    assert (code, stdout) == (2, "")
    assert err == (
        f"error: roster {roster} line 4: 12 what? the weight needs a unit (write 12kg or 12lb)\n"
    )
    assert sorted(tmp_path.iterdir()) == [roster]


def test_a_line_that_cannot_be_planned_is_refused_with_its_line_and_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    roster = tmp_path / "clinic.csv"
    roster.write_text("id,weight,species\nrex,12kg,\ntom,4kg,cat\n", encoding="utf-8")
    code, out, err = run(capsys, *BASE, "--roster", str(roster))
    assert (code, out) == (2, "")
    assert err == (
        f"error: roster {roster} line 3 (id 'tom'): protocol jang2025-canine-itp is for a dog, "
        "not a cat (pass --cross-species to use it anyway (every output is then labelled))\n"
    )


@pytest.mark.parametrize("flag", ["--weight", "--patient-id", "--owner"])
def test_single_patient_flags_are_refused_with_a_roster(
    capsys: pytest.CaptureFixture[str], roster: Path, flag: str
) -> None:
    code, out, err = run(capsys, *BASE, "--roster", str(roster), flag, "12kg")
    assert (code, out) == (2, "")
    assert err == (
        f"error: {flag} is given by the roster for each patient (drop {flag}, or write it in the "
        "roster's columns: id,weight,name,owner,species,start,weighed,arm)\n"
    )


def test_no_weight_and_no_roster_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *BASE)
    assert (code, out) == (2, "")
    assert err == (
        "error: missing option --weight (give the patient's weight, e.g. --weight 12kg, or a "
        "clinic list with --roster FILE)\n"
    )


def test_a_calendar_of_a_line_without_a_start_names_the_line(
    capsys: pytest.CaptureFixture[str], roster: Path
) -> None:
    # Max (line 5) has no start in the roster, and no --start is given
    code, out, err = run(capsys, *BASE, "--roster", str(roster), "--format", "ics")
    assert (code, out) == (2, "")
    assert err == (
        f"error: roster {roster} line 5 (id '2026-0160'): a calendar needs dates (give the line "
        "a start, or add --start YYYY-MM-DD)\n"
    )


def test_the_output_cannot_be_the_roster(capsys: pytest.CaptureFixture[str], roster: Path) -> None:
    before = roster.read_text(encoding="utf-8")
    code, _, err = run(capsys, *BASE, "--roster", str(roster), "--format", "csv", "-o", str(roster))
    assert code == 2 and err.startswith("error: ") and str(roster) in err
    assert roster.read_text(encoding="utf-8") == before


def test_each_patient_gets_its_own_weight_age_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # first doses on 2026-12-01: weighed 2026-11-20 is 11 days before (flagged), 11-28 is 3
    roster = tmp_path / "clinic.csv"
    roster.write_text("id,weight,weighed\nold,12kg,2026-11-20\nnew,12kg,2026-11-28\n", "utf-8")
    args = [*BASE, "--start", "2026-12-01", "--roster", str(roster), "--format", "json"]
    plans = json.loads(ok(capsys, *args))["plans"]
    old, new = (p["warnings"] for p in plans)
    assert old[0] == (
        "the weight was taken on 2026-11-20, 11 days before the first dose (2026-12-01; more "
        "than 7): weigh the patient again and recompute"
    )
    assert not any("weight was taken" in w for w in new)


def test_a_roster_may_come_from_standard_input() -> None:
    from click.testing import CliRunner

    from celldose.cli._group import cli

    args = ["dose", *BASE, *PRODUCT, "--start", "2026-12-03", "--roster", "-", "--format", "json"]
    result = CliRunner().invoke(cli, args, input=ROSTER.encode("utf-8"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["roster"], data["patients"]) == ("<stdin>", 3)
    assert data["roster_sha256"] == hashlib.sha256(ROSTER.encode("utf-8")).hexdigest()
    for plan in data["plans"]:
        cells, ml, vials, first = EXPECTED[plan["patient"]["id"]]
        assert plan["doses"][0]["cells"] == pytest.approx(cells, rel=1e-12)
        assert plan["doses"][0]["date"] == first.isoformat()


def test_standard_input_cannot_be_both_protocol_and_roster(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "-", "--roster", "-")  # refused before standard input is read
    assert (code, out) == (2, "")
    assert err == (
        "error: - (standard input) is given more than once (give - once; name the others as "
        "files)\n"
    )


def test_a_calendar_of_a_roster_from_standard_input_is_named_a_clinic_list() -> None:
    from click.testing import CliRunner

    from celldose.cli._group import cli

    args = ["dose", *BASE, "--start", "2026-12-03", "--roster", "-", "--format", "ics"]
    result = CliRunner().invoke(cli, args, input=ROSTER.encode("utf-8"))
    assert result.exit_code == 0, result.output
    calendar = Calendar.from_ical(result.stdout)
    assert calendar["X-WR-CALNAME"] == "clinic list: jang2025-canine-itp, arm msc (3 patients)"
