"""CISS (McIntyre 2018) and Lanzoni 2021 through the CLI: check, show, dose, plot, compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from celldose.cli import main

CISS = "mcintyre2018-ciss-septic-shock-bmmsc"
LANZONI = "lanzoni2021-covid-ards-ucmsc"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", CISS, LANZONI)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"ok: {CISS} ({CISS}, 3 arms)",
        f"ok: {LANZONI} ({LANZONI}, 2 arms)",
    ]


def test_show_ciss(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", CISS)
    assert (code, err) == (0, "")
    assert "limits: max per course 3×10⁸ cells (cap)" in out
    assert "arm escalation-3.0 (dose escalation, n=3)" in out
    assert (
        "  Efficacy: timing not reported (relative to the first dose); responders not reported"
        in out
    )
    assert "doi:10.1164/rccm.201705-1006OC; PubMed 28960096" in out


def test_show_lanzoni(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", LANZONI)
    assert (code, err) == (0, "")
    assert "route: IV\n  duration: 10 ± 5 min\n" in out
    assert "  dose: 1×10⁸ cells\n" in out
    assert "  2 doses on days 0, 3\n" in out
    assert "arm control (control, n=12)" in out
    assert "  dose: control (no cells)\n" in out


def test_dose_ciss_120_kg_is_capped(capsys: pytest.CaptureFixture[str]) -> None:
    # 120 kg × 3×10⁶ cells/kg = 3.6×10⁸ cells > the (secondary) course maximum 3×10⁸: capped
    code, out, err = run(
        capsys, "dose", CISS, "--arm", "escalation-3.0", "--weight", "120kg",
        "--start", "2026-01-05", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["route"] == "IV"
    (dose,) = data["doses"]
    assert dose["cells"] == 3e8
    assert dose["capped_by"] == "max per course"
    assert dose["date"] == "2026-01-05"
    assert data["totals"][0]["total_cells"] == 3e8
    assert [(x["max_per_course"], x["action"]) for x in data["limits"]] == [(3e8, "cap")]


def test_dose_ciss_table_says_capped(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "dose", CISS, "--arm", "escalation-3.0", "--weight", "120kg")
    assert code == 0
    assert "3×10⁸ cells (capped)" in out
    assert "dose 1 capped at 3×10⁸ cells (max per course 3×10⁸ cells reached)" in out + err


def test_dose_ciss_needs_an_arm(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "dose", CISS, "--weight", "70kg")
    assert code == 2
    assert "has 3 arms" in err


def test_dose_lanzoni(capsys: pytest.CaptureFixture[str]) -> None:
    # flat 1×10⁸ cells on days 0 and 3: 2×10⁸ cells in the course
    code, out, err = run(
        capsys, "dose", LANZONI, "--weight", "70kg", "--start", "2026-01-05", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["route"] == "IV"
    assert data["administration"]["duration"] == "10 ± 5 min"
    assert [(d["date"], d["cells"]) for d in data["doses"]] == [
        ("2026-01-05", 1e8),
        ("2026-01-08", 1e8),
    ]
    assert data["totals"][0]["total_cells"] == 2e8


def test_dose_lanzoni_control_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "dose", LANZONI, "--weight", "70kg", "--arm", "control")
    assert (code, out) == (2, "")
    assert err == (
        "error: --arm 'control' of lanzoni2021-covid-ards-ucmsc is a control arm: there are no "
        "cells to dose (choose a treatment arm: --arm <name>)\n"
    )


@pytest.mark.parametrize("protocol_id", [CISS, LANZONI])
def test_plot(protocol_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "figure.svg"
    code, out, err = run(
        capsys, "plot", protocol_id, "--weight", "120kg", "--start", "2026-01-05",
        "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert "route: IV (intravenous)" in out  # the caption, printed (not drawn)
    assert target.read_text("utf-8").startswith("<?xml")


def test_plot_lanzoni_draws_no_control_lane(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "figure.svg"
    assert run(capsys, "plot", LANZONI, "-o", str(target))[0] == 0
    svg = target.read_text("utf-8")
    assert "Lanzoni 2021 (n=12): 1×10⁸ cells on days 0, 3" in svg
    assert "control" not in svg


def test_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "compare.png"
    # --dpi 100 (matplotlib's screen resolution): every artist is drawn and encoded as at the
    # default 300 dpi, on a ninth of the pixels (a third of the time)
    code, out, err = run(
        capsys, "compare", CISS, LANZONI, "--weight", "120kg", "--format", "json",
        "--dpi", "100", "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    rows = {(r["protocol"], r["arm"]): r for r in json.loads(out)["rows"]}
    assert set(rows) == {
        (CISS, "escalation-0.3"),
        (CISS, "escalation-1.0"),
        (CISS, "escalation-3.0"),
        (LANZONI, "msc"),
    }
    assert rows[(CISS, "escalation-3.0")]["total_cells"] == 3e8  # capped: 3.6×10⁸ → 3×10⁸
    assert rows[(CISS, "escalation-0.3")]["total_cells"] == pytest.approx(3.6e7)  # 120 × 0.3×10⁶
    assert rows[(LANZONI, "msc")]["total_cells"] == 2e8
    assert target.stat().st_size > 0


def test_compare_marks_the_capped_dose(capsys: pytest.CaptureFixture[str]) -> None:
    # escalation-3.0 at 120 kg: 3×10⁶ × 120 = 3.6×10⁸ > the course maximum 3×10⁸: capped; the
    # 1.0 arm (1.2×10⁸) is not
    assert main(["compare", "mcintyre2018-ciss-septic-shock-bmmsc", "--weight", "120kg"]) == 0
    rows = {
        line.split()[1]: line
        for line in capsys.readouterr().out.splitlines()
        if "escalation" in line
    }
    assert "3×10⁸ cells (capped)" in rows["escalation-3.0"]
    assert "(capped)" not in rows["escalation-1.0"]
