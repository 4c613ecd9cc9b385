"""`celldose dose --round` and whole containers at the command line (issue 10, rule 4).

One vial: 6.68×10⁶ cells/mL × 3.8 mL = 25.384×10⁶ cells (2.54×10⁷). Refusals: exit 2, one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from celldose.cli import main

DOG = ["--species", "dog", "--weight", "12kg", "--concentration", "6.68e6 cells/mL"]
VIAL = [*DOG, "--vial", "3.8 mL"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["dose", *args])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    return err.strip()


def test_round_down_within_the_tolerance(capsys: pytest.CaptureFixture[str]) -> None:
    # 2.5×10⁶ cells/kg × 12 kg = 3×10⁷; down: 1 vial = 25.384×10⁶ (2.54×10⁷) cells,
    # 25.384×10⁶ / 12 kg = 2.115×10⁶ cells/kg, 25.384/30 − 1 = −15.4%, allowed with 20%
    code, out, _ = run(
        capsys, "--regimen", "2.5e6 cells/kg q4w ×2", *VIAL, "--round", "down",
        "--round-tolerance", "20%",
    )  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert (
        "1      1    0  2.54×10⁷ cells (rounded)  3.8 mL  1      0 cells (0 mL)  2.54×10⁷ cells"
        in (lines)
    )
    assert (
        "warning: doses 1–2 rounded down to 1 vial: 2.54×10⁷ cells (2.12×10⁶ cells/kg), −15.4% "
        "from prescribed 3×10⁷ cells (round tolerance 20%)"
    ) in lines


def test_round_nearest(capsys: pytest.CaptureFixture[str]) -> None:
    # 2×10⁶ cells/kg × 12 kg = 2.4×10⁷ = 0.9455 vial -> 1 vial, 25.384/24 − 1 = +5.77% (< 10%)
    code, out, _ = run(capsys, "--regimen", "2e6 cells/kg q4w ×2", *VIAL, "--round", "nearest")
    assert code == 0
    assert (
        "warning: doses 1–2 rounded to 1 vial (nearest): 2.54×10⁷ cells (2.12×10⁶ cells/kg), "
        "+5.77% from prescribed 2.4×10⁷ cells (round tolerance 10%)"
    ) in out.splitlines()


def test_round_beyond_the_tolerance_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # −15.39% against the default 10%: 5.39 points beyond; ceil(15.39) = 16%
    message = refused(capsys, "--regimen", "2.5e6 cells/kg q4w ×2", *VIAL, "--round", "down")
    assert message == (
        "error: the dose rounded down to 1 vial is 2.54×10⁷ cells, −15.39% from the prescribed "
        "3×10⁷ cells: 5.39 percentage points beyond the tolerance of 10% (allow it with "
        '--round-tolerance "16%", or leave the dose unrounded)'
    )


def test_round_down_to_zero_suggests_nearest_when_it_differs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 1.6×10⁶ × 12 = 1.92×10⁷ = 0.756 vial: down 0, nearest 1 = 2.54×10⁷, +32.3% from the
    # prescribed dose: nearest works only with a tolerance of at least 33%, so the hint says so
    message = refused(capsys, "--regimen", "1.6e6 cells/kg q4w ×2", *VIAL, "--round", "down")
    assert message == (
        "error: the dose of 1.92×10⁷ cells rounded down to whole vials of 2.54×10⁷ cells is 0 "
        "vials: no dose (the dose is 75.6% of one vial) (use --round nearest with "
        '--round-tolerance "33%", use a smaller vial, or leave the dose unrounded)'
    )


def test_round_without_a_vial_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, "--regimen", "2e6 cells/kg q4w ×2", *DOG, "--round", "down")
    assert message == (
        "error: whole vials (--round) need the cells in one vial: the product gives neither "
        "cells_per_vial nor vial_volume (add cells_per_vial (or vial_volume and concentration) "
        'to the protocol\'s product, or give it with --vial "3.8 mL")'
    )


def test_round_tolerance_needs_a_percent_sign_and_round(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["--regimen", "2e6 cells/kg q4w ×2", *VIAL]
    assert refused(capsys, *base, "--round", "down", "--round-tolerance", "10") == (
        "error: --round-tolerance '10' is not a percentage (write a plain number and a percent "
        'sign: --round-tolerance "15%")'
    )
    assert refused(capsys, *base, "--round-tolerance", "10%") == (
        "error: --round-tolerance has no effect without --round (add --round down or --round "
        "nearest, or drop --round-tolerance)"
    )


ALOFISEL = str(Path(__file__).resolve().parents[1] / "fixtures" / "alofisel-label.yaml")


def test_whole_containers_dose(capsys: pytest.CaptureFixture[str]) -> None:
    # Alofisel: 4 vials × 3×10⁷ cells = 1.2×10⁸ cells; 1.2×10⁸ / 72 kg = 1.667×10⁶ cells/kg;
    # 4 × 6 mL = 24 mL (3×10⁷ cells in 6 mL: 5×10⁶ cells/mL)
    code, out, _ = run(capsys, ALOFISEL, "--weight", "72kg", "--start", "2026-12-01")
    assert code == 0
    lines = out.splitlines()
    assert (
        "basis: the whole content of 4 vials (published): 1.2×10⁸ cells (flat), 1.67×10⁶ "
        "cells/kg for 72 kg, 24 mL"
    ) in lines
    assert "course: 1 dose, 1.2×10⁸ cells in total, 24 mL, 4 vials, last dose on day 0" in lines
    code, out, _ = run(capsys, ALOFISEL, "--weight", "72kg", "--format", "json")
    data = json.loads(out)
    assert data["basis"]["whole_containers"] == "the whole content of 4 vials"
    (dose,) = data["doses"]
    assert (dose["cells"], dose["vials"], dose["volume_ml"]) == (1.2e8, 4, pytest.approx(24))


def test_whole_containers_refuse_a_vial_that_changes_the_stated_dose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 4 vials of 2×10⁷ cells hold 8×10⁷ cells, not the 1.2×10⁸ the source states
    message = refused(capsys, ALOFISEL, "--weight", "72kg", "--vial", "20e6 cells")
    assert message == (
        "error: the dose (alofisel-label, arm label) is the whole content of 4 vials (1.2×10⁸ "
        "cells, as the source states), but 4 vials of 2×10⁷ cells hold 8×10⁷ cells (drop "
        "--vial, or give the vial the protocol's product has)"
    )


def test_whole_containers_in_a_cohort(capsys: pytest.CaptureFixture[str]) -> None:
    # 10 patients × 4 vials = 40 vials, 40 × 3×10⁷ = 1.2×10⁹ thawed = dosed (nothing left);
    # 40 × 1.1 = 44 vials ordered, 44 × 3×10⁷ = 1.32×10⁹ cells
    code = main(["simulate", ALOFISEL, "--patients", "10", "--overage", "1.1"])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert (
        "  cells thawed:  40 vials × 3×10⁷ cells = 1.2×10⁹ cells (0 cells left in opened vials)"
        in lines
    )
    assert "  to order:      40 vials × overage 1.1 = 44 vials = 1.32×10⁹ cells" in lines
    # the basis in `celldose dose`'s words, for a cohort: 4 × 3×10⁷ = 1.2×10⁸ cells, flat
    assert "basis: the whole content of 4 vials (published): 1.2×10⁸ cells (flat)" in lines


def test_cohort_demand_of_viable_cells(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # 5×10⁷ viable cells a dose at 90% viable: 5×10⁷ / 0.9 = 5.556×10⁷ cells to draw = 1.85
    # vials of 3×10⁷ -> 2 vials; 10 patients: dosed 5×10⁸ viable, drawn 5.56×10⁸, thawed
    # 20 × 3×10⁷ = 6×10⁸, left 6×10⁸ − 5.556×10⁸ = 4.44×10⁷; 20 × 1.2 = 24 vials = 7.2×10⁸
    text = Path(ALOFISEL).read_text(encoding="utf-8")
    text = text.replace("dose_by: whole containers\ncontainers: 4\n", "")
    text = text.replace("dose: 120×10⁶ cells", "dose: 5×10⁷ cells")
    text = text.replace("  vial_volume: 6 mL\n", "  vial_volume: 6 mL\n  viability: 0.9\n")
    text = text.replace("  viability: 0.9\n", "  viability: 0.9\n  dose_counts: viable cells\n")
    path = tmp_path / "viable.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["simulate", str(path), "--patients", "10", "--overage", "1.2"])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    start = lines.index("cohort total: 5×10⁸ cells dosed to 10 patients")
    assert lines[start + 2 : start + 6] == [
        "  cells dosed:   5×10⁸ viable cells",
        "  cells to draw: 5.56×10⁸ cells (viable cells ÷ viability)",
        "  cells thawed:  20 vials × 3×10⁷ cells = 6×10⁸ cells (4.44×10⁷ cells left in opened "
        "vials)",
        "  to order:      20 vials × overage 1.2 = 24 vials = 7.2×10⁸ cells",
    ]


def test_no_tolerance_under_100_percent_is_never_suggested(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 0.5×10⁶ cells/kg × 10 kg = 5×10⁶ cells = 0.5 of a 1×10⁷ vial: nearest rounds the half up
    # to 1 vial = 1×10⁷ cells, +100%, which no tolerance (0% to under 100%) allows; down is 0
    # vials. The hint was --round-tolerance "100%", itself refused.
    args = ["--regimen", "0.5e6 cells/kg once", "--species", "dog", "--weight", "10kg"]
    message = refused(
        capsys, *args, "--vial", "1e7 cells", "--round", "nearest", "--round-tolerance", "99%"
    )
    assert message == (
        "error: the dose rounded to 1 vial (nearest) is 1×10⁷ cells, +100% from the prescribed "
        "5×10⁶ cells: 1 percentage point beyond the tolerance of 99%, and no tolerance under "
        "100% allows it (use a smaller vial, or leave the dose unrounded)"
    )


def test_a_suggested_tolerance_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    # 0.5×10⁶ cells/kg × 10.025 kg = 5.0125×10⁶ cells = 0.50125 vial: nearest 1 vial, change
    # 1×10⁷ / 5.0125×10⁶ − 1 = 99.5012%: 100% is not a tolerance, so the hint asks for 99.6%
    args = ["--regimen", "0.5e6 cells/kg once", "--species", "dog", "--weight", "10.025kg"]
    args += ["--vial", "1e7 cells", "--round", "nearest"]
    message = refused(capsys, *args)
    hint = '(allow it with --round-tolerance "99.6%", or leave the dose unrounded)'
    assert message.endswith(hint)
    code, out, _ = run(capsys, *args, "--round-tolerance", "99.6%", "--format", "json")
    assert code == 0
    assert json.loads(out)["doses"][0]["vials"] == 1


def test_the_tolerance_is_shown_as_typed_and_the_gap_agrees(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 2.5×10⁶ × 12 = 3×10⁷ cells; down: 1 vial = 25.384×10⁶, 25.384/30 − 1 = −15.386667%;
    # against 15.38%: 0.0066667 points beyond, 0.00667 to 3 figures (5 decimals), so the change
    # is shown to 5 decimals: 15.38667 − 15.38 = 0.00667 (it said −15.4%, 15.4%)
    args = ["--regimen", "2.5e6 cells/kg q4w ×2", *VIAL, "--round", "down"]
    message = refused(capsys, *args, "--round-tolerance", "15.38%")
    assert message == (
        "error: the dose rounded down to 1 vial is 2.54×10⁷ cells, −15.38667% from the "
        "prescribed 3×10⁷ cells: 0.00667 percentage points beyond the tolerance of 15.38% (allow "
        'it with --round-tolerance "16%", or leave the dose unrounded)'
    )
    code, out, err = run(capsys, *args, "--round-tolerance", "15.39%")
    assert code == 0
    assert "(round tolerance 15.39%)" in out + err


def test_a_change_within_the_tolerance_never_reads_as_beyond_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # −15.3867% is within 15.39%; to 3 figures it reads −15.4%, more than 15.39%, so the label
    # gives it to the tolerance's 2 decimals: −15.39%
    args = ["--regimen", "2.5e6 cells/kg q4w ×2", *VIAL, "--round", "down"]
    code, out, err = run(capsys, *args, "--round-tolerance", "15.39%")
    assert code == 0
    assert (
        "warning: doses 1–2 rounded down to 1 vial: 2.54×10⁷ cells (2.12×10⁶ cells/kg), "
        "−15.39% from prescribed 3×10⁷ cells (round tolerance 15.39%)"
    ) in (out + err).splitlines()
