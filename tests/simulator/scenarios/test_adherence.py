"""A dose's fate from one 32-bit number (_adherence.py): by hand, and in distribution.

The hand-worked cases put chosen numbers through the rule the README states; the Monte-Carlo
checks allow 4 binomial standard deviations, sqrt(p(1 - p)/n), worked out here.
"""

from __future__ import annotations

import math

import numpy as np

from celldose.protocols import protocol_from_regimen
from celldose.simulator.scenarios import Cohort, simulate_cohort
from celldose.simulator.scenarios._adherence import coarse, draw_adherence, draw_words, fates

Q = 1 << 30  # a quarter of 2³²


def words(*values: int) -> np.ndarray:
    return np.array([values], dtype=np.uint32)  # one dose, len(values) patients


def test_missed_then_delayed_by_hand() -> None:
    # missed 0.25: T = 0.25 × 2³² = 2³⁰ (Q). The doses given are r >= Q: 2³² - Q = 3Q numbers.
    # delayed 0.5 by 1-2 days: span 2, W = round(0.5 × 3Q / 2) = 3Q/4 = 805,306,368;
    # delayed when r - Q < 2W = 1,610,612,736, by 1 + (r - Q) // W days.
    w = 805_306_368
    given, delays = fates(
        words(0, Q - 1, Q, Q + w - 1, Q + w, Q + 2 * w - 1, Q + 2 * w, (1 << 32) - 1),
        missed=0.25,
        delayed=0.5,
        delay_days=(1, 2),
    )
    assert given is not None and delays is not None
    assert given.tolist() == [[False, False, True, True, True, True, True, True]]
    assert delays.tolist() == [[0, 0, 1, 1, 2, 2, 0, 0]]


def test_every_dose_delayed_by_hand() -> None:
    # delayed 1 by 1-7 days, nothing missed: T = 0, W = ceil(2³² / 7) = 613,566,757;
    # 2³² - 1 = 4,294,967,295 // W = 6 -> 1 + 6 = 7 days; 613,566,756 // W = 0 -> 1 day
    given, delays = fates(words(0, 613_566_756, 613_566_757, (1 << 32) - 1), 0.0, 1.0, (1, 7))
    assert given is None and delays is not None
    assert delays.tolist() == [[1, 1, 2, 7]]


def test_a_branch_not_entered_is_neither_given_nor_delayed() -> None:
    entered = np.array([[True, False]])
    given, delays = fates(words(0, 0), 0.0, 1.0, (3, 3), entered)
    assert given is not None and given.tolist() == [[True, False]]
    assert delays is not None and delays.tolist() == [[3, 0]]


def test_every_dose_missed_leaves_no_delay() -> None:
    given, delays = fates(words(0, (1 << 32) - 1), 1.0, 0.5, (1, 7))
    assert given is not None and not given.any() and delays is None


def test_words_are_the_raw_stream_low_half_first() -> None:
    raw = np.random.default_rng(5).bit_generator.random_raw(3)
    drawn = draw_words(np.random.default_rng(5), 2, 3)  # 6 words from 3 raw 64-bit numbers
    low, high = raw & 0xFFFFFFFF, raw >> 32
    assert drawn.ravel().tolist() == [int(v) for pair in zip(low, high, strict=True) for v in pair]


def test_fates_have_the_stated_distribution() -> None:
    n = 400_000
    missed, delayed, low, high = 0.1, 0.2, 1, 7
    given, delays = draw_adherence(np.random.default_rng(3), 1, n, missed, delayed, (low, high))
    assert given is not None and delays is not None
    share = 1 - given.mean()
    assert abs(share - missed) < 4 * math.sqrt(missed * (1 - missed) / n)
    got = int(given.sum())
    late = delays[given] > 0
    assert abs(late.mean() - delayed) < 4 * math.sqrt(delayed * (1 - delayed) / got)
    days = delays[given][late]
    assert days.min() == low and days.max() == high
    p = 1 / (high - low + 1)  # each day of 1-7 equally likely
    counts = np.bincount(days - low, minlength=high - low + 1)
    assert np.all(np.abs(counts / days.size - p) < 4 * math.sqrt(p * (1 - p) / days.size))


def test_missed_doses_do_not_depend_on_the_delays() -> None:
    # the same number decides both: a dose is missed when r < T whatever the delay asked
    regimen = protocol_from_regimen("1×10⁶ cells/kg q4w ×8", "dog")
    plain = simulate_cohort(regimen, Cohort(patients=3000, missed=0.2, seed=4))
    late = simulate_cohort(
        regimen, Cohort(patients=3000, missed=0.2, delayed=0.5, delay_days=(1, 7), seed=4)
    )
    assert np.array_equal(plain.patient_doses_given, late.patient_doses_given)
    assert late.patient_course_days is not None and plain.patient_course_days is not None
    assert np.all(late.patient_course_days >= plain.patient_course_days)  # delays only add


def test_probabilities_too_fine_for_32_bits_draw_64_bit_numbers() -> None:
    # missed 10⁻⁶: T = round(10⁻⁶ × 2³²) = 4,295, fewer than 65,536 steps: 64-bit uniforms
    assert coarse(1e-6, 0.0, None) and not coarse(0.1, 0.2, (1, 7))
    given, delays = draw_adherence(np.random.default_rng(3), 2, 5, 1e-6, 0.0, None)
    expected = np.random.default_rng(3).random((2, 5)) >= 1e-6
    assert delays is None and given is not None and np.array_equal(given, expected)
    # delayed 0.5 over 1-36,500 days: W = round(0.5 × 2³² / 36,500) = 58,835 < 65,536
    assert coarse(0.0, 0.5, (1, 36_500))
    _, delays = draw_adherence(np.random.default_rng(4), 2, 5, 0.0, 0.5, (1, 36_500))
    rng = np.random.default_rng(4)
    late = rng.random((2, 5)) < 0.5
    days = rng.integers(1, 36_501, size=int(late.sum()), dtype=np.int32)
    assert delays is not None and delays[late].tolist() == days.tolist()
    assert not delays[~late].any()
