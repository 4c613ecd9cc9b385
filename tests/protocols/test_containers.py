"""`dose_by: whole containers` in a protocol file (issue 10, rule 4): the model and its checks.

Alofisel (studies.md, study 7): the whole content of 4 vials of 30×10⁶ cells in 6 mL each,
120×10⁶ cells, a flat dose; the fixture is tests/fixtures/alofisel-label.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.cli import main
from celldose.protocols import load_protocol, whole_containers

ALOFISEL = Path(__file__).resolve().parents[1] / "fixtures" / "alofisel-label.yaml"


def variant(tmp_path: Path, old: str, new: str) -> str:
    text = ALOFISEL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(path)


def check(capsys: pytest.CaptureFixture[str], path: str) -> tuple[int, str]:
    code = main(["check", path])
    out, err = capsys.readouterr()
    return code, (out + err).strip()


def test_the_fixture_reads_as_four_whole_vials() -> None:
    protocol = load_protocol(str(ALOFISEL))
    whole = whole_containers(protocol, protocol.arms[0])
    assert whole is not None
    assert (whole.count, whole.container, whole.text) == (4, "vial", "the whole content of 4 vials")
    assert whole.stated is not None and whole.stated.amount == 1.2e8


def test_a_stated_dose_that_contradicts_the_containers_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 3 vials × 3×10⁷ = 9×10⁷ cells, not the 1.2×10⁸ stated
    code, text = check(capsys, variant(tmp_path, "containers: 4", "containers: 3"))
    assert code == 2
    assert text.endswith(
        "variant.yaml:19:7: dose: the dose 1.2×10⁸ cells contradicts the whole content of 3 "
        "vials of 3×10⁷ cells (9×10⁷ cells); make them agree"
    )


def test_dose_by_needs_containers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # the missing containers has no line: the problem is on dose_by's (line 17, its value at
    # column 10 after "dose_by: "), not on the id line
    code, text = check(capsys, variant(tmp_path, "containers: 4\n", ""))
    assert code == 2
    assert text.endswith(
        "variant.yaml:17:10: dose_by: whole containers needs containers: the number of "
        "containers a dose uses (add e.g. containers: 4 next to dose_by)"
    )


def test_containers_need_dose_by(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # dose_by removed: containers moves up to line 17, its value at column 13
    code, text = check(capsys, variant(tmp_path, "dose_by: whole containers\n", ""))
    assert code == 2
    assert text.endswith(
        "variant.yaml:17:13: containers: containers needs dose_by: whole containers (containers "
        "is the number of whole containers a dose uses)"
    )


def test_a_per_kg_dose_with_whole_containers_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, text = check(capsys, variant(tmp_path, "dose: 120×10⁶ cells", "dose: 2×10⁶ cells/kg"))
    assert code == 2
    assert text.endswith(
        "dose: dose_by: whole containers gives a number of cells, not 2×10⁶ cells/kg: write the "
        "amount the source states (e.g. 1.2×10⁸ cells), or leave dose out"
    )


def test_an_arm_of_its_own_whole_containers(tmp_path: Path) -> None:
    # the protocol-level fields moved into the arm: the same 4 vials
    text = ALOFISEL.read_text(encoding="utf-8")
    text = text.replace("dose_by: whole containers\ncontainers: 4\ndose: 120×10⁶ cells\n", "")
    text = text.replace(
        "    role: treatment\n",
        "    role: treatment\n    dose_by: whole containers\n    containers: 2\n",
    )
    path = tmp_path / "arm.yaml"
    path.write_text(text, encoding="utf-8")
    protocol = load_protocol(str(path))
    whole = whole_containers(protocol, protocol.arms[0])
    assert whole is not None and (whole.count, whole.stated) == (2, None)


def test_show_names_the_containers(capsys: pytest.CaptureFixture[str]) -> None:
    # 4 × 3×10⁷ = 1.2×10⁸ cells
    assert main(["show", str(ALOFISEL)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "dose: the whole content of 4 vials" in lines
    assert "  dose: the whole content of 4 vials (1.2×10⁸ cells)" in lines
