"""Virtual cohorts: analytic checks, hand-worked cases, and refusals.

Expected values come from formulas written here (truncated lognormal moments with math.erf, the
beta-binomial pmf by hand), never from the code under test. Monte-Carlo checks allow 4 standard
errors.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from celldose.protocols import (
    OptionError,
    PatientError,
    Protocol,
    Responders,
    load_protocol,
    parse_dose,
    protocol_from_regimen,
)
from celldose.simulator import DoseOptions, Product, get_species, make_patient, parse_weight
from celldose.simulator import plan_doses as plan
from celldose.simulator.scenarios import (
    Cohort,
    CohortResult,
    parse_delay_days,
    parse_roster,
    read_roster,
    simulate_cohort,
)
from celldose.simulator.scenarios._engine import Draws, Engine, evaluate_block
from celldose.simulator.scenarios._stats import (
    _positions,
    beta_binomial_pmf,
    responder_forecast,
)
from celldose.simulator.scenarios._stats import dose_percentiles as _dose_percentiles

DOG = get_species("dog")
DOSE = DoseOptions(dose=parse_dose("1e6 cells/kg"))
JANG = load_protocol("jang2025-canine-itp")  # q4w ×8: days 0, 28, ..., 196; responders 1/1


def simulate(cohort: Cohort, protocol: Protocol = JANG, **kwargs: object) -> CohortResult:
    options = kwargs.pop("options", DOSE if protocol is JANG else DoseOptions())
    return simulate_cohort(protocol, cohort, options=options, **kwargs)  # type: ignore[arg-type]


def phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def truncated_lognormal_moment(
    median: float, sigma: float, low: float, high: float, k: int
) -> float:
    """E[W^k | low <= W <= high] for W = median·exp(sigma·Z): median^k e^(k²σ²/2) × ratio of
    normal probabilities shifted by kσ."""
    a = math.log(low / median) / sigma
    b = math.log(high / median) / sigma
    inside = phi(b) - phi(a)
    shifted = phi(b - k * sigma) - phi(a - k * sigma)
    return median**k * math.exp(k * k * sigma * sigma / 2) * shifted / inside


# -- analytic checks ------------------------------------------------------------------------------
def test_point_cohort_without_missed_doses_and_a_fixed_weight() -> None:
    result = simulate(Cohort(patients=500, weight=parse_weight("12kg")))
    per_patient = 8 * 1e6 * 12  # 9.6e7
    t = result.total_cells
    assert (t.mean, t.median, t.p5, t.p95) == pytest.approx((per_patient,) * 4)
    assert result.cohort_total_cells == pytest.approx(500 * per_patient)
    for dose in result.per_dose:
        assert dose.cells is not None
        assert (dose.cells.p5, dose.cells.median, dose.cells.p95) == (1.2e7, 1.2e7, 1.2e7)
        assert dose.missed_fraction == 0
    assert result.course_days is not None
    assert (result.course_days.p5, result.course_days.p95) == (196, 196)
    assert result.doses_given.mean == 8
    assert np.all(result.patient_total_cells == result.patient_total_cells[0])


def test_mean_total_is_dose_times_mean_weight_times_doses() -> None:
    n = 200_000
    result = simulate(Cohort(patients=n, seed=11))
    low, high = DOG.soft_kg
    m1 = truncated_lognormal_moment(DOG.cohort_median_kg, DOG.cohort_sigma, low, high, 1)
    m2 = truncated_lognormal_moment(DOG.cohort_median_kg, DOG.cohort_sigma, low, high, 2)
    expected = 1e6 * m1 * 8
    standard_error = 1e6 * 8 * math.sqrt(m2 - m1 * m1) / math.sqrt(n)
    assert abs(result.total_cells.mean - expected) < 4 * standard_error
    assert abs(result.weight_kg.mean - m1) < 4 * math.sqrt(m2 - m1 * m1) / math.sqrt(n)
    weights = result.patient_weights_kg
    assert weights.min() >= low and weights.max() <= high  # truncated to soft_kg


def test_mean_total_with_missed_doses() -> None:
    n, p = 200_000, 0.25
    result = simulate(Cohort(patients=n, missed=p, seed=3))
    low, high = DOG.soft_kg
    m1 = truncated_lognormal_moment(DOG.cohort_median_kg, DOG.cohort_sigma, low, high, 1)
    m2 = truncated_lognormal_moment(DOG.cohort_median_kg, DOG.cohort_sigma, low, high, 2)
    # total = dose × W × K, K ~ Binomial(8, 0.75) independent of W
    k1 = 8 * (1 - p)
    k2 = 8 * p * (1 - p) + k1 * k1
    expected = 1e6 * m1 * k1
    sd = 1e6 * math.sqrt(m2 * k2 - (m1 * k1) ** 2)
    assert abs(result.total_cells.mean - expected) < 4 * sd / math.sqrt(n)
    for dose in result.per_dose:
        assert abs(dose.missed_fraction - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert abs(result.doses_given.mean - k1) < 4 * math.sqrt(8 * p * (1 - p) / n)


def test_roster_with_known_weights() -> None:
    roster = parse_roster("id,weight\na,10kg\nb,20kg\nc,30kg\nd,40kg\n", DOG)
    result = simulate(Cohort(roster=roster))
    t = result.total_cells
    # totals 8e7, 1.6e8, 2.4e8, 3.2e8; inverted CDF over 4 values: p5 -> 1st, median -> 2nd,
    # p95 -> 4th
    assert (t.mean, t.p5, t.median, t.p95) == pytest.approx((2e8, 8e7, 1.6e8, 3.2e8))
    assert result.cohort_total_cells == pytest.approx(8e8)
    dose1 = result.per_dose[0].cells
    assert dose1 is not None
    assert (dose1.mean, dose1.p5, dose1.median, dose1.p95) == pytest.approx((2.5e7, 1e7, 2e7, 4e7))
    assert list(result.patient_total_cells) == pytest.approx([8e7, 1.6e8, 2.4e8, 3.2e8])
    assert result.patients == 4


def test_vectorised_cohort_agrees_with_plan_doses() -> None:
    """Cap, viability and whole vials: the same numbers as `celldose dose`, patient by patient."""
    product = Product(
        concentration=5e6, vial_cells=2.5e7, viability=0.8, dose_counts_viable=True, cap_cells=3e7
    )
    options = DoseOptions(dose=parse_dose("1e6 cells/kg"), product=product)
    text = "\n".join(f"p{i},{w}" for i, w in enumerate(["3kg", "19.9kg", "20kg", "26.5lb", "45kg"]))
    roster = parse_roster(text, DOG)
    result = simulate(Cohort(roster=roster), options=options)
    expected_totals, expected_vials, to_draw = [], [], 0.0
    for weight in ["3kg", "19.9kg", "20kg", "26.5lb", "45kg"]:
        schedule = plan(JANG, make_patient(DOG, weight), options=options).schedules[0]
        expected_totals.append(schedule.total_cells)
        expected_vials.append(schedule.total_vials)
        to_draw += sum(d.cells_to_draw for d in schedule.doses)
    assert list(result.patient_total_cells) == expected_totals
    assert result.patient_vials is not None
    assert list(result.patient_vials) == expected_vials
    assert result.demand.cells_to_draw == pytest.approx(to_draw)
    assert result.capped_doses == 8  # the 45 kg dog: 4.5e7 > 3e7 at each of 8 doses
    assert result.demand.vials == sum(v or 0 for v in expected_vials)


def test_manufacturing_demand_with_overage() -> None:
    q4w5 = protocol_from_regimen("1e6 cells/kg q4w ×5", "dog")
    options = DoseOptions(product=Product(vial_cells=2.5e7))
    cohort = Cohort(patients=2, weight=parse_weight("10kg"), overage=1.1)
    demand = simulate(cohort, q4w5, options=options).demand
    # 2 dogs × 5 doses of 1e7 cells, one vial each: 1e8 cells, 10 vials; × 1.1 -> 11 vials
    assert (demand.cells_given, demand.vials) == (1e8, 10)
    assert demand.cells_to_draw == demand.cells_given  # no viability: the same number
    assert demand.vials_to_manufacture == 11  # 10 × 1.1 is 11.000000000000002 in floating point
    assert demand.cells_thawed == 2.5e8  # 10 vials × 2.5×10⁷ cells
    assert demand.cells_to_manufacture == pytest.approx(2.75e8)  # 11 vials × 2.5×10⁷ cells


def test_per_m2_cohort_uses_meeh_bsa() -> None:
    q4w2 = protocol_from_regimen("1e8 cells/m² q4w ×2", "dog")
    result = simulate(Cohort(patients=3, weight=parse_weight("10kg")), q4w2)
    bsa = 10.1 * 10000 ** (2 / 3) * 1e-4  # Meeh, K 10.1
    assert result.total_cells.median == pytest.approx(2 * 1e8 * bsa, rel=1e-12)


def test_per_m2_human_cohort_is_refused() -> None:
    regimen = protocol_from_regimen("1e8 cells/m² q4w ×2", "human")
    with pytest.raises(OptionError, match=r"a per-m² dose for a virtual cohort of human adults"):
        simulate(Cohort(patients=3), regimen)


def test_delays_lengthen_the_course() -> None:
    # every dose delayed exactly 7 days, shifting the rest: the first dose's delay moves the
    # whole course; the 7 later delays add 7 × 7 = 49 days to 196
    cohort = Cohort(patients=100, weight=parse_weight("12kg"), delayed=1.0, delay_days=(7, 7))
    result = simulate(cohort)
    assert result.course_days is not None
    assert (result.course_days.p5, result.course_days.p95) == (245, 245)
    assert all(d.delayed_fraction == 1.0 for d in result.per_dose)
    assert (result.total_cells.p5, result.total_cells.p95) == (9.6e7, 9.6e7)  # no dose changes


def test_delay_range_bounds_the_course() -> None:
    result = simulate(Cohort(patients=2000, delayed=0.5, delay_days=(1, 3), seed=5))
    course = result.patient_course_days
    assert course is not None
    assert course.min() >= 196 and course.max() <= 196 + 7 * 3


def test_every_dose_missed() -> None:
    result = simulate(Cohort(patients=50, missed=1.0))
    assert result.total_cells.p95 == 0
    assert result.patients_without_dose == 50
    assert all(d.cells is None for d in result.per_dose)
    assert "missed=1: every dose is missed, nobody is treated" in result.warnings


def test_missing_the_first_dose_is_measured_from_the_first_dose_given() -> None:
    result = simulate(Cohort(patients=20_000, missed=0.5, weight=parse_weight("12kg"), seed=2))
    course = result.patient_course_days
    given = result.patient_doses_given
    assert course is not None
    assert course[given == 1].max() == 0  # one dose given: no course length
    assert course.max() == 196


def test_calendar_months_need_a_start_for_course_lengths() -> None:
    qi = load_protocol("qi2017-sjogren-thrombocytopenia")  # monthly ×4
    result = simulate(Cohort(patients=10), qi)
    assert result.course_days is None
    assert any("calendar months" in w for w in result.warnings)


def test_frequency_range_needs_a_schedule() -> None:
    aa = load_protocol("aa-ucmsc-18")
    options = DoseOptions(count=8)
    with pytest.raises(OptionError, match=r"choose schedule=min"):
        simulate(Cohort(patients=10), aa, options=options)
    result = simulate(Cohort(patients=10), aa, options=options, schedule="max")
    assert [d.planned_day for d in result.per_dose] == [0, 3, 7, 10, 14, 17, 21, 24]


# -- the engine, by hand -------------------------------------------------------------------------
def test_block_by_hand() -> None:
    engine = Engine(
        doses=(parse_dose("1e6 cells/kg"),) * 2,
        scale_factor=1.0,
        meeh_k=None,
        cap=None,
        viability=None,
        cells_per_vial=2.5e7,
        planned_days=np.array([0, 28], dtype=np.int32),
    )
    given = np.array([[True, False, True, True, False], [True] * 5])
    delays = np.array([[0, 0, 3, 0, 0], [2, 0, 0, 5, 0]], dtype=np.int32)
    draws = Draws(np.array([10.0, 20, 30, 40, 50]), given, delays)
    cells = np.empty((2, 5))
    out = evaluate_block(engine, draws, cells)
    # dose 1 to the 10, 30 and 40 kg patients; dose 2 to everyone
    assert list(out.total_cells) == [2e7, 2e7, 6e7, 8e7, 5e7]
    assert list(out.doses_given) == [2, 1, 2, 2, 1]
    # vials of 2.5e7 cells: 1e7 -> 1, 2e7 -> 1, 3e7 -> 2, 4e7 -> 2, 5e7 -> 2
    assert out.vials is not None and list(out.vials) == [2, 1, 4, 4, 2]
    # course: patient 1 days 0 and 28 + 2 = 30; patient 3 days 3 and 31 (both shifted 3): 28;
    # patient 4 days 0 and 33; patients 2 and 5 had one dose: 0
    assert out.course_days is not None and list(out.course_days) == [30, 0, 28, 33, 0]
    percentiles = _dose_percentiles(cells, out.received)
    # dose 1: receivers 1e7, 3e7, 4e7 -> positions 0, 1, 2; dose 2: 5 values -> positions 0, 2, 4
    assert percentiles.tolist() == [[1e7, 3e7, 4e7], [1e7, 3e7, 5e7]]


def test_percentile_positions_match_the_inverted_cdf() -> None:
    rng = np.random.default_rng(0)
    for n in [1, 2, 3, 4, 5, 19, 20, 21, 99, 100, 101, 1000, 1001]:
        values = np.sort(rng.random(n))
        expected = np.percentile(values, [5, 50, 95], method="inverted_cdf")
        assert list(values[_positions(n)]) == list(expected)


# -- reproducibility ------------------------------------------------------------------------------
def test_same_seed_same_result() -> None:
    cohort = Cohort(patients=5000, missed=0.1, delayed=0.2, delay_days=(1, 7), seed=42)
    first, second = simulate(cohort), simulate(cohort)
    assert np.array_equal(first.patient_total_cells, second.patient_total_cells)
    assert first.per_dose == second.per_dose
    assert first.total_cells == second.total_cells
    other = simulate(Cohort(patients=5000, missed=0.1, delayed=0.2, delay_days=(1, 7), seed=43))
    assert not np.array_equal(first.patient_total_cells, other.patient_total_cells)


def test_weights_do_not_depend_on_adherence() -> None:
    plain = simulate(Cohort(patients=1000, seed=9))
    missed = simulate(Cohort(patients=1000, seed=9, missed=0.3))
    assert np.array_equal(plain.patient_weights_kg, missed.patient_weights_kg)


def test_large_cohort_uses_several_blocks() -> None:
    calls: list[tuple[int, int]] = []
    result = simulate(
        Cohort(patients=300_000, missed=0.1), progress=lambda d, t: calls.append((d, t))
    )
    assert len(calls) > 1 and calls[-1] == (300_000, 300_000)
    assert result.patients == 300_000
    received = sum(d.received for d in result.per_dose)
    assert received == int(result.patient_doses_given.sum())


# -- responders -----------------------------------------------------------------------------------
def test_beta_binomial_pmf_by_hand() -> None:
    # N = 2, Beta(2, 1) (k = 1 of n = 1): P(x) = C(2, x) B(x + 2, 3 - x) / B(2, 1)
    # B(2, 1) = 1/2; B(2, 3) = 1/12, B(3, 2) = 1/12, B(4, 1) = 1/4 -> 1/6, 2 × 1/6 = 1/3, 1/2
    assert list(beta_binomial_pmf(2, 2.0, 1.0)) == pytest.approx([1 / 6, 1 / 3, 1 / 2])
    # N = 3, Beta(1, 2) (k = 0 of n = 1): B(1, 2) = 1/2; B(1, 5) = 1/5, 3 B(2, 4) = 3/20,
    # 3 B(3, 3) = 1/10, B(4, 2) = 1/20 -> 2/5, 3/10, 1/5, 1/10
    assert list(beta_binomial_pmf(3, 1.0, 2.0)) == pytest.approx([0.4, 0.3, 0.2, 0.1])


def test_responder_forecast_by_hand() -> None:
    two = responder_forecast("r", Responders(k=1, n=1), 2)
    # CDF 1/6, 1/2, 1: p5 -> 0, median -> 1 (CDF reaches 0.5 at 1), p95 -> 2
    assert (two.mean, two.p5, two.median, two.p95) == (pytest.approx(4 / 3), 0, 1, 2)
    three = responder_forecast("r", Responders(k=0, n=1), 3)
    # CDF 0.4, 0.7, 0.9, 1.0: p5 -> 0, median -> 1, p95 -> 3; mean 3 × 1/3 = 1
    assert (three.mean, three.p5, three.median, three.p95) == (pytest.approx(1.0), 0, 1, 3)
    assert three.posterior == "Beta(1, 2)"


@pytest.mark.parametrize(("k", "n", "patients"), [(3, 6, 1000), (13, 18, 250), (0, 3, 77)])
def test_predictive_mean_is_n_k_plus_1_over_n_plus_2(k: int, n: int, patients: int) -> None:
    pmf = beta_binomial_pmf(patients, k + 1.0, n - k + 1.0)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    mean = float((np.arange(patients + 1) * pmf).sum())
    assert mean == pytest.approx(patients * (k + 1) / (n + 2), rel=1e-9)


def test_cohort_reports_the_arm_responders() -> None:
    chen = load_protocol("chen2024-itp-ucmsc")  # expansion-2.0: 3 of 6 responders
    result = simulate(Cohort(patients=1000), chen, arm="expansion-2.0")
    (forecast,) = result.responders
    assert (forecast.k, forecast.n, forecast.patients) == (3, 6, 1000)
    assert forecast.mean == pytest.approx(1000 * 4 / 8)
    assert "only restates the published rate" in forecast.note


# -- roster ---------------------------------------------------------------------------------------
def test_roster_skips_blank_and_comment_lines(tmp_path: Path) -> None:
    path = tmp_path / "dogs.csv"
    path.write_text("# clinic list\nid,weight\n\nrex,12kg\nbella, 26.5 lb\n", encoding="utf-8")
    roster = read_roster(path, DOG)
    assert roster.ids == ("rex", "bella")
    assert roster.weights_kg == (12.0, 26.5 * 0.45359237)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("rex,12kg\nbella,13kg\nmax,12\n", PatientError, r"line 3: 12 what\? the weight needs"),
        ("rex,12kg\nbella,12 stone\n", PatientError, r"line 2: unknown weight unit 'stone'"),
        ("rex,12kg,brown\n", OptionError, r"line 1: expected 2 fields \(id,weight\), found 3"),
        ("rex,12kg\nrex,13kg\n", OptionError, r"line 2: id 'rex' repeats line 1"),
        ("rex,200kg\n", PatientError, r"line 1: a dog of 200 kg is outside the accepted"),
        ("id,weight\n", OptionError, r"lists no patients"),
    ],
)
def test_bad_roster_lines_are_refused(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_roster(text, DOG, "dogs.csv")


def test_unusual_roster_weight_warns() -> None:
    roster = parse_roster("rex,12kg\ntiny,0.5kg\n", DOG, "dogs.csv")
    assert roster.warnings == (
        "1 roster weight is outside the usual 1-90 kg for a dog (line 2): check it",
    )


# -- refusals -------------------------------------------------------------------------------------
ROSTER = parse_roster("a,10kg\n", DOG)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"patients": -5},
            (
                r"^patients must be at least 1, not -5 \(give the number of virtual "
                r"patients, e.g. patients=1000\)$"
            ),
        ),
        (
            {"patients": 0},
            (
                r"^patients must be at least 1, not 0 \(give the number of virtual "
                r"patients, e.g. patients=1000\)$"
            ),
        ),
        (
            {"patients": 10, "missed": 1.5},
            (
                r"^missed is the probability that a dose is missed, a number from 0 to "
                r"1, not 1.5 \(write 0.1 for 10%\)$"
            ),
        ),
        (
            {"patients": 10, "missed": -0.1},
            (
                r"^missed is the probability that a dose is missed, a number from 0 to "
                r"1, not -0.1 \(write 0.1 for 10%\)$"
            ),
        ),
        (
            {"patients": 10, "missed": math.nan},
            (
                r"^missed is the probability that a dose is missed, a number from 0 to "
                r"1, not nan \(write 0.1 for 10%\)$"
            ),
        ),
        (
            {"patients": 10, "delayed": 2.0, "delay_days": (1, 2)},
            (
                r"^delayed is the probability that a dose is delayed, a number from 0 to "
                r"1, not 2 \(write 0.1 for 10%\)$"
            ),
        ),
        (
            {"patients": 10, "delayed": 0.1},
            (
                r"^delayed needs the length of a delay \(pass delay_days=\"1-7\" "
                r"\(days\)\)$"
            ),
        ),
        (
            {"patients": 10, "delay_days": (1, 2)},
            (
                r"^delay_days without a probability of delay delays nothing \(give the "
                r"probability that a dose is delayed, e.g. delayed=0.1\)$"
            ),
        ),
        ({"patients": 10, "delayed": 0.1, "delay_days": (0, 2)}, r"not a range of whole days"),
        ({"patients": 10, "delayed": 0.1, "delay_days": (5, 2)}, r"not a range of whole days"),
        (
            {"patients": 10, "overage": 0.9},
            (
                r"^overage must be at least 1, not 0.9 \(it multiplies the demand: 1 for "
                r"none, 1.2 for 20% extra\)$"
            ),
        ),
        ({"patients": 10, "seed": -1}, r"^seed must be a whole number >= 0, not -1$"),
        ({"patients": 10, "roster": ROSTER}, r"not both"),
        ({}, r"a cohort needs a number of patients or a roster"),
        (
            {"roster": ROSTER, "weight": parse_weight("9kg")},
            (r"^weight does not go with a roster, which gives every weight$"),
        ),
        (
            {"patients": 10, "weight_sigma": -0.1},
            (
                r"^weight_sigma must be a finite number >= 0, not -0.1 \(it is the "
                r"standard deviation of log weight, e.g. 0.3\)$"
            ),
        ),
        ({"patients": 20_000_000}, r"more than the 10,000,000"),
    ],
)
def test_bad_cohorts_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(OptionError, match=message):
        Cohort(**kwargs)  # type: ignore[arg-type]


def test_a_distribution_reshaped_by_truncation_is_refused() -> None:
    with pytest.raises(OptionError, match=r"truncating that much would change the distribution"):
        simulate(Cohort(patients=10, weight_sigma=3.0))
    with pytest.raises(OptionError, match=r"a median weight of 200 kg is outside the 1-90 kg"):
        simulate(Cohort(patients=10, weight_median=parse_weight("200kg")))


def test_weight_overrides_are_used() -> None:
    result = simulate(Cohort(patients=20_000, weight_median=parse_weight("30kg"), weight_sigma=0.1))
    # lognormal median 30, sigma 0.1: the sample median is within 1% of 30 kg
    assert result.weight_kg.median == pytest.approx(30, rel=0.01)
    assert "(weight_median/weight_sigma; dog:" in result.weight_model


def test_parse_delay_days() -> None:
    assert parse_delay_days("1-7") == (1, 7)
    assert parse_delay_days("3") == (3, 3)
    assert parse_delay_days("2–5 days") == (2, 5)
    with pytest.raises(
        OptionError,
        match=(
            r"^delay_days 'a week' is not understood \(write the shortest and "
            r"longest delay in days, e.g. \"1-7\", or \"3\" for exactly 3\)$"
        ),
    ):
        parse_delay_days("a week")
