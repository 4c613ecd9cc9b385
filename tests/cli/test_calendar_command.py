"""`celldose dose`, `parse`, `show` and `simulate` with weekday patterns and interval ranges.

Dates worked out by hand from a calendar (2026-01-01 is a Thursday; January has 31 days).
"""

from __future__ import annotations

import json

import pytest

from celldose.cli import main

DOG = ["--species", "dog", "--weight", "12kg"]
MON_THU = "1×10⁶ cells/kg on Mondays and Thursdays ×6"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_course_across_a_month_end(capsys: pytest.CaptureFixture[str]) -> None:
    # Thu 2026-01-29, Mon 02-02, Thu 02-05, Mon 02-09, Thu 02-12, Mon 02-16; 12 kg × 1×10⁶ =
    # 1.2×10⁷ cells each, 7.2×10⁷ in all; nothing moved, so no note
    code, out, err = run(
        capsys, "dose", "--regimen", MON_THU, *DOG, "--start", "2026-01-29", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert [d["date"] for d in data["doses"]] == [
        "2026-01-29",
        "2026-02-02",
        "2026-02-05",
        "2026-02-09",
        "2026-02-12",
        "2026-02-16",
    ]
    assert [d["weekday"] for d in data["doses"]] == ["Thu", "Mon", "Thu", "Mon", "Thu", "Mon"]
    assert [d["day"] for d in data["doses"]] == [0, 4, 7, 11, 14, 18]
    assert data["totals"][0]["total_cells"] == 72_000_000
    assert not any("moved" in w for w in data["warnings"])


def test_a_saturday_start_is_moved_and_the_output_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "dose", "--regimen", MON_THU, *DOG, "--start", "2026-01-31")
    assert code == 0, err
    assert "1      1    0  2026-02-02 Mon" in out
    assert "6      1   17  2026-02-19 Thu" in out  # Feb 2 + 17 days, a Thursday
    moved = "first dose moved from Sat 2026-01-31 to Mon 2026-02-02, the first listed weekday"
    assert f"warning: {moved}" in out


def test_a_listed_saturday_is_not_moved_as_a_weekend_dose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # from Wed 2026-01-07: Wed 01-07, Sat 01-10, Wed 01-14, Sat 01-17, all kept
    code, out, err = run(
        capsys,
        "dose",
        "--regimen",
        "1e6 cells/kg on Wednesdays and Saturdays ×4",
        *DOG,
        "--start",
        "2026-01-07",
        "--weekends",
        "next-weekday",
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert [d["date"] for d in data["doses"]] == [
        "2026-01-07",
        "2026-01-10",
        "2026-01-14",
        "2026-01-17",
    ]
    assert all(d["moved_from"] is None for d in data["doses"])
    assert not any("weekend" in w for w in data["warnings"])


def test_an_interval_range_shows_the_latest_and_the_earliest_schedules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # from Mon 2026-01-05: latest 01-05, 07-05, 2027-01-05 (days 0, 181, 365);
    # earliest 01-05, 04-05, 07-05 (days 0, 90, 181)
    code, out, err = run(
        capsys,
        "dose",
        "--regimen",
        "1e6 cells/kg every 3 to 6 months ×3",
        *DOG,
        "--start",
        "2026-01-05",
    )
    assert code == 0, err
    assert "minimum schedule (longest interval, every 6 months: the latest dates):" in out
    assert "maximum schedule (shortest interval, every 3 months: the earliest dates):" in out
    assert "3      1  365  2027-01-05 Tue" in out
    assert "2      1   90  2026-04-05 Sun weekend" in out
    code, out, err = run(
        capsys,
        "dose",
        "--regimen",
        "1e6 cells/kg every 3 to 6 months ×3",
        *DOG,
        "--start",
        "2026-01-05",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert data["range"] is True
    by_schedule = {
        s: [d["date"] for d in data["doses"] if d["schedule"] == s] for s in ("min", "max")
    }
    assert by_schedule == {
        "min": ["2026-01-05", "2026-07-05", "2027-01-05"],
        "max": ["2026-01-05", "2026-04-05", "2026-07-05"],
    }


def test_simulate_picks_a_side_of_an_interval_range(capsys: pytest.CaptureFixture[str]) -> None:
    regimen = "1e6 cells/kg every 3 to 6 months ×3"
    args = ["simulate", "--regimen", regimen, *DOG, "--start", "2026-01-05", "--skip", "2"]
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err == (
        "error: regimen arm regimen is a range (1×10⁶ cells/kg every 3 to 6 months ×3) "
        "(choose --schedule min (the least dosing: fewest doses a week, longest interval) or "
        "--schedule max (the most))\n"
    )
    code, out, err = run(capsys, *args, "--schedule", "min")
    assert code == 0, err
    assert "3      1  given           365  365  2027-01-05 Tue" in out


def test_refusals_exit_2_with_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "parse", "1e6 cells/kg on T and Fri ×3")
    assert code == 2 and out == ""
    assert err == (
        "error: regimen '1e6 cells/kg on T and Fri ×3' 'T' at character 17: is ambiguous "
        "(write one of: Tue (Tuesday); Thu (Thursday))\n"
    )
    code, out, err = run(
        capsys, "dose", "--regimen", "1e6 cells/kg twice weekly on Mon, Wed and Fri ×3", *DOG
    )
    assert code == 2 and out == ""
    assert err == (
        "error: regimen '1e6 cells/kg twice weekly on Mon, Wed and Fri ×3' at characters 1-48: "
        "2 doses a week do not match the 3 weekdays listed (Mon, Wed and Fri): list one weekday "
        "per dose a week\n"
    )
    code, out, err = run(capsys, "parse", "1e6 cells/kg every 6 to 3 months ×3")
    assert code == 2
    assert err == (
        "error: regimen '1e6 cells/kg every 6 to 3 months ×3' 'every 6 to 3 months' at "
        "characters 14-32: an interval range needs its shorter interval first (got 6 months to "
        "3 months); for a single interval write every: 6 months\n"
    )


def test_parse_says_what_day_0_is(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "parse", MON_THU)
    assert code == 0
    assert "note: weekdays: day 0 is taken as a Monday; give a start date for the real days" in out
    code, out, _ = run(capsys, "parse", MON_THU, "--start", "2026-01-04", "--format", "json")
    data = json.loads(out)
    assert data["start"] == "2026-01-05"
    assert data["days"] == [0, 3, 7, 10, 14, 17]
    assert data["weekdays_note"] == (
        "first dose moved from Sun 2026-01-04 to Mon 2026-01-05, the first listed weekday"
    )
    assert data["phases"][0]["weekdays"] == ["Monday", "Thursday"]


def test_a_protocol_file_with_weekdays_and_an_interval_range(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "clinic.yaml"
    path.write_text(
        "id: clinic-weekdays\n"
        "title: weekday clinic\n"
        "species: dog\n"
        "indication: test\n"
        "product: {name: cAT-MSC, tissue_source: adipose, donor: allogeneic, "
        "origin_species: dog}\n"
        "route: IV\n"
        "dose: 1×10⁶ cells/kg\n"
        "arms:\n"
        "  - name: a\n"
        "    regimen:\n"
        "      phases:\n"
        "        - {weekdays: [Mon, Thursday], count: 6}\n"
        "        - {every: 3 to 6 months, count: 2}\n"
        "reference: {citation: not reported}\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "check", str(path))
    assert code == 0, err
    # from Sat 2026-01-31: Mon 02-02 ... Thu 02-19 (day 17); the next dose would be Mon 02-23
    # (day 21), phase 2's start; 6 calendar months later is 08-23: Feb 23 -> Mar 23 28 days,
    # -> Apr 23 31, -> May 23 30, -> Jun 23 31, -> Jul 23 30, -> Aug 23 31 = 181; day 202
    code, out, err = run(capsys, "show", str(path), "--start", "2026-01-31")
    assert code == 0, err
    assert "min schedule: 8 doses on days 0, 3, 7, 10, 14, 17, 21, 202" in out
    assert "note: first dose moved from Sat 2026-01-31 to Mon 2026-02-02" in out


def test_a_branch_on_weekdays_starts_on_its_first_listed_weekday(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # from Sat 2026-01-31: Mon 02-02, Thu 02-05, Mon 02-09, Thu 02-12 (day 10); assessment on
    # day 14 = Mon 02-16; the branch (start not reported: from the assessment day) on Tue/Fri
    # starts Tue 02-17 (day 15), then Fri 02-20 (day 18)
    regimen = (
        "1e6 cells/kg on Mondays and Thursdays ×4; assess on day 14; "
        "if partial response: on Tue and Fri ×2"
    )
    code, out, err = run(
        capsys, "dose", "--regimen", regimen, *DOG, "--start", "2026-01-31", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert [d["date"] for d in data["doses"]] == [
        "2026-02-02",
        "2026-02-05",
        "2026-02-09",
        "2026-02-12",
    ]
    assert data["assessment"]["date"] == "2026-02-16"
    branch = data["branches"][0]
    assert [(d["day"], d["date"]) for d in branch["doses"]] == [
        (15, "2026-02-17"),
        (18, "2026-02-20"),
    ]
    assert "on its first listed weekday (Tue and Fri) on or after it" in branch["start_note"]


def test_check_refuses_a_bad_weekday_and_a_reversed_range_with_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "bad.yaml"
    path.write_text(
        "id: clinic-bad\n"
        "title: bad calendars\n"
        "species: dog\n"
        "indication: test\n"
        "product: {name: cAT-MSC, tissue_source: adipose, donor: allogeneic, "
        "origin_species: dog}\n"
        "route: IV\n"
        "dose: 1×10⁶ cells/kg\n"
        "arms:\n"
        "  - name: a\n"
        "    regimen:\n"
        "      phases:\n"
        "        - {weekdays: [Mon, Tu], count: 6}\n"
        "        - {every: {min: 6 months, max: 3 months}, count: 2}\n"
        "reference: {citation: not reported}\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "check", str(path))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"{path}:12:11: arms[0].regimen.phases[0]: 'Tu' is too short to be read as a weekday "
        "(write Tue or Tuesday)",
        f"{path}:13:19: arms[0].regimen.phases[1].every: an interval range needs its shorter "
        "interval first (got 6 months to 3 months); for a single interval write every: 6 months",
    ]
