"""Issue 11's smaller defects of protocol files, through the commands a new user runs."""

from __future__ import annotations

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
