"""The CLI on the library file perez-merino2015-canine-ibd-admsc
(studies.md, study 11, Pérez-Merino 2015): check, show, dose (table, JSON, calendar), plot, compare.

Hand-worked (25kg): 2×10⁶ cells/kg × 25 kg = 5×10⁷ cells, one IV infusion on 2026-12-01;
remission 9/11 at day 42.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from celldose.cli import main

ID = "perez-merino2015-canine-ibd-admsc"
DOSE = [ID, "--weight", "25kg", "--start", "2026-12-01"]
CELLS = [50000000.0]
DATES = ["2026-12-01"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", ID)
    assert (code, err) == (0, "")
    assert out.startswith(f"ok: {ID} ")


def test_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", ID)
    assert (code, err) == (0, "")
    assert out.startswith(f"{ID}: ")
    for line in [
        "route: IV",
        "dose: 2×10⁶ cells/kg",
        "doi:not reported",
        "Clinical remission (day 42): from 42 days to 42 days after the first dose; "
        "responders 9/11",
    ]:
        assert line in out
    code, out, _ = run(capsys, "show", ID, "--format", "json")
    assert code == 0
    json.loads(out)


def test_dose_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "dose", *DOSE)
    assert code == 0
    for line in [
        "basis: 2×10⁶ cells/kg (per kg, published) × 25 kg body weight",
        "course: 1 dose, 5×10⁷ cells in total, last dose on day 0",
    ]:
        assert line in out


def test_dose_json_route_and_cells(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "dose", *DOSE, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["route"] == "IV"
    assert data["patient"]["species"] == "dog"
    assert [d["cells"] for d in data["doses"]] == CELLS
    assert [d["date"] for d in data["doses"]] == DATES
    assert {d["route"] for d in data["doses"]} == {"IV"}
    assert data["totals"][0]["total_cells"] == sum(CELLS)


def test_dose_calendar_names_the_route(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "dose", *DOSE, "--format", "ics")
    assert code == 0
    assert out.count("BEGIN:VEVENT") == len(CELLS)
    assert f"SUMMARY:{ID}: IV infusion 1 of {len(CELLS)}" in out


def test_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from matplotlib import image

    target = tmp_path / "figure.png"
    code, out, _ = run(capsys, "plot", *DOSE, "-o", str(target))
    assert (code, out) == (0, "")
    assert image.imread(target).shape[0] > 100
    svg = tmp_path / "figure.svg"
    assert run(capsys, "plot", *DOSE, "-o", str(svg))[0] == 0
    assert ID in svg.read_text("utf-8")


def test_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["compare", ID, "villatoro2018-canine-ad-admsc"]
    code, out, _ = run(capsys, *args, "--weight", "25kg", "--format", "json")
    assert code == 0, out
    row = json.loads(out)["rows"][0]
    expected = {
        "doses": 1,
        "cells_per_dose": 50000000.0,
        "total_cells": 50000000.0,
        "responders": "9/11",
        "responders_k": 9,
        "responders_n": 11,
    }
    assert {key: row[key] for key in expected} == expected
    assert row["route"] == "IV"
    target = tmp_path / "compare.png"
    assert run(capsys, *args, "--weight", "25kg", "-o", str(target))[0] == 0
    assert target.stat().st_size > 0
