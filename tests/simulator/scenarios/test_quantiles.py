"""Exact percentiles gathered block by block (_quantiles.py, _cohort_blocks.py).

Every expected value is ``np.quantile(values, q, method="inverted_cdf")`` on the whole array (the
definition the README gives: the smallest value such that at least that share of the values are
it or less), never the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from celldose.protocols import parse_dose, protocol_from_regimen
from celldose.simulator.scenarios import Cohort, _cohort_blocks, simulate_cohort
from celldose.simulator.scenarios._engine import Draws, Engine, evaluate_block
from celldose.simulator.scenarios._engine_scaled import evaluate_scaled
from celldose.simulator.scenarios._patterns import given_pattern, tables
from celldose.simulator.scenarios._quantiles import MOST_COUNTS, Bracketed, CountedInts

Q = [0.05, 0.5, 0.95]
BLOCK = 4096


def _expected(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.quantile(values, Q, method="inverted_cdf")]


def _positions_of(count: int) -> list[int]:
    # the 0-based sorted positions of p5, p50, p95: ceil(p × count) - 1
    return [-(-p * count // 100) - 1 for p in (5, 50, 95)]


@pytest.mark.parametrize("n", [1, 2, 19, 20, 21, 4096, 4097, 100_003])
def test_counted_whole_numbers_give_the_inverted_cdf(n: int) -> None:
    values = np.random.default_rng(n).integers(0, 40, size=n, dtype=np.int32)
    counts = CountedInts()
    for start in range(0, n, BLOCK):
        counts.add(values[start : start + BLOCK])
    assert counts.pick(_positions_of(n)) == _expected(values)


def test_a_block_of_one_value_is_counted_at_once() -> None:
    counts = CountedInts()
    counts.add_same(3, 5)  # a block where every patient has 3
    counts.add(np.array([1, 3], dtype=np.int32))
    # sorted [1, 3, 3, 3, 3, 3, 3], n = 7: positions ceil(0.35)-1 = 0, ceil(3.5)-1 = 3,
    # ceil(6.65)-1 = 6
    assert counts.pick([0, 3, 6]) == [1, 3, 3]
    assert counts.pick([7]) is None  # past the values counted


def test_whole_numbers_too_large_or_negative_are_left_to_the_caller() -> None:
    counts = CountedInts()
    counts.add(np.array([0, MOST_COUNTS], dtype=np.int32))
    assert counts.pick([0]) is None
    negative = CountedInts()
    negative.add(np.array([-1, 2], dtype=np.int32))
    assert negative.pick([0]) is None


@pytest.mark.parametrize("seed", range(6))
def test_brackets_from_the_first_block_give_the_inverted_cdf(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 50_000 + seed * 7_919
    values = np.exp(2.5 + 0.4 * rng.standard_normal(n))
    values[::97] = values[0]  # ties
    near = Bracketed(values[:BLOCK])
    for start in range(0, n, BLOCK):
        near.add(values[start : start + BLOCK])
    assert near.pick([n]) == [_expected(values)]


@pytest.mark.parametrize("rows", [3, 15])  # 15: past the two-byte keys of the counts
def test_brackets_within_subsets_give_each_subsets_inverted_cdf(rows: int) -> None:
    rng = np.random.default_rng(7)
    n = 60_000
    values = rng.gamma(3.0, 4.0, size=n)
    shares = np.array([[0.1], [0.5], [0.0]] + [[0.3]] * (rows - 3))  # of values left out
    masks = rng.random((rows, n)) >= shares
    patterns = sum(masks[j].astype(np.uint16) << j for j in range(rows))  # bit j: row j
    near = Bracketed(values[:BLOCK], rows=rows)
    for start in range(0, n, BLOCK):
        near.add(values[start : start + BLOCK], patterns[start : start + BLOCK])
    picked = near.pick([int(m.sum()) for m in masks])
    assert picked == [_expected(values[m]) for m in masks]


def test_a_first_block_unlike_the_rest_says_so_rather_than_guess() -> None:
    values = np.sort(np.random.default_rng(1).random(20_000))  # a sorted roster
    near = Bracketed(values[:BLOCK])
    for start in range(0, values.size, BLOCK):
        near.add(values[start : start + BLOCK])
    assert near.pick([values.size]) == [None]


def test_given_patterns_by_hand() -> None:
    given = np.array([[True, False, False, True], [False, False, True, True], [True] * 4])
    # patient columns: doses {0, 2} -> 0b101 = 5; {2} -> 4; {1, 2} -> 6; {0, 1, 2} -> 7
    pattern = given_pattern(given)
    assert pattern is not None and pattern.tolist() == [5, 4, 6, 7]
    first, last, count = tables(3)
    assert first[pattern].tolist() == [0, 2, 1, 0]
    assert last[pattern].tolist() == [2, 2, 2, 2]
    assert count[pattern].tolist() == [2, 1, 2, 3]
    assert (first[0], last[0], count[0]) == (0, 2, 0)  # no dose: as argmax finds it
    nine = np.zeros((9, 2), dtype=bool)
    nine[8, 0] = nine[0, 1] = True  # dose 9 only: bit 8 = 256; dose 1 only: 1
    assert given_pattern(nine).tolist() == [256, 1]  # type: ignore[union-attr]
    assert given_pattern(np.zeros((17, 2), dtype=bool)) is None


def test_brackets_of_many_equal_values_give_up_rather_than_keep_them_all() -> None:
    values = np.full(300_000, 12.0)  # one weight for everyone: every bracket is [12, 12]
    near = Bracketed(values[:BLOCK])
    for start in range(0, values.size, BLOCK):
        near.add(values[start : start + BLOCK])
    assert near.pick([values.size]) == [None] and not near.inside[0]
    result = simulate_cohort(REGIMEN, Cohort(patients=70_000, weight="12kg", missed=0.1, seed=3))
    assert (result.weight_kg.p5, result.weight_kg.p95) == (12.0, 12.0)
    # 1×10⁶ cells/kg × 12 kg = 1.2×10⁷ cells, every dose
    assert {(d.cells.p5, d.cells.median, d.cells.p95) for d in result.per_dose if d.cells} == {
        (1.2e7, 1.2e7, 1.2e7)
    }


def test_an_empty_subset_has_no_percentiles() -> None:
    near = Bracketed(np.arange(10.0), rows=2)
    near.add(np.arange(10.0), np.full(10, 0b01, dtype=np.uint16))  # in row 0, not in row 1
    assert near.pick([10, 0])[1] is None


# -- a whole cohort -------------------------------------------------------------------------------
REGIMEN = protocol_from_regimen("1×10⁶ cells/kg q4w ×8", "dog")
TWO_DOSES = protocol_from_regimen("1×10⁶ cells/kg weekly ×2 then 3×10⁶ cells/kg q2w ×2", "dog")


@pytest.mark.parametrize(
    "cohort",
    [
        Cohort(patients=70_001, seed=4),
        Cohort(patients=70_001, missed=0.1, delayed=0.2, delay_days=(1, 7), seed=1),
        Cohort(patients=3, missed=0.5, seed=2),  # one block
    ],
    ids=["every-dose", "missed-and-delayed", "one-block"],
)
def test_cohort_percentiles_are_the_inverted_cdf_of_its_arrays(cohort: Cohort) -> None:
    result = simulate_cohort(REGIMEN, cohort)
    pairs = [
        (result.weight_kg, result.patient_weights_kg),
        (result.total_cells, result.patient_total_cells),
        (result.doses_given, result.patient_doses_given),
        (result.course_days, result.patient_course_days),
    ]
    for stats, values in pairs:
        assert stats is not None and values is not None
        assert [stats.p5, stats.median, stats.p95] == _expected(values)
        assert stats.mean == float(values.mean())


@pytest.mark.parametrize("missed", [0.0, 0.3])
def test_doses_that_follow_the_weight_give_the_percentiles_of_stored_cells(
    missed: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each dose's percentiles from the weights (the constant × the weights' order statistic)
    equal those selected from every patient's stored cells (the path for capped doses)."""
    cohort = Cohort(patients=50_000, missed=missed, seed=11)
    derived = simulate_cohort(TWO_DOSES, cohort)
    monkeypatch.setattr(_cohort_blocks, "scaled_doses", lambda engine: None)
    stored = simulate_cohort(TWO_DOSES, cohort)
    assert [d.cells for d in derived.per_dose] == [d.cells for d in stored.per_dose]
    assert derived.to_dict() == stored.to_dict()


def test_a_dose_percentile_is_the_constant_times_the_weights() -> None:
    # every patient gets every dose: dose 3 is 3×10⁶ cells/kg, so its median is 3×10⁶ × the
    # median weight, computed here from the weights alone
    result = simulate_cohort(TWO_DOSES, Cohort(patients=40_000, seed=5))
    weights = result.patient_weights_kg
    expected = [3e6 * v for v in _expected(weights)]
    dose3 = result.per_dose[2].cells
    assert dose3 is not None
    assert [dose3.p5, dose3.median, dose3.p95] == expected


# -- a block of weight × constant doses, against the general engine -------------------------------
@pytest.mark.parametrize("missed", [0.0, 0.25])
@pytest.mark.parametrize("delayed", [False, True])
@pytest.mark.parametrize("vial", [None, 2.5e7])
def test_a_scaled_block_is_the_general_block_bit_for_bit(
    missed: float, delayed: bool, vial: float | None
) -> None:
    rng = np.random.default_rng(3)
    doses, n = 5, 1_001
    constants = (1e6, 1e6, 2e6, 1e6, 3.3e6)
    engine = Engine(
        doses=tuple(parse_dose(f"{c:g} cells/kg") for c in constants),
        scale_factor=1.0,
        meeh_k=None,
        cap=None,
        viability=None,
        cells_per_vial=vial,
        planned_days=np.array([0, 7, 14, 28, 56], dtype=np.int32),
    )
    given = rng.random((doses, n)) >= missed if missed else None
    delays = None
    if delayed:
        delays = rng.integers(0, 4, size=(doses, n), dtype=np.int32)
        if given is not None:
            delays *= given
    draws = Draws(np.exp(2.5 + 0.4 * rng.standard_normal(n)), given, delays)
    general = evaluate_block(engine, draws, np.empty((doses, n)))
    scaled = evaluate_scaled(engine, draws, constants)
    for name in ("total_cells", "vials", "course_days", "doses_given", "dose_sums"):
        a, b = getattr(general, name), getattr(scaled, name)
        assert (a is None and b is None) or (np.array_equal(a, b) and a.dtype == b.dtype), name
    assert np.array_equal(general.received, scaled.received)
    assert np.array_equal(general.delayed, scaled.delayed)
    assert (general.capped, general.stopped) == (scaled.capped, scaled.stopped) == (0, 0)


def test_a_single_dose_missed_by_some_over_many_blocks() -> None:
    # one dose: a block holds 2¹⁸ patients, so 300,000 patients make two blocks; each dose's
    # percentiles among its receivers are the constant × their weights' (inverted CDF)
    one = protocol_from_regimen("2×10⁶ cells/kg once", "dog")
    result = simulate_cohort(one, Cohort(patients=300_000, missed=0.2, seed=8))
    given = result.patient_doses_given == 1
    expected = [2e6 * v for v in _expected(result.patient_weights_kg[given])]
    cells = result.per_dose[0].cells
    assert cells is not None and [cells.p5, cells.median, cells.p95] == expected
    assert result.per_dose[0].received == int(given.sum())
