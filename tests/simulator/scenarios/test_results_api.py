"""The scenario results as Python users meet them: text arguments, one-line reprs, HTML, pandas.

Expected values are worked out by hand: a 12 kg dog at 1×10⁶ cells/kg gets 1.2×10⁷ cells a dose;
Jang's q4w ×8 gives 8 doses, 9.6×10⁷ cells; missing dose 2 leaves 7 doses, 8.4×10⁷ cells.
"""

from __future__ import annotations

import pytest

import celldose
from celldose import CelldoseError

JANG = "jang2025-canine-itp"


def test_whatif_takes_text_and_prints_one_line() -> None:
    result = celldose.whatif(JANG, weight="12 kg", dose="1e6 cells/kg", skip=[2])
    assert repr(result) == (
        "WhatIfResult(jang2025-canine-itp, msc, 12 kg, dose 2 missed: 7 doses of 8, 8.4×10⁷ cells)"
    )
    data = result.to_dict()
    assert data["mode"] == "what-if"
    assert [d["status"] for d in data["doses"]][:3] == ["given", "missed", "given"]
    assert data["totals"]["planned"]["total_cells"] == pytest.approx(9.6e7)
    assert data["totals"]["simulated"]["total_cells"] == pytest.approx(8.4e7)
    assert data["totals"]["difference_cells"] == pytest.approx(-1.2e7)


def test_whatif_to_pandas_has_a_row_per_planned_dose() -> None:
    frame = celldose.whatif(JANG, weight="12 kg", dose="1e6 cells/kg", skip=[2]).to_pandas()
    assert len(frame) == 8
    assert list(frame["status"])[:2] == ["given", "missed"]
    assert list(frame["cells"])[:2] == [pytest.approx(1.2e7), 0]


def test_cohort_at_one_weight_is_exact() -> None:
    result = celldose.simulate_cohort(JANG, patients=10, weight="12kg", dose="1e6 cells/kg", seed=1)
    assert repr(result) == (
        "CohortResult(jang2025-canine-itp, msc, 10 patients, seed 1, median 9.6×10⁷ cells per "
        "patient)"
    )
    data = result.to_dict()
    assert data["seed"] == 1
    assert data["total_cells"]["median"] == pytest.approx(9.6e7)
    assert data["cohort_total_cells"] == pytest.approx(9.6e8)  # 10 patients × 9.6×10⁷
    frame = result.to_pandas()
    assert list(frame.columns) == [
        "seed",
        "patients",
        "route",
        "quantity",
        "dose",
        "label",
        "mean",
        "median",
        "p5",
        "p95",
        "value",
    ]
    totals = frame[frame["quantity"] == "total_cells"]
    assert float(totals["median"].iloc[0]) == pytest.approx(9.6e7)


def test_compare_is_public_and_takes_text() -> None:
    table = celldose.compare(
        ["chen2024-itp-ucmsc", "qi2017-sjogren-thrombocytopenia"], weight="70 kg"
    )
    assert repr(table) == "Comparison(chen2024-itp-ucmsc, qi2017-sjogren-thrombocytopenia: 5 rows)"
    frame = table.to_pandas()
    assert list(frame["arm"]) == [
        "escalation-0.5",
        "escalation-1.0",
        "escalation-2.0",
        "expansion-2.0",
        "msc",
    ]
    assert (
        table.to_dict()
        == celldose.compare(
            ["chen2024-itp-ucmsc", "qi2017-sjogren-thrombocytopenia"], weight="70 kg"
        ).to_dict()
    )


def test_html_escapes_what_comes_from_files() -> None:
    html = celldose.compare(["chen2024-itp-ucmsc"], weight="70kg")._repr_html_()
    assert html.startswith("<div><strong>Comparison(chen2024-itp-ucmsc: 4 rows)</strong><table>")
    assert "<script" not in html
    whatif_html = celldose.whatif(JANG, weight="12 kg", dose="1e6 cells/kg")._repr_html_()
    assert "<th>status</th>" in whatif_html


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: celldose.Cohort(patients=0),
            "patients must be at least 1, not 0 (give the number of virtual patients, e.g. "
            "patients=1000)",
        ),
        (
            lambda: celldose.Cohort(weight="70kg"),
            "a cohort needs a number of patients or a roster (pass patients=N or roster=FILE)",
        ),
        (
            lambda: celldose.simulate_cohort(JANG, dose="1e6 cells/kg", patients="ten"),
            "patients must be a whole number, not 'ten'",
        ),
        (
            lambda: celldose.simulate_cohort(JANG, dose="1e6 cells/kg", patients=10, missed=2),
            "missed is the probability that a dose is missed, a number from 0 to 1, not 2 (write "
            "0.1 for 10%)",
        ),
        (
            lambda: celldose.whatif(JANG, dose="1e6 cells/kg", weight="12kg", skip=[0]),
            "skip 0: doses are numbered from 1",
        ),
        (
            lambda: celldose.compare("chen2024-itp-ucmsc", weight=70),
            'the weight must be text with a unit or a Weight, not 70 (write it like "12kg" or '
            '"26.5lb")',
        ),
    ],
)
def test_wrong_arguments_raise_the_librarys_own_errors(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(CelldoseError) as info:
        call()
    assert str(info.value) == message


def test_weights_over_time_alone_give_the_baseline_patient() -> None:
    # day 0 at 12 kg, from day 28 on 13 kg: 1.2×10⁷ + 7 × 1.3×10⁷ = 1.03×10⁸ cells
    result = celldose.whatif(JANG, dose="1e6 cells/kg", weights="0:12kg,28:13kg")
    assert result.plan.patient.weight_kg == 12
    assert result.total_cells == pytest.approx(1.03e8)
    assert result.planned_total_cells == pytest.approx(9.6e7)  # planned on the baseline 12 kg
    same = celldose.whatif(JANG, dose="1e6 cells/kg", weights=[(0, "12kg"), (28, "13kg")])
    assert same.to_dict() == result.to_dict()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"weight": "20 kg", "weights": "0:12kg,28:13kg"},
            "the patient weighs 20 kg but weights gives 12 kg at the first dose (give one "
            "baseline weight: leave out weight= (or the patient), or make them agree)",
        ),
        (
            {"weights": "28:13kg"},
            "weights starts on day 28: whatif needs the patient's weight at the first dose "
            '(day 0) (pass weight="12kg", or weights with a day-0 weight: '
            'weights="0:12kg,28:13kg")',
        ),
        (
            {"weight": "12kg", "skip": 2.5},
            "skip must be a number, text or a list, not 2.5",
        ),
        (
            {"weight": "12kg", "delays": [3]},
            'a delay must be DOSE:DAYS text or a (dose, days) pair, not 3 (e.g. delays=["3:5"] or '
            "delays=[(3, 5)])",
        ),
    ],
)
def test_whatif_refuses_a_scenario_that_speaks_of_two_patients(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(CelldoseError) as info:
        celldose.whatif(JANG, dose="1e6 cells/kg", **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_a_patient_whose_weight_differs_from_the_day_0_weight_is_refused() -> None:
    patient = celldose.make_patient(celldose.get_species("dog"), "20kg")
    with pytest.raises(CelldoseError) as info:
        celldose.whatif(JANG, patient, dose="1e6 cells/kg", weights="0:12kg,28:13kg")
    assert str(info.value) == (
        "the patient weighs 20 kg but weights gives 12 kg at the first dose (give one "
        "baseline weight: leave out weight= (or the patient), or make them agree)"
    )
    # a weight measured only later: the patient's weight is the baseline until then
    later = celldose.whatif(JANG, patient, dose="1e6 cells/kg", weights="28:13kg")
    assert later.total_cells == pytest.approx(2e7 + 7 * 1.3e7)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"skip": 2}, {"skip": [2]}),
        ({"skip": "2,5"}, {"skip": [2, 5]}),
        ({"delays": "3:5"}, {"delays": [(3, 5)]}),
        ({"delays": {3: 5}}, {"delays": [(3, 5)]}),
        ({"delays": "3:5,6:1w"}, {"delays": [(3, 5), (6, 7)]}),
    ],
)
def test_one_item_or_many(kwargs: dict[str, object], expected: dict[str, object]) -> None:
    one = celldose.whatif(JANG, weight="12kg", dose="1e6 cells/kg", **kwargs)  # type: ignore[arg-type]
    many = celldose.whatif(JANG, weight="12kg", dose="1e6 cells/kg", **expected)  # type: ignore[arg-type]
    assert one.to_dict() == many.to_dict()


def test_cohort_species_and_roster_as_text(tmp_path: object) -> None:
    from pathlib import Path

    roster = Path(str(tmp_path)) / "dogs.csv"
    roster.write_text("id,weight\nrex,12kg\nfido,26.5lb\n", encoding="utf-8")
    # 12 kg and 12.020197805 kg × 1×10⁶ cells/kg × 8 doses
    result = celldose.simulate_cohort(JANG, roster=str(roster), dose="1e6 cells/kg", species="dog")
    assert result.to_dict()["cohort_total_cells"] == pytest.approx((12 + 12.020197805) * 8e6)
    dogs = celldose.simulate_cohort(
        JANG, patients=5, weight="4kg", dose="1e6 cells/kg", species="dog", seed=3
    )
    assert dogs.to_dict()["species"] == "dog"
    with pytest.raises(CelldoseError) as info:
        celldose.simulate_cohort(JANG, patients=5, wieght="4kg", dose="1e6 cells/kg")
    assert str(info.value).startswith("simulate_cohort has no argument wieght (its cohort ")


def test_compare_takes_one_arm_as_text() -> None:
    one = celldose.compare("chen2024-itp-ucmsc", arms="expansion-2.0", weight="70kg")
    assert [row["arm"] for row in one.to_dict()["rows"]] == ["expansion-2.0"]
