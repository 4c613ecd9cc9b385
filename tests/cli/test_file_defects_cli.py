"""Issue 11's smaller defects of protocol files, through the commands a new user runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from celldose.cli import main

SEVEN_ERRORS = Path(__file__).parents[1] / "fixtures" / "seven-errors.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_lists_seven_errors_in_one_run_each_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "seven.yaml"
    path.write_text(SEVEN_ERRORS.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run(capsys, "check", str(path))
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{path}:4:10",
        f"{path}:6:10",
        f"{path}:7:8",
        f"{path}:9:16",
        f"{path}:13:11",
        f"{path}:16:11",
        f"{path}:18:12",
    ]
    assert lines[5] == (
        f"{path}:16:11: arms[2].name: arm name 'a' repeats; arm names must be unique "
        "(hint: rename one of them (the first is arm 1))"
    )


def test_product_and_reference_not_reported_show_as_not_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "unknown.yaml"
    path.write_text(
        "id: unknown\ntitle: Unknown product\nspecies: dog\nindication: OA\n"
        "product: not reported\nroute: IV\n"
        "arms: [{name: a, regimen: 2×10⁶ cells/kg weekly ×4}]\nreference: not reported\n",
        encoding="utf-8",
    )
    assert run(capsys, "check", str(path))[:2] == (0, f"ok: {path} (unknown, 1 arm)\n")
    code, out, _ = run(capsys, "show", str(path))
    assert code == 0
    assert "\nproduct: not reported\n" in out
    assert out.endswith("reference: not reported\n")
    code, out, err = run(capsys, "dose", str(path), "--weight", "10kg")
    assert code == 0, err
    assert "2×10⁷ cells" in out  # 2×10⁶ cells/kg × 10 kg


def test_arms_not_reported_exits_2_saying_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "noarms.yaml"
    path.write_text(
        "id: noarms\ntitle: t\nspecies: dog\nindication: OA\nproduct: not reported\n"
        "route: IV\narms: not reported\nreference: not reported\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "check", str(path))
    assert code == 2
    assert err == (
        f"{path}:7:7: arms: arms cannot be 'not reported': a protocol needs at least one arm "
        "(its regimen is what celldose plans) (hint: write arms: [{name: a, regimen: "
        "'2×10⁶ cells/kg weekly ×4'}])\n"
    )


VIAL_ONLY = """\
id: vial-only
title: A product given as cells per vial and vial volume
species: dog
indication: OA
product:
  name: cAD-MSC
  tissue_source: adipose tissue
  donor: allogeneic
  origin_species: dog
  cells_per_vial: 2.5×10⁷ cells
  vial_volume: 5 mL
route: IV
arms:
  - name: a
    dose: 1×10⁶ cells/kg
    regimen: weekly ×4
reference:
  citation: In-house
"""


def test_a_vial_of_cells_and_ml_gives_the_volume_with_the_concentration_labelled_derived(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # concentration = 2.5×10⁷ cells / 5 mL = 5×10⁶ cells/mL; a dose of 1×10⁶ cells/kg × 10 kg
    # = 1×10⁷ cells is 1×10⁷ / 5×10⁶ = 2 mL, one vial, leftover 1.5×10⁷ cells (3 mL)
    path = tmp_path / "vial.yaml"
    path.write_text(VIAL_ONLY, encoding="utf-8")
    code, out, err = run(capsys, "dose", str(path), "--weight", "10kg", "--start", "2026-01-05")
    assert code == 0, err
    lines = out.splitlines()
    assert "product: 5×10⁶ cells/mL (derived: 2.5×10⁷ cells per vial / 5 mL)" in lines
    first = next(line for line in lines if line.startswith("1 "))
    columns = ["1", "1", "0", "2026-01-05 Mon", "1×10⁷ cells", "2 mL", "1"]
    assert first.split("  ")[:1] == ["1"]
    assert [c.strip() for c in first.split("  ") if c.strip()] == [
        *columns,
        "1.5×10⁷ cells (3 mL)",
        "1×10⁷ cells",
    ]
    code, out, err = run(capsys, "dose", str(path), "--weight", "10kg", "--format", "json")
    assert code == 0, err
    product = json.loads(out)["product"]
    assert product["concentration_cells_per_ml"] == 5e6
    assert product["concentration_derived_from"] == "2.5×10⁷ cells per vial / 5 mL"
    assert json.loads(out)["doses"][0]["volume_ml"] == 2.0


def test_a_given_concentration_is_not_labelled_derived(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "given.yaml"
    path.write_text(
        VIAL_ONLY.replace("  cells_per_vial: 2.5×10⁷ cells\n", "  concentration: 5e6 cells/mL\n"),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "dose", str(path), "--weight", "10kg", "--format", "json")
    assert code == 0, err
    product = json.loads(out)["product"]
    assert (product["concentration_cells_per_ml"], product["concentration_derived_from"]) == (
        5e6,
        None,
    )
