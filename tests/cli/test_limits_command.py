"""`celldose dose` and `celldose show` with limits (issue 10, rule 3): what a user sees.

Expected numbers are worked out by hand in comments; refusals: exit code 2 and the exact line.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from celldose.cli import main

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ryoncil-label.yaml"
CAPPED = ["--regimen", "2×10⁶ cells/kg weekly ×2; max per dose 2×10⁸ cells", "--species", "human"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_labels_the_cap(capsys: pytest.CaptureFixture[str]) -> None:
    # 2×10⁶ × 120 kg = 2.4×10⁸ → 2×10⁸; course 2 × 2×10⁸ = 4×10⁸
    code, out, _ = run(capsys, "dose", *CAPPED, "--weight", "120kg")
    assert code == 0
    assert "limits: max per dose 2×10⁸ cells (cap)\n" in out
    assert out.count("2×10⁸ cells (capped)") == 2
    assert "course: 2 doses, 4×10⁸ cells in total" in out
    assert "warning: doses 1–2 capped at 2×10⁸ cells (max per dose)" in out
    assert "2.4×10⁸" not in out


def test_refuse_exits_2_with_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    regimen = "2×10⁶ cells/kg weekly ×2; max per dose 2×10⁸ cells (refuse)"
    target = tmp_path / "plan.json"
    code, out, err = run(
        capsys,
        "dose",
        "--regimen",
        regimen,
        "--species",
        "human",
        "--weight",
        "120kg",
        "--format",
        "json",
        "-o",
        str(target),
    )
    assert (code, out) == (2, "")
    # 2.4×10⁸ - 2×10⁸ = 4×10⁷ = 20% of 2×10⁸
    assert err == (
        "error: dose 1 (2.4×10⁸ cells) is over the max per dose of 2×10⁸ cells by 4×10⁷ cells "
        "(20%), and the protocol refuses such a dose (check the weight and the dose, or give a "
        "smaller --dose)\n"
    )
    assert not target.exists()


def test_json_csv_and_calendar_carry_the_label(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "dose", *CAPPED, "--weight", "120kg", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [d["cells"] for d in data["doses"]] == [2e8, 2e8]
    assert {d["capped_by"] for d in data["doses"]} == {"max per dose"}
    assert {d["cap_note"] for d in data["doses"]} == {"capped at 2×10⁸ cells (max per dose)"}
    assert data["limits"] == [
        {
            "max_per_dose": 2e8,
            "action": "cap",
            "label": "max per dose 2×10⁸ cells (cap)",
            "source": "protocol",
        }
    ]
    code, out, _ = run(capsys, "dose", *CAPPED, "--weight", "120kg", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["capped_by"], r["cap_note"], r["capped"]) for r in rows] == [
        ("max per dose", "capped at 2×10⁸ cells (max per dose)", "True")
    ] * 2
    code, out, _ = run(
        capsys, "dose", *CAPPED, "--weight", "120kg", "--start", "2026-01-05", "--format", "ics"
    )
    unfolded = out.replace("\r\n ", "")
    assert unfolded.count("Capped at 2×10⁸ cells (max per dose)") == 2


def test_course_maximum_lists_the_stopped_dose(capsys: pytest.CaptureFixture[str]) -> None:
    # 2×10⁸ a dose at 100 kg; max 5×10⁸: 2, 2, 1 ×10⁸; dose 4 on day 21 (2026-01-26) stopped
    regimen = "2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells"
    code, out, _ = run(
        capsys,
        "dose",
        "--regimen",
        regimen,
        "--species",
        "human",
        "--weight",
        "100kg",
        "--start",
        "2026-01-05",
    )
    assert code == 0
    assert "1×10⁸ cells (capped)" in out
    assert "course: 3 doses, 5×10⁸ cells in total, last dose on day 14\n" in out
    assert (
        "dose 4 (day 21, 2026-01-26): not given, stopped (max per course 5×10⁸ cells reached)\n"
    ) in out
    assert "warning: dose 3 capped at 1×10⁸ cells (max per course 5×10⁸ cells reached)" in out


def test_weight_cap_basis_line(capsys: pytest.CaptureFixture[str]) -> None:
    regimen = "2×10⁶ cells/kg weekly ×2; dose by weight up to 100 kg"
    code, out, _ = run(
        capsys, "dose", "--regimen", regimen, "--species", "human", "--weight", "120kg"
    )
    assert code == 0
    # 2×10⁶ × 100 kg = 2×10⁸ (not 2.4×10⁸ for 120 kg)
    assert (
        "basis: 2×10⁶ cells/kg (per kg, from --regimen) × 100 kg: dosed at 100 kg (weight cap); "
        "patient weighs 120 kg\n"
    ) in out
    assert out.count("2×10⁸ cells (weight cap)") == 2


def test_cap_flag_keeps_its_label(capsys: pytest.CaptureFixture[str]) -> None:
    # --cap 1.5×10⁸ below the protocol's 2×10⁸: 1.5×10⁸ a dose, labelled as --cap
    code, out, _ = run(capsys, "dose", *CAPPED, "--weight", "120kg", "--cap", "1.5e8 cells")
    assert code == 0
    assert out.count("1.5×10⁸ cells (capped)") == 2
    assert "warning: doses above the cap are capped at 1.5×10⁸ cells" in out


def test_file_limit_needs_its_action(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "ryoncil.yaml"
    text = FIXTURE.read_text(encoding="utf-8")
    path.write_text(text.replace("route: IV\n", "route: IV\nlimits: [{max_per_dose: 3e8 cells}]\n"))
    code, out, err = run(capsys, "dose", str(path), "--weight", "20kg")
    assert (code, out) == (2, "")
    assert err == (
        f"error: {path}:19:10: limits[0]: the limit 'max_per_dose: 3e8 cells' needs its action: "
        "add action: cap (reduce the dose to the limit) or action: refuse (refuse the plan)\n"
    )


def test_file_limit_with_an_unknown_action(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ryoncil.yaml"
    text = FIXTURE.read_text(encoding="utf-8")
    limit = "limits: [{max_per_dose: 3e8 cells, action: truncate}]\n"
    path.write_text(text.replace("route: IV\n", "route: IV\n" + limit), encoding="utf-8")
    code, out, err = run(capsys, "dose", str(path), "--weight", "20kg")
    assert (code, out) == (2, "")
    # line 19, column 44: "limits: [{" is 10 characters, "max_per_dose: 3e8 cells, " 25 and
    # "action: " 8, so the value starts at 10 + 25 + 8 + 1 = 44
    assert err == (
        f"error: {path}:19:44: limits[0].action: a limit's action is cap (reduce the dose to the "
        "limit) or refuse (refuse the plan), not 'truncate'\n"
    )


def test_show_lists_the_limits(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "ryoncil.yaml"
    text = FIXTURE.read_text(encoding="utf-8")
    limit = "limits: [{max_per_course: 4×10⁸ cells, action: cap}]\n"
    path.write_text(text.replace("route: IV\n", "route: IV\n" + limit), encoding="utf-8")
    code, out, _ = run(capsys, "show", str(path))
    assert code == 0
    assert "limits: max per course 4×10⁸ cells (cap)\n" in out


def test_simulate_reports_capped_doses(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("a,80kg\nb,120kg\n", encoding="utf-8")
    # 120 kg: 2.4×10⁸ → 2×10⁸ at both doses: 2 doses capped
    code, out, _ = run(capsys, "simulate", *CAPPED, "--roster", str(roster), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["capped_doses"], data["stopped_doses"]) == (2, 0)


def test_plot_leaves_out_stopped_doses_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    regimen = "2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells"
    target = tmp_path / "course.png"
    code, _, err = run(
        capsys,
        "plot",
        "--regimen",
        regimen,
        "--species",
        "human",
        "--weight",
        "100kg",
        "-o",
        str(target),
    )
    assert code == 0 and target.exists()
    assert "warning: dose 4 not given: stopped, max per course 5×10⁸ cells reached" in err


def test_parse_shows_the_limits(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "parse", "2e6 cells/kg weekly ×4; max per course: 6e8 cells (refuse)"
    )
    assert code == 0
    assert "limits: max per course 6×10⁸ cells (refuse)\n" in out
    code, out, _ = run(
        capsys, "parse", "2e6 cells/kg weekly ×4; max per dose 2e8 cells", "--format", "json"
    )
    assert json.loads(out)["limits"] == [{"max_per_dose": 2e8, "action": "cap"}]
