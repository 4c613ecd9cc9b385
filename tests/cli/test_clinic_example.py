"""The clinic's example protocol enforces its "maximum 3 vials per visit" as a max per dose.

Hand arithmetic: one vial holds 3.8 mL × 6.68×10⁶ cells/mL = 2.5384×10⁷ cells, of which 92%
viable: 2.335×10⁷; 3 vials give 7.006×10⁷ viable cells, and the limit is 7×10⁷ cells (cap).
A 40 kg dog on the induction arm (2×10⁶ cells/kg) would get 8×10⁷ cells: capped to 7×10⁷,
drawn 7×10⁷ / 0.92 = 7.6087×10⁷ cells = 2.9975 vials, so 3 vials a dose.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from celldose.cli import main

CLINIC = str(Path(__file__).resolve().parents[2] / "examples" / "clinic-dog-protocol.yaml")


def plan(capsys: pytest.CaptureFixture[str], weight: str) -> dict[str, object]:
    code = main(["dose", CLINIC, "--arm", "induction", "--weight", weight, "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    data: dict[str, object] = json.loads(out)
    return data


def test_a_40_kg_dog_is_capped_at_the_cells_of_3_vials(capsys: pytest.CaptureFixture[str]) -> None:
    data = plan(capsys, "40kg")
    doses = data["doses"]
    assert isinstance(doses, list) and len(doses) == 6
    assert {d["cells"] for d in doses} == {7e7}  # 8×10⁷ capped to 7×10⁷
    assert {d["capped_by"] for d in doses} == {"max per dose"}
    assert {d["vials"] for d in doses} == {3}
    assert [d["cells_to_draw"] for d in doses] == [pytest.approx(7e7 / 0.92, rel=1e-12)] * 6
    assert data["limits"] == [
        {"max_per_dose": 7e7, "action": "cap", "label": "max per dose 7×10⁷ cells (cap)",
         "source": "protocol"},
    ]  # fmt: skip


def test_a_12_kg_dog_is_not_capped(capsys: pytest.CaptureFixture[str]) -> None:
    # 2×10⁶ × 12 = 2.4×10⁷ cells, under 7×10⁷: 2.4×10⁷ / 0.92 = 2.6087×10⁷ drawn, 2 vials
    doses = plan(capsys, "12kg")["doses"]
    assert isinstance(doses, list)
    assert {(d["cells"], d["capped_by"], d["vials"]) for d in doses} == {(2.4e7, None, 2)}


def test_no_dog_gets_more_than_3_vials_a_visit(capsys: pytest.CaptureFixture[str]) -> None:
    doses = plan(capsys, "80kg")["doses"]
    assert isinstance(doses, list)
    assert max(d["vials"] for d in doses) == 3
