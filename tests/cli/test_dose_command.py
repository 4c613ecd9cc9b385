"""`celldose dose`: the command line, its formats, its display rules and its refusals.

Expected numbers are worked out by hand in comments (1 lb = 0.45359237 kg; FDA Km human 37,
dog 20; Meeh BSA = K × (weight in g)^(2/3) × 10⁻⁴; Mosteller = √(cm × kg / 3600)).
Refusals: exit code 2, one line ``error: ...`` on stderr, no traceback, no output file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from celldose.cli import main

JANG = "jang2025-canine-itp"
CHEN = "chen2024-itp-ucmsc"
QI = "qi2017-sjogren-thrombocytopenia"
AA = "aa-ucmsc-18"
IZADI = "izadi2022-t1d-bmmsc"
CHEN_ARGS = [CHEN, "--arm", "expansion-2.0", "--weight", "70kg"]
JANG_ARGS = [JANG, "--weight", "26.5lb", "--dose", "2e6 cells/kg"]
JANG_PRODUCT = ["--concentration", "6.68e6 cells/mL", "--vial", "3.8 mL"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `celldose dose ARGS` in process; an exception escaping main() fails the test."""
    try:
        code = main(["dose", *args])
    except Exception as exc:  # anything escaping main() is a traceback for the user
        pytest.fail(f"main() raised {type(exc).__name__}: {exc} (the user sees a traceback)")
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "Traceback" not in err
    return out


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Assert a clean refusal; return the message after 'error: '."""
    code, out, err = run(capsys, *args)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert out == ""
    return lines[0].removeprefix("error: ")


def as_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    data = json.loads(ok(capsys, *args, "--format", "json"))
    assert isinstance(data, dict)
    return data


def as_csv(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ok(capsys, *args, "--format", "csv"))))


def unfold_ics(text: str) -> str:
    """Undo RFC 5545 line folding (a line break + one space); one property per line."""
    return text.replace("\r\n", "\n").replace("\n ", "")


# --------------------------------------------------------------------------------------------
# the worked example: a 26.5 lb dog at 2×10⁶ cells/kg


def test_jang_26_5_lb_table(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, *JANG_ARGS, *JANG_PRODUCT, "--start", "2026-12-01")
    # weight: 26.5 × 0.45359237 = 12.020197805 kg -> "12.02 kg"
    assert "26.5 lb (12.02 kg)" in out
    # basis line: the per-kg dose, its source and the weight it multiplies
    basis = next(line for line in out.splitlines() if line.startswith("basis:"))
    assert "2×10⁶ cells/kg" in basis
    assert "per kg" in basis
    assert "--dose" in basis
    assert "12.02 kg" in basis
    # cells: 2×10⁶ × 12.020197805 = 24,040,395.61 -> 3 significant figures: 2.4×10⁷
    assert "2.4×10⁷ cells" in out
    # volume: 24,040,395.61 / 6.68×10⁶ = 3.5988616 mL -> 3.6 mL
    assert "3.6 mL" in out
    # leftover: 3.8 × 6.68×10⁶ = 25,384,000 − 24,040,395.61 = 1,343,604.39 cells = 0.2011 mL
    assert "1.34×10⁶ cells (0.201 mL)" in out
    # course: 8 × 24,040,395.61 = 1.923×10⁸ cells; 8 × 3.5988616 = 28.79 mL; 8 vials; day 196
    course = next(line for line in out.splitlines() if line.startswith("course:"))
    assert "8 doses" in course
    assert "1.92×10⁸ cells" in course
    assert "28.8 mL" in course
    assert "8 vials" in course
    # 8 × 1,343,604.39 = 10,748,835.12 -> 1.07×10⁷ cells unused
    assert "1.07×10⁷" in course
    assert "day 196" in course
    # q4w from 2026-12-01 (a Tuesday): 12-01, 12-29, 2027-01-26, ..., + 196 days = 2027-06-15
    assert "2026-12-01 Tue" in out
    assert "2026-12-29 Tue" in out
    assert "2027-06-15 Tue" in out


def test_jang_26_5_lb_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(capsys, *JANG_ARGS, *JANG_PRODUCT, "--start", "2026-12-01")
    assert data["patient"]["weight_kg"] == pytest.approx(12.020197805, rel=1e-12)
    assert data["patient"]["weight_given"] == "26.5 lb"
    assert data["basis"]["source"] == "given"
    assert data["basis"]["bases"] == ["per kg"]
    doses = data["doses"]
    assert len(doses) == 8
    first = doses[0]
    # 2×10⁶ × 12.020197805 = 24,040,395.61 cells
    assert first["cells"] == pytest.approx(24_040_395.61, rel=1e-12)
    assert first["cells_per_kg"] == pytest.approx(2e6, rel=1e-12)
    # 24,040,395.61 / 6.68×10⁶ = 3.5988616 mL
    assert first["volume_ml"] == pytest.approx(3.5988616, rel=1e-7)
    assert first["vials"] == 1
    assert first["leftover_cells"] == pytest.approx(1_343_604.39, rel=1e-9)
    # dates 28 days apart; last dose day 196
    assert [d["day"] for d in doses] == [28 * k for k in range(8)]
    assert doses[-1]["date"] == "2027-06-15"  # 2026-12-01 + 196 days
    total = data["totals"][0]
    assert total["doses"] == 8
    assert total["total_vials"] == 8
    assert total["course_days"] == 196
    assert total["total_cells"] == pytest.approx(192_323_164.88, rel=1e-12)


@pytest.mark.parametrize("start", ["2026-12-01", "2024-02-29", "2025-12-31", "2027-01-02"])
def test_jang_q4w_x8_from_any_date(capsys: pytest.CaptureFixture[str], start: str) -> None:
    import datetime as dt

    data = as_json(capsys, *JANG_ARGS, "--start", start)
    first = dt.date.fromisoformat(start)
    dates = [dt.date.fromisoformat(d["date"]) for d in data["doses"]]
    assert dates == [first + dt.timedelta(days=28 * k) for k in range(8)]
    assert data["doses"][-1]["day"] == 196
    assert data["totals"][0]["course_days"] == 196


# --------------------------------------------------------------------------------------------
# weights


@pytest.mark.parametrize(
    ("weight", "kg"),
    [
        ("12kg", 12.0),
        ("12 kg", 12.0),
        ("26.5lb", 12.020197805),  # 26.5 × 0.45359237
        ("950g", 0.95),  # 950 × 0.001
    ],
)
def test_weights_parse(capsys: pytest.CaptureFixture[str], weight: str, kg: float) -> None:
    data = as_json(capsys, JANG, "--weight", weight, "--dose", "2e6 cells/kg")
    assert data["patient"]["weight_kg"] == pytest.approx(kg, rel=1e-12)
    # 2×10⁶ cells/kg × kg
    assert data["doses"][0]["cells"] == pytest.approx(2e6 * kg, rel=1e-12)


def test_bare_number_weight_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, JANG, "--weight", "12", "--dose", "2e6 cells/kg")
    assert "12 what?" in message
    assert "12kg" in message and "12lb" in message


@pytest.mark.parametrize(
    "weight", ["0kg", "0 lb", "-5kg", "nan kg", "NaN", "inf kg", "infinity lb", "1e999kg", "kg"]
)
def test_unusable_weight_is_refused(capsys: pytest.CaptureFixture[str], weight: str) -> None:
    message = refused(capsys, JANG, "--weight", weight, "--dose", "2e6 cells/kg")
    assert "weight" in message


@pytest.mark.parametrize("weight", ["900kg", "900lb", "121kg", "100g"])
def test_absurd_dog_weight_is_refused(capsys: pytest.CaptureFixture[str], weight: str) -> None:
    message = refused(capsys, JANG, "--weight", weight, "--dose", "2e6 cells/kg")
    assert "dog" in message
    assert "outside the accepted" in message


def test_weight_outside_soft_range_warns(capsys: pytest.CaptureFixture[str]) -> None:
    # dogs usually weigh 1-90 kg: 0.95 kg is plausible (a puppy) but worth a check
    out = ok(capsys, JANG, "--weight", "950g", "--dose", "2e6 cells/kg")
    assert "warning: weight 950 g (0.95 kg) is outside the usual" in out
    # 2×10⁶ × 0.95 = 1.9×10⁶ cells
    assert "1.9×10⁶ cells" in out
    data = as_json(capsys, JANG, "--weight", "95kg", "--dose", "2e6 cells/kg")
    assert any("outside the usual" in w for w in data["warnings"])


def test_weight_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, JANG, "--dose", "2e6 cells/kg")
    assert code == 2
    assert "--weight" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------------------------
# Chen, Qi, and the per-m² doses


def test_chen_expansion_70kg(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, *CHEN_ARGS, "--start", "2026-01-05")
    for date in ("2026-01-05 Mon", "2026-01-12 Mon", "2026-01-19 Mon", "2026-01-26 Mon"):
        assert date in out
    # 2×10⁶ × 70 kg = 1.4×10⁸ per dose; 4 doses = 5.6×10⁸
    assert out.count("1.4×10⁸ cells") >= 4
    assert "4 doses, 5.6×10⁸ cells in total" in out
    assert "published" in out
    assert "weekend" not in out
    data = as_json(capsys, *CHEN_ARGS, "--start", "2026-01-05")
    assert [d["date"] for d in data["doses"]] == [
        "2026-01-05",
        "2026-01-12",
        "2026-01-19",
        "2026-01-26",
    ]
    assert [d["cells"] for d in data["doses"]] == [pytest.approx(1.4e8, rel=1e-12)] * 4
    assert data["totals"][0]["total_cells"] == pytest.approx(5.6e8, rel=1e-12)


def test_chen_needs_an_arm(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, CHEN, "--weight", "70kg")
    assert "--arm" in message
    assert "expansion-2.0" in message


def test_unknown_arm_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, CHEN, "--arm", "expansion-9", "--weight", "70kg")
    assert "expansion-9" in message


def test_unknown_protocol_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, "chen2024-itp-ucmc", "--weight", "70kg")
    assert "chen2024-itp-ucmsc" in message  # did you mean ...


def test_qi_monthly_from_jan_31(capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(capsys, QI, "--weight", "60kg", "--start", "2025-01-31")
    # once a calendar month, clipped to the month's end: Jan 31, Feb 28, Mar 31, Apr 30
    assert [d["date"] for d in data["doses"]] == [
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
    ]
    # 28, 28 + 31 = 59, 59 + 30 = 89 days
    assert [d["day"] for d in data["doses"]] == [0, 28, 59, 89]
    out = ok(capsys, QI, "--weight", "60kg", "--start", "2025-01-31")
    assert "2025-02-28 Fri" in out
    assert "2025-04-30 Wed" in out


def test_qi_monthly_without_start_shows_months(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, QI, "--weight", "60kg")
    assert "+1 month" in out and "+3 months" in out
    data = as_json(capsys, QI, "--weight", "60kg")
    assert [d["day"] for d in data["doses"]] == [0, None, None, None]


def test_meeh_per_m2_dog(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--regimen", "5×10⁷ cells/m² q21d ×3", "--species", "dog", "--weight", "10kg"]
    data = as_json(capsys, *args)
    # Meeh: 10.1 × 10000^(2/3) × 10⁻⁴ = 10.1 × 464.1588834 × 10⁻⁴ = 0.46880047 m²
    assert data["patient"]["bsa_m2"] == pytest.approx(0.46880047, rel=1e-7)
    assert "Meeh" in data["patient"]["bsa_formula"]
    # 5×10⁷ × 0.46880047 = 23,440,023.6 cells
    assert data["doses"][0]["cells"] == pytest.approx(23_440_023.6, rel=1e-7)
    assert data["basis"]["bases"] == ["per m²"]
    assert [d["day"] for d in data["doses"]] == [0, 21, 42]
    out = ok(capsys, *args)
    assert "2.34×10⁷ cells" in out
    assert "0.4688 m²" in out
    assert "per m²" in out


def test_mosteller_per_m2_human(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--regimen", "5×10⁷ cells/m² q21d ×3", "--species", "human", "--weight", "80kg"]
    message = refused(capsys, *args)
    assert "--height" in message
    data = as_json(capsys, *args, "--height", "180cm")
    # Mosteller: √(180 × 80 / 3600) = √4 = 2 m²; 5×10⁷ × 2 = 1×10⁸ cells
    assert data["patient"]["bsa_m2"] == pytest.approx(2.0, rel=1e-12)
    assert data["patient"]["bsa_formula"] == "Mosteller"
    assert data["patient"]["height_cm"] == 180
    assert data["doses"][0]["cells"] == pytest.approx(1e8, rel=1e-12)
    # 170 cm, 70 kg: √(11900 / 3600) = √3.3055556 = 1.8181187 m²; × 5×10⁷ = 9.0906×10⁷
    out = ok(capsys, *args[:-1], "70kg", "--height", "170cm")
    assert "1.818 m² (Mosteller)" in out
    # the header and the basis name both inputs of the BSA, the height with the weight
    assert "patient: human adult, 70 kg, 170 cm, BSA 1.818 m² (Mosteller)" in out
    assert "× 1.818 m² BSA for 70 kg, 170 cm" in out
    assert "9.09×10⁷ cells" in out


def test_dubois_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--regimen", "5×10⁷ cells/m² q21d ×3", "--species", "human", "--weight", "80kg"]
    data = as_json(capsys, *args, "--height", "180cm", "--bsa-formula", "dubois")
    # 0.007184 × 80^0.425 × 180^0.725 = 0.007184 × 6.438773 × 43.16755 = 1.99642 m²
    assert data["patient"]["bsa_m2"] == pytest.approx(1.99642, rel=1e-4)
    assert data["patient"]["bsa_formula"] == "DuBois"


def test_regimen_needs_species(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, "--regimen", "1×10⁶ cells/kg q21d ×3", "--weight", "12kg")
    assert "--species" in message


def test_protocol_and_regimen_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(
        capsys, CHEN, "--regimen", "1×10⁶ cells/kg q21d ×3", "--species", "dog", "--weight", "12kg"
    )
    assert "not both" in message


# --------------------------------------------------------------------------------------------
# values the source does not report


def test_jang_without_dose_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, JANG, "--weight", "26.5lb")
    assert "does not report the dose" in message
    assert "--dose" in message
    assert JANG in message


@pytest.mark.parametrize(
    ("dose", "key"),
    [
        ("2e6", "without a unit"),
        ("2x106/kg", "flattened superscript"),  # never read as 2×106 = 212 cells/kg
        ("-2e6 cells/kg", "positive"),
        ("2e6 kg", "body weight unit"),
        ("0 cells/kg", "positive"),
    ],
)
def test_bad_dose_text_is_refused(capsys: pytest.CaptureFixture[str], dose: str, key: str) -> None:
    message = refused(capsys, JANG, "--weight", "12kg", "--dose", dose)
    assert key in message


def test_aa_needs_count(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, AA, "--weight", "60kg")
    assert "does not report the number of doses" in message
    assert "--count" in message


def test_aa_with_count_shows_both_schedules(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, AA, "--weight", "60kg", "--count", "4", "--start", "2026-01-05")
    assert "minimum schedule" in out
    assert "maximum schedule" in out
    # min: once weekly, Mondays 01-05 ... 01-26; max: twice weekly, days 0, 3, 7, 10
    assert "2026-01-26 Mon" in out
    assert "2026-01-08 Thu" in out and "2026-01-15 Thu" in out
    assert "last dose on day 21" in out
    assert "last dose on day 10" in out
    # 1×10⁶ × 60 kg = 6×10⁷ per dose; 4 doses = 2.4×10⁸ in each schedule
    assert out.count("4 doses, 2.4×10⁸ cells in total") == 2
    data = as_json(capsys, AA, "--weight", "60kg", "--count", "4")
    assert data["range"] is True
    schedules = [d["schedule"] for d in data["doses"]]
    assert schedules == ["min"] * 4 + ["max"] * 4
    assert [d["day"] for d in data["doses"] if d["schedule"] == "min"] == [0, 7, 14, 21]
    assert [d["day"] for d in data["doses"] if d["schedule"] == "max"] == [0, 3, 7, 10]
    assert [t["schedule"] for t in data["totals"]] == ["min", "max"]
    rows = as_csv(capsys, AA, "--weight", "60kg", "--count", "4")
    assert [r["schedule"] for r in rows] == ["min"] * 4 + ["max"] * 4


@pytest.mark.parametrize("count", ["0", "-3"])
def test_count_below_one_is_refused(capsys: pytest.CaptureFixture[str], count: str) -> None:
    message = refused(capsys, AA, "--weight", "60kg", "--count", count)
    assert "--count" in message


def test_huge_count_is_refused_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    # Fixed: `celldose dose aa-ucmsc-18 --weight 60kg --count 100000` ends in a pydantic
    # ValidationError traceback ("count must be between 1 and 10000"), exit 1; expected a
    # one-line "error: ..." and exit 2 like every other bad input.
    message = refused(capsys, AA, "--weight", "60kg", "--count", "100000")
    assert "count" in message


def test_count_on_a_reported_count_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, *CHEN_ARGS, "--count", "4")
    assert "reports the number of doses" in message
    assert "--count" in message


def test_izadi_needs_interval(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, IZADI, "--weight", "60kg")
    assert "does not report the interval" in message
    assert "--interval" in message


def test_izadi_with_interval(capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(
        capsys, IZADI, "--weight", "60kg", "--interval", "2 weeks", "--start", "2026-01-05"
    )
    assert data["arm"] == "msc"
    assert [d["date"] for d in data["doses"]] == ["2026-01-05", "2026-01-19"]  # + 14 days
    # 1×10⁶ × 60 kg = 6×10⁷ cells
    assert data["doses"][0]["cells"] == pytest.approx(6e7, rel=1e-12)


def test_zero_interval_is_refused_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    # Fixed: `celldose dose izadi2022-t1d-bmmsc --weight 60kg --interval "0 days"` ends in a
    # pydantic ValidationError traceback ("the interval must be at least 1 day"), exit 1;
    # expected a one-line "error: ..." and exit 2.
    message = refused(capsys, IZADI, "--weight", "60kg", "--interval", "0 days")
    assert "interval" in message


def test_izadi_placebo_arm_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(
        capsys, IZADI, "--arm", "placebo", "--weight", "60kg", "--interval", "2 weeks"
    )
    assert "placebo" in message


def test_interval_on_a_reported_interval_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, *CHEN_ARGS, "--interval", "2 weeks")
    assert "--interval" in message


# --------------------------------------------------------------------------------------------
# product logistics


def test_vial_as_volume_without_concentration_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    message = refused(capsys, *JANG_ARGS, "--vial", "3.8 mL")
    assert "concentration" in message


def test_vial_as_cell_count(capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(capsys, *CHEN_ARGS, "--vial", "5e7 cells")
    # 1.4×10⁸ cells from vials of 5×10⁷: ceil(2.8) = 3 vials; leftover 1.5×10⁸ − 1.4×10⁸ = 10⁷
    first = data["doses"][0]
    assert first["vials"] == 3
    assert first["leftover_cells"] == pytest.approx(1e7, rel=1e-12)
    assert first["volume_ml"] is None
    assert first["leftover_ml"] is None
    assert data["totals"][0]["total_vials"] == 12  # 4 doses × 3


def test_concentration_only_gives_volume(capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(capsys, *CHEN_ARGS, "--concentration", "1e7 cells/mL")
    # 1.4×10⁸ / 1×10⁷ cells/mL = 14 mL per dose; 4 × 14 = 56 mL
    assert data["doses"][0]["volume_ml"] == pytest.approx(14.0, rel=1e-12)
    assert data["doses"][0]["vials"] is None
    assert data["totals"][0]["total_volume_ml"] == pytest.approx(56.0, rel=1e-12)
    out = ok(capsys, *CHEN_ARGS, "--concentration", "1e7 cells/mL")
    assert "14 mL" in out and "56 mL" in out


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        (["--concentration", "0 cells/mL"], "positive"),
        (["--concentration", "nan cells/mL"], "--concentration"),
        (["--concentration", "6.68e6"], "needs a unit"),
        (["--concentration", "6.68e6 cells/kg"], "cells/mL"),
        (["--vial", "0 mL", "--concentration", "6.68e6 cells/mL"], "positive"),
        (["--vial", "3,8 mL", "--concentration", "6.68e6 cells/mL"], "comma"),
        (["--viability", "0"], "viability"),
        (["--viability", "1.5"], "viability"),
        (["--cap", "0 cells"], "positive"),
        (["--cap", "1e8"], "needs a unit"),
    ],
)
def test_bad_product_options_are_refused(
    capsys: pytest.CaptureFixture[str], extra: list[str], key: str
) -> None:
    message = refused(capsys, *JANG_ARGS, *extra)
    assert key in message


VIABLE_PROTOCOL = """\
id: viable-test
title: A protocol dosed in viable cells
species: dog
indication: test only
product:
  name: MSC
  tissue_source: adipose tissue
  donor: allogeneic
  origin_species: dog
  viability: 0.8
  dose_counts: viable cells
route: IV
dose: 2×10⁶ cells/kg
arms:
  - name: msc
    regimen: q4w ×2
reference:
  citation: test only
"""


@pytest.fixture
def viable_file(tmp_path: Path) -> str:
    path = tmp_path / "viable.yaml"
    path.write_text(VIABLE_PROTOCOL, encoding="utf-8")
    return str(path)


def test_viability_correction(capsys: pytest.CaptureFixture[str], viable_file: str) -> None:
    args = [viable_file, "--weight", "10kg", "--concentration", "5e6 cells/mL"]
    args += ["--vial", "2e7 cells"]
    data = as_json(capsys, *args)
    first = data["doses"][0]
    # 2×10⁶ viable cells/kg × 10 kg = 2×10⁷ viable cells
    assert first["cells"] == pytest.approx(2e7, rel=1e-12)
    # to draw: 2×10⁷ / 0.8 = 2.5×10⁷ cells = 2.5×10⁷ / 5×10⁶ = 5 mL
    assert first["cells_to_draw"] == pytest.approx(2.5e7, rel=1e-12)
    assert first["volume_ml"] == pytest.approx(5.0, rel=1e-12)
    # vials of 2×10⁷: ceil(1.25) = 2; leftover 4×10⁷ − 2.5×10⁷ = 1.5×10⁷ cells = 3 mL
    assert first["vials"] == 2
    assert first["leftover_cells"] == pytest.approx(1.5e7, rel=1e-12)
    assert first["leftover_ml"] == pytest.approx(3.0, rel=1e-12)
    assert data["product"]["dose_counts_viable"] is True
    assert data["product"]["viability"] == 0.8
    out = ok(capsys, *args)
    assert "viability: 80%" in out
    assert "to draw" in out
    assert "2.5×10⁷ cells" in out
    assert "5 mL" in out
    assert "1.5×10⁷ cells (3 mL)" in out


def test_viability_override_on_the_command_line(
    capsys: pytest.CaptureFixture[str], viable_file: str
) -> None:
    data = as_json(capsys, viable_file, "--weight", "10kg", "--viability", "0.5")
    # 2×10⁷ / 0.5 = 4×10⁷ cells to draw
    assert data["doses"][0]["cells_to_draw"] == pytest.approx(4e7, rel=1e-12)


def test_cap_is_labelled(capsys: pytest.CaptureFixture[str]) -> None:
    args = [JANG, "--weight", "10kg", "--dose", "2e6 cells/kg", "--cap", "1.5e7 cells"]
    out = ok(capsys, *args)
    # 2×10⁶ × 10 kg = 2×10⁷ > 1.5×10⁷: every dose capped; 8 × 1.5×10⁷ = 1.2×10⁸
    assert out.count("1.5×10⁷ cells (capped)") == 8
    assert "1.2×10⁸ cells in total" in out
    assert "warning: doses above the cap are capped at 1.5×10⁷ cells" in out
    data = as_json(capsys, *args)
    assert all(d["capped"] for d in data["doses"])
    assert data["doses"][0]["cells"] == 1.5e7
    assert data["product"]["cap_cells"] == 1.5e7


# --------------------------------------------------------------------------------------------
# species


def test_dog_protocol_for_cat_needs_cross_species(capsys: pytest.CaptureFixture[str]) -> None:
    args = [JANG, "--weight", "4kg", "--dose", "2e6 cells/kg", "--species", "cat"]
    message = refused(capsys, *args)
    assert "--cross-species" in message
    assert "dog" in message and "cat" in message
    out = ok(capsys, *args, "--cross-species")
    assert "patient: cat, 4 kg (protocol written for dog)" in out
    assert "warning: patient is a cat; the protocol was written for dog" in out
    # per kg, unscaled: 2×10⁶ × 4 = 8×10⁶ cells
    assert "8×10⁶ cells" in out
    data = as_json(capsys, *args, "--cross-species")
    assert data["patient"]["species"] == "cat"
    assert data["patient"]["protocol_species"] == "dog"
    assert any("cat" in w and "dog" in w for w in data["warnings"])


SCALE_ARGS = [*CHEN_ARGS[:3], "--weight", "10kg", "--species", "dog", "--cross-species"]


def test_bsa_scaling_human_to_dog(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, *SCALE_ARGS, "--scale", "bsa")
    # Km human / Km dog = 37 / 20 = 1.85; 2×10⁶ × 1.85 × 10 kg = 3.7×10⁷ cells per dose;
    # 4 doses = 1.48×10⁸
    assert "× 1.85 (BSA scaling, Km 37/20)" in out
    assert "3.7×10⁷ cells" in out
    assert "1.48×10⁸ cells in total" in out
    assert "no source shows that BSA scaling applies" in out
    data = as_json(capsys, *SCALE_ARGS, "--scale", "bsa")
    scale = data["basis"]["scale"]
    assert scale["factor"] == pytest.approx(1.85, rel=1e-12)
    assert (scale["km_from"], scale["km_to"]) == (37, 20)
    assert (scale["from"], scale["to"]) == ("human", "dog")
    assert data["doses"][0]["cells"] == pytest.approx(3.7e7, rel=1e-12)
    assert data["doses"][0]["cells_per_kg"] == pytest.approx(3.7e6, rel=1e-12)


def test_no_scaling_by_default_across_species(capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(capsys, *SCALE_ARGS)
    assert data["basis"]["scale"] is None
    # 2×10⁶ × 10 kg = 2×10⁷
    assert data["doses"][0]["cells"] == pytest.approx(2e7, rel=1e-12)


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "ics"])
def test_bsa_scaling_is_labelled_on_every_output(
    capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    # README: --scale bsa "says so on every output".
    # Fixed (csv only): the CSV rows carry the dose "2×10⁶ cells/kg", basis "per kg" and
    # cells 3.7×10⁷, with nothing saying that a Km 37/20 = 1.85 scaling was applied, so a
    # reader of the CSV cannot tell why the cells are 1.85 × dose × weight.
    # Mended: `"bsa" in text` passed on unscaled JSON too ("bsa_m2": null); the label itself is
    # asserted now, as each format writes it.
    out = ok(capsys, *SCALE_ARGS, "--scale", "bsa", "--start", "2026-01-05", "--format", fmt)
    text = unfold_ics(out)
    label = {
        "table": "× 1.85 (BSA scaling, Km 37/20)",
        "json": '"scaling": "BSA (Km human 37 / dog 20 = 1.85)"',
        "csv": ",BSA (Km human 37 / dog 20 = 1.85),",
        "ics": "Warning: dose scaled from human to dog by body surface area (Km 37/20 = 1.85)",
    }[fmt]
    assert label in text
    unscaled = unfold_ics(ok(capsys, *SCALE_ARGS, "--start", "2026-01-05", "--format", fmt))
    assert label not in unscaled


def test_bsa_scaling_for_a_cat_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*CHEN_ARGS[:3], "--weight", "4kg", "--species", "cat", "--cross-species"]
    message = refused(capsys, *args, "--scale", "bsa")
    assert "Km" in message and "cat" in message


def test_bsa_scaling_needs_cross_species(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, *SCALE_ARGS[:-1], "--scale", "bsa")
    assert "--cross-species" in message


def test_bsa_scaling_within_a_species_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, *CHEN_ARGS, "--scale", "bsa")
    assert "--scale" in message


def test_unknown_species_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, *JANG_ARGS, "--species", "dragon", "--cross-species")
    assert "dragon" in message


# --------------------------------------------------------------------------------------------
# formats


def test_json_dose_items(capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(capsys, *CHEN_ARGS, "--start", "2026-01-05", "--concentration", "1e7 cells/mL")
    assert data["protocol"] == CHEN
    assert data["arm"] == "expansion-2.0"
    assert len(data["doses"]) == 4
    for i, item in enumerate(data["doses"], start=1):
        for key in ("number", "day", "date", "cells", "cells_per_kg", "volume_ml", "phase"):
            assert key in item
        assert item["number"] == i
        assert item["phase"] == 1
        assert item["day"] == 7 * (i - 1)
        assert item["cells"] == pytest.approx(1.4e8, rel=1e-12)  # 2×10⁶ × 70
        assert item["cells_per_kg"] == pytest.approx(2e6, rel=1e-12)
        assert item["volume_ml"] == pytest.approx(14.0, rel=1e-12)  # 1.4×10⁸ / 1×10⁷
        assert item["cumulative_cells"] == pytest.approx(1.4e8 * i, rel=1e-12)


def test_csv_columns_and_rows(capsys: pytest.CaptureFixture[str]) -> None:
    text = ok(
        capsys,
        *CHEN_ARGS,
        "--start",
        "2026-01-05",
        "--concentration",
        "1e7 cells/mL",
        "--format",
        "csv",
    )
    header = text.splitlines()[0].split(",")
    for column in ("number", "day", "date", "cells", "cells_per_kg", "volume_ml", "phase"):
        assert column in header
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    assert [r["date"] for r in rows] == ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]
    assert [int(r["day"]) for r in rows] == [0, 7, 14, 21]
    assert [int(r["number"]) for r in rows] == [1, 2, 3, 4]
    assert all(float(r["cells"]) == pytest.approx(1.4e8, rel=1e-12) for r in rows)
    assert all(float(r["volume_ml"]) == pytest.approx(14.0, rel=1e-12) for r in rows)
    # the field names of the JSON dose items, and the plan's protocol, arm and dose source
    data = as_json(capsys, *CHEN_ARGS, "--start", "2026-01-05")
    assert set(header) == set(data["doses"][0]) | {"protocol", "arm", "dose_source"}


def test_ics_events(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, *CHEN_ARGS, "--start", "2026-01-05", "--format", "ics")
    assert out.startswith("BEGIN:VCALENDAR")
    assert out.count("BEGIN:VEVENT") == 4
    assert out.count("END:VEVENT") == 4
    text = unfold_ics(out)
    for day in ("20260105", "20260112", "20260119", "20260126"):
        assert f"DTSTART;VALUE=DATE:{day}" in text
    descriptions = [line for line in text.split("\n") if line.startswith("DESCRIPTION:")]
    assert len(descriptions) == 4
    # the dose in every description: 2×10⁶ × 70 kg = 1.4×10⁸ cells, with its basis and weight
    assert all("1.4×10⁸ cells" in d for d in descriptions)
    assert all("2×10⁶ cells/kg" in d and "70 kg" in d for d in descriptions)


def test_ics_needs_start(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, *CHEN_ARGS, "--format", "ics")
    assert "--start" in message


def test_ics_refuses_a_frequency_range(capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(
        capsys, AA, "--weight", "60kg", "--count", "4", "--start", "2026-01-05", "--format", "ics"
    )
    assert "minimum and a maximum" in message


def test_ics_is_byte_identical_between_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    args = [*JANG_ARGS, *JANG_PRODUCT, "--start", "2026-12-01", "--format", "ics"]
    assert ok(capsys, *args, "-o", str(first)) == ""
    assert ok(capsys, *args, "-o", str(second)) == ""
    assert first.read_bytes() == second.read_bytes()
    text = unfold_ics(first.read_text(encoding="utf-8"))
    assert text.count("BEGIN:VEVENT") == 8
    # 2×10⁶ × 12.020197805 = 2.4×10⁷ cells; 3.6 mL; 1 vial
    assert "2.4×10⁷ cells" in text
    assert "3.6 mL" in text


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    out = ok(capsys, *CHEN_ARGS, "--format", "json", "-o", str(target))
    assert out == ""
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["totals"][0]["total_cells"] == pytest.approx(5.6e8, rel=1e-12)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]  # no temporary left
    table_file = tmp_path / "plan.txt"
    ok(capsys, *CHEN_ARGS, "-o", str(table_file))
    assert table_file.read_text(encoding="utf-8") == ok(capsys, *CHEN_ARGS)


@pytest.mark.parametrize(
    "args",
    [
        [JANG, "--weight", "26.5lb"],  # dose not reported
        [JANG, "--weight", "12", "--dose", "2e6 cells/kg"],  # bare weight
        [*JANG_ARGS, "--vial", "3.8 mL"],  # vial volume without concentration
        [IZADI, "--arm", "placebo", "--weight", "60kg", "--interval", "2 weeks"],
        [*CHEN_ARGS, "--count", "4"],
    ],
)
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "ics"])
def test_no_output_file_on_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], fmt: str
) -> None:
    target = tmp_path / f"out.{fmt}"
    refused(capsys, *args, "--format", fmt, "-o", str(target))
    assert list(tmp_path.iterdir()) == []


def test_output_into_a_missing_folder_is_a_clean_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Fixed: `-o missing-folder/plan.json` ends in a FileNotFoundError traceback (raised out of
    # main(); exit 1 from the console script); expected one line "error: ..." naming the path,
    # and a non-zero exit code.
    target = tmp_path / "missing" / "plan.json"
    code, out, err = run(capsys, *CHEN_ARGS, "--format", "json", "-o", str(target))
    assert code != 0
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert not target.exists()


def test_non_finite_dose_result_is_refused_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    # Fixed: --dose "1e308 cells/kg" for a 10 kg dog makes 1e308 × 10 = inf cells; the table
    # renderer then raises ValueError("cannot display inf") (JSON: "Out of range float values"),
    # a traceback with exit 1; expected a one-line refusal, exit 2.
    # Now refused as written: 1e308 cells/kg is beyond any dose (at most 1e9, bounds.toml).
    message = refused(capsys, JANG, "--weight", "10kg", "--dose", "1e308 cells/kg")
    assert message.startswith(
        "the dose '1e308 cells/kg' is refused: it is 1×10³⁰⁸ cells/kg, more than any dose can be"
    )


def test_bad_start_date_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # a click usage error: exit 2, the expected form named, no traceback
    code, out, err = run(capsys, *CHEN_ARGS, "--start", "2026-13-01")
    assert code == 2
    assert "YYYY-MM-DD" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------------------------
# safe display


def test_safe_number_display(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, *JANG_ARGS, *JANG_PRODUCT, "--start", "2026-12-01")
    # 3.5988616 mL -> '3.6 mL', never '3.60 mL'
    assert "3.6 mL" in out
    assert "3.60" not in out
    # a leading zero: '0.201 mL', never '.201 mL'
    assert "0.201 mL" in out
    assert not re.search(r"(?<![\d])\.\d", out)
    # no trailing zeros after a decimal point anywhere
    assert not re.search(r"\d\.\d*0(?!\d)", out)
    # 'mL', never 'cc'; powers of ten with ×10ⁿ, never e-notation
    assert not re.search(r"\bcc\b", out)
    assert not re.search(r"\d[eE][+-]?\d", out)
    assert "×10⁷" in out and "×10⁸" in out
    # the basis and the weight are shown
    assert "per kg" in out
    assert "26.5 lb" in out and "12.02 kg" in out


def test_whole_volume_has_no_decimal_point(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, *CHEN_ARGS, "--concentration", "2e7 cells/mL")
    # 1.4×10⁸ / 2×10⁷ = 7 mL; 4 × 7 = 28 mL
    assert "7 mL" in out
    assert "7.0 mL" not in out
    assert "28 mL" in out


def test_weekend_doses_are_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    # 2026-01-03 is a Saturday: weekly doses on 01-03, 01-10, 01-17, 01-24, all Saturdays
    out = ok(capsys, *CHEN_ARGS, "--start", "2026-01-03")
    for date in ("2026-01-03", "2026-01-10", "2026-01-17", "2026-01-24"):
        assert f"{date} Sat weekend" in out
    assert "warning: doses 1, 2, 3, 4 fall on a weekend" in out
    assert "--weekends next-weekday" in out
    data = as_json(capsys, *CHEN_ARGS, "--start", "2026-01-03")
    assert all(d["weekend"] is True and d["weekday"] == "Sat" for d in data["doses"])


def test_weekends_next_weekday_moves_and_labels(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*CHEN_ARGS, "--start", "2026-01-03", "--weekends", "next-weekday"]
    out = ok(capsys, *args)
    # Saturday + 2 days = Monday: 01-05, 01-12, 01-19, 01-26
    for date in ("2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"):
        assert f"{date} Mon (moved from Sat)" in out
    assert "weekend" not in out.replace("--weekends", "")
    data = as_json(capsys, *args)
    assert [d["date"] for d in data["doses"]] == [
        "2026-01-05",
        "2026-01-12",
        "2026-01-19",
        "2026-01-26",
    ]
    assert [d["moved_from"] for d in data["doses"]] == [
        "2026-01-03",
        "2026-01-10",
        "2026-01-17",
        "2026-01-24",
    ]
    assert all(d["weekend"] is False for d in data["doses"])


def test_weekend_move_that_breaks_spacing_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # twice weekly from Saturday 2026-01-03: day 0 (Sat) moves to Monday 01-05, one day before
    # dose 2 on day 3 (Tue 01-06): refused
    message = refused(
        capsys,
        AA,
        "--weight",
        "60kg",
        "--count",
        "4",
        "--start",
        "2026-01-03",
        "--weekends",
        "next-weekday",
    )
    assert "apart" in message
    assert "--start" in message


@pytest.mark.parametrize("given", ["nan", "inf", "0", "1.5"])
def test_a_viability_that_is_not_a_fraction_is_refused(
    capsys: pytest.CaptureFixture[str], viable_file: str, given: str
) -> None:
    # NaN and infinity once crashed while the replaced value was being displayed (exit 1)
    code = main(["dose", viable_file, "--weight", "10kg", "--viability", given])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    if given in ("nan", "inf"):  # not a number a person writes: refused as it is read
        assert f"'{given}' is not a fraction: write it like 0.92 or 92%" in err
        return
    assert err == (
        f"error: --viability must be a fraction in (0, 1], not {given} (write 0.9 for 90%)\n"
    )


@pytest.mark.parametrize("given", ["0.9", float("nan"), float("inf"), True])
def test_the_api_refuses_a_viability_that_is_not_a_fraction(
    viable_file: str, given: object
) -> None:
    from celldose import plan_doses
    from celldose.protocols import OptionError, load_protocol

    with pytest.raises(OptionError, match=r"viability must be a fraction in \(0, 1\]"):
        plan_doses(load_protocol(viable_file), weight="10 kg", viability=given)  # type: ignore[arg-type]
