"""What `celldose dose` says about values that did not come from the source, and odd values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from celldose.cli import main

CLINIC = str(Path(__file__).resolve().parents[2] / "examples" / "clinic-dog-protocol.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_replaced_dose_shows_in_the_regimen_line_and_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("dose", "chen2024-itp-ucmsc", "--arm", "escalation-0.5", "--weight", "70kg")
    code, out, _ = run(capsys, *args, "--dose", "2e6 cells/kg", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["regimen"] == "2×10⁶ cells/kg weekly ×4"  # not the published 5×10⁵
    assert any("replaces the protocol's 5×10⁵ cells/kg" in w for w in data["warnings"])
    code, out, _ = run(capsys, *args, "--dose", "2e6 cells/kg")
    assert out.splitlines()[0] == (
        "protocol: chen2024-itp-ucmsc, arm escalation-0.5: 2×10⁶ cells/kg weekly ×4"
    )
    assert "(per kg, from --dose)" in out


def test_values_filled_on_the_command_line_are_labelled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "dose", "izadi2022-t1d-bmmsc", "--weight", "60kg", "--interval", "2 weeks"
    )
    assert code == 0
    assert "note: interval 2 weeks given with --interval (the source does not report it)" in out
    code, out, _ = run(capsys, "dose", "aa-ucmsc-18", "--weight", "60kg", "--count", "3")
    assert "note: number of doses 3 given with --count (the source does not report it)" in out


def test_a_one_off_regimen_is_not_called_published(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "dose", "--regimen", "1e6 cells/kg q4w x3", "--species", "dog", "--weight", "10kg"
    )
    assert code == 0
    assert out.splitlines()[0] == "regimen (given with --regimen): 1×10⁶ cells/kg q4w ×3"
    assert "(per kg, from --regimen)" in out and "published" not in out


def test_product_values_from_the_command_line_say_what_they_replace(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "dose", CLINIC, "--arm", "induction",
        "--weight", "12kg", "--concentration", "1e7 cells/mL", "--viability", "0.8",
    )  # fmt: skip
    assert code == 0
    assert "concentration 1×10⁷ cells/mL from --concentration replaces the protocol's " in out
    assert "6.68×10⁶ cells/mL" in out
    assert "viability 0.8 from --viability replaces the protocol's 0.92" in out


def test_implausible_doses_and_volumes_warn(capsys: pytest.CaptureFixture[str]) -> None:
    # 1e6 cells/g is 1e9 cells/kg: outside 1e4-1e8 cells/kg (checks.toml) -> a warning
    code, out, _ = run(
        capsys, "dose", "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/g"
    )
    assert code == 0
    assert "warning: a dose of 1×10⁹ cells/kg is outside 1×10⁴-1×10⁸ cells/kg" in out
    # a concentration typed 10³ too small: 1.2e7 cells / 6.68e3 cells/mL = 1796 mL for 12 kg
    code, out, _ = run(
        capsys, "dose", "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/kg",
        "--concentration", "6.68e3 cells/mL",
    )  # fmt: skip
    assert "warning: a volume of 1800 mL per dose is more than 5 mL/kg" in out


def test_less_than_one_cell_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "dose", "jang2025-canine-itp", "--weight", "12kg", "--dose", "0.5 cells"
    )
    assert code == 2
    assert err.startswith("error: the dose 0.5 cells gives 0.5 cells for 12 kg")


def test_csv_warnings_go_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "dose", "qi2017-sjogren-thrombocytopenia", "--weight", "70kg",
        "--dose", "5e6/kg", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    assert out.startswith("id,name,protocol,arm,schedule,number,")
    assert "warning: dose 5×10⁶ cells/kg from --dose replaces the protocol's 2×10⁶" in err


def test_hints_for_unreported_values_are_placeholders(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "dose", "jang2025-canine-itp", "--weight", "12kg")
    assert err.endswith('(give it with --dose "<amount> cells/kg")\n')
    _, _, err = run(capsys, "dose", "aa-ucmsc-18", "--weight", "60kg")
    assert err.endswith("(give it with --count <N>)\n")
    _, _, err = run(capsys, "dose", "izadi2022-t1d-bmmsc", "--weight", "60kg")
    assert err.endswith('(give it with --interval "<N> weeks")\n')


def test_less_than_one_cell_is_written_with_a_power_of_ten(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 2×10⁻⁶ cells/kg × 10 kg = 2×10⁻⁵ cells (was "2e-05 cells")
    code, out, err = run(
        capsys, "dose", "jang2025-canine-itp", "--weight", "10kg", "--dose", "2×10^-6 cells/kg"
    )
    assert (code, out) == (2, "")
    assert err == (
        "error: the dose 2×10⁻⁶ cells/kg gives 2×10⁻⁵ cells for 10 kg (check the dose and its "
        "unit: a dose is at least one whole cell)\n"
    )


def test_an_unpublished_protocol_s_dose_is_from_the_protocol_not_published(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pathlib import Path

    from celldose.cli import main

    clinic = Path(__file__).parents[2] / "examples" / "clinic-dog-protocol.yaml"
    assert main(["dose", str(clinic), "--arm", "induction", "--weight", "12kg"]) == 0
    out = capsys.readouterr().out
    # 2×10⁶ cells/kg × 12 kg; the clinic's own protocol (reference published: false)
    assert "basis: 2×10⁶ cells/kg (per kg, from the protocol) × 12 kg body weight" in out
    assert "published" not in out
    assert main(["dose", "qi2017-sjogren-thrombocytopenia", "--weight", "60kg"]) == 0
    assert "basis: 2×10⁶ cells/kg (per kg, published) × 60 kg" in capsys.readouterr().out


@pytest.mark.parametrize("given", ["0.8", "80%", " 80 %"])
def test_a_viability_reads_as_a_fraction_or_a_percentage(
    capsys: pytest.CaptureFixture[str], given: str
) -> None:
    from pathlib import Path

    from celldose.cli import main

    clinic = Path(__file__).parents[2] / "examples" / "clinic-dog-protocol.yaml"
    args = ["dose", str(clinic), "--arm", "induction", "--weight", "12kg", "--format", "json"]
    assert main([*args, "--viability", given]) == 0
    data = json.loads(capsys.readouterr().out)
    # 2×10⁶ cells/kg × 12 kg = 2.4×10⁷ viable cells; / 0.8 = 3×10⁷ cells to draw
    assert data["doses"][0]["cells_to_draw"] == pytest.approx(3e7, rel=1e-12)


def test_a_viability_that_is_neither_is_refused_with_both_forms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from celldose.cli import main

    assert main(["dose", "jang2025-canine-itp", "--weight", "12kg", "--viability", "high"]) == 2
    assert "'high' is not a fraction: write it like 0.92 or 92%" in capsys.readouterr().err
