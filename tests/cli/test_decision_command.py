"""`celldose dose` on a protocol with a decision (the Ryoncil label fixture): the course, the
assessment window as dates, a section per branch, --branch, and the JSON and CSV forms.

Hand arithmetic as in tests/simulator/dosing/test_decision_plan.py: 4×10⁷ cells a dose for
20 kg; day 28 ± 2 from Monday 2026-01-05 is 2026-01-31 to 2026-02-04; the branches start on
day 28 (2026-02-02).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from celldose.cli import main

RYONCIL = str(Path(__file__).resolve().parents[1] / "fixtures" / "ryoncil-label.yaml")
ARGS = [RYONCIL, "--weight", "20kg", "--start", "2026-01-05"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["dose", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_has_the_decision_and_a_section_per_branch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, *ARGS)
    assert code == 0
    lines = out.splitlines()
    assert (
        "course: 8 doses, 3.2×10⁸ cells in total, 47.9 mL, 16 vials (leftover 8.61×10⁷ cells "
        "unused), last dose on day 24"
    ) in lines  # 8 × 5.988 mL = 47.9 mL; 8 × 2 vials; 8 × (2 × 2.5384×10⁷ − 4×10⁷) left
    assert (
        "decision: assess on day 28 ± 2 (2026-02-02 ± 2 days: 2026-01-31 to 2026-02-04) "
        "after the first dose"
    ) in lines
    assert "  complete response: no further treatment" in lines
    assert "branch partial-or-mixed-response: if partial or mixed response" in lines
    assert "branch recurrence-after-complete-response: if recurrence after complete response" in (
        lines
    )
    assert (
        "  share from the source: 22/54 (day-28 partial response, pivotal study MSB-GVHD001; "
        "mixed responses are not reported separately)"
    ) in lines
    assert any(
        line.startswith("  optional, not in the course; starts day 28 (2026-02-02), assumed")
        for line in lines
    )
    # dose 12, the partial branch's last: Monday 2026-02-23, cumulative 12 × 4×10⁷
    assert any(
        line.split()[:5] == ["12", "2", "49", "2026-02-23", "Mon"] and "4.8×10⁸ cells" in line
        for line in lines
    )
    assert (
        "branch: 4 doses, 1.6×10⁸ cells; with the course, 4.8×10⁸ cells in total, last dose on "
        "day 49"
    ) in lines
    assert (
        "branch: 8 doses, 3.2×10⁸ cells; with the course, 6.4×10⁸ cells in total, last dose on "
        "day 52"
    ) in lines


def test_branch_adds_it_to_the_course(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *ARGS, "--branch", "partial-or-mixed-response")
    assert code == 0
    lines = out.splitlines()
    # 12 × 5.988 mL = 71.9 mL; 24 vials
    assert any(
        line.startswith("course: 12 doses, 4.8×10⁸ cells in total, 71.9 mL, 24 vials")
        for line in lines
    )
    assert "  doses 9–12 of the course above" in lines
    assert any(line.startswith("  included in the course above; starts day 28") for line in lines)
    assert any(
        line.startswith(
            "warning: branch partial-or-mixed-response starts day 28 (2026-02-02), assumed"
        )
        for line in lines
    )


def test_an_unknown_branch_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *ARGS, "--branch", "complete-response")
    assert code == 2 and out == ""
    assert err.strip() == (
        "error: the regimen (ryoncil-label, arm label) has no branch 'complete-response' "
        "(choose one of: partial-or-mixed-response, recurrence-after-complete-response)"
    )


def test_branch_without_a_decision_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "chen2024-itp-ucmsc", "--arm", "expansion-2.0", "--weight", "70kg", "--branch", "x"
    )
    assert code == 2 and out == ""
    assert err.strip() == (
        "error: the regimen (chen2024-itp-ucmsc, arm expansion-2.0) has no decision, so no "
        "branch 'x' (drop --branch)"
    )


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *ARGS, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert len(data["doses"]) == 8
    assert data["assessment"]["date"] == "2026-02-02"
    assert [b["name"] for b in data["branches"]] == [
        "partial-or-mixed-response",
        "recurrence-after-complete-response",
    ]
    assert [len(b["doses"]) for b in data["branches"]] == [4, 8]
    assert data["branches"][1]["share"] is None


def test_csv_rows_carry_the_branch(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *ARGS, "--format", "csv", "--branch", "partial-or-mixed-response")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    # the course (8 + the 4 of the chosen branch), then the 8 of the other branch
    assert len(rows) == 20
    assert [r["in_course"] for r in rows] == ["True"] * 12 + ["False"] * 8
    assert [r["branch"] for r in rows] == (
        [""] * 8 + ["partial-or-mixed-response"] * 4 + ["recurrence-after-complete-response"] * 8
    )
    assert rows[8]["date"] == "2026-02-02" and rows[12]["date"] == "2026-02-02"


def simulate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["simulate", RYONCIL, "--patients", "10", "--weight", "20kg", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_asks_for_a_share_the_source_does_not_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = simulate(capsys)
    assert code == 2 and out == ""
    assert err.strip() == (
        "error: the source does not report the share of patients who enter branch "
        "recurrence-after-complete-response (ryoncil-label arm label, if recurrence after "
        "complete response) (give it with --branch-share "
        '"recurrence-after-complete-response=<0 to 1>")'
    )


def test_simulate_with_branch_shares(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = simulate(
        capsys,
        "--branch-share",
        "partial-or-mixed-response=1",
        "--branch-share",
        "recurrence-after-complete-response=0",
    )
    assert code == 0
    lines = out.splitlines()
    assert (
        "branch partial-or-mixed-response (if partial or mixed response): share 1, given with "
        "--branch-share, replaces the share from the source 22/54 (day-28 partial response, "
        "pivotal study MSB-GVHD001; mixed responses are not reported separately); 10 of 10 "
        "patients drawn into it"
    ) in lines
    # 10 patients × 12 doses × 4×10⁷ cells; 10 × 24 vials
    assert "cohort total: 4.8×10⁹ cells dosed to 10 patients" in lines
    assert any(line.startswith("  cells thawed:  240 vials × ") for line in lines)


def test_show_lists_the_branches(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["show", RYONCIL])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert "  decision: assess on day 28 ± 2 after the first dose" in lines
    assert (
        "  branch partial-or-mixed-response: if partial or mixed response; start not reported: "
        "planned from the assessment day (labelled as assumed)"
    ) in lines
    assert "    phase 2: every 1 week, 4 doses" in lines
    assert "    doses 9–12 on days 28, 35, 42, 49" in lines
    assert "    doses 9–16 on days 28, 31, 35, 38, 42, 45, 49, 52" in lines


def test_check_parse_compare_and_plot_take_a_decision(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["check", RYONCIL]) == 0
    shorthand = (
        "2×10⁶ cells/kg twice weekly for 4 weeks; assess on day 28 ± 2; "
        "if partial or mixed response: weekly ×4"
    )
    assert main(["parse", shorthand, "--start", "2026-01-05"]) == 0
    out = capsys.readouterr().out
    assert "  doses 9–12 on days 28, 35, 42, 49" in out.splitlines()
    assert main(["compare", RYONCIL, "qi2017-sjogren-thrombocytopenia", "--weight", "20kg"]) == 0
    out = capsys.readouterr().out
    assert (
        "note: the course stops at a decision; its branches are not counted in the totals: "
        "ryoncil-label.label"
    ) in out.splitlines()
    figure = tmp_path / "ryoncil.svg"
    assert main(["plot", RYONCIL, "--weight", "20kg", "-o", str(figure)]) == 0
    svg = figure.read_text()
    assert 'id="branch-ryoncil-label.label-partial-or-mixed-response"' in svg
    assert 'id="assessment-ryoncil-label.label"' in svg


def test_calendar_events_of_a_chosen_branch_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *ARGS, "--branch", "partial-or-mixed-response", "--format", "ics")
    assert code == 0
    assert out.count("BEGIN:VEVENT") == 13  # 8 + 4 doses, and the assessment window
    unfolded = out.replace("\r\n ", "")
    assert (
        unfolded.count("Branch partial-or-mixed-response: given only if its condition is met") == 4
    )


def test_the_calendar_has_the_assessment_window(capsys: pytest.CaptureFixture[str]) -> None:
    from icalendar import Calendar

    code, out, _ = run(capsys, *ARGS, "--branch", "partial-or-mixed-response", "--format", "ics")
    assert code == 0
    events = Calendar.from_ical(out).walk("VEVENT")
    summaries = [str(e["summary"]) for e in events]
    # in date order: the course's 8 doses (to 2026-01-29), the window, the branch's 4 doses
    assert summaries[7:10] == [
        "human child 20 kg: IV infusion 8 of 12 (ryoncil-label)",
        "human child 20 kg: assess day 28 ± 2 after the first dose (ryoncil-label)",
        "human child 20 kg: IV infusion 9 of 12 (ryoncil-label)",
    ]
    window = events[8]
    # day 28 ± 2 from Mon 2026-01-05: 2026-01-31 to 2026-02-04, all day (DTEND is exclusive)
    assert window.decoded("dtstart") == dt.date(2026, 1, 31)
    assert window.decoded("dtend") == dt.date(2026, 2, 5)
    assert str(window["description"]).splitlines() == [
        "Assessment window: day 28 ± 2 (2026-02-02 ± 2 days: 2026-01-31 to 2026-02-04) after "
        "the first dose",
        "If partial or mixed response: branch partial-or-mixed-response (its doses are in this "
        "calendar)",
        "If recurrence after complete response: branch recurrence-after-complete-response (not "
        "in this calendar)",
        "Complete response: no further treatment",
        "No response: consider alternative treatments",
    ]
    code, out, _ = run(capsys, *ARGS, "--format", "ics")  # no branch chosen: the window last
    summaries = [str(e["summary"]) for e in Calendar.from_ical(out).walk("VEVENT")]
    assert summaries[-1] == (
        "human child 20 kg: assess day 28 ± 2 after the first dose (ryoncil-label)"
    )
    assert len(summaries) == 9


def test_a_branch_dose_of_its_own_is_labelled_with_its_basis(
    capsys: pytest.CaptureFixture[str],
) -> None:
    regimen = "2e6 cells/kg weekly ×4; assess on day 28; if partial: 1e6 cells/kg weekly ×2"
    code, out, _ = run(capsys, "--regimen", regimen, "--species", "dog", "--weight", "10kg")
    assert code == 0
    lines = out.splitlines()
    assert "  basis: 1×10⁶ cells/kg (per kg) for 10 kg" in lines
    # 1×10⁶ × 10 kg = 1×10⁷ cells a branch dose; 4 × 2×10⁷ + 2 × 1×10⁷ = 1×10⁸ with the course
    assert (
        "branch: 2 doses, 2×10⁷ cells; with the course, 1×10⁸ cells in total, last dose on day 35"
    ) in lines


def test_a_whatif_says_the_branches_are_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", RYONCIL, "--weight", "20kg", "--skip", "2"]) == 0
    out = capsys.readouterr().out
    assert (
        "warning: the course stops at a decision (assessment on day 28); its branches are not "
        "part of this what-if"
    ) in out.splitlines()


def test_a_one_dose_branch_is_named_in_the_singular(capsys: pytest.CaptureFixture[str]) -> None:
    # weekly ×2: doses 1 and 2 on days 0 and 7; the branch's one dose is dose 3, on the
    # assessment day 14
    regimen = "2×10⁶ cells/kg weekly ×2; assess on day 14; if a: once"
    code, out, _ = run(capsys, "--regimen", regimen, "--species", "dog", "--weight", "10kg",
                       "--branch", "a")  # fmt: skip
    assert code == 0
    assert "  dose 3 of the course above" in out.splitlines()
    assert main(["parse", regimen]) == 0
    assert "  dose 3 on day 14" in capsys.readouterr().out.splitlines()
