"""`celldose dose --format nonmem`: NONMEM-style dosing records.

Expected records are worked out by hand: TIME = days from the first dose × 24 h, AMT = the dose
per kg × the weight (cells), II = the interval in days × 24, ADDL = doses in the run − 1.
Refusals: exit code 2, one line, nothing written. pharmpy reads these files back in
tests/interop/test_nonmem_pharmpy.py (marker ``interop``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.cli import main
from celldose.protocols import OptionError, protocol_from_regimen
from celldose.simulator.dosing import ascii_text, make_identity, nonmem_records, plan_doses

HEADER = "ID,TIME,AMT,EVID,CMT,II,ADDL,MDV"
JANG = ["jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/kg"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["dose", *args])
    out, err = capsys.readouterr()
    return code, out, err


def records(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """The data lines (the header and the records), after the ``#`` comments."""
    code, out, err = run(capsys, *args, "--format", "nonmem")
    assert code == 0, err
    lines = out.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    assert lines[: len(comments)] == comments  # every comment comes first
    return lines[len(comments) :]


def comments(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    code, out, err = run(capsys, *args, "--format", "nonmem")
    assert code == 0, err
    return [line for line in out.splitlines() if line.startswith("#")]


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, ""), (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0].removeprefix("error: ")


def test_q4w_x8_is_one_record(capsys: pytest.CaptureFixture[str]) -> None:
    # 1×10⁶ cells/kg × 12 kg = 1.2×10⁷ cells; q4w: II = 28 d × 24 h = 672; ×8: ADDL 7
    assert records(capsys, *JANG) == [HEADER, "1,0,12000000.0,1,1,672,7,1"]


def test_expand_writes_one_record_per_dose(capsys: pytest.CaptureFixture[str]) -> None:
    # days 0, 28, …, 196: TIME 0, 672, …, 4704 (196 × 24)
    lines = records(capsys, *JANG, "--expand")
    assert lines[0] == HEADER
    assert lines[1:] == [f"1,{672 * k},12000000.0,1,1,0,0,1" for k in range(8)]


def test_the_comments_give_the_id_map_units_and_protocol(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = comments(capsys, *JANG, "--start", "2026-12-01")
    assert "# $INPUT ID TIME AMT EVID CMT II ADDL MDV" in lines
    assert lines[2].startswith("# units: TIME and II in hours from each ID's first dose")
    assert "# ID 1: no patient id given; dog, 12 kg, first dose 2026-12-01 (TIME 0)" in lines
    assert "# ID 1: protocol jang2025-canine-itp, arm msc: 1x10^6 cells/kg q4w x8; route IV" in (
        lines
    )
    assert "# ID 1: no RATE: the source reports no duration or rate of an administration" in lines
    assert all(line.isascii() for line in lines)


def test_twice_weekly_is_expanded_and_the_weekly_phase_compressed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # twice weekly ×4: days 0, 3, 7, 10 (gaps 3 and 4: one record each); then weekly ×2 from
    # where the next dose would fall, day 14: days 14, 21 -> TIME 336, II 168, ADDL 1.
    # 2×10⁶ cells/kg × 10 kg = 2×10⁷ cells
    lines = records(
        capsys,
        "--regimen",
        "2×10⁶ cells/kg twice weekly ×4 then weekly ×2",
        "--species",
        "dog",
        "--weight",
        "10kg",
    )
    assert lines == [
        HEADER,
        "1,0,20000000.0,1,1,0,0,1",
        "1,72,20000000.0,1,1,0,0,1",
        "1,168,20000000.0,1,1,0,0,1",
        "1,240,20000000.0,1,1,0,0,1",
        "1,336,20000000.0,1,1,168,1,1",
    ]


def test_calendar_months_are_one_record_per_dose(capsys: pytest.CaptureFixture[str]) -> None:
    # monthly from Jan 31: Feb 28 (day 28), Mar 31 (day 59), Apr 30 (day 89):
    # TIME 28 × 24 = 672, 59 × 24 = 1416, 89 × 24 = 2136; 2×10⁶ × 60 kg = 1.2×10⁸ cells
    lines = records(
        capsys, "qi2017-sjogren-thrombocytopenia", "--weight", "60kg", "--start", "2026-01-31"
    )
    assert lines == [
        HEADER,
        "1,0,120000000.0,1,1,0,0,1",
        "1,672,120000000.0,1,1,0,0,1",
        "1,1416,120000000.0,1,1,0,0,1",
        "1,2136,120000000.0,1,1,0,0,1",
    ]


def test_a_phase_with_a_weekend_move_is_one_record_per_dose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # q10d ×3 from Mon 2026-01-05: days 0, 10 (Thu), 20 (Sun 01-25, moved to Mon 01-26: day 21)
    lines = records(
        capsys,
        "--regimen",
        "1e6 cells/kg q10d ×3",
        "--species",
        "dog",
        "--weight",
        "10kg",
        "--start",
        "2026-01-05",
        "--weekends",
        "next-weekday",
    )
    assert lines == [
        HEADER,
        "1,0,10000000.0,1,1,0,0,1",
        "1,240,10000000.0,1,1,0,0,1",
        "1,504,10000000.0,1,1,0,0,1",
    ]


def test_rate_from_the_sources_duration(capsys: pytest.CaptureFixture[str]) -> None:
    # Lanzoni 2021: 1×10⁸ cells on days 0 and 3, over 10 ± 5 min: RATE = 1×10⁸ / (10/60 h)
    # = 6×10⁸ cells/h; explicit days: one record each (TIME 0 and 3 × 24 = 72)
    out = records(capsys, "lanzoni2021-covid-ards-ucmsc", "--weight", "70kg")
    assert out == [
        HEADER + ",RATE",
        "1,0,100000000.0,1,1,0,0,1,600000000.0",
        "1,72,100000000.0,1,1,0,0,1,600000000.0",
    ]
    notes = comments(capsys, "lanzoni2021-covid-ards-ucmsc", "--weight", "70kg")
    assert (
        "# ID 1: RATE: AMT over the source's duration of 10 min (reported 10 +/- 5 min: its "
        "nominal value)"
    ) in notes


def test_a_course_maximum_splits_the_run_and_names_the_stopped_dose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 2×10⁶ × 100 kg = 2×10⁸ a dose; max 5×10⁸: doses 1-2 full (4×10⁸), dose 3 capped at
    # 1×10⁸, dose 4 stopped
    args = [
        "--regimen",
        "2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells",
        "--species",
        "human",
        "--weight",
        "100kg",
    ]
    assert records(capsys, *args) == [
        HEADER,
        "1,0,200000000.0,1,1,168,1,1",
        "1,336,100000000.0,1,1,0,0,1",
    ]
    assert "# ID 1: dose 4 is not a record: stopped by a course maximum" in comments(capsys, *args)


def test_only_the_course_and_a_chosen_branch_are_records(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ryoncil = ["ryoncil2024-pediatric-sr-agvhd-remestemcel", "--weight", "20kg"]
    # twice weekly (at least 3 days apart) for 4 weeks: days 0, 3, 7, … 24: 8 records;
    # 2×10⁶ × 20 kg = 4×10⁷ cells
    course = records(capsys, *ryoncil)
    assert len(course) == 1 + 8
    assert course[-1] == "1,576,40000000.0,1,1,0,0,1"  # day 24 × 24
    notes = comments(capsys, *ryoncil)
    assert (
        "# ID 1: branch partial-or-mixed-response (if partial or mixed response) is not in these "
        "records: only the course is; --branch partial-or-mixed-response adds it"
    ) in notes
    # with the branch: weekly ×4 from the assessment day 28: TIME 672, II 168, ADDL 3
    chosen = records(capsys, *ryoncil, "--branch", "partial-or-mixed-response")
    assert chosen[-1] == "1,672,40000000.0,1,1,168,3,1"
    assert len(chosen) == 1 + 8 + 1


def test_a_dose_range_gives_its_upper_bound_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 1–2×10⁶ cells/kg × 10 kg: upper bound 2×10⁷ cells; weekly ×4: II 168, ADDL 3
    args = ["--regimen", "1–2×10⁶ cells/kg weekly ×4", "--species", "dog", "--weight", "10kg"]
    assert records(capsys, *args) == [HEADER, "1,0,20000000.0,1,1,168,3,1"]
    assert (
        "# ID 1: AMT is the upper bound of the dose range (--dose chooses a target within it)"
    ) in comments(capsys, *args)


AA = ["aa-ucmsc-18", "--weight", "60kg", "--count", "3"]


def test_a_frequency_range_without_schedule_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "doses.csv"
    message = refused(capsys, *AA, "--format", "nonmem", "-o", str(out))
    assert message == (
        "NONMEM-style dosing records follow one schedule, and aa-ucmsc-18 arm uc-msc is a range "
        "(1×10⁶ cells/kg once or twice weekly ×3) (choose --schedule min (the least dosing: "
        "fewest doses a week, longest interval) or --schedule max (the most))"
    )
    assert not out.exists()


def test_a_frequency_range_with_a_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    # min: once weekly ×3: TIME 0, II 168, ADDL 2; 1×10⁶ × 60 kg = 6×10⁷ cells
    assert records(capsys, *AA, "--schedule", "min") == [HEADER, "1,0,60000000.0,1,1,168,2,1"]
    # max: twice weekly: days 0, 3, 7, one record each
    assert records(capsys, *AA, "--schedule", "max") == [
        HEADER,
        "1,0,60000000.0,1,1,0,0,1",
        "1,72,60000000.0,1,1,0,0,1",
        "1,168,60000000.0,1,1,0,0,1",
    ]


def test_calendar_months_without_a_start_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(
        capsys, "qi2017-sjogren-thrombocytopenia", "--weight", "60kg", "--format", "nonmem"
    )
    assert message == (
        "NONMEM-style dosing records give each dose's time from the first dose, and the days of "
        "2×10⁶ cells/kg monthly ×4 depend on its dates (calendar months) (give the first "
        "dose's date with --start YYYY-MM-DD)"
    )


def test_expand_without_nonmem_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(capsys, *JANG, "--expand") == (
        "--expand writes NONMEM-style records one per dose (add --format nonmem)"
    )


def test_the_writer_takes_a_list_of_plans() -> None:
    weekly = protocol_from_regimen("1e6 cells/kg weekly ×2", "dog")
    rex = make_identity("rex-01", patient_name="Rex")
    plans = [plan_doses(weekly, weight="10 kg", identity=rex), plan_doses(weekly, weight="20 kg")]
    data = nonmem_records(plans)
    # 1×10⁶ × 10 kg = 1×10⁷; × 20 kg = 2×10⁷; weekly ×2: II 168, ADDL 1
    assert [r.row() for r in data.records] == [
        {"ID": 1, "TIME": 0, "AMT": 1e7, "EVID": 1, "CMT": 1, "II": 168, "ADDL": 1, "MDV": 1},
        {"ID": 2, "TIME": 0, "AMT": 2e7, "EVID": 1, "CMT": 1, "II": 168, "ADDL": 1, "MDV": 1},
    ]
    assert "ID 1: patient Rex (rex-01); dog, 10 kg (TIME 0)" in data.comments
    assert "ID 2: no patient id given; dog, 20 kg (TIME 0)" in data.comments
    assert data.records[0].times == (0, 168)


def test_plans_with_and_without_a_rate_are_refused_together() -> None:
    lanzoni = plan_doses("lanzoni2021-covid-ards-ucmsc", weight="70 kg")
    chen = plan_doses("chen2024-itp-ucmsc", weight="70 kg", arm="expansion-2.0")
    with pytest.raises(OptionError) as caught:
        nonmem_records([lanzoni, chen])
    assert str(caught.value) == (
        "some plans give an infusion duration or rate and others do not: a RATE of 0 would "
        "claim a bolus the source does not report (write the plans with and without a rate in "
        "separate files)"
    )


def test_ascii_text() -> None:
    assert ascii_text("1×10⁶ cells/m², 10 ± 5 min, ≤ 50 kg, 1–2×10⁻³") == (
        "1x10^6 cells/m^2, 10 +/- 5 min, <= 50 kg, 1-2x10^-3"
    )
    assert ascii_text("Pérez-Merino") == "Perez-Merino"


ROSTER = str(Path(__file__).resolve().parents[2] / "examples" / "clinic-roster.csv")


def test_the_id_map_names_the_patient(capsys: pytest.CaptureFixture[str]) -> None:
    lines = comments(capsys, *JANG, "--patient-id", "2026-0147", "--patient-name", "Rex")
    assert "# ID 1: patient Rex (2026-0147); dog, 12 kg (TIME 0)" in lines


def test_a_clinic_list_numbers_its_patients_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    # the roster: Rex 26.5 lb (26.5 × 0.45359237 = 12.020197805 kg), Bella 8 kg, Max 31.2 kg;
    # 1×10⁶ cells/kg: 12020197.805, 8×10⁶ and 3.12×10⁷ cells; q4w ×8 each
    args = ["jang2025-canine-itp", "--dose", "1e6 cells/kg", "--roster", ROSTER]
    assert records(capsys, *args) == [
        HEADER,
        "1,0,12020197.805,1,1,672,7,1",
        "2,0,8000000.0,1,1,672,7,1",
        "3,0,31200000.0,1,1,672,7,1",
    ]
    lines = comments(capsys, *args)
    assert (
        "# ID 1: patient Rex (2026-0147); dog, 26.5 lb (12.02 kg), first dose 2026-12-01 (TIME 0)"
        in lines
    )
    assert "# ID 3: patient Max (2026-0160); dog, 31.2 kg (TIME 0)" in lines
