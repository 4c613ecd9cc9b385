"""Weight bands on the command line (issue 10, rule 2): `check` refuses gaps and overlaps with
the band's line (exit 2), and `dose`, `show`, `compare` and `plot` name the band used.

The bands below: "≤ 50 kg" gives 2×10⁶ cells/kg, "> 50 kg" a flat 1.5×10⁸ cells. Hand arithmetic:
- 50 kg exactly is in "≤ 50 kg": 2×10⁶ × 50 = 1×10⁸ cells a dose; 4 doses = 4×10⁸ cells.
- 50.01 kg is in "> 50 kg": 1.5×10⁸ cells a dose (flat); 4 doses = 6×10⁸ cells;
  per kg 1.5×10⁸ / 50.01 = 2.999×10⁶ cells/kg.
- 110 lb = 110 × 0.45359237 = 49.8951607 kg, in "≤ 50 kg": 2×10⁶ × 49.8951607 = 99,790,321.4
  cells a dose (9.98×10⁷ shown).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from celldose.cli import main

HEAD = """\
id: banded
title: Banded dose
species: dog
indication: test
product: {name: MSC, tissue_source: adipose, donor: allogeneic, origin_species: dog}
route: IV
"""
BANDS = (
    "dose:\n"
    '  - {weight: "≤ 50 kg", dose: "2×10⁶ cells/kg"}\n'
    '  - {weight: "> 50 kg", dose: "1.5×10⁸ cells"}\n'
)
ARM = "arms:\n  - name: a\n    regimen: weekly ×4\nreference: {citation: test}\n"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "banded.yaml"
    path.write_text(HEAD + text, encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def banded(tmp_path: Path) -> str:
    return write(tmp_path, BANDS + ARM)


def test_check_accepts_bands_that_meet(banded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", banded) == (0, f"ok: {banded} (banded, 1 arm)\n", "")


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (
            "> 60 kg",
            "dose[1].weight: weight bands leave 50–60 kg uncovered (hint: make one band end "
            'where the next begins ("≤ 50 kg" then "> 50 kg"))',
        ),
        (
            "≥ 50 kg",
            'dose[1].weight: weight bands "≤ 50 kg" and "≥ 50 kg" both hold 50 kg (hint: make '
            'one band end where the next begins ("≤ 50 kg" then "> 50 kg"))',
        ),
    ],
)
def test_check_refuses_a_gap_or_an_overlap_with_the_band_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], second: str, message: str
) -> None:
    path = write(tmp_path, BANDS.replace("> 50 kg", second) + ARM)
    assert run(capsys, "check", path) == (2, "", f"{path}:9:14: {message}\n")


def test_check_refuses_a_point_gap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, BANDS.replace("≤ 50 kg", "< 50 kg") + ARM)
    code, out, err = run(capsys, "check", path)
    assert (code, out) == (2, "")
    assert err == (
        f'{path}:9:14: dose[1].weight: weight bands "< 50 kg" and "> 50 kg" leave 50 kg '
        'uncovered (hint: make one band end where the next begins ("≤ 50 kg" then "> 50 kg"))\n'
    )


def test_check_refuses_bands_that_leave_plausible_dog_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, BANDS.replace("≤ 50 kg", "10–50 kg") + ARM)
    assert run(capsys, "check", path) == (
        2,
        "",
        f"{path}:8:3: dose: weight bands leave 1–10 kg uncovered (the plausible weights of a "
        'dog are 1–90 kg) (hint: add a band "< 10 kg")\n',
    )


def test_dose_at_exactly_50_kg_uses_the_lower_band(
    banded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "dose", banded, "--weight", "50kg")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == [
        "protocol: banded, arm a: 2×10⁶ cells/kg weekly ×4",
        "patient: dog, 50 kg",
        "weight bands: 2×10⁶ cells/kg if ≤ 50 kg; 1.5×10⁸ cells if > 50 kg",
    ]
    assert (
        "basis: 2×10⁶ cells/kg (per kg, published, weight band ≤ 50 kg) × 50 kg body weight"
    ) in lines
    assert "course: 4 doses, 4×10⁸ cells in total, last dose on day 21" in lines


def test_dose_just_above_50_kg_uses_the_flat_band(
    banded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "dose", banded, "--weight", "50.01kg", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["basis"]["band"] == "> 50 kg"
    assert data["basis"]["bands"] == ["2×10⁶ cells/kg if ≤ 50 kg", "1.5×10⁸ cells if > 50 kg"]
    assert data["basis"]["bases"] == ["flat"]
    first = data["doses"][0]
    assert (first["band"], first["dose"], first["basis"]) == ("> 50 kg", "1.5×10⁸ cells", "flat")
    assert first["cells"] == 1.5e8
    assert first["cells_per_kg"] == pytest.approx(2.999400e6, rel=1e-6)  # 1.5×10⁸ / 50.01
    assert data["totals"][0]["total_cells"] == 6e8


def test_110_lb_is_in_the_lower_band(banded: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "dose", banded, "--weight", "110lb", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["band"] for r in rows] == ["≤ 50 kg"] * 4
    assert float(rows[0]["cells"]) == pytest.approx(99_790_321.4)  # 2×10⁶ × 49.8951607


def test_the_table_of_110_lb_names_the_band(
    banded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "dose", banded, "--weight", "110lb")
    assert code == 0
    assert (
        "basis: 2×10⁶ cells/kg (per kg, published, weight band ≤ 50 kg) × 49.9 kg body weight"
    ) in out.splitlines()
    assert "9.98×10⁷ cells" in out


def test_a_weight_outside_every_band_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bands = BANDS.replace("≤ 50 kg", "< 10 kg").replace("> 50 kg", "10–80 kg")
    path = write(tmp_path, bands + ARM)
    assert run(capsys, "dose", path, "--weight", "95kg") == (
        2,
        "",
        'error: no weight band of the dose (banded, arm a) holds 95 kg: its bands are "< 10 kg", '
        '"10–80 kg" (check the weight and its unit)\n',
    )


def test_show_lists_every_band(banded: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", banded)
    assert code == 0
    assert "dose: 2×10⁶ cells/kg if ≤ 50 kg; 1.5×10⁸ cells if > 50 kg" in out.splitlines()


def test_compare_names_the_band(banded: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "compare", banded, "--weight", "60kg", "--format", "json")
    assert code == 0
    text = json.dumps(json.loads(out), ensure_ascii=False)
    assert "1.5×10⁸ cells (weight band > 50 kg)" in text


def test_without_a_weight_the_banded_dose_is_asked_for(
    banded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figure = str(tmp_path / "f.png")
    assert run(capsys, "plot", banded, "-o", figure) == (
        2,
        "",
        'error: the dose (banded, arm a) depends on the weight (weight bands "≤ 50 kg", '
        '"> 50 kg") (give the patient\'s weight, e.g. --weight "12 kg")\n',
    )
    assert not Path(figure).exists()


def test_a_cohort_lists_every_band(banded: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", banded, "--patients", "10", "--weight", "60kg")
    assert code == 0
    lines = out.splitlines()
    start = lines.index(
        "basis: weight bands (published), the band that holds each patient's weight:"
    )
    assert lines[start + 1 : start + 3] == [
        "  2×10⁶ cells/kg if ≤ 50 kg × each patient's weight",
        "  1.5×10⁸ cells if > 50 kg (flat)",
    ]
    assert "cohort total: 6×10⁹ cells dosed to 10 patients" in lines  # 10 × 4 × 1.5×10⁸


def test_a_what_if_with_weights_over_time_changes_band(
    banded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # doses on days 0 and 7 at 48 kg: "≤ 50 kg", 2×10⁶ × 48 = 9.6×10⁷ cells;
    # from day 14 at 52 kg: "> 50 kg", 1.5×10⁸ cells (flat)
    args = ("simulate", banded, "--weights", "0:48kg,14:52kg", "--format", "json")
    code, out, _ = run(capsys, *args)
    assert code == 0
    doses = json.loads(out)["doses"]
    assert [(d["band"], d["cells"]) for d in doses] == [
        ("≤ 50 kg", 9.6e7),
        ("≤ 50 kg", 9.6e7),
        ("> 50 kg", 1.5e8),
        ("> 50 kg", 1.5e8),
    ]


DECISION_ARM = """\
arms:
  - name: a
    dose:
      - {weight: "≤ 50 kg", dose: "2×10⁶ cells/kg"}
      - {weight: "> 50 kg", dose: "1.5×10⁸ cells"}
    regimen: "twice weekly for 4 weeks; assess on day 28 ± 2; if partial response: weekly ×4"
reference: {citation: test}
"""


def test_arm_bands_carry_into_a_decision_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 20 kg: "≤ 50 kg", 4×10⁷ cells a dose; the branch takes the course's (banded) dose
    path = write(tmp_path, DECISION_ARM)
    code, out, _ = run(capsys, "dose", path, "--weight", "20kg", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {d["band"] for d in data["doses"]} == {"≤ 50 kg"}
    (branch,) = data["branches"]
    assert [(d["band"], d["cells"]) for d in branch["doses"]] == [("≤ 50 kg", 4e7)] * 4


def test_a_weight_just_over_an_edge_is_printed_with_every_digit(
    banded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 50.0001 kg is in "> 50 kg" (1.5×10⁸ cells flat): printed as typed, never as "50 kg"
    code, out, _ = run(capsys, "dose", banded, "--weight", "50.0001kg")
    assert code == 0
    assert "patient: dog, 50.0001 kg\n" in out
    assert "weight band > 50 kg); patient weight 50.0001 kg" in out
    # 110.5 lb = 50.12196689 kg, in "> 50 kg": the pounds as typed, the kilograms to 4 figures
    code, out, _ = run(capsys, "dose", banded, "--weight", "110.5lb")
    assert "patient: dog, 110.5 lb (50.12 kg)\n" in out
