"""`celldose dose --schedule min|max`: one side of a frequency or interval range.

A range (``once or twice weekly``, ``every 3 to 6 months``) is planned with both schedules;
``--schedule`` keeps one, in every format (as `simulate --schedule` does). Refusals: exit code 2,
one line, nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from celldose.cli import main
from celldose.protocols import OptionError, protocol_from_regimen
from celldose.simulator.dosing import plan_doses

AA = ["aa-ucmsc-18", "--weight", "60kg", "--count", "3", "--start", "2026-01-05"]
MONTHS = [
    "--regimen",
    "1×10⁶ cells/kg every 3 to 6 months ×3",
    "--species",
    "dog",
    "--weight",
    "12kg",
    "--start",
    "2026-01-05",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["dose", *args])
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, ""), (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0].removeprefix("error: ")


def test_schedule_max_keeps_the_most_dosing_only(capsys: pytest.CaptureFixture[str]) -> None:
    # once or twice weekly ×3, max: twice weekly on days 0 and 3 of each week: days 0, 3, 7
    # (Mon 2026-01-05, Thu 01-08, Mon 01-12); 1×10⁶ cells/kg × 60 kg = 6×10⁷ cells a dose,
    # 3 × 6×10⁷ = 1.8×10⁸ cells in all
    code, out, err = run(capsys, *AA, "--schedule", "max")
    assert code == 0, err
    assert "maximum schedule (most doses a week):" in out
    assert "minimum schedule" not in out
    assert "2026-01-08 Thu" in out
    assert "course: 3 doses, 1.8×10⁸ cells in total, last dose on day 7" in out
    assert out.count("course: ") == 1


def test_schedule_min_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    # min: once weekly: days 0, 7, 14
    data = as_json(capsys, *AA, "--schedule", "min")
    assert data["range"] is True
    assert data["schedule"] == "min"
    assert [d["day"] for d in data["doses"]] == [0, 7, 14]
    assert {d["schedule"] for d in data["doses"]} == {"min"}
    assert [t["schedule"] for t in data["totals"]] == ["min"]
    assert data["totals"][0]["total_cells"] == 1.8e8


def test_without_schedule_a_range_keeps_both_sides(capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(capsys, *AA)
    assert data["range"] is True
    assert data["schedule"] is None
    assert [t["schedule"] for t in data["totals"]] == ["min", "max"]


def test_a_plan_of_one_schedule_has_no_schedule_in_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = as_json(capsys, "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6/kg")
    assert (data["range"], data["schedule"]) == (False, None)


@pytest.mark.parametrize(
    ("which", "dates"),
    [
        # min: the longest interval, every 6 months: Jan 5, Jul 5, Jan 5 next year
        ("min", ["2026-01-05", "2026-07-05", "2027-01-05"]),
        # max: the shortest, every 3 months: Jan 5, Apr 5, Jul 5
        ("max", ["2026-01-05", "2026-04-05", "2026-07-05"]),
    ],
)
def test_schedule_of_an_interval_range(
    capsys: pytest.CaptureFixture[str], which: str, dates: list[str]
) -> None:
    data = as_json(capsys, *MONTHS, "--schedule", which)
    assert [d["date"] for d in data["doses"]] == dates


def test_schedule_for_a_plan_of_one_schedule_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    message = refused(
        capsys,
        "jang2025-canine-itp",
        "--weight",
        "12kg",
        "--dose",
        "1e6/kg",
        "--schedule",
        "min",
        "-o",
        str(out),
    )
    assert message == (
        "--schedule picks one side of a range; jang2025-canine-itp arm msc has one schedule "
        "(1×10⁶ cells/kg q4w ×8) (leave it out)"
    )
    assert not out.exists()


def test_a_calendar_of_a_range_needs_a_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, *AA, "--format", "ics")
    assert message == (
        "a frequency range has a minimum and a maximum schedule, not one calendar (choose one "
        "with --schedule min or --schedule max, or use --format table or json to see both)"
    )
    code, out, err = run(capsys, *AA, "--format", "ics", "--schedule", "max")
    assert code == 0, err
    assert out.count("BEGIN:VEVENT") == 3
    assert "DTSTART;VALUE=DATE:20260108" in out  # the max schedule's second dose


def test_with_schedule_picks_the_branches_side_too() -> None:
    ranged = protocol_from_regimen(
        "1e6 cells/kg once or twice weekly ×4; assess on day 28; if relapse: weekly ×2", "dog"
    )
    plan = plan_doses(ranged, weight="10 kg", start="2026-01-05")
    assert plan.with_schedule(None) is plan
    maximum = plan.with_schedule("max")
    # twice weekly ×4: days 0, 3, 7, 10; the branch from the assessment, day 28, weekly ×2
    assert [d.day for d in maximum.doses] == [0, 3, 7, 10]
    assert [len(b.schedules) for b in maximum.branches] == [1]
    assert maximum.branches[0].schedules[0].which == "max"
    assert [d.day for d in maximum.branches[0].schedules[0].doses] == [28, 35]
    assert maximum.with_schedule("max") is maximum
    with pytest.raises(OptionError) as caught:
        maximum.with_schedule("min")
    assert str(caught.value) == (
        "this plan keeps the max schedule of 1×10⁶ cells/kg once or twice weekly ×4; assess on "
        "day 28; if relapse: weekly ×2 only (plan the doses again to keep the other)"
    )
