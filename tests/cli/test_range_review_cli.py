"""Dose ranges as a new user meets them (issue 10, review 2): rounding a chosen dose, a course
maximum over a range in dose, plot and compare, a dose in another basis, the labels of a rounded
range and of a range per lb, and `simulate` on a range.

Hand arithmetic in comments; refusals: exit code 2 and the exact line.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from celldose.cli import main
from celldose.protocols import protocol_from_regimen
from celldose.simulator import draw_timeline

matplotlib = pytest.importorskip("matplotlib")

DOG = ("--regimen", "1–2×10⁶ cells/kg weekly ×2", "--species", "dog")
CAPPED = "1–2×10⁶ cells/kg weekly ×4; max per course 5×10⁸ cells"
CAPPED_FILE = """\
id: capped-range
title: a dose range under a course maximum
species: human
indication: test
product: {name: x, tissue_source: bone marrow, donor: allogeneic, origin_species: human}
route: IV
limits:
  - {max_per_course: 5e8 cells, action: cap}
arms:
  - {name: a, label: l, role: treatment, dose: 1–2×10⁶ cells/kg, regimen: weekly ×4}
reference: {citation: not a real study (test)}
"""
BANDED = """\
id: band-range
title: weight bands whose doses are ranges
species: human
indication: test
product: {name: x, tissue_source: bone marrow, donor: allogeneic, origin_species: human}
route: IV
dose:
  - {weight: "≤ 50 kg", dose: "0.2–5.0×10⁶ cells/kg"}
  - {weight: "> 50 kg", dose: "0.1–2.5×10⁸ cells"}
arms:
  - {name: a, label: l, role: treatment, regimen: weekly ×2}
reference: {citation: not a real study (test)}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rounding_a_chosen_dose_out_of_the_range_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 25 kg: 2.5×10⁷–5×10⁷ cells; 1.9×10⁶ × 25 = 4.75×10⁷ → 2 vials of 2.54×10⁷ = 5.08×10⁷,
    # 8×10⁵ (1.6%) above the upper bound; down: 1 vial = 2.54×10⁷, in the range, −46.5% from
    # 4.75×10⁷ (so the hint gives the tolerance it needs)
    code, out, err = run(
        capsys, "dose", *DOG, "--weight", "25kg", "--vial", "2.54e7 cells", "--round", "nearest",
        "--dose", "1.9e6/kg",
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert err == (
        "error: the dose rounded to 2 vials (nearest) is 5.08×10⁷ cells, outside the dose range "
        "2.5×10⁷–5×10⁷ cells: 8×10⁵ cells (1.6%) above its upper bound (use --round down with "
        '--round-tolerance "47%", or leave the dose unrounded)\n'
    )
    # 26 kg: 2.6×10⁷–5.2×10⁷; 1.1×10⁶ × 26 = 2.86×10⁷ → down to 1 vial = 2.54×10⁷ (−11.2%),
    # 6×10⁵ (6×10⁵ / 2.6×10⁷ = 2.31%) below the lower bound; nearest (1.13 vials) is 1 vial too,
    # so rounding the other way is no way out
    code, out, err = run(
        capsys, "dose", *DOG, "--weight", "26kg", "--vial", "2.54e7 cells", "--round", "down",
        "--round-tolerance", "12%", "--dose", "1.1e6/kg",
    )  # fmt: skip
    assert code == 2
    assert err == (
        "error: the dose rounded down to 1 vial is 2.54×10⁷ cells, outside the dose range "
        "2.6×10⁷–5.2×10⁷ cells: 6×10⁵ cells (2.31%) below its lower bound (leave the dose "
        "unrounded)\n"
    )


def test_a_rounded_range_says_rounded_and_counts_the_dose_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 25 kg: the upper bound 2×10⁶ × 25 = 5×10⁷ = 2 vials of 2.5×10⁷; 2 doses: 1×10⁸
    argv = ("dose", *DOG, "--weight", "25kg", "--vial", "2.5e7 cells", "--round", "nearest")
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "ordered at the upper bound" not in out
    assert (
        "warning: dose range 1×10⁶–2×10⁶ cells/kg: each dose is its upper bound 2×10⁶ cells/kg, "
        "rounded to whole vials within the range (one dose given, see the rounding note); --dose "
        "chooses a target within the range"
    ) in out.splitlines()
    _, out, _ = run(capsys, *argv, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    # a target chosen within the range and rounded keeps its label
    _, out, _ = run(capsys, "dose", *DOG, "--weight", "25kg", "--vial", "2.5e7 cells",
                    "--round", "nearest", "--dose", "1.9e6/kg")  # fmt: skip
    assert (
        "basis: 1.9×10⁶ cells/kg (per kg, chosen within 1×10⁶–2×10⁶ cells/kg, rounded to whole "
        "vials) × 25 kg body weight"
    ) in out.splitlines()
    got = [(r["dose_use"], r["cumulative_cells_low"], r["cumulative_cells_high"]) for r in rows]
    assert got == [
        ("rounded", "50000000.0", "50000000.0"),
        ("rounded", "100000000.0", "100000000.0"),
    ]


def test_a_dose_in_another_basis_is_not_called_outside(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 1.5×10⁷ cells for 10 kg = 1.5×10⁶ cells/kg: inside the range, in another basis
    code, _, err = run(capsys, "dose", *DOG, "--weight", "10kg", "--dose", "1.5e7 cells")
    assert code == 2
    assert err == (
        "error: the dose 1.5×10⁷ cells is flat, the dose range 1×10⁶–2×10⁶ cells/kg (regimen, "
        "arm regimen) is per kg: a dose chosen within a range is given in the range's basis (give "
        "--dose as cells/kg within the range, or pass --override-range to give it anyway, "
        "labelled on every output)\n"
    )
    # 2×10⁶ cells/kg × 70 kg = 1.4×10⁸ cells: inside 1–2×10⁸ cells
    human = ("--regimen", "1–2×10⁸ cells weekly ×2", "--species", "human", "--weight", "70kg")
    code, _, err = run(capsys, "dose", *human, "--dose", "2e6/kg")
    assert code == 2 and "outside" not in err
    assert err.startswith(
        "error: the dose 2×10⁶ cells/kg is per kg, the dose range 1×10⁸–2×10⁸ cells (regimen, arm "
        "regimen) is flat: "
    )
    code, out, _ = run(capsys, "dose", *human, "--dose", "2e6/kg", "--override-range")
    assert code == 0 and "outside" not in out
    assert (
        "basis: 2×10⁶ cells/kg (per kg, not in the basis of the range 1×10⁸–2×10⁸ cells, given "
        "with --override-range) × 70 kg body weight"
    ) in out.splitlines()


def test_a_range_per_lb_names_its_upper_bound_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 25 kg: 1×10⁶ / 0.45359237 × 25 = 5.51×10⁷ to 1.1×10⁸ cells
    code, out, _ = run(
        capsys, "dose", "--regimen", "1–2×10⁶ cells/lb weekly ×2", "--species", "dog",
        "--weight", "25kg",
    )  # fmt: skip
    assert code == 0 and "4.409" not in out
    assert (
        "range: 5.51×10⁷–1.1×10⁸ cells per dose for 25 kg; vials are ordered at the upper bound "
        "2×10⁶ cells/lb (4.41×10⁶ cells/kg)"
    ) in out.splitlines()


def test_a_range_under_a_course_maximum_agrees_in_dose_compare_and_plot(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 100 kg: 1×10⁸–2×10⁸ a dose; after 2 doses 2×10⁸–4×10⁸; dose 3 capped at 5×10⁸ − 4×10⁸ =
    # 1×10⁸ (its lower bound too): 3×10⁸–5×10⁸ in 3 doses; dose 4 stopped at the upper bound
    code, out, _ = run(
        capsys, "dose", "--regimen", CAPPED, "--species", "human", "--weight", "100kg"
    )
    assert code == 0
    assert "course: 3 doses, 3×10⁸–5×10⁸ cells in total, last dose on day 14" in out
    assert (
        "warning: dose 4 not given: stopped, max per course 5×10⁸ cells reached at the upper "
        "bound of the dose range; the course at its lower bound is 3×10⁸ cells, and --dose "
        "chooses a target within the range"
    ) in out.splitlines()
    assert (
        "dose 4 (day 21): not given, stopped (max per course 5×10⁸ cells reached at the upper "
        "bound of the dose range; the course at its lower bound is 3×10⁸ cells, and --dose "
        "chooses a target within the range)"
    ) in out.splitlines()
    # rounded to whole vials of 1×10⁸, one number is given (2, 2, then 1 vial: 5×10⁸): the stop
    # is at the dose given, with no lower bound to speak of
    _, out, _ = run(
        capsys, "dose", "--regimen", CAPPED, "--species", "human", "--weight", "100kg",
        "--vial", "1e8 cells", "--round", "nearest",
    )  # fmt: skip
    assert "course: 3 doses, 5×10⁸ cells in total, 5 vials, last dose on day 14" in out
    assert "warning: dose 4 not given: stopped, max per course 5×10⁸ cells reached" in (
        out.splitlines()
    )
    path = tmp_path / "capped.yaml"
    path.write_text(CAPPED_FILE, encoding="utf-8")
    code, out, _ = run(capsys, "compare", str(path), "--weight", "100kg", "--format", "json")
    assert code == 0
    row = json.loads(out)["rows"][0]
    assert (row["total_cells_low"], row["total_cells"]) == (3e8, 5e8)
    # per dose: 1×10⁸–2×10⁸ (doses 1–2), then 1×10⁸ (dose 3, both bounds)
    assert row["cells_per_dose_low"] == [1e8, 1e8] and row["cells_per_dose"] == [2e8, 1e8]
    code, out, _ = run(capsys, "compare", str(path), "--weight", "100kg")
    assert "1×10⁸–2×10⁸ cells then 1×10⁸ cells (capped)  3×10⁸–5×10⁸ cells" in out
    assert "dose=" not in out and "--dose chooses a target within the range" in out
    from matplotlib.figure import Figure

    protocol = protocol_from_regimen(CAPPED, "human")
    timeline = draw_timeline(Figure().add_subplot(), protocol, weight="100kg")
    title = next(iter(timeline.titles.values())).get_text().replace("\n", " ")
    assert "= 1×10⁸–2×10⁸ then 1×10⁸ cells/dose for 100 kg" in title


def test_simulate_one_patient_on_a_range_says_it_follows_the_upper_bound(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "simulate", "--regimen", "1–2×10⁶ cells/kg q4w x3", "--species", "dog",
        "--weights", "0:12kg,28:13kg,56:13.5kg",
    )  # fmt: skip
    assert code == 0
    assert (
        "cells: each dose at the upper bound 2×10⁶ cells/kg of the dose range 1×10⁶–2×10⁶ "
        "cells/kg; --dose chooses a target within the range"
    ) in out.splitlines()
    # day 28 at 13 kg: 2×10⁶ × 13 = 2.6×10⁷ cells, the upper bound
    row = next(line for line in out.splitlines() if line.startswith("2 "))
    assert "2.6×10⁷ cells" in row


def test_a_cohort_labels_the_range_of_every_weight_band(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "band-range.yaml"
    path.write_text(BANDED, encoding="utf-8")
    code, out, _ = run(capsys, "simulate", str(path), "--patients", "50", "--seed", "1")
    assert code == 0
    warnings = [line for line in out.splitlines() if line.startswith("warning: dose range")]
    assert [w.split(" kept as")[0] for w in warnings] == [
        "warning: dose range 1×10⁷–2.5×10⁸ cells",
        "warning: dose range 2×10⁵–5×10⁶ cells/kg",
    ]
    assert all("ordered at the upper bound" in w for w in warnings)
