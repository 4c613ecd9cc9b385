"""The block loop of a virtual cohort: every patient's draws and doses, summed and summarised.

:func:`run_blocks` draws and evaluates the cohort block by block (:mod:`._engine`) and keeps,
per patient, the weight, total cells, vials, course length and doses given, and per dose the
sums and counts. The percentiles are gathered while each block is in cache
(:mod:`._quantiles`), exact.

Where every dose is the weight × a constant (per-kg doses without limits, caps or weight
bands), a dose's cells are never stored for the whole cohort: the percentiles of dose ``j``
are its constant × the percentiles of the weights of the patients who received it (the same
order statistic, since multiplying by a positive constant keeps the order), so the memory is
that of one block. Otherwise the cells of every dose of every patient are kept and selected at
the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from celldose.protocols import Dose
from celldose.simulator.scenarios._cohort import Cohort
from celldose.simulator.scenarios._cohort_weights import WeightModel, weights_ahead
from celldose.simulator.scenarios._engine import (
    BLOCK,
    Engine,
    FloatArray,
    IntArray,
    draw_block,
    evaluate_block,
)
from celldose.simulator.scenarios._engine_scaled import evaluate_scaled
from celldose.simulator.scenarios._patterns import MOST_DOSES, given_pattern
from celldose.simulator.scenarios._quantiles import Bracketed, CountedInts
from celldose.simulator.scenarios._stats import (
    Stats,
    _positions,
    dose_percentiles,
    summarise,
)

Progress = Callable[[int, int], None]
Int64Array = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class CohortArrays:
    """What the blocks of a cohort add up to: per patient, per dose, and in all."""

    weights: FloatArray
    totals: FloatArray
    vials: IntArray | None
    course: IntArray | None
    given_counts: IntArray
    dose_sums: FloatArray
    received: Int64Array
    delayed: Int64Array
    stopped_by_dose: Int64Array
    entered: Int64Array  # patients per branch
    to_draw: float
    capped: int
    stopped: int
    percentiles: FloatArray  # (doses, 3): p5, median, p95 of each dose's cells (NaN: nobody)
    weight_stats: Stats
    total_stats: Stats
    vial_stats: Stats | None
    course_stats: Stats | None
    given_stats: Stats


def scaled_doses(engine: Engine) -> tuple[float, ...] | None:
    """Each dose's cells per kg when every dose is the weight × that constant (a per-kg dose,
    no limit, cap or weight band); None otherwise."""
    limits = engine.limits
    if limits.limits or limits.cap_cells is not None or engine.cap is not None:
        return None
    doses = engine.doses
    if not all(isinstance(d, Dose) and d.basis == "per kg" for d in doses):
        return None
    return tuple(d.amount * engine.scale_factor for d in doses if isinstance(d, Dose))


def run_blocks(
    engine: Engine,
    model: WeightModel,
    cohort: Cohort,
    branch_rows: IntArray | None,
    shares: Sequence[float],
    progress: Progress | None = None,
) -> CohortArrays:
    """Draw and evaluate every block of ``cohort`` (see the module's docstring)."""
    doses, patients = engine.count, cohort.size
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(cohort.seed).spawn(4)]
    scaled = scaled_doses(engine)
    some_missed = cohort.missed > 0 or branch_rows is not None
    if some_missed and doses > MOST_DOSES:  # who received which dose: kept as cells
        scaled = None
    # every patient receives every dose of the weight × a constant: a patient's total is a
    # non-decreasing function of the weight, so its order statistics are the weights'
    every_dose = scaled is not None and not some_missed and engine.viability is None
    block = max(1, BLOCK // doses)
    blocks = patients > block  # one block: select from the arrays at the end
    # the cells of every dose: the whole cohort's, or one block's when they follow the weights
    cells = np.empty((doses, block if scaled is not None else patients), dtype=np.float64)
    # which doses each patient received (bit j: dose j), when they follow the weights
    patterns = np.empty(patients, dtype=np.uint16) if scaled is not None and some_missed else None
    weights = np.empty(patients, dtype=np.float64)
    totals = np.empty(patients, dtype=np.float64)
    vials = np.empty(patients, dtype=np.int32) if engine.cells_per_vial is not None else None
    course = np.empty(patients, dtype=np.int32) if engine.planned_days is not None else None
    given_counts = np.empty(patients, dtype=np.int32)
    dose_sums = np.zeros(doses)
    received = np.zeros(doses, dtype=np.int64)
    delayed = np.zeros(doses, dtype=np.int64)
    stopped_by_dose = np.zeros(doses, dtype=np.int64)
    entered = np.zeros(len(shares), dtype=np.int64)
    counted = {"vials": CountedInts(), "course": CountedInts(), "given": CountedInts()}
    near: dict[str, Bracketed] = {}
    to_draw = 0.0
    capped = stopped = 0
    # the weights are drawn a block ahead, in a second thread (the same values)
    with weights_ahead(streams[0], model, weights, block) as drawn:
        for start in range(0, patients, block):  # blocks of patients bound the temporary memory
            stop = min(start + block, patients)
            if drawn is not None:
                drawn(start)
            draws = draw_block(
                model,
                streams,
                start,
                stop - start,
                doses,
                cohort,
                branch_rows,
                shares,
                weights_out=weights[start:stop],
                weights_drawn=drawn is not None,
            )
            if draws.branch is not None:
                entered += np.bincount(draws.branch[draws.branch >= 0], minlength=len(shares))
            if scaled is not None and engine.viability is None and stop - start >= 2:
                out = evaluate_scaled(engine, draws, scaled, total_out=totals[start:stop])
            else:
                here = cells[:, : stop - start] if scaled is not None else cells[:, start:stop]
                out = evaluate_block(engine, draws, here)
            if draws.weights.base is not weights:  # not drawn in place (a roster, one weight)
                weights[start:stop] = draws.weights
            if out.total_cells.base is not totals:  # not written in place
                totals[start:stop] = out.total_cells
            given_counts[start:stop] = out.doses_given
            pattern = out.pattern
            if patterns is not None:
                if pattern is None:
                    assert draws.given is not None
                    pattern = given_pattern(draws.given)
                assert pattern is not None
                patterns[start:stop] = pattern
            if vials is not None:
                assert out.vials is not None
                vials[start:stop] = out.vials
                counted["vials"].add(out.vials)
            # every dose to every patient of the block (none missed, none stopped by a course
            # maximum)
            every = draws.given is None and out.stopped == 0
            if course is not None:
                assert out.course_days is not None
                course[start:stop] = out.course_days
                if every and draws.delays is None:  # every course the planned one
                    counted["course"].add_same(int(out.course_days[0]), stop - start)
                else:
                    counted["course"].add(out.course_days)
            if every:
                counted["given"].add_same(doses, stop - start)
            else:
                counted["given"].add(out.doses_given)
            if blocks:
                if not near:  # the first block: a random sample of the cohort
                    # the weights, and (with patterns) the weights of each dose's receivers
                    near["weights"] = Bracketed(draws.weights, None if patterns is None else doses)
                    if not every_dose:
                        near["totals"] = Bracketed(out.total_cells)
                near["weights"].add(draws.weights, None if patterns is None else pattern)
                if not every_dose:
                    near["totals"].add(out.total_cells)
            dose_sums += out.dose_sums
            received += out.received
            delayed += out.delayed
            to_draw += out.cells_to_draw
            capped += out.capped
            stopped += out.stopped
            if out.stopped_by_dose is not None:
                stopped_by_dose += out.stopped_by_dose
            if progress is not None:
                progress(stop, patients)
    weight_stats = _float_stats(weights, near.get("weights"))
    if scaled is None:
        percentiles = dose_percentiles(cells, received)
    else:
        percentiles = _scaled_percentiles(
            scaled, weights, weight_stats, patterns, received, near.get("weights")
        )
    del cells
    return CohortArrays(
        weights=weights,
        totals=totals,
        vials=vials,
        course=course,
        given_counts=given_counts,
        dose_sums=dose_sums,
        received=received,
        delayed=delayed,
        stopped_by_dose=stopped_by_dose,
        entered=entered,
        to_draw=to_draw,
        capped=capped,
        stopped=stopped,
        percentiles=percentiles,
        weight_stats=weight_stats,
        total_stats=(
            _scaled_total_stats(scaled, totals, weight_stats)
            if every_dose and scaled is not None
            else _float_stats(totals, near.get("totals"))
        ),
        vial_stats=None if vials is None else _int_stats(vials, counted["vials"]),
        course_stats=None if course is None else _int_stats(course, counted["course"]),
        given_stats=_int_stats(given_counts, counted["given"]),
    )


def _float_stats(values: FloatArray, near: Bracketed | None) -> Stats:
    picked = near.pick([values.size], every=True)[0] if near is not None else None
    if picked is None:
        return summarise(values)
    return Stats(float(values.mean()), picked[1], picked[0], picked[2])


def _int_stats(values: IntArray, counts: CountedInts) -> Stats:
    picked = counts.pick(_positions(values.size))
    total = counts.total()
    if picked is None or total is None:
        return summarise(values)
    # numpy's mean of whole numbers adds them as floats: exact below 2⁵³, so the same value
    mean = float(total) / values.size if total < 1 << 53 else float(values.mean())
    return Stats(mean, float(picked[1]), float(picked[0]), float(picked[2]))


def _scaled_total_stats(scaled: tuple[float, ...], totals: FloatArray, weights: Stats) -> Stats:
    """The total cells' statistics when every patient receives every dose: a total is each
    dose's constant × the weight, added in dose order (as the blocks add them), a
    non-decreasing function of the weight (each step rounds monotonically), so its p5, median
    and p95 are that function of the weights' (the same order statistics)."""

    def total(weight: float) -> float:
        w = np.float64(weight)
        value = np.float64(scaled[0]) * w
        for c in scaled[1:]:
            value = value + np.float64(c) * w
        return float(value)

    mean = float(totals.mean())
    return Stats(mean, total(weights.median), total(weights.p5), total(weights.p95))


def _scaled_percentiles(
    scaled: tuple[float, ...],
    weights: FloatArray,
    weight_stats: Stats,
    patterns: npt.NDArray[np.uint16] | None,
    received: Int64Array,
    near: Bracketed | None,
) -> FloatArray:
    """p5, median, p95 of each dose's cells: its constant × the weights' percentiles among
    the patients who received it (the same order statistic: the product keeps the order)."""
    out = np.full((len(scaled), 3), np.nan)
    if patterns is None:  # every dose to every patient: the weights' own percentiles
        for j, factor in enumerate(scaled):
            out[j] = factor * np.array([weight_stats.p5, weight_stats.median, weight_stats.p95])
        return out
    picks = near.pick([int(c) for c in received]) if near is not None else [None] * len(scaled)
    for j, factor in enumerate(scaled):
        if received[j] == 0:
            continue
        picked = picks[j]
        if picked is None:  # one block, or the first block's brackets missed: select here
            positions = _positions(int(received[j]))
            chosen = weights[(patterns >> j) & 1 == 1]
            picked = [float(v) for v in np.partition(chosen, positions)[positions]]
        out[j] = factor * np.array(picked)
    return out


__all__ = ["CohortArrays", "Progress", "run_blocks", "scaled_doses"]
