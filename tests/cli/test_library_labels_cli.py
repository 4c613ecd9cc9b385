"""The Ryoncil and Alofisel library files through every command: check, show, dose (table,
JSON, calendar), plot and compare. Hand arithmetic in tests/protocols/test_library_labels.py:
Ryoncil 20 kg: 2×10⁶ × 20 = 4×10⁷ cells a dose on days 0, 3, 7, 10, 14, 17, 21, 24 from
2026-01-05; day 28 ± 2 = 2026-01-31 to 2026-02-04. Alofisel 70 kg: 4 × 30×10⁶ = 1.2×10⁸ cells,
24 mL, 1.71×10⁶ cells/kg.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from celldose.cli import main

RYONCIL = "ryoncil2024-pediatric-sr-agvhd-remestemcel"
ALOFISEL = "alofisel-crohn-perianal-fistula-darvadstrocel"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_issue_11_ryoncil_dose_for_20_kg(capsys: pytest.CaptureFixture[str]) -> None:
    # `celldose dose <ryoncil id> --weight 20kg --start 2026-01-05`: the eight base doses of
    # 4×10⁷ cells, the day-28 assessment (2026-02-02 ± 2 days) and the branches
    code, out, err = run(capsys, "dose", RYONCIL, "--weight", "20kg", "--start", "2026-01-05")
    assert code == 0, err
    lines = out.splitlines()
    assert "patient: human child, 20 kg" in lines
    assert "route: IV infusion (intravenous)" in lines
    assert "  premedication:   corticosteroids and antihistamines" in lines
    base = [
        line.split()
        for line in lines[: lines.index(next(x for x in lines if x.startswith("course:")))]
        if line[:1].isdigit()
    ]
    assert [row[3] for row in base] == [
        "2026-01-05",
        "2026-01-08",
        "2026-01-12",
        "2026-01-15",
        "2026-01-19",
        "2026-01-22",
        "2026-01-26",
        "2026-01-29",
    ]
    assert all(row[5] == "4×10⁷" for row in base)
    assert any(line.startswith("course: 8 doses, 3.2×10⁸ cells in total") for line in lines)
    assert (
        "decision: assess on day 28 ± 2 (2026-02-02 ± 2 days: 2026-01-31 to 2026-02-04) "
        "after the first dose"
    ) in lines
    assert "branch partial-or-mixed-response: if partial or mixed response" in lines
    assert "branch recurrence-after-complete-response: if recurrence after complete response" in (
        lines
    )
    assert not any("share from the source" in line for line in lines)


def test_ryoncil_json_route_and_administration(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "dose", RYONCIL, "--weight", "20kg", "--start", "2026-01-05", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["route"] == "IV"
    assert data["administration"]["rate"] == "not reported"
    assert data["administration"]["final_volume_ml"] == "not reported"
    assert data["assessment"]["date"] == "2026-02-02"
    assert [b["name"] for b in data["branches"]] == [
        "partial-or-mixed-response",
        "recurrence-after-complete-response",
    ]


def test_alofisel_dose_for_70_kg(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "dose", ALOFISEL, "--weight", "70kg", "--start", "2026-01-05")
    assert code == 0, err
    lines = out.splitlines()
    assert "route: intralesional injection" in lines
    assert (
        "basis: the whole content of 4 vials (published): 1.2×10⁸ cells (flat), 1.71×10⁶ "
        "cells/kg for 70 kg, 24 mL"
    ) in lines
    assert "course: 1 dose, 1.2×10⁸ cells in total, 24 mL, 4 vials, last dose on day 0" in lines


def test_alofisel_json_and_calendar_say_intralesional_injection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["dose", ALOFISEL, "--weight", "70kg", "--start", "2026-01-05"]
    _, out, _ = run(capsys, *args, "--format", "json")
    assert json.loads(out)["route"] == "intralesional"
    code, out, _ = run(capsys, *args, "--format", "ics")
    assert code == 0
    unfolded = out.replace("\r\n ", "")  # RFC 5545 folds long lines
    assert f"SUMMARY:human adult 70 kg: intralesional injection 1 of 1 ({ALOFISEL})" in unfolded
    assert "infusion" not in unfolded
    assert "\\nRoute: intralesional\\n" in unfolded  # the word once, not "(intralesional)"


@pytest.mark.parametrize("protocol_id", [RYONCIL, ALOFISEL])
def test_check_and_show(capsys: pytest.CaptureFixture[str], protocol_id: str) -> None:
    code, out, _ = run(capsys, "check", protocol_id)
    assert code == 0
    assert out.startswith(f"ok: {protocol_id}")
    code, out, _ = run(capsys, "show", protocol_id)
    assert code == 0
    assert out.startswith(f"{protocol_id}: ")


def test_show_gives_alofisels_results_at_their_weeks(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "show", ALOFISEL)
    assert (
        "  Combined remission, week 24 [label]: at 24 weeks after the first dose; responders 13/22"
    ) in out.splitlines()


def test_list_shows_both_with_the_species_aligned(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "list")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert lines[RYONCIL].split()[1] == "human-child"
    assert lines[ALOFISEL].split()[1] == "human"
    starts = {line.index(line.split(maxsplit=2)[2]) for line in out.splitlines()}
    assert len(starts) == 1  # every title starts in one column


@pytest.mark.parametrize("protocol_id", [RYONCIL, ALOFISEL])
def test_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str], protocol_id: str) -> None:
    target = tmp_path / "timeline.png"
    # --dpi 100 (matplotlib's screen resolution): every artist is drawn and encoded as at the
    # default 300 dpi, on a ninth of the pixels (a third of the time)
    code, _, err = run(
        capsys, "plot", protocol_id, "--weight", "20kg", "--start", "2026-01-05",
        "--dpi", "100", "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert target.read_bytes().startswith(b"\x89PNG")


def test_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "compare.svg"
    args = ["compare", RYONCIL, ALOFISEL, "--weight", "20kg", "--format", "json"]
    code, out, err = run(capsys, *args, "-o", str(target))
    assert code == 0, err
    rows = {row["protocol"]: row for row in json.loads(out)["rows"]}
    assert rows[RYONCIL]["route"] == "IV"
    assert rows[RYONCIL]["doses"] == 8  # the course only; the branches are not counted
    assert rows[ALOFISEL]["route"] == "intralesional"
    assert rows[ALOFISEL]["window_when"] == "24 weeks after first dose"
    assert target.stat().st_size > 0


def test_a_cohort_of_children_says_children(capsys: pytest.CaptureFixture[str]) -> None:
    # the first human-child study of the library: "100 virtual human childs" before
    code, out, err = run(
        capsys,
        "simulate",
        RYONCIL,
        "--patients",
        "100",
        "--branch-share",
        "partial-or-mixed-response=0.41",
        "--branch-share",
        "recurrence-after-complete-response=0.1",
    )
    assert code == 0, err
    assert "cohort: 100 virtual human children, seed 0" in out


def test_a_cohort_without_the_recurrence_share_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the label reports no share for either branch: never assumed
    code, _, err = run(
        capsys,
        "simulate",
        RYONCIL,
        "--patients",
        "100",
        "--branch-share",
        "partial-or-mixed-response=0.41",
    )
    assert code == 2
    assert "does not report the share of patients who enter branch recurrence-after-" in err
    code, _, err = run(capsys, "simulate", RYONCIL, "--patients", "100")
    assert code == 2
    assert "does not report the share of patients who enter branch partial-or-mixed-" in err
