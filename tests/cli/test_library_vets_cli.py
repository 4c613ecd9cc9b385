"""The CLI on the four veterinary library studies (studies.md, studies 8-11): check, show, dose
(table, JSON, calendar), plot, compare. One set of tests, one row of facts per study.

Hand-worked, from 2026-12-01:
- Villatoro 2018, 20 kg: 1.5×10⁶ cells/kg × 20 kg = 3×10⁷ cells, one IV infusion.
- Enciso 2019, 12 kg: a flat 5×10⁵ cells IM weekly ×6: 6 × 5×10⁵ = 3×10⁶ cells (12-01 … 01-05).
- Quimby 2016, 4 kg: 2×10⁶ cells/kg × 4 kg = 8×10⁶ cells on 12-01, 12-15, 12-29 (study weeks
  2, 4, 6): 3 × 8×10⁶ = 2.4×10⁷ cells.
- Pérez-Merino 2015, 25 kg: 2×10⁶ cells/kg × 25 kg = 5×10⁷ cells, one IV infusion; remission
  9/11 at day 42.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from celldose.cli import main


@dataclass(frozen=True)
class Study:
    id: str
    weight: str
    species: str
    route: str
    event: str  # the calendar's word for one administration
    cells: list[float]
    dates: list[str]
    show: list[str]  # lines `show` prints
    table: list[str]  # lines the dose table prints
    compare_with: str
    compare: dict[str, object] = field(default_factory=dict)  # fields of its compare JSON row


WEEKLY_X6 = ["2026-12-01", "2026-12-08", "2026-12-15", "2026-12-22", "2026-12-29", "2027-01-05"]
STUDIES = [
    Study(
        "villatoro2018-canine-ad-admsc", "20kg", "dog", "IV", "IV infusion",
        [3e7], ["2026-12-01"],
        show=[
            "route: IV",
            "1 dose on day 0",
            "DOI not reported; PubMed 30158120",
            "Pruritus lower: from 1 week to 6 months after the first dose; responders not reported",
        ],
        table=[
            "basis: 1.5×10⁶ cells/kg (per kg, published) × 20 kg body weight",
            "course: 1 dose, 3×10⁷ cells in total, last dose on day 0",
        ],
        compare_with="perez-merino2015-canine-ibd-admsc",
        compare={"doses": 1, "cells_per_dose": 3e7, "total_cells": 3e7, "responders": None,
                 "responders_reported": False},
    ),
    Study(
        "enciso2019-canine-ad-admsc", "12kg", "dog", "IM", "IM injection",
        [5e5] * 6, WEEKLY_X6,
        show=[
            "route: IM",
            "6 doses on days 0, 7, 14, 21, 28, 35",
            "Pruritus index and CADLI improved: timing not reported (relative to the first dose); "
            "responders not reported",
        ],
        table=[
            "route: IM injection (intramuscular)",
            "basis: 5×10⁵ cells (flat, published); patient weight 12 kg",
            "course: 6 doses, 3×10⁶ cells in total, last dose on day 35",
        ],
        compare_with="perez-merino2015-canine-ibd-admsc",
        compare={"doses": 6, "cells_per_dose": 5e5, "total_cells": 3e6, "responders": None,
                 "responders_reported": False},
    ),
    Study(
        "quimby2016-feline-ckd-admsc", "4kg", "cat", "IV", "IV infusion",
        [8e6] * 3, ["2026-12-01", "2026-12-15", "2026-12-29"],
        show=[
            "route: IV",
            "3 doses on days 0, 14, 28",
            "arm placebo (placebo, n=4)",
            "GFR and UPC (study week 8): at 6 weeks after the first dose; responders not reported",
        ],
        table=[
            "basis: 2×10⁶ cells/kg (per kg, published) × 4 kg body weight",
            "course: 3 doses, 2.4×10⁷ cells in total, last dose on day 28",
        ],
        compare_with="perez-merino2015-canine-ibd-admsc",
        compare={"doses": 3, "cells_per_dose": 8e6, "total_cells": 2.4e7, "responders": None,
                 "responders_reported": False},
    ),
    Study(
        "perez-merino2015-canine-ibd-admsc", "25kg", "dog", "IV", "IV infusion",
        [5e7], ["2026-12-01"],
        show=[
            "route: IV",
            "dose: 2×10⁶ cells/kg",
            "DOI not reported",
            "Clinical remission (day 42): at 42 days after the first dose; responders 9/11",
        ],
        table=[
            "basis: 2×10⁶ cells/kg (per kg, published) × 25 kg body weight",
            "course: 1 dose, 5×10⁷ cells in total, last dose on day 0",
        ],
        compare_with="villatoro2018-canine-ad-admsc",
        compare={"doses": 1, "cells_per_dose": 5e7, "total_cells": 5e7, "responders": "9/11",
                 "responders_k": 9, "responders_n": 11},
    ),
]  # fmt: skip
each_study = pytest.mark.parametrize("study", STUDIES, ids=lambda s: s.id)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def dose_args(study: Study) -> list[str]:
    return [study.id, "--weight", study.weight, "--start", "2026-12-01"]


@each_study
def test_check(capsys: pytest.CaptureFixture[str], study: Study) -> None:
    code, out, err = run(capsys, "check", study.id)
    assert (code, err) == (0, "")
    assert out.startswith(f"ok: {study.id} ")


@each_study
def test_show(capsys: pytest.CaptureFixture[str], study: Study) -> None:
    code, out, err = run(capsys, "show", study.id)
    assert (code, err) == (0, "")
    assert out.startswith(f"{study.id}: ")
    for line in study.show:
        assert line in out
    code, out, _ = run(capsys, "show", study.id, "--format", "json")
    assert code == 0
    json.loads(out)


@each_study
def test_dose_table(capsys: pytest.CaptureFixture[str], study: Study) -> None:
    code, out, _ = run(capsys, "dose", *dose_args(study))
    assert code == 0
    for line in study.table:
        assert line in out


@each_study
def test_dose_json_route_and_cells(capsys: pytest.CaptureFixture[str], study: Study) -> None:
    code, out, _ = run(capsys, "dose", *dose_args(study), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["route"] == study.route
    assert data["patient"]["species"] == study.species
    assert [d["cells"] for d in data["doses"]] == study.cells
    assert [d["date"] for d in data["doses"]] == study.dates
    assert {d["route"] for d in data["doses"]} == {study.route}
    assert data["totals"][0]["total_cells"] == sum(study.cells)


@each_study
def test_dose_calendar_names_the_route(capsys: pytest.CaptureFixture[str], study: Study) -> None:
    code, out, _ = run(capsys, "dose", *dose_args(study), "--format", "ics")
    assert code == 0
    assert out.count("BEGIN:VEVENT") == len(study.cells)
    who = f"{study.species} {study.weight.removesuffix('kg')} kg"  # the patient, without an id
    summary = f"SUMMARY:{who}: {study.event} 1 of {len(study.cells)} ({study.id})"
    assert summary in out.replace("\r\n ", "")  # RFC 5545 folds long lines


@each_study
def test_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str], study: Study) -> None:
    from matplotlib import image

    target = tmp_path / "figure.png"
    # --dpi 100 (matplotlib's screen resolution): every artist is drawn and encoded as at the
    # default 300 dpi, on a ninth of the pixels (a third of the time)
    code, out, _ = run(capsys, "plot", *dose_args(study), "--dpi", "100", "-o", str(target))
    assert code == 0 and out.startswith("Notes: route: ")  # the caption, printed
    assert image.imread(target).shape[0] > 100  # more than 1 inch high at 100 dpi
    svg = tmp_path / "figure.svg"
    assert run(capsys, "plot", *dose_args(study), "-o", str(svg))[0] == 0
    assert study.id in svg.read_text("utf-8")


@each_study
def test_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str], study: Study) -> None:
    args = ["compare", study.id, study.compare_with, "--weight", study.weight]
    target = tmp_path / "compare.png"
    # one run writes the JSON on standard output and the figure to -o
    # --dpi 100 (matplotlib's screen resolution): every artist is drawn and encoded as at the
    # default 300 dpi, on a ninth of the pixels (a third of the time)
    code, out, _ = run(capsys, *args, "--format", "json", "--dpi", "100", "-o", str(target))
    assert code == 0, out
    row = json.loads(out)["rows"][0]
    assert {key: row[key] for key in study.compare} == study.compare
    assert row["route"] == study.route
    assert target.stat().st_size > 0
