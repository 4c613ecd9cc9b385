"""A real client reads `celldose dose --format nonmem`: pharmpy-core's NONMEM dataset reader
(NM-TRAN's rules: ``IGNORE=@`` skips the header and the ``#`` comments; ``$INPUT`` names the
columns) and its ``expand_additional_doses``, for every library protocol.

The dose times (hours) and amounts (cells) pharmpy reconstructs must equal the plan's: its
days × 24 and its cells, dose by dose. Marked ``interop``: skipped by the default run, run by
``.ci/run`` after installing ``.[interop]`` (``pytest -m interop``); skipped, saying so, where
pharmpy-core is not installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from celldose.cli import main

# pharmpy (not celldose) calls pandas in ways pandas 3 deprecates (DataFrame.drop(inplace=),
# setting an item of another dtype): its deprecation warnings are not celldose's to fix
pytestmark = [
    pytest.mark.interop,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]


def read_doses(path: Path) -> dict[int, list[tuple[float, float]]]:
    """(TIME, AMT) of every dose, per ID, as pharmpy reads the file and expands II/ADDL."""
    modeling = pytest.importorskip(
        "pharmpy.modeling", reason="pharmpy-core is not installed (pip install -e '.[interop]')"
    )
    dataset = pytest.importorskip("pharmpy.model.external.nonmem.dataset")
    text = path.read_text(encoding="utf-8")
    names = next(line for line in text.splitlines() if line.startswith("# $INPUT "))
    columns = names.removeprefix("# $INPUT ").split()
    df = dataset.read_nonmem_dataset(str(path), ignore_character="@", colnames=columns)
    model = modeling.set_dataset(modeling.create_basic_pk_model("iv"), df, datatype="nonmem")
    info = model.datainfo
    addl = info["ADDL"]
    info = info.set_column(addl.replace(variable_mapping=addl.variable.replace(type="additional")))
    expanded = modeling.expand_additional_doses(model.replace(datainfo=info)).dataset
    out: dict[int, list[tuple[float, float]]] = {}
    for row in expanded[expanded["EVID"] == 1].itertuples():
        out.setdefault(int(row.ID), []).append((float(row.TIME), float(row.AMT)))
    return out


def test_pharmpy_reads_the_plans_doses(tmp_path: Path, library_case: Any) -> None:
    """Every library study (and the clinic example): pharmpy's doses are the plan's, dose by
    dose (``library_case``: tests/conftest.py)."""
    path = tmp_path / "doses.csv"
    assert main(["dose", *library_case.args(), "--format", "nonmem", "-o", str(path)]) == 0
    plan = library_case.plan()
    expected = [(float(d.day * 24), d.cells) for d in plan.doses if d.day is not None]
    assert len(expected) == len(plan.doses)
    assert read_doses(path) == {1: expected}


def test_pharmpy_reads_the_rate(tmp_path: Path) -> None:
    modeling = pytest.importorskip(
        "pharmpy.modeling", reason="pharmpy-core is not installed (pip install -e '.[interop]')"
    )
    dataset = pytest.importorskip("pharmpy.model.external.nonmem.dataset")
    path = tmp_path / "lanzoni.csv"
    args = ["dose", "lanzoni2021-covid-ards-ucmsc", "--weight", "70kg", "--format", "nonmem"]
    assert main([*args, "-o", str(path)]) == 0
    columns = ["ID", "TIME", "AMT", "EVID", "CMT", "II", "ADDL", "MDV", "RATE"]
    df = dataset.read_nonmem_dataset(str(path), ignore_character="@", colnames=columns)
    # 1×10⁸ cells over 10 min: 6×10⁸ cells/h
    assert df["RATE"].tolist() == [6e8, 6e8]
    assert modeling is not None


def test_pharmpy_reads_a_clinic_list(tmp_path: Path) -> None:
    """A roster: one ID per patient, in the roster's order, each with its own doses."""
    roster = Path(__file__).resolve().parents[2] / "examples" / "clinic-roster.csv"
    path = tmp_path / "clinic.csv"
    args = ["dose", "jang2025-canine-itp", "--dose", "1e6 cells/kg", "--roster", str(roster)]
    assert main([*args, "--format", "nonmem", "-o", str(path)]) == 0
    # q4w ×8: hours 0, 672, …, 4704; 1×10⁶ cells/kg × 12.020197805, 8 and 31.2 kg
    times = [672.0 * k for k in range(8)]
    assert read_doses(path) == {
        1: [(t, 12020197.805) for t in times],
        2: [(t, 8e6) for t in times],
        3: [(t, 3.12e7) for t in times],
    }
