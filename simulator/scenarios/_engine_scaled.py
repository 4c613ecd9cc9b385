"""One block of a cohort whose every dose is the patient's weight × a constant.

Per-kg doses without limits, caps, weight bands or a viability correction: dose ``j`` gives
``c_j × weight`` cells. :func:`evaluate_scaled` returns what :func:`~._engine.evaluate_block`
returns for such a block, bit for bit (tested), with a fraction of the work: the cells of a
constant are computed once for all the doses that share it, the vials of a dose once per
constant (and multiplied by the number of such doses a patient received: whole numbers, exact),
and no array of doses × patients is kept. Sums keep the order of the general path: a patient's
total adds the doses in dose order, a dose's sum over the patients is numpy's pairwise sum of
its row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from celldose.simulator.scenarios._adherence import delayed_counts
from celldose.simulator.scenarios._engine import (
    BlockOut,
    Draws,
    Engine,
    FloatArray,
    IntArray,
    cells_out_of_range,
    course_days,
)
from celldose.simulator.scenarios._patterns import doses_in, given_counts, given_pattern


def evaluate_scaled(
    engine: Engine,
    draws: Draws,
    constants: Sequence[float],
    total_out: FloatArray | None = None,
) -> BlockOut:
    """The :class:`BlockOut` of one block where dose ``j`` is ``constants[j]`` × the weight
    (``engine.viability`` must be None; a block of at least two patients). Each patient's
    total is written into ``total_out`` when given (the cohort's own array, not a copy)."""
    weights, given, delays = draws.weights, draws.given, draws.delays
    doses, n = len(constants), weights.shape[0]
    assert engine.viability is None and n >= 2
    with np.errstate(over="ignore", invalid="ignore"):
        heaviest = float(weights.max())
        row_of: dict[float, FloatArray] = {}
        for c in constants:
            if c not in row_of:
                if not math.isfinite(c * heaviest):  # then every c × weight is finite
                    raise cells_out_of_range()
                row_of[c] = c * weights
        total = np.empty(n) if total_out is None else total_out
        given_row = np.empty(n)  # one dose's cells with its missed doses at 0
        dose_sums = np.empty(doses)
        shared: dict[float, float] = {}  # a constant's row sum, when every dose is given
        for j, c in enumerate(constants):
            row = row_of[c]
            if given is not None:
                # a missed dose: 0 cells (x × 0.0), as the general path
                row = np.multiply(row, given[j], out=given_row)
                dose_sums[j] = row.sum()
            else:
                if c not in shared:
                    shared[c] = float(row.sum())
                dose_sums[j] = shared[c]
            if j == 0:
                np.copyto(total, row)
            else:
                total += row
        draw_total = float(total.sum())  # used only to check that the cells fit a float
    if not math.isfinite(draw_total):
        raise cells_out_of_range()
    pattern = None if given is None else given_pattern(given)
    if given is None:
        doses_given = np.broadcast_to(np.int32(doses), (n,))  # read only, no copy
        received = np.full(doses, n, dtype=np.int64)
    else:
        doses_given = given.sum(axis=0, dtype=np.int32) if pattern is None else doses_in(pattern)
        received = given_counts(given)
    vials: IntArray | None = None
    if engine.cells_per_vial is not None:
        vials = _vials(engine.cells_per_vial, constants, row_of, given, doses_given)
    course: IntArray | None = None
    if engine.planned_days is not None:
        course = course_days(engine.planned_days, given, delays, n, pattern)
    delayed = np.zeros(doses, dtype=np.int64) if delays is None else delayed_counts(delays)
    return BlockOut(
        total,
        draw_total,
        vials,
        course,
        doses_given,
        dose_sums,
        received,
        delayed,
        0,
        0,
        None,
        pattern,
    )


def _vials(
    per_vial: float,
    constants: Sequence[float],
    row_of: dict[float, FloatArray],
    given: npt.NDArray[np.bool_] | None,
    doses_given: IntArray,
) -> IntArray:
    """Whole vials per patient: each dose opens ceil(cells / cells per vial) vials (the same
    steps as draw()), counted once per constant and multiplied by its doses received."""
    opened_by: dict[float, FloatArray] = {}
    for c, row in row_of.items():
        opened = row / per_vial
        slack = np.maximum(opened, 1.0)
        slack *= 1e-9
        opened -= slack
        np.ceil(opened, out=opened)
        np.maximum(opened, 1.0, out=opened)
        opened_by[c] = opened
    vials = np.zeros(row_of[constants[0]].shape[0])
    for c in opened_by:
        rows = [j for j, x in enumerate(constants) if x == c]
        if given is None:
            vials += opened_by[c] * len(rows)
        elif len(rows) == len(constants):  # one constant: its vials × the doses received
            vials += opened_by[c] * doses_given
        else:
            vials += opened_by[c] * given[rows].sum(axis=0)
    return vials.astype(np.int32)


__all__ = ["evaluate_scaled"]
