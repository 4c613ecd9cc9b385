"""A dose beyond what any dose can be is refused wherever it is written or computed.

bounds.toml: at most 1×10⁹ cells per kg of body weight in one administration (packed cells
hold fewer than 6×10⁸ cells a mL, so 1×10⁹ cells/kg is over 1.7 mL of cells alone per kg).
Hand arithmetic: 2×10⁶ cells/mg = 2×10⁶ × 10⁶ mg/kg = 2×10¹² cells/kg; 2×10⁶ cells/g = 2×10⁹
cells/kg; 5×10⁸ cells/lb = 5×10⁸ / 0.45359237 = 1.102×10⁹ cells/kg; 1×10⁹ cells flat for a
0.5 kg patient = 2×10⁹ cells/kg; 1×10⁹ cells/kg itself is allowed (with the soft warning).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.cli import main
from celldose.protocols import UnitError, max_cells_per_kg, parse_dose, parse_protocol

HINT = "(hint: check the dose's unit (cells/kg, not cells/g or cells/mg) and its power of ten)"
FILE = """\
id: impossible
title: impossible
species: dog
indication: test
product: {name: X, tissue_source: fat, donor: allogeneic, origin_species: dog}
route: IV
dose: DOSE
arms:
  - name: a
    regimen: weekly ×2
reference: {citation: none}
"""


def test_the_bound_is_read_from_its_data_file() -> None:
    assert max_cells_per_kg() == 1e9


@pytest.mark.parametrize(
    ("text", "per_kg"),
    [
        ("2×10⁶ cells/mg", "2×10¹²"),
        ("2×10⁶ cells/g", "2×10⁹"),
        ("2×10⁶⁰ cells/kg", "2×10⁶⁰"),
        ("5×10⁸ cells/lb", "1.1×10⁹"),
        ("1–2×10⁹ cells/kg", "2×10⁹"),
    ],
)
def test_a_dose_beyond_the_possible_is_refused_as_written(text: str, per_kg: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_dose(text)
    assert info.value.problem == (
        f"it is {per_kg} cells/kg, more than any dose can be (at most 1×10⁹ cells/kg: the cells "
        "alone would fill more than 1.7 mL per kg of body weight)"
    )


def test_the_bound_itself_is_a_dose() -> None:
    assert parse_dose("1×10⁹ cells/kg").amount == 1e9


def test_check_refuses_the_file_with_the_dose_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(FILE.replace("DOSE", "2×10⁶ cells/mg"), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"{path}:7:7: dose: the dose '2×10⁶ cells/mg' is refused: it is 2×10¹² cells/kg, "
        "more than any dose can be (at most 1×10⁹ cells/kg: the cells alone would fill more "
        f"than 1.7 mL per kg of body weight) {HINT}\n"
    )


def test_a_structured_dose_beyond_the_possible_is_refused() -> None:
    text = FILE.replace("DOSE", "{amount: 2.0e+60, unit: cells, basis: per kg}")
    with pytest.raises(ValueError, match="more than any dose can be"):
        parse_protocol(text, "p.yaml")


def test_a_flat_dose_for_a_light_patient_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["dose", "--regimen", "1e9 cells weekly ×2", "--species", "dog", "--weight", "0.5kg"]
    )
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        "error: dose 1 is 1×10⁹ cells for 0.5 kg: 2×10⁹ cells/kg, more than any dose can be "
        "(at most 1×10⁹ cells/kg) (check the dose, its unit and the weight)\n"
    )
