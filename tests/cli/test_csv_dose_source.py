"""The CSV says where each dose came from (`dose_source`, JSON's `basis.source`), and which
protocol and arm, so that a row read alone keeps the label the table and the JSON show.

Hand arithmetic: the clinic example's induction arm publishes 2×10⁶ cells/kg, q2w ×3 then
monthly ×3 = 6 doses; `--dose 3e6/kg` for 10 kg gives 3×10⁶ × 10 = 3×10⁷ cells a dose.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from celldose.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CLINIC = str(EXAMPLES / "clinic-dog-protocol.yaml")
ROSTER = str(EXAMPLES / "clinic-roster.csv")


def rows(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    code = main(["dose", *args, "--format", "csv"])
    out, _ = capsys.readouterr()
    assert code == 0
    return list(csv.DictReader(io.StringIO(out)))


def source(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["dose", *args, "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    return str(json.loads(out)["basis"]["source"])


def test_a_dose_that_replaces_the_published_one_is_labelled_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = (CLINIC, "--arm", "induction", "--weight", "10kg", "--dose", "3e6/kg")
    found = rows(capsys, *args)
    assert len(found) == 6  # 3 + 3 doses
    assert {(r["protocol"], r["arm"], r["dose_source"]) for r in found} == {
        ("clinic-dog-admsc", "induction", "given")
    }
    assert {float(r["cells"]) for r in found} == {3e7}  # 3×10⁶ × 10 kg
    assert source(capsys, *args) == "given"  # the same word as the JSON


def test_the_published_dose_is_labelled_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    found = rows(capsys, CLINIC, "--arm", "induction", "--weight", "10kg")
    assert {r["dose_source"] for r in found} == {"protocol"}
    assert {float(r["cells"]) for r in found} == {2e7}  # 2×10⁶ × 10 kg


def test_a_one_line_regimen_is_labelled_regimen(capsys: pytest.CaptureFixture[str]) -> None:
    found = rows(capsys, "--regimen", "1e6 cells/kg once", "--species", "dog", "--weight", "10kg")
    assert [(r["protocol"], r["arm"], r["dose_source"]) for r in found] == [
        ("regimen", "regimen", "regimen")
    ]


def test_every_patient_row_of_a_clinic_list_names_protocol_arm_and_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    found = rows(capsys, CLINIC, "--arm", "induction", "--roster", ROSTER)
    assert len(found) == 18  # 3 patients × 6 doses
    assert {(r["protocol"], r["arm"], r["dose_source"]) for r in found} == {
        ("clinic-dog-admsc", "induction", "protocol")
    }
