"""`celldose dose` with a dose range (issue 10, rule 1) and a dose per lb (rule 8): what a user
sees in the table, JSON, CSV and calendar, and the refusals (exit 2, one line).

Hand arithmetic, 10 kg dog, 1–2×10⁶ cells/kg weekly ×4, 1×10⁶ cells/mL: 1×10⁶ × 10 = 1×10⁷ to
2×10⁶ × 10 = 2×10⁷ cells a dose, 10 to 20 mL; over 4 doses 4×10⁷ to 8×10⁷ cells, 40 to 80 mL.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from celldose.cli import main

PROTOCOL = """\
id: range-dog
title: A dog protocol with a dose range
species: dog
indication: test
product:
  name: test MSC
  tissue_source: adipose
  donor: allogeneic
  origin_species: dog
route: IV
arms:
  - name: msc
    label: 1–2×10⁶ cells/kg weekly ×4
    role: treatment
    dose: 1–2×10⁶ cells/kg
    regimen: weekly ×4
reference:
  citation: not a real study (test)
"""
DOG_10 = ("--weight", "10kg", "--concentration", "1e6 cells/mL", "--start", "2026-01-05")


@pytest.fixture
def protocol(tmp_path: Path) -> str:
    path = tmp_path / "range-dog.yaml"
    path.write_text(PROTOCOL, encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_shows_both_bounds(capsys: pytest.CaptureFixture[str], protocol: str) -> None:
    code, out, _ = run(capsys, "dose", protocol, *DOG_10)
    assert code == 0
    lines = out.splitlines()
    assert "basis: 1×10⁶–2×10⁶ cells/kg (per kg, published) × 10 kg body weight" in lines
    assert (
        "range: 1×10⁷–2×10⁷ cells per dose for 10 kg; vials are ordered at the upper bound "
        "2×10⁶ cells/kg"
    ) in lines
    first = next(line for line in lines if line.startswith("1 "))
    assert "1×10⁷–2×10⁷ cells" in first and "10–20 mL" in first
    last = next(line for line in lines if line.startswith("4 "))
    assert last.endswith("4×10⁷–8×10⁷ cells")
    assert "course: 4 doses, 4×10⁷–8×10⁷ cells in total, 40–80 mL, last dose on day 21" in lines
    assert any("ordered at the upper bound 2×10⁶ cells/kg" in w for w in lines if "warning" in w)


def test_json_csv_and_calendar_keep_the_range(
    capsys: pytest.CaptureFixture[str], protocol: str
) -> None:
    _, out, _ = run(capsys, "dose", protocol, *DOG_10, "--format", "json")
    data = json.loads(out)
    assert data["doses"][0]["dose_range"] == "1×10⁶–2×10⁶ cells/kg"
    assert (data["doses"][0]["cells_low"], data["doses"][0]["cells_high"]) == (1e7, 2e7)
    _, out, _ = run(capsys, "dose", protocol, *DOG_10, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["cumulative_cells_low"] for r in rows] == ["10000000.0", "20000000.0", "30000000.0",
                                                         "40000000.0"]  # fmt: skip
    assert rows[0]["dose_use"] == "upper bound" and rows[0]["volume_ml_high"] == "20.0"
    _, out, _ = run(capsys, "dose", protocol, *DOG_10, "--format", "ics")
    unfolded = out.replace("\r\n ", "")
    assert "Dose 1 of 4 (phase 1): 1×10⁷–2×10⁷ cells" in unfolded
    assert "Basis: 1×10⁶–2×10⁶ cells/kg (per kg)" in unfolded


def test_dose_within_the_range_is_labelled_chosen(
    capsys: pytest.CaptureFixture[str], protocol: str
) -> None:
    code, out, _ = run(capsys, "dose", protocol, *DOG_10, "--dose", "1.5×10⁶ cells/kg")
    assert code == 0
    assert (
        "basis: 1.5×10⁶ cells/kg (per kg, chosen within 1×10⁶–2×10⁶ cells/kg) × 10 kg body weight"
        in out.splitlines()
    )
    # 1.5×10⁶ × 10 kg = 1.5×10⁷ cells a dose; 15 mL at 1×10⁶ cells/mL; 6×10⁷ cells over 4
    assert "course: 4 doses, 6×10⁷ cells in total, 60 mL, last dose on day 21" in out
    assert "chosen within 1×10⁶–2×10⁶ cells/kg" in out


def test_dose_outside_the_range_is_refused(
    capsys: pytest.CaptureFixture[str], protocol: str, tmp_path: Path
) -> None:
    target = tmp_path / "out.json"
    code, out, err = run(
        capsys, "dose", protocol, *DOG_10, "--dose", "3×10⁶ cells/kg", "-o", str(target)
    )
    assert code == 2 and out == "" and not target.exists()
    assert err == (
        "error: the dose 3×10⁶ cells/kg is outside the dose range 1×10⁶–2×10⁶ cells/kg "
        "(range-dog, arm msc) (choose a dose within the range, or pass --override-range to "
        "give it anyway, labelled on every output)\n"
    )


def test_override_range_is_labelled_on_every_output(
    capsys: pytest.CaptureFixture[str], protocol: str
) -> None:
    args = ("dose", protocol, *DOG_10, "--dose", "3×10⁶ cells/kg", "--override-range")
    label = (
        "dose 3×10⁶ cells/kg from --dose is outside the dose range 1×10⁶–2×10⁶ cells/kg "
        "(range-dog, arm msc) (given with --override-range)"
    )
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert f"warning: {label}" in out
    assert "(per kg, outside the range 1×10⁶–2×10⁶ cells/kg, given with --override-range)" in out
    # 3×10⁶ × 10 kg = 3×10⁷ cells a dose, 1.2×10⁸ over 4
    assert "course: 4 doses, 1.2×10⁸ cells in total" in out
    _, out, _ = run(capsys, *args, "--format", "json")
    assert any("outside the dose range" in w for w in json.loads(out)["warnings"])
    _, out, err = run(capsys, *args, "--format", "ics")
    assert "outside the dose range" in out.replace("\r\n ", "") and label in err


def test_override_range_alone_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "dose", "chen2024-itp-ucmsc", "--arm", "expansion-2.0", "--weight", "70kg",
        "--override-range",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert err == (
        "error: --override-range allows a dose outside a published dose range, and no dose "
        "given here is outside one (drop --override-range)\n"
    )


def test_a_malformed_range_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "dose", "--regimen", "3–2×10⁶ cells/kg weekly ×4", "--species", "dog",
        "--weight", "10kg",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert err == (
        "error: regimen '3–2×10⁶ cells/kg weekly ×4' '3–2×10⁶ cells/kg' at characters 1-16: "
        "the range's lower bound 3×10⁶ is above its upper bound 2×10⁶ (write the smaller number "
        "first: 2×10⁶–3×10⁶ cells/kg)\n"
    )


def test_a_range_from_zero_is_refused_with_a_fix(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "dose", "--regimen", "0–2×10⁶ cells/kg weekly ×4", "--species", "dog",
        "--weight", "10kg",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert err == (
        "error: regimen '0–2×10⁶ cells/kg weekly ×4' '0–2×10⁶ cells/kg' at characters 1-16: "
        "a dose range must start above 0 (give the lowest dose the source reports, or the upper "
        "bound alone: 2×10⁶ cells/kg)\n"
    )


def test_a_dose_per_lb_is_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("dose", "--regimen", "1×10⁶ cells/lb weekly ×2", "--species", "dog", "--weight")
    code, out, _ = run(capsys, *args, "22lb")
    assert code == 0
    # 22 lb × 1×10⁶ cells/lb = 2.2×10⁷ cells (computed as 22 × 0.45359237 kg × 1×10⁶/0.45359237)
    assert "regimen (given with --regimen): 1×10⁶ cells/lb weekly ×2" in out
    assert "basis: 1×10⁶ cells/lb (2.2×10⁶ cells/kg) (per kg, from --regimen)" in out
    assert "2.2046226218487755" not in out
    assert "course: 2 doses, 4.4×10⁷ cells in total" in out
    _, out, _ = run(capsys, *args, "22lb", "--format", "json")
    data = json.loads(out)
    assert data["doses"][0]["dose"] == "1×10⁶ cells/lb"
    assert data["doses"][0]["cells_per_kg"] == 1e6 / 0.45359237
    assert data["doses"][0]["cells"] == pytest.approx(2.2e7, rel=1e-12)


def test_json_totals_at_both_bounds(capsys: pytest.CaptureFixture[str], protocol: str) -> None:
    _, out, _ = run(capsys, "dose", protocol, *DOG_10, "--format", "json")
    totals = json.loads(out)["totals"][0]
    # 4 doses of 1×10⁷ to 2×10⁷ cells: 4×10⁷ to 8×10⁷; the single number is the upper bound
    assert (totals["total_cells_low"], totals["total_cells_high"]) == (4e7, 8e7)
    assert totals["total_cells"] == 8e7
    _, out, _ = run(capsys, "dose", protocol, *DOG_10, "--dose", "1.5e6/kg", "--format", "json")
    assert json.loads(out)["totals"][0]["total_cells_low"] is None  # a chosen target: one number


def test_compare_shows_both_bounds(capsys: pytest.CaptureFixture[str], protocol: str) -> None:
    code, out, _ = run(capsys, "compare", protocol, "--weight", "10kg")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("range-dog"))
    # per kg over 4 doses: 4×10⁶ to 8×10⁶ cells/kg; 10 kg: 1×10⁷–2×10⁷ a dose, 4×10⁷–8×10⁷ total
    for text in ("1×10⁶–2×10⁶ cells/kg", "4×10⁶–8×10⁶ cells/kg", "1×10⁷–2×10⁷ cells",
                 "4×10⁷–8×10⁷ cells"):  # fmt: skip
        assert text in row
    _, out, _ = run(capsys, "compare", protocol, "--weight", "10kg", "--format", "json")
    data = json.loads(out)
    record = data["rows"][0]
    assert record["total_cells_per_kg_low"] == 4e6 and record["total_cells_per_kg"] == 8e6
    assert record["cells_per_dose_low"] == 1e7 and record["total_cells_low"] == 4e7


def test_the_cumulative_panel_shades_the_range(protocol: str) -> None:
    from matplotlib.collections import PolyCollection

    import celldose

    fig, timeline = celldose.timeline_figure(protocol, weight="10 kg", cumulative=True)
    cumulative = fig.axes[-1]
    bands = [c for c in cumulative.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    # the band's lowest top-right corner is the lower bound's total: 4×10⁶ cells/kg = 4 (×10⁶)
    ys = bands[0].get_paths()[0].vertices[:, 1]
    assert min(y for y in ys if y > 0) == pytest.approx(1.0)  # 1×10⁶ cells/kg after dose 1
    assert max(ys) == pytest.approx(8.0)  # 8×10⁶ cells/kg: the upper bound's total
    assert any("dose range shaded" in h.get_label() for h in timeline.cumulative_handles)


def test_simulate_says_demand_is_ordered_at_the_upper_bound(
    capsys: pytest.CaptureFixture[str], protocol: str
) -> None:
    code, out, _ = run(capsys, "simulate", protocol, "--patients", "10")
    assert code == 0
    assert (
        "basis: 1×10⁶–2×10⁶ cells/kg (per kg, published) × each patient's weight; demand "
        "ordered at the upper bound 2×10⁶ cells/kg"
    ) in out.splitlines()


def test_show_parse_and_compare_give_a_dose_per_lb_as_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "lb-dog.yaml"
    path.write_text(
        PROTOCOL.replace("id: range-dog", "id: lb-dog").replace(
            "dose: 1–2×10⁶ cells/kg", "dose: 1×10⁶ cells/lb"
        ),
        encoding="utf-8",
    )
    # 1×10⁶ / 0.45359237 = 2.2046×10⁶ cells/kg, 3 significant figures: 2.2×10⁶
    _, out, _ = run(capsys, "show", str(path))
    assert "  dose: 1×10⁶ cells/lb (2.2×10⁶ cells/kg)" in out.splitlines()
    _, out, _ = run(capsys, "parse", "1×10⁶ cells/lb weekly ×2")
    assert "phase 1: dose 1×10⁶ cells/lb (2.2×10⁶ cells/kg), every 1 week, 2 doses" in out
    _, out, _ = run(capsys, "compare", str(path), "--weight", "22lb")
    row = next(line for line in out.splitlines() if line.startswith("lb-dog"))
    # 22 lb × 1×10⁶ cells/lb = 2.2×10⁷ cells a dose, 4.4×10⁷ over 2 doses
    assert "1×10⁶ cells/lb (2.2×10⁶ cells/kg)" in row and "2.2×10⁷ cells" in row
    assert "2.2046" not in out


def test_the_plan_repr_shows_both_bounds(protocol: str) -> None:
    import celldose

    plan = celldose.plan_doses(protocol, weight="10 kg")
    assert repr(plan) == "DosePlan(range-dog, msc, 10 kg, 4 doses, 4×10⁷–8×10⁷ cells)"


def test_a_branch_with_a_range_sums_both_bounds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "dose", "--regimen",
        "2×10⁶ cells/kg weekly ×2; assess on day 14; if partial response: 1–2×10⁶ cells/kg "
        "weekly ×2", "--species", "human", "--weight", "40kg", "--start", "2026-01-05",
    )  # fmt: skip
    assert code == 0
    # course: 2 × 2×10⁶ × 40 = 1.6×10⁸; branch: 2 × (4×10⁷ to 8×10⁷) = 8×10⁷ to 1.6×10⁸;
    # with the course 1.6×10⁸ + 8×10⁷ = 2.4×10⁸ to 1.6×10⁸ + 1.6×10⁸ = 3.2×10⁸
    assert (
        "branch: 2 doses, 8×10⁷–1.6×10⁸ cells; with the course, 2.4×10⁸–3.2×10⁸ cells in "
        "total, last dose on day 21"
    ) in out.splitlines()
    assert "  basis: 1×10⁶–2×10⁶ cells/kg (per kg) for 40 kg" in out.splitlines()


def test_a_range_capped_down_to_its_lower_bound_shows_one_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "dose", "--regimen", "1–2×10⁶ cells/kg weekly ×4; max per course 5×10⁷ cells",
        "--species", "dog", "--weight", "10kg",
    )  # fmt: skip
    assert code == 0
    # 2×10⁷ a dose at the upper bound: after 2 doses 4×10⁷, so dose 3 is capped at the 1×10⁷
    # left, which is also the lower bound (1×10⁶ × 10 kg): one number
    row = next(line for line in out.splitlines() if line.startswith("3 "))
    assert "1×10⁷ cells (capped)" in row and "1×10⁷–1×10⁷" not in row


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


def test_a_weight_band_whose_dose_is_a_range(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "band-range.yaml"
    path.write_text(BANDED, encoding="utf-8")
    code, out, _ = run(capsys, "dose", str(path), "--weight", "40kg")
    assert code == 0
    # 40 kg: 0.2×10⁶ × 40 = 8×10⁶ to 5×10⁶ × 40 = 2×10⁸ cells a dose; 2 doses: 1.6×10⁷ to 4×10⁸
    assert "range: 8×10⁶–2×10⁸ cells per dose for 40 kg" in out
    assert "course: 2 doses, 1.6×10⁷–4×10⁸ cells in total, last dose on day 7" in out
    code, out, err = run(capsys, "dose", str(path), "--weight", "70kg", "--dose", "3e8 cells")
    assert code == 2 and "outside the dose range 1×10⁷–2.5×10⁸ cells" in err
    code, out, _ = run(capsys, "dose", str(path), "--weight", "70kg", "--dose", "2e8 cells")
    assert "basis: 2×10⁸ cells (flat, chosen within 1×10⁷–2.5×10⁸ cells)" in out
