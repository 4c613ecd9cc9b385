"""Reviewer findings on limits, --cap and rounding (issue 10, round 2): what a user sees.

Expected numbers are worked out by hand in comments; refusals: exit code 2 and the exact line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from celldose.cli import main

FIXTURES = Path(__file__).parents[1] / "fixtures"
ALOFISEL = FIXTURES / "alofisel-label.yaml"  # the whole content of 4 vials of 3×10⁷ cells


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- 1. a whole-container dose cannot be capped -------------------------------------------------
def test_cap_below_a_whole_container_dose_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # 4 vials × 3×10⁷ = 1.2×10⁸ cells; --cap 1×10⁸ would leave 2×10⁷ of them unused
    code, out, err = run(capsys, "dose", str(ALOFISEL), "--weight", "72kg", "--cap", "1e8 cells")
    assert (code, out) == (2, "")
    assert err == (
        "error: the dose (alofisel-label, arm label) is the whole content of 4 vials "
        "(1.2×10⁸ cells), and --cap 1×10⁸ cells would cut it short by 2×10⁷ cells: a "
        "whole-container dose cannot be capped (drop --cap, or dose by cells rather than whole "
        'containers with --dose "<amount> cells")\n'
    )


def test_cap_at_or_above_a_whole_container_dose_is_accepted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 1.2×10⁸ cells ≤ 2×10⁸: nothing to cap, the 4 vials are given whole
    code, out, _ = run(capsys, "dose", str(ALOFISEL), "--weight", "72kg", "--cap", "2e8 cells")
    assert code == 0
    assert "1.2×10⁸ cells  " in out and "(capped)" not in out


def test_protocol_cap_below_a_whole_container_dose_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "alofisel.yaml"
    text = ALOFISEL.read_text(encoding="utf-8")
    limit = "limits: [{max_per_dose: 1e8 cells, action: cap}]\n"
    path.write_text(text.replace("containers: 4\n", "containers: 4\n" + limit), encoding="utf-8")
    code, out, err = run(capsys, "dose", str(path), "--weight", "72kg")
    assert (code, out) == (2, "")
    assert err == (
        "error: the dose (alofisel-label, arm label) is the whole content of 4 vials "
        "(1.2×10⁸ cells), and the protocol's max per dose of 1×10⁸ cells (cap) would cut it "
        "short by 2×10⁷ cells: a whole-container dose cannot be capped (dose by cells rather "
        'than whole containers with --dose "<amount> cells", or check the protocol\'s limits '
        "and containers)\n"
    )


# -- 2. --cap is a limit: listed in the table and the JSON, in flag words ------------------------
CAP = ["--regimen", "2e6 cells/kg weekly ×2", "--species", "dog", "--weight", "80kg"]


def test_cap_flag_is_listed_as_a_limit(capsys: pytest.CaptureFixture[str]) -> None:
    # 2×10⁶ × 80 kg = 1.6×10⁸ → capped at 1×10⁸ a dose
    code, out, _ = run(capsys, "dose", *CAP, "--cap", "1e8 cells")
    assert code == 0
    assert "limits: max per dose 1×10⁸ cells (cap, from --cap)\n" in out
    code, out, _ = run(capsys, "dose", *CAP, "--cap", "1e8 cells", "--format", "json")
    data = json.loads(out)
    assert data["limits"] == [
        {
            "max_per_dose": 1e8,
            "action": "cap",
            "label": "max per dose 1×10⁸ cells (cap, from --cap)",
            "source": "--cap",
        }
    ]
    assert {d["cap_note"] for d in data["doses"]} == {"capped at 1×10⁸ cells (--cap)"}


def test_library_keeps_the_api_words() -> None:
    import celldose

    # 1×10⁶ × 12 kg = 1.2×10⁷ → capped at 1×10⁷
    plan = celldose.plan_doses(
        "jang2025-canine-itp", weight="12 kg", dose="1e6 cells/kg", cap="1e7 cells"
    )
    data = plan.to_dict()
    assert data["limits"] == [
        {
            "max_per_dose": 1e7,
            "action": "cap",
            "label": "max per dose 1×10⁷ cells (cap, from cap=)",
            "source": "cap=",
        }
    ]
    assert data["doses"][0]["cap_note"] == "capped at 1×10⁷ cells (cap=)"


# -- 7. no API wording (name=) in any output of dose, simulate, compare, plot --------------------
RANGE = ["--regimen", "1–2×10⁶ cells/kg weekly ×3", "--species", "dog", "--weight", "12kg"]
JANG = [
    "jang2025-canine-itp",
    "--dose",
    "1e6 cells/kg",
    "--weight",
    "12kg",
    "--concentration",
    "6.68e6 cells/mL",
    "--vial",
    "3.8 mL",
]
OUTSIDE = [*RANGE, "--dose", "3e6 cells/kg", "--override-range", "--start", "2026-12-01"]
API_WORD = re.compile(r"(?<![\w-])[a-z_]+=")


@pytest.mark.parametrize(
    "args",
    [
        ["dose", *RANGE],
        ["dose", *RANGE, "--format", "json"],
        ["dose", *RANGE, "--format", "csv"],
        ["dose", *RANGE, "--format", "ics", "--start", "2026-12-01"],
        ["dose", *OUTSIDE],
        ["dose", *OUTSIDE, "--format", "json"],
        ["dose", *OUTSIDE, "--format", "csv"],
        ["dose", *OUTSIDE, "--format", "ics"],
        ["dose", *CAP, "--cap", "1e8 cells", "--format", "csv"],
        ["simulate", *RANGE, "--skip", "2"],
        ["simulate", *RANGE, "--skip", "2", "--format", "json"],
        ["simulate", *RANGE, "--skip", "2", "--format", "csv"],
        ["simulate", *RANGE, "--patients", "20"],
        ["simulate", *RANGE, "--patients", "20", "--format", "json"],
        ["simulate", *RANGE, "--patients", "20", "--format", "csv"],
        ["simulate", *JANG, "--skip", "2"],
        ["simulate", *JANG, "--patients", "20", "--format", "json"],
        ["simulate", *CAP, "--cap", "1e8 cells", "--patients", "20"],
        ["compare", "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/kg"],
        [
            "compare",
            "jang2025-canine-itp",
            "--weight",
            "12kg",
            "--dose",
            "1e6 cells/kg",
            "--format",
            "json",
        ],
    ],
)
def test_no_api_wording_in_cli_output(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    text = out.replace("\r\n ", "")  # iCalendar folds long lines
    assert API_WORD.findall(text + err) == []


def test_no_api_wording_in_plot_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "plot", *RANGE, "-o", str(tmp_path / "f.png"), "--notes")
    assert code == 0, err
    assert API_WORD.findall(out + err) == []


# -- 5. a weight cap written in lb is shown as written, with its kg to 4 figures ------------------
def test_weight_cap_in_lb_is_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    regimen = "2e6 cells/kg weekly ×2; dose by weight up to 100 lb"
    code, out, _ = run(
        capsys, "dose", "--regimen", regimen, "--species", "human", "--weight", "120lb"
    )
    assert code == 0
    # 100 lb × 0.45359237 = 45.359237 kg (45.36 kg to 4 figures, as the patient's 54.43 kg);
    # 2×10⁶ × 45.359237 = 9.07×10⁷ cells a dose
    assert "limits: dose by weight up to 100 lb (45.36 kg) (cap)\n" in out
    assert (
        "basis: 2×10⁶ cells/kg (per kg, from --regimen) × 45.36 kg: dosed at 45.36 kg (weight "
        "cap 100 lb); patient weighs 120 lb (54.43 kg)\n"
    ) in out
    assert out.count("9.07×10⁷ cells (weight cap)") == 2
    assert "45.359237" not in out and "45.4 kg" not in out
    code, out, _ = run(
        capsys, "dose", "--regimen", regimen, "--species", "human", "--weight", "120lb",
        "--format", "json",
    )  # fmt: skip
    assert json.loads(out)["limits"] == [
        {
            "dose_weight_up_to": 45.359237,
            "action": "cap",
            "label": "dose by weight up to 100 lb (45.36 kg) (cap)",
            "source": "protocol",
        }
    ]


def test_weight_cap_in_lb_refusal_names_it_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    regimen = "2e6 cells/kg weekly ×2; dose by weight up to 100 lb (refuse)"
    code, out, err = run(
        capsys, "dose", "--regimen", regimen, "--species", "human", "--weight", "120lb"
    )
    assert (code, out) == (2, "")
    # 120 lb − 100 lb = 20 lb = 9.0718474 kg, 20% of the limit
    assert err == (
        "error: the patient weighs 120 lb (54.43 kg), over the dose weight limit of 100 lb "
        "(45.36 kg) by 9.07 kg (20%), and the protocol refuses such a dose (check the weight, or "
        "dose this patient by another protocol)\n"
    )


def test_weight_cap_in_kg_keeps_its_label() -> None:
    from celldose.protocols import Limit

    assert Limit(dose_weight_up_to="100 kg", action="cap").description == (
        "dose by weight up to 100 kg (cap)"
    )
    lb = Limit(dose_weight_up_to="50 lb", action="cap")
    # the shorthand clause stays one the parser reads back
    assert lb.label == "dose by weight up to 50 lb (cap)"
    assert lb.description == "dose by weight up to 50 lb (22.68 kg) (cap)"


# -- 3. what a course maximum leaves, rounded down to 0 vials: the dose is stopped ----------------
def test_course_remainder_rounding_to_no_vial_is_stopped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    regimen = "2e6 cells/kg weekly ×5; max per course 5e8 cells"
    args = ["--species", "human", "--weight", "100kg", "--vial", "2.54e7 cells", "--round", "down"]
    code, out, err = run(
        capsys, "dose", "--regimen", regimen, *args, "--round-tolerance", "20%", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    # 2×10⁸ / 2.54×10⁷ = 7.87 → 7 vials = 1.778×10⁸ (doses 1, 2: 3.556×10⁸);
    # dose 3: 5×10⁸ − 3.556×10⁸ = 1.444×10⁸ → 5 vials = 1.27×10⁸ (course 4.826×10⁸);
    # dose 4: 5×10⁸ − 4.826×10⁸ = 1.74×10⁷ = 0.685 vial → 0 vials: stopped, and so is dose 5
    assert [d["vials"] for d in data["doses"]] == [7, 7, 5]
    assert data["totals"][0]["total_cells"] == pytest.approx(19 * 2.54e7)
    reason = "max per course 5×10⁸ cells reached; the 1.74×10⁷ cells left rounded down to 0 vials"
    assert [(s["number"], s["stopped_by"]) for s in data["totals"][0]["stopped"]] == [
        (4, reason),
        (5, reason),
    ]
    code, out, _ = run(capsys, "dose", "--regimen", regimen, *args, "--round-tolerance", "20%")
    assert f"dose 4 (day 21): not given, stopped ({reason})\n" in out


# -- 6. a cohort: doses stopped by the course maximum are not counted as missed ------------------
COURSE = ["--regimen", "2e6 cells/kg weekly ×4; max per course 5e8 cells", "--species", "human"]


def test_cohort_counts_stopped_doses_apart_from_missed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 100 kg: 2×10⁸, 2×10⁸, then 1×10⁸ (5×10⁸ reached): dose 4 is stopped for every patient
    args = [*COURSE, "--weight", "100kg", "--patients", "50"]
    code, out, _ = run(capsys, "simulate", *args)
    assert code == 0
    assert "#  phase  planned day  missed  delayed  stopped   mean     5%  median    95%" in out
    assert "4      1           21      0%       0%     100%      —      —       —      —" in out
    assert (
        "stopped: not given because the patient's course reached its max per course "
        "(not counted as missed)\n"
    ) in out
    code, out, _ = run(capsys, "simulate", *args, "--format", "json")
    fourth = json.loads(out)["per_dose"][3]
    assert (fourth["missed_fraction"], fourth["stopped_fraction"], fourth["received"]) == (0, 1, 0)


def test_cohort_with_missed_doses_under_a_course_maximum(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [*COURSE, "--weight", "100kg", "--patients", "2000", "--missed", "0.2"]
    code, out, _ = run(capsys, "simulate", *args, "--format", "json")
    assert code == 0
    fourth = json.loads(out)["per_dose"][3]
    # dose 4 is missed with probability 0.2 (it was 67% "missed" when stopped doses counted);
    # it is stopped when doses 1-3 were all given and dose 4 not missed: 0.8⁴ = 0.4096
    assert fourth["missed_fraction"] == pytest.approx(0.2, abs=0.03)
    assert fourth["stopped_fraction"] == pytest.approx(0.4096, abs=0.03)
    # every patient: received, missed or stopped
    total = fourth["received"] / 2000 + fourth["missed_fraction"] + fourth["stopped_fraction"]
    assert total == pytest.approx(1.0, abs=1e-12)
    code, out, _ = run(capsys, "simulate", *args, "--format", "csv")
    assert ",stopped_fraction,4," in out


# -- 4. a rounding refusal only suggests what works ------------------------------------------------
RANGED = ["--regimen", "1–2×10⁶ cells/kg weekly ×2", "--species", "dog", "--vial", "2.54e7 cells"]


@pytest.mark.parametrize(
    ("weight", "mode", "message"),
    [
        # 20 kg: 2×10⁷–4×10⁷ cells, rounded at 4×10⁷ = 1.57 vials; nearest 2 vials = 5.08×10⁷
        # is above the range (no tolerance helps); down 1 vial = 2.54×10⁷ is in it, −36.5%
        (
            "20kg",
            "nearest",
            "the dose rounded to 2 vials (nearest) is 5.08×10⁷ cells, outside the dose range "
            "2×10⁷–4×10⁷ cells: 1.08×10⁷ cells (27%) above its upper bound (use --round down "
            'with --round-tolerance "37%", or leave the dose unrounded)',
        ),
        (
            "20kg",
            "down",
            "the dose rounded down to 1 vial is 2.54×10⁷ cells, −36.5% from the prescribed 4×10⁷ "
            "cells: 26.5 percentage points beyond the tolerance of 10% (allow it with "
            '--round-tolerance "37%", or leave the dose unrounded)',
        ),
        # 12 kg: 1.2×10⁷–2.4×10⁷ cells = 0.945 vial; nearest 1 vial = 2.54×10⁷ is above the
        # range, down is 0 vials: neither way works
        (
            "12kg",
            "nearest",
            "the dose rounded to 1 vial (nearest) is 2.54×10⁷ cells, outside the dose range "
            "1.2×10⁷–2.4×10⁷ cells: 1.4×10⁶ cells (5.83%) above its upper bound (leave the dose "
            "unrounded)",
        ),
        (
            "12kg",
            "down",
            "the dose of 2.4×10⁷ cells rounded down to whole vials of 2.54×10⁷ cells is 0 vials: "
            "no dose (the dose is 94.5% of one vial) (use a smaller vial, or leave the dose "
            "unrounded)",
        ),
    ],
)
def test_rounding_refusal_suggests_only_what_works(
    capsys: pytest.CaptureFixture[str], weight: str, mode: str, message: str
) -> None:
    code, out, err = run(capsys, "dose", *RANGED, "--weight", weight, "--round", mode)
    assert (code, out) == (2, "")
    assert err == f"error: {message}\n"
    # every suggested flag change is then accepted
    for fix in re.findall(r"use --round (\w+)(?: with --round-tolerance \"(\d+%)\")?", err):
        extra = ["--round-tolerance", fix[1]] if fix[1] else []
        code, _, err2 = run(capsys, "dose", *RANGED, "--weight", weight, "--round", fix[0], *extra)
        assert code == 0, err2
    for tolerance in re.findall(r"allow it with --round-tolerance \"(\d+%)\"", err):
        code, _, err2 = run(
            capsys, "dose", *RANGED, "--weight", weight, "--round", mode,
            "--round-tolerance", tolerance,
        )  # fmt: skip
        assert code == 0, err2


def test_protocol_text_with_equals_signs_is_kept_as_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # only celldose's own words are mapped to flags; a protocol's text is the source's
    path = tmp_path / "alofisel.yaml"
    text = ALOFISEL.read_text(encoding="utf-8")
    diluent = 'administration:\n  diluent: "saline (n=4 vials, ratio=1:1)"\n'
    path.write_text(text + diluent, encoding="utf-8")
    code, out, _ = run(capsys, "dose", str(path), "--weight", "72kg", "--format", "json")
    assert code == 0
    assert json.loads(out)["administration"]["diluent"] == "saline (n=4 vials, ratio=1:1)"
    code, out, _ = run(capsys, "dose", str(path), "--weight", "72kg")
    assert "  diluent: saline (n=4 vials, ratio=1:1)\n" in out


def test_course_remainder_rounded_up_past_the_maximum_names_dose_and_limit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    regimen = "2e6 cells/kg weekly ×4; max per course 5e8 cells"
    args = ["--species", "human", "--weight", "100kg", "--vial", "2.54e7 cells"]
    code, out, err = run(
        capsys, "dose", "--regimen", regimen, *args, "--round", "nearest",
        "--round-tolerance", "20%",
    )  # fmt: skip
    assert (code, out) == (2, "")
    # nearest: 2×10⁸ / 2.54×10⁷ = 7.87 → 8 vials = 2.032×10⁸ (doses 1, 2: 4.064×10⁸);
    # dose 3 may have 5×10⁸ − 4.064×10⁸ = 9.36×10⁷ = 3.69 vials → 4 vials = 1.016×10⁸, too many
    assert err == (
        "error: the dose rounded to 4 vials (nearest) is 1.02×10⁸ cells, above the 9.36×10⁷ "
        "cells left for dose 3 by the max per course of 5×10⁸ cells (use --round down, or leave "
        "the dose unrounded)\n"
    )
    code, _, _ = run(
        capsys, "dose", "--regimen", regimen, *args, "--round", "down", "--round-tolerance", "20%"
    )
    assert code == 0
