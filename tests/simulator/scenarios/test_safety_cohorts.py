"""Cohorts and what-ifs on absurd input: a one-line refusal (exit 2), no crash, no wrong number.

Rosters are read capped (``/dev/zero`` is refused, not read until the memory is full), fields
are bounded, and Excel's "CSV UTF-8" byte-order mark is read. Numbers that would overflow (an
overage of 1e308, a weight sigma of 1e10, delays of billions of days, cells past the float
range) are refused where they are given or where they are made.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from celldose.cli import main
from celldose.protocols import OptionError
from celldose.simulator.dosing import get_species
from celldose.simulator.scenarios import Cohort, _roster, read_roster

JANG = ["simulate", "jang2025-canine-itp", "--dose", "1e6/kg"]
ROSTER_HINT = "(write one patient a line as id,weight with a unit, e.g. rex,12kg)"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- rosters ---------------------------------------------------------------------------------


def test_dev_zero_as_a_roster_is_refused_at_the_size_limit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, *JANG, "--roster", "/dev/zero")
    assert code == 2
    assert out == ""
    assert err == (
        "error: the roster /dev/zero is larger than celldose reads (16 MiB) "
        "(check that it is the right file)\n"
    )


def test_a_field_past_the_csv_modules_limit_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,weight\nrex,12kg\n" + "a" * 131_073 + ",12kg\n", encoding="utf-8")
    code, out, err = run(capsys, *JANG, "--roster", str(roster))
    assert code == 2
    assert err == (
        f"error: roster {roster} line 3: a field is more than 200 characters long {ROSTER_HINT}\n"
    )
    assert sorted(tmp_path.iterdir()) == [roster]


def test_an_id_longer_than_200_characters_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("rex,12kg\n" + "b" * 201 + ",12kg\n", encoding="utf-8")
    code, _, err = run(capsys, *JANG, "--roster", str(roster))
    assert code == 2
    assert err == (
        f"error: roster {roster} line 2: a field is 201 characters long, more than 200 "
        f"{ROSTER_HINT}\n"
    )


def test_an_id_of_exactly_200_characters_is_read(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("c" * 200 + ",12kg\n", encoding="utf-8")
    assert read_roster(roster, get_species("dog")).ids == ("c" * 200,)


def test_more_patients_than_the_roster_limit_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_roster, "MAX_ROSTER_PATIENTS", 3)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,weight\na,10kg\nb,11kg\n# note\nc,12kg\nd,13kg\n", encoding="utf-8")
    with pytest.raises(OptionError) as info:
        read_roster(roster, get_species("dog"))
    assert str(info.value) == (
        f"roster {roster} line 6: the roster lists more than 3 patients "
        "(for a larger cohort, draw the weights for a number of patients instead)"
    )


def test_an_excel_csv_utf8_roster_with_a_bom_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(b"\xef\xbb\xbfid,weight\r\nrex,12kg\r\nfido,20kg\r\n")
    read = read_roster(roster, get_species("dog"))
    assert read.ids == ("rex", "fido")
    assert read.weights_kg == (12.0, 20.0)
    code, out, err = run(capsys, *JANG, "--roster", str(roster), "--format", "json")
    assert (code, err) == (0, "")
    # (12 + 20) kg × 1×10⁶ cells/kg × 8 doses
    assert json.loads(out)["cohort_total_cells"] == 256_000_000.0


# --- overflow in cohorts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--overage", "1e308"],
            "error: an overage of 1e+308 is out of range: at most 10 (ten times the demand) "
            "(it multiplies the demand: 1 for none, 1.2 for 20% extra)",
        ),
        (
            ["--weight-sigma", "1e10"],
            "error: a weight sigma of 1e+10 is out of range: at most 3 (90% of the weights "
            "within ×/÷ 139 of the median) (it is the standard deviation of log weight, e.g. 0.3)",
        ),
        (
            ["--delayed", "0.5", "--delay-days", "1-2000000000"],
            "error: a delay of up to 2,000,000,000 days is out of range: at most 36,525 days "
            '(100 years) (write the shortest and longest delay in days, e.g. "1-7")',
        ),
        (
            ["--delayed", "0.5", "--delay-days", "1-99999999999999999999"],
            "error: a delay of up to 99,999,999,999,999,999,999 days is out of range: at most "
            '36,525 days (100 years) (write the shortest and longest delay in days, e.g. "1-7")',
        ),
    ],
    ids=["overage-1e308", "weight-sigma-1e10", "delay-days-2e9", "delay-days-1e20"],
)
def test_absurd_cohort_values_are_refused(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *JANG, "--patients", "100", *extra)
    assert (code, out, err) == (2, "", message + "\n")


def test_the_largest_accepted_values_still_simulate() -> None:
    # the limits themselves are accepted: overage 10, sigma 3, delays up to 36,525 days
    Cohort(patients=1, overage=10.0, weight_sigma=3.0, delayed=0.5, delay_days=(1, 36_525))


def test_course_days_with_long_delays_do_not_wrap(capsys: pytest.CaptureFixture[str]) -> None:
    # Every one of the 7 later doses delayed by exactly 36,525 days: the course is
    # 196 + 7 × 36,525 = 255,871 days for every patient (int32 wrapped past 2³¹ before).
    code, out, err = run(
        capsys,
        *JANG,
        "--patients",
        "5",
        "--weight",
        "12kg",
        "--delayed",
        "1",
        "--delay-days",
        "36525",
        "--format",
        "json",
    )
    assert (code, err) == (0, "")
    course = json.loads(out)["course_days"]
    assert course == {"mean": 255_871.0, "median": 255_871.0, "p5": 255_871.0, "p95": 255_871.0}


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        (
            [*JANG[:2], "--dose", "1e305/kg", "--patients", "10000"],
            "the dose '1e305/kg' is refused",
        ),
        (
            [
                "simulate",
                "--regimen",
                "1e307 cells/kg q4w x1",
                "--species",
                "dog",
                "--patients",
                "100",
            ],
            "regimen '1e307 cells/kg q4w x1' '1e307 cells/kg' at characters 1-14",
        ),
    ],
    ids=["cohort-total", "one-patient-dose"],
)
def test_cells_past_the_float_range_are_refused(
    argv: list[str], where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1e305 cells/kg × ~15 kg × 8 doses × 10,000 patients would pass 1.8e308, and 1e307
    # cells/kg for a 20 kg dog too: both are refused as written, beyond any dose (at most 1e9
    # cells/kg, bounds.toml), long before a sum could overflow
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {where}: it is 1×10³")
    assert "cells/kg, more than any dose can be (at most 1×10⁹ cells/kg" in err


# --- what-if ---------------------------------------------------------------------------------

FIVE_THOUSAND_NINES = "9" * 5000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--weight", "12kg", "--skip", FIVE_THOUSAND_NINES],
            "error: a dose number of 5,000 digits is out of range "
            "(doses are numbered from 1 to at most 10,000)",
        ),
        (
            ["--weight", "12kg", "--delay", f"{FIVE_THOUSAND_NINES}:3"],
            "error: a dose number of 5,000 digits is out of range "
            "(doses are numbered from 1 to at most 10,000)",
        ),
        (
            ["--weight", "12kg", "--delay", "2:999999"],
            "error: a delay of 999,999 days (dose 2) is out of range: at most 36,525 days "
            "(100 years) (write the days the dose moves later, e.g. 5)",
        ),
        (
            ["--weights", f"0:12kg,{FIVE_THOUSAND_NINES}:13kg"],
            "error: a weight on a day of 5,000 digits is out of range "
            "(give the day of each weight from the first dose, at most 36,525)",
        ),
        (
            ["--weights", "0:12kg,99999:13kg"],
            "error: a weight on day 99,999 is out of range: at most 36,525 days (100 years) "
            "from the first dose (give the day of each weight from the first dose, e.g. 28)",
        ),
        (
            ["--weight", "1e309kg", "--skip", "2"],
            "error: the weight '1e309kg' is out of range (write it like 12kg or 26.5lb)",
        ),
    ],
    ids=["skip-5000-digits", "delay-dose-5000-digits", "delay-999999", "weight-day-5000-digits",
         "weight-day-99999", "weight-1e309"],
)  # fmt: skip
def test_absurd_what_if_values_are_refused(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *JANG, *extra)
    assert (code, out, err) == (2, "", message + "\n")
