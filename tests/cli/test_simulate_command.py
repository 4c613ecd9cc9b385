"""`celldose simulate`: outputs, the seed in every format, reproducibility, refusals (exit 2)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from celldose.cli import main
from celldose.cli._cmd_simulate import _ProgressBar

JANG = ["jang2025-canine-itp", "--dose", "1e6 cells/kg"]  # q4w ×8
COHORT = [*JANG, "--patients", "2000", "--missed", "0.1", "--delayed", "0.2", "--delay-days", "1-7"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["simulate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 2, out
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    return err.strip()


# -- one patient ----------------------------------------------------------------------------------
def test_whatif_json_skip_and_delay(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, *JANG, "--weight", "12kg", "--skip", "2", "--delay", "3:5", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["mode"] == "what-if"
    assert data["scenario"]["missed"] == [2]
    assert data["scenario"]["delays"] == [{"dose": 3, "days": 5}]
    assert data["scenario"]["delay_policy"] == "shift"
    doses = data["doses"]
    assert [d["planned_day"] for d in doses] == [0, 28, 56, 84, 112, 140, 168, 196]
    assert [d["day"] for d in doses] == [0, None, 61, 89, 117, 145, 173, 201]
    assert [d["status"] for d in doses][:4] == ["given", "missed", "delayed", "shifted"]
    assert doses[1]["cells"] == 0 and doses[1]["planned_cells"] == 1.2e7
    assert doses[2]["cumulative_cells"] == 2.4e7  # doses 1 and 3
    assert data["totals"]["planned"]["total_cells"] == 9.6e7
    assert data["totals"]["simulated"]["total_cells"] == pytest.approx(8.4e7)
    assert data["totals"]["simulated"]["course_days"] == 201
    assert data["totals"]["difference_cells"] == pytest.approx(-1.2e7)
    (window,) = data["windows"]
    assert window["anchor"] == "first dose" and window["moved_days"] == 0


def test_whatif_table_shows_planned_and_simulated(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, *JANG, "--weight", "12kg", "--delay", "3:5", "--delay-policy", "keep"
    )
    assert code == 0
    assert "what-if: dose 3 delayed 5 days (later doses keep their days)" in out
    assert "delayed +5d" in out
    assert "simulated: 8 doses, 9.6×10⁷ cells (±0 cells), first to last dose 196 days" in out
    assert "warning: doses 3 and 4 are now 23 days apart (planned 28)" in out


def test_whatif_weights_over_time(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--regimen", "1e6 cells/kg q4w x3", "--species", "dog"]
    code, out, _ = run(capsys, *args, "--weights", "0:12kg,28:13kg,56:13.5kg", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [float(r["cells"]) for r in rows] == pytest.approx([1.2e7, 1.3e7, 1.35e7])
    assert [float(r["weight_kg"]) for r in rows] == [12, 13, 13.5]
    code, out, _ = run(capsys, *args, "--weights", "0:12kg,28:13kg", "--weight-basis", "baseline")
    assert "weights: every dose on the baseline weight 12 kg (--weight-basis baseline" in out
    assert "3.6×10⁷ cells (±0 cells)" in out


def test_whatif_window_anchored_at_dose_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "qi2017-sjogren-thrombocytopenia",
        "--weight",
        "60kg",
        "--delay",
        "2:7",
        "--start",
        "2025-01-31",
        "--format",
        "json",
    )
    assert code == 0
    (window,) = json.loads(out)["windows"]
    assert window["anchor"] == "dose 2"
    assert (window["planned_anchor_date"], window["anchor_date"]) == ("2025-02-28", "2025-03-07")
    assert window["moved_days"] == 7
    assert window["start"] == {"day": 35, "date": "2025-03-07"}


# -- cohorts --------------------------------------------------------------------------------------
def test_cohort_json_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *COHORT, "--seed", "7", "--overage", "1.2", "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["seed"] == 7 and data["patients"] == 2000
    assert set(data["total_cells"]) == {"mean", "median", "p5", "p95"}
    assert data["cohort_total_cells"] == pytest.approx(2000 * data["total_cells"]["mean"])
    assert len(data["per_dose"]) == 8
    assert data["manufacturing"]["overage"] == 1.2
    assert data["manufacturing"]["cells_to_manufacture"] == pytest.approx(
        1.2 * data["manufacturing"]["cells_to_draw"]
    )
    (responders,) = data["responders"]
    assert responders["mean"] == pytest.approx(2000 * 2 / 3)  # k = 1 of n = 1: N(k+1)/(n+2)
    assert responders["posterior"] == "Beta(2, 1)"


def test_point_cohort_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *JANG, "--patients", "100", "--weight", "12kg", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["total_cells"] == {"mean": 9.6e7, "median": 9.6e7, "p5": 9.6e7, "p95": 9.6e7}
    assert data["cohort_total_cells"] == 9.6e9
    assert data["seed"] == 0  # the default, printed


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_same_seed_same_bytes(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    first = run(capsys, *COHORT, "--seed", "5", "--format", fmt)[1]
    second = run(capsys, *COHORT, "--seed", "5", "--format", fmt)[1]
    other = run(capsys, *COHORT, "--seed", "6", "--format", fmt)[1]
    assert first == second
    assert first != other


def test_the_seed_is_printed_in_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    table = run(capsys, *COHORT, "--seed", "31")[1]
    assert "cohort: 2,000 virtual dogs, seed 31" in table
    default = run(capsys, *COHORT)[1]
    assert "seed 0 (the default; --seed S for another draw)" in default
    rows = list(
        csv.DictReader(io.StringIO(run(capsys, *COHORT, "--seed", "31", "--format", "csv")[1]))
    )
    assert rows and all(r["seed"] == "31" and r["patients"] == "2000" for r in rows)
    quantities = {r["quantity"] for r in rows}
    assert {"total_cells", "cells", "cohort_total_cells", "responders"} <= quantities


def test_cohort_table_says_the_responders_only_restate_the_rate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run(capsys, *COHORT)[1]
    assert "(1 of 1 published; Beta(2, 1) posterior)" in out
    assert "This only restates the published rate" in out


def test_roster_cohort(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    roster = tmp_path / "dogs.csv"
    roster.write_text("id,weight\nrex,10kg\nbella,20kg\n", encoding="utf-8")
    code, out, _ = run(capsys, *JANG, "--roster", str(roster), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["patients"] == 2
    assert data["cohort_total_cells"] == 8e7 + 1.6e8
    assert data["weights"]["roster"] == str(roster)


def test_histogram_is_written_and_reproducible(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    png, svg, again = tmp_path / "h.png", tmp_path / "h.svg", tmp_path / "again.svg"
    assert run(capsys, *COHORT, "--plot", str(png))[0] == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run(capsys, *COHORT, "--plot", str(svg))
    run(capsys, *COHORT, "--plot", str(again))
    assert svg.read_bytes() == again.read_bytes()
    assert "seed 0" in svg.read_text(encoding="utf-8")


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "cohort.json"
    code, out, _ = run(capsys, *COHORT, "--format", "json", "-o", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["patients"] == 2000


def test_no_progress_bar_when_stderr_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, _, err = run(capsys, *JANG, "--patients", "300000")
    assert err == ""


class _Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_bar_only_on_a_terminal_after_the_delay() -> None:
    terminal = _Terminal(tty=True)
    bar = _ProgressBar(terminal, delay=0.0)
    bar(50, 100)
    bar.close()
    assert (
        "simulating [###############...............]  50% (50/100 patients)" in terminal.getvalue()
    )
    quick = _Terminal(tty=True)
    _ProgressBar(quick, delay=3600.0)(50, 100)
    assert quick.getvalue() == ""
    piped = _Terminal(tty=False)
    _ProgressBar(piped, delay=0.0)(50, 100)
    assert piped.getvalue() == ""


# -- refusals -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [*JANG, "--patients", "-5"],
            "error: --patients must be at least 1, not -5 "
            "(give the number of virtual patients, e.g. --patients 1000)",
        ),
        (
            [*JANG, "--patients", "10", "--missed", "1.5"],
            "error: --missed is the probability that a dose is missed, a number from 0 to 1, "
            "not 1.5 (write 0.1 for 10%)",
        ),
        (
            [*JANG, "--patients", "10", "--missed", "-0.1"],
            "error: --missed is the probability that a dose is missed, a number from 0 to 1, "
            "not -0.1 (write 0.1 for 10%)",
        ),
        (
            [*JANG, "--patients", "10", "--delayed", "2", "--delay-days", "1-3"],
            "error: --delayed is the probability that a dose is delayed, a number from 0 to 1, "
            "not 2 (write 0.1 for 10%)",
        ),
        (
            [*JANG, "--patients", "10", "--overage", "0.9"],
            "error: --overage must be at least 1, not 0.9 "
            "(it multiplies the demand: 1 for none, 1.2 for 20% extra)",
        ),
        (
            [*JANG, "--patients", "10", "--seed", "-3"],
            "error: --seed must be a whole number >= 0, not -3",
        ),
        (
            [
                "--regimen",
                "1e6 cells/kg twice weekly x8",
                "--species",
                "dog",
                "--weight",
                "12kg",
                "--delay",
                "3:2",
                "--delay-policy",
                "keep",
            ],
            "error: delaying dose 3 puts doses 3 and 4 1 day apart (days 9 and 10); the protocol "
            "needs at least 3 days between them (no delay of dose 3 fits before dose 4: skip it "
            "instead or use --delay-policy shift to move the later doses with it)",
        ),
        (
            [*JANG, "--weight", "12kg", "--skip", "9"],
            "error: dose 9 does not exist: jang2025-canine-itp arm msc has 8 doses "
            "(1×10⁶ cells/kg q4w ×8) (give a dose number from 1 to 8)",
        ),
        (
            [*JANG, "--weight", "12kg", "--seed", "3", "--missed", "0.1"],
            "error: --seed, --missed apply to virtual cohorts: add --patients N or --roster FILE",
        ),
        (
            [*JANG, "--patients", "10", "--skip", "2"],
            "error: --skip applies to one patient's what-if; drop --patients/--roster",
        ),
        (
            [*JANG, "--patients", "10", "--delay-policy", "keep"],
            "error: --delay-policy keep is for one patient's what-if: in a cohort, random delays "
            "shift the later doses (keeping the calendar could break the spacing rule) "
            "(drop --delay-policy)",
        ),
        (
            [*JANG, "--weight", "12kg", "--weights", "0:12kg"],
            "error: give --weight (one weight) or --weights (weights over time), not both "
            '(put the first weight in --weights as day 0: "0:12kg,28:13kg")',
        ),
        (
            [*JANG, "--weights", "7:12kg"],
            "error: --weights starts on day 7: the first dose (day 0) needs a weight "
            '(measure on day 0 (or before, e.g. "-3:12kg"): "0:12kg,28:13kg")',
        ),
        (
            [*JANG],
            "error: simulate needs one patient's weight, or a cohort "
            '(give --weight 12kg (or --weights "0:12kg,28:13kg"), or --patients N)',
        ),
        (
            [*JANG, "--weight", "12kg", "--plot", "h.png"],
            "error: --plot applies to virtual cohorts: add --patients N or --roster FILE",
        ),
        (
            [*JANG, "--patients", "10", "--plot", "h.jpg"],
            "error: cannot tell the figure format of 'h.jpg' "
            "(end the file name with .png, .svg or .pdf)",
        ),
    ],
)
def test_refusals_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert refused(capsys, *args) == message


def test_roster_refusals_name_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bare = tmp_path / "bare.csv"
    bare.write_text("rex,12kg\nbella,13\n", encoding="utf-8")
    assert refused(capsys, *JANG, "--roster", str(bare)) == (
        f"error: roster {bare} line 2: 13 what? the weight needs a unit (write 13kg or 13lb)"
    )
    unit = tmp_path / "unit.csv"
    unit.write_text("rex,12 stone\n", encoding="utf-8")
    assert refused(capsys, *JANG, "--roster", str(unit)).startswith(
        f"error: roster {unit} line 1: unknown weight unit 'stone'"
    )
    missing = tmp_path / "missing.csv"
    assert refused(capsys, *JANG, "--roster", str(missing)).startswith(
        f"error: cannot read the roster {missing}"
    )


def test_a_plan_is_never_refused_by_its_own_spacing_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # q2d ×3 then twice weekly ×4: doses 3 and 4 are 2 days apart (days 4 and 6), as
    # `celldose dose` plans them; the what-if with no scenario used to refuse this plan
    regimen = "1e6 cells/kg q2d x3 then twice weekly x4"
    code, out, err = run(
        capsys,
        "--regimen",
        regimen,
        "--species",
        "dog",
        "--weight",
        "10kg",
        "--format",
        "json",
    )
    assert (code, err) == (0, "")
    doses = json.loads(out)["doses"]
    assert [d["day"] for d in doses] == [0, 2, 4, 6, 9, 13, 16]
    assert {d["status"] for d in doses} == {"given"}


def test_cohort_demand_counts_cells_thawed(capsys: pytest.CaptureFixture[str]) -> None:
    # issue 10: 10 dogs of 12 kg, 1×10⁶ cells/kg q4w ×8, vials of 6.68×10⁶ cells/mL × 3.8 mL =
    # 25.384×10⁶ cells (2.54×10⁷). One dose = 1.2×10⁷ cells -> 1 whole vial; 80 vials;
    # dosed 80 × 1.2×10⁷ = 9.6×10⁸; thawed 80 × 25.384×10⁶ = 2.03072×10⁹ (2.03×10⁹), left
    # 2.03072×10⁹ − 9.6×10⁸ = 1.07072×10⁹ (1.07×10⁹); ordered 80 × 1.2 = 96 vials,
    # 96 × 25.384×10⁶ = 2.436864×10⁹ (2.44×10⁹)
    args = [*JANG, "--concentration", "6.68e6 cells/mL", "--vial", "3.8 mL", "--patients", "10"]
    code, out, _ = run(capsys, *args, "--weight", "12kg", "--overage", "1.2")
    assert code == 0
    lines = out.splitlines()
    start = lines.index("cohort total: 9.6×10⁸ cells dosed to 10 patients")
    assert lines[start : start + 5] == [
        "cohort total: 9.6×10⁸ cells dosed to 10 patients",
        "manufacturing (single-use vials: a thawed vial is not kept for the next dose):",
        "  cells dosed:   9.6×10⁸ cells",
        "  cells thawed:  80 vials × 2.54×10⁷ cells = 2.03×10⁹ cells (1.07×10⁹ cells left in "
        "opened vials)",
        "  to order:      80 vials × overage 1.2 = 96 vials = 2.44×10⁹ cells",
    ]
    code, out, _ = run(capsys, *args, "--weight", "12kg", "--overage", "1.2", "--format", "json")
    demand = json.loads(out)["manufacturing"]
    assert demand["vials"] == 80 and demand["vials_to_manufacture"] == 96
    assert demand["cells_given"] == pytest.approx(9.6e8, rel=1e-12)
    assert demand["cells_thawed"] == pytest.approx(2.03072e9, rel=1e-12)
    assert demand["cells_to_manufacture"] == pytest.approx(2.436864e9, rel=1e-12)
    assert demand["container"] == "vial"


def test_cohort_demand_without_a_vial_size(capsys: pytest.CaptureFixture[str]) -> None:
    # 10 × 8 × 1.2×10⁷ = 9.6×10⁸ cells dosed; × 1.2 = 1.152×10⁹ (1.15×10⁹) to order
    code, out, _ = run(capsys, *JANG, "--patients", "10", "--weight", "12kg", "--overage", "1.2")
    assert code == 0
    assert (
        "manufacturing: 9.6×10⁸ cells dosed × overage 1.2 = 1.15×10⁹ cells to order (no vial "
        "size: whole vials thawed are not counted; give the product's cells_per_vial, or --vial)"
    ) in out.splitlines()


def test_cohort_basis_uses_the_words_of_dose(capsys: pytest.CaptureFixture[str]) -> None:
    # the same source as `celldose dose` gives: from --regimen, from --dose, published
    args = ("--species", "human", "--patients", "10")
    code, out, _ = run(capsys, "--regimen", "2×10⁶ cells/kg weekly ×4", *args)
    assert code == 0
    assert "basis: 2×10⁶ cells/kg (per kg, from --regimen) × each patient's weight" in (
        out.splitlines()
    )
    code, out, _ = run(capsys, "--regimen", "2×10⁸ cells weekly ×4", *args)
    assert "basis: 2×10⁸ cells (flat, from --regimen)" in out.splitlines()
    code, out, _ = run(capsys, *JANG, "--patients", "10")
    assert "basis: 1×10⁶ cells/kg (per kg, from --dose) × each patient's weight" in (
        out.splitlines()
    )


def test_a_window_without_a_start_date_names_the_regimen_time_not_a_question_mark(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # qi2017: 2×10⁶ cells/kg monthly ×4, the window anchored at dose 2; without --start a month
    # has no day count, so dose 2 is at "+1 month" (was "on ?"); skipping dose 3 leaves it there
    code = main(["simulate", "qi2017-sjogren-thrombocytopenia", "--weight", "60kg", "--skip", "3"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[-1] == (
        "  'PLT >100×10⁹/L' (anchor: dose 2): planned dose 2 at +1 month, simulated dose 2 at "
        "+1 month"
    )


def test_a_probability_reads_as_a_fraction_or_a_percentage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = [*JANG, "--patients", "500", "--seed", "3", "--format", "json"]
    fraction = run(capsys, *base, "--missed", "0.1")[1]
    percent = run(capsys, *base, "--missed", "10%")[1]
    strip = [json.loads(t) for t in (fraction, percent)]
    for data in strip:
        data.pop("provenance")  # the command line as typed differs, nothing else
    assert strip[0] == strip[1]


def test_a_roster_cohort_is_its_listed_patients_not_virtual_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("rex,12kg\nbella,8kg\nmax,20kg\n", encoding="utf-8")
    table = run(capsys, "jang2025-canine-itp", "--dose", "1e6/kg", "--roster", str(roster))[1]
    assert "cohort: 3 dogs, seed 0" in table
    # inverted-CDF median of 8, 12, 20 kg: the 2nd of 3 = 12 kg
    assert f"weights: roster {roster} (3 patients); as listed: median 12 kg" in table


def test_a_what_if_names_its_patient(capsys: pytest.CaptureFixture[str]) -> None:
    who = ["--patient-id", "2026-0147", "--patient-name", "Rex", "--owner", "J. Smith"]
    args = [*JANG, "--weight", "26.5lb", "--skip", "2", *who]
    table = run(capsys, *args)[1]
    assert "owner: J. Smith" in table.splitlines()
    assert "patient: Rex (2026-0147), dog, 26.5 lb (12.02 kg)" in table.splitlines()
    data = json.loads(run(capsys, *args, "--format", "json")[1])
    assert (data["patient"]["id"], data["patient"]["name"]) == ("2026-0147", "Rex")


def test_a_cohort_has_no_one_patient_s_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *JANG, "--patients", "10", "--patient-name", "Rex")
    assert (code, out) == (2, "")
    assert err == (
        "error: --patient-name applies to one patient's what-if; drop --patients/--roster\n"
    )
