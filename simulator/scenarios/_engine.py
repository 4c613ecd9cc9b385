"""The random engine of a virtual cohort: draws and blocks of doses × patients.

Everything is vectorised with numpy on arrays of doses × patients, in blocks of patients so the
memory stays near the size of the one array that must be kept (the cells of every dose of every
patient, for the per-dose percentiles). The weights and the doses' fates (missed, delayed, by
how many days: one 32-bit number per dose, see :mod:`._adherence`) come from their own random
streams, so changing ``missed`` does not change the weights drawn. A
dose's cells come from :func:`~celldose.simulator.dosing.cells_per_dose_array`, the vectorised
twin of the rule every dose plan uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from celldose.protocols import Dose, DoseBands, Limit, OptionError, format_sig
from celldose.simulator.dosing import (
    DoseLimits,
    DosePlan,
    DoseRecord,
    Species,
    cells_by_band,
    cells_per_dose_array,
    holds_array,
    meeh_bsa,
)
from celldose.simulator.scenarios._adherence import delayed_counts, draw_adherence
from celldose.simulator.scenarios._cohort_weights import WeightModel, truncated_lognormal
from celldose.simulator.scenarios._patterns import course_spans, given_counts, tables

if TYPE_CHECKING:
    from celldose.simulator.scenarios._cohort import Cohort

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

BLOCK = 1 << 18  # doses × patients handled at once (2 MB per float array)


@dataclass(frozen=True, eq=False)
class Engine:
    """The constants of one schedule: each dose, the scaling, the product in hand."""

    doses: tuple[Dose | DoseBands, ...]  # each dose of the schedule (or its weight bands)
    scale_factor: float  # cross-species scaling of per-kg doses (1: none)
    meeh_k: float | None  # Meeh's K, for a per-m² dose (BSA from the weight)
    cap: float | None
    viability: float | None  # divide the cells by it to get the cells to draw
    cells_per_vial: float | None
    planned_days: IntArray | None  # (doses,) or None when calendar months have no start date
    container: str = "vial"  # the product's container word
    limits: DoseLimits = DoseLimits()  # the plan's limits (cap is their per-dose cap)

    @property
    def count(self) -> int:
        return len(self.doses)


@dataclass(frozen=True, eq=False)
class Draws:
    """The random input of one block: weights (n,), given (doses, n), delays (doses, n)."""

    weights: FloatArray
    given: BoolArray | None  # None: every dose given
    delays: IntArray | None  # None: no delays
    branch: IntArray | None = None  # (n,) each patient's branch (-1: none); None: no branches


@dataclass(eq=False)
class BlockOut:
    total_cells: FloatArray
    cells_to_draw: float
    vials: IntArray | None
    course_days: IntArray | None
    doses_given: IntArray
    dose_sums: FloatArray
    received: npt.NDArray[np.int64]
    delayed: npt.NDArray[np.int64]
    capped: int
    stopped: int = 0  # doses not given: the course maximum was reached
    stopped_by_dose: npt.NDArray[np.int64] | None = None  # (doses,) the same, per dose number
    pattern: npt.NDArray[np.uint16] | None = None  # the doses each patient received, packed


def make_engine(
    plan: DosePlan,
    index: int,
    species: Species,
    records: Sequence[DoseRecord] | None = None,
    limits: Sequence[Limit] | None = None,
) -> Engine:
    """The engine of schedule ``index`` of ``plan`` (its doses, scaling and product);
    ``records`` replaces the schedule's doses (the course and every branch after it), and
    ``limits`` the plan's limits (a plan made without its course maximum, applied here)."""
    records = plan.schedules[index].doses if records is None else records
    days = [r.day for r in records]
    planned = None if any(d is None for d in days) else np.asarray(days, dtype=np.int32)
    product = plan.product
    rules = DoseLimits(tuple(plan.limits if limits is None else limits), product.cap_cells)
    return Engine(
        doses=tuple(
            plan.dose_bands if r.band is not None and plan.dose_bands is not None else r.dose
            for r in records
        ),
        scale_factor=plan.scale.factor if plan.scale is not None else 1.0,
        meeh_k=species.meeh_k,
        cap=rules.per_dose_cap,
        limits=rules,
        viability=product.viability if product.dose_counts_viable else None,
        cells_per_vial=product.cells_per_vial,
        planned_days=planned,
        container=product.container,
    )


def draw_block(
    model: WeightModel,
    streams: Sequence[np.random.Generator],
    start: int,
    n: int,
    doses: int,
    cohort: Cohort,
    branch_rows: IntArray | None = None,
    shares: Sequence[float] = (),
    weights_out: FloatArray | None = None,
    weights_drawn: bool = False,
) -> Draws:
    """Draw the weights, missed doses and delays of patients ``start`` .. ``start + n``.

    With ``branch_rows`` (each dose's branch index, -1 for the course), each patient also draws
    the branch it enters (from ``shares``, a fourth stream); the doses of the other branches
    are not given to it. Lognormal weights are drawn into ``weights_out`` when given, or were
    drawn there already with ``weights_drawn`` (:func:`~._cohort_weights.weights_ahead`)."""
    weight_rng, adherence_rng = streams[:2]  # streams[2]: no longer drawn from
    if model.kind == "roster":
        weights = np.asarray(model.roster_kg[start : start + n], dtype=np.float64)
    elif model.kind == "fixed" or model.sigma == 0:
        weights = np.full(n, model.median_kg)
    else:
        if weights_drawn:
            assert weights_out is not None, "weights_drawn: drawn into weights_out"
            weights = weights_out
        else:
            weights = truncated_lognormal(weight_rng, n, model, weights_out)
    branch: IntArray | None = None
    entered: BoolArray | None = None
    if branch_rows is not None:
        from celldose.simulator.scenarios._branch_shares import draw_branches

        branch = draw_branches(streams[3], n, shares)
        entered = (branch_rows[:, None] < 0) | (branch_rows[:, None] == branch[None, :])
    given, delays = draw_adherence(
        adherence_rng, doses, n, cohort.missed, cohort.delayed, cohort.delay_days, entered
    )
    return Draws(weights, given, delays, branch)


def _dose_cells(engine: Engine, weights: FloatArray, cells: FloatArray) -> None:
    """Fill ``cells`` (doses, n) with each dose's cells for ``weights``: the one dose rule,
    once per distinct dose."""
    bsa: FloatArray | None = None
    every: list[Dose] = []
    for d in engine.doses:
        every.extend([b.dose for b in d.bands] if isinstance(d, DoseBands) else [d])
    if any(d.basis == "per m²" for d in every):
        assert engine.meeh_k is not None
        bsa = meeh_bsa(weights, engine.meeh_k)
    computed: dict[Dose | DoseBands, FloatArray] = {}
    weight_cap = engine.limits.weight_cap
    dosing = weights if weight_cap is None else np.minimum(weights, weight_cap)
    for j, dose in enumerate(engine.doses):
        if dose not in computed:
            try:
                if isinstance(dose, DoseBands):  # each patient's own band, by actual weight
                    computed[dose] = cells_by_band(
                        dose,
                        weights,
                        dosing_kg=dosing,
                        bsa_m2=bsa,
                        scale_factor=engine.scale_factor,
                    )
                else:
                    computed[dose] = cells_per_dose_array(
                        dose,
                        dosing if dose.basis == "per kg" else weights,
                        bsa_m2=bsa,
                        scale_factor=engine.scale_factor,
                    )
            except OptionError as exc:  # past the float range, or outside every band
                if "outside every weight band" in exc.message:
                    raise
                raise cells_out_of_range() from None
        cells[j] = computed[dose]


def _per_kg(engine: Engine, weights: FloatArray) -> BoolArray:
    """(doses, n): whether each patient's dose is per kg (with weight bands, their band's)."""
    rows = []
    for dose in engine.doses:
        if isinstance(dose, DoseBands):
            row = np.zeros(weights.shape, dtype=bool)
            for band in dose.bands:
                if band.dose.basis == "per kg":
                    row |= holds_array(band.range, weights)
            rows.append(row)
        else:
            rows.append(np.full(weights.shape, dose.basis == "per kg"))
    return np.array(rows, dtype=bool)


def evaluate_block(engine: Engine, draws: Draws, cells: FloatArray) -> BlockOut:
    """Cells, vials and course of one block; ``cells`` (doses, n) receives the per-dose cells,
    with +inf where a dose was missed (so that missed doses sort last)."""
    weights, given, delays = draws.weights, draws.given, draws.delays
    doses, n = cells.shape
    with np.errstate(over="ignore", invalid="ignore"):  # past the float range: refused below
        limits = engine.limits
        refuse_weight(limits, weights)
        _dose_cells(engine, weights, cells)
        capped = 0
        if limits.weight_cap is not None:
            heavy = np.broadcast_to(weights > limits.weight_cap, cells.shape)
            over = heavy & _per_kg(engine, weights)
            if engine.cap is not None:
                over = over & (cells <= engine.cap)  # counted once, below, when also capped
            if given is not None:
                over = over & given
            capped += int(over.sum())
        if engine.cap is not None:
            over = cells > engine.cap
            if given is not None:
                over &= given
            capped += int(over.sum())
            np.minimum(cells, engine.cap, out=cells)
        refuse_dose(limits, cells, given)
        if given is not None:
            np.multiply(cells, given, out=cells)
        stopped_by_dose = np.zeros(doses, dtype=np.int64)
        if limits.course_cap is not None or any(x.kind == "max per course" for x in limits.limits):
            given, more, stopped_by_dose = course_limit(limits, cells, given)
            capped += more
        stopped = int(stopped_by_dose.sum())
        if stopped and delays is not None and given is not None:  # a stopped dose: no delay
            delays = delays * given
        total = cells.sum(axis=0)
        dose_sums = cells.sum(axis=1)
        to_draw = cells / engine.viability if engine.viability is not None else cells
        draw_total = float(to_draw.sum())
    if not math.isfinite(draw_total):
        raise cells_out_of_range()
    vials: IntArray | None = None
    if engine.cells_per_vial is not None:
        opened = to_draw / engine.cells_per_vial  # the same steps as draw(), in place
        slack = np.maximum(opened, 1.0)
        slack *= 1e-9
        opened -= slack
        del slack
        np.ceil(opened, out=opened)
        np.maximum(opened, 1.0, out=opened)
        if given is not None:
            opened *= given
        vials = opened.sum(axis=0).astype(np.int32)
    if given is None:
        doses_given = np.broadcast_to(np.int32(doses), (n,))  # read only, no copy
        received = np.full(doses, n, dtype=np.int64)
    else:
        doses_given = given.sum(axis=0, dtype=np.int32)
        received = given_counts(given)
    course: IntArray | None = None
    if engine.planned_days is not None:
        course = course_days(engine.planned_days, given, delays, n)
    delayed = np.zeros(doses, dtype=np.int64) if delays is None else delayed_counts(delays)
    if given is not None:
        np.copyto(cells, np.inf, where=~given)
    return BlockOut(
        total,
        draw_total,
        vials,
        course,
        doses_given,
        dose_sums,
        received,
        delayed,
        capped,
        stopped,
        stopped_by_dose,
    )


def refuse_weight(limits: DoseLimits, weights: FloatArray) -> None:
    """Refuse a cohort with a patient over a dose weight limit whose action is refuse."""
    for limit in limits.limits:
        if limit.kind == "dose weight" and limit.action == "refuse":
            heavy = weights[weights > limit.value]
            if heavy.size:
                raise _refused(limit, f"a patient of {format_sig(float(heavy.max()))} kg")


def refuse_dose(limits: DoseLimits, cells: FloatArray, given: BoolArray | None) -> None:
    """Refuse a cohort with a dose over a max per dose whose action is refuse."""
    for limit in limits.limits:
        if limit.kind == "max per dose" and limit.action == "refuse":
            over = cells > limit.value
            if given is not None:
                over &= given
            if over.any():
                worst = float(cells[over].max())
                raise _refused(limit, f"a dose of {format_sig(worst)} cells")


def course_limit(
    limits: DoseLimits, cells: FloatArray, given: BoolArray | None
) -> tuple[BoolArray | None, int, npt.NDArray[np.int64]]:
    """Apply the max per course to ``cells`` (doses, n; missed doses already 0), in place:
    counted over the cells each patient receives, in dose order, so a missed dose leaves room
    for later ones. Returns the doses given (stopped doses are not given), the doses capped
    and the doses stopped per dose number (a missed dose is never counted as stopped); a max
    per course whose action is refuse refuses the cohort."""
    cumulative = np.cumsum(cells, axis=0)
    for limit in limits.limits:
        if limit.kind == "max per course" and limit.action == "refuse":
            over = cumulative[-1] > limit.value
            if over.any():
                worst = float(cumulative[-1][over].max())
                raise _refused(limit, f"a course of {format_sig(worst)} cells")
    cap = limits.course_cap
    none_stopped = np.zeros(cells.shape[0], dtype=np.int64)
    if cap is None:
        return given, 0, none_stopped
    room = cap - (cumulative - cells)  # what the course still allows before each dose
    reduced = cells > room
    if given is not None:
        reduced &= given
    stop = reduced & (room < 1)
    capped = int((reduced & ~stop).sum())
    np.minimum(cells, np.maximum(room, 0.0), out=cells)
    cells[stop] = 0.0
    if not stop.any():
        return given, capped, none_stopped
    kept = ~stop if given is None else given & ~stop
    return kept, capped, stop.sum(axis=1, dtype=np.int64)


def _refused(limit: Limit, what: str) -> OptionError:
    return OptionError(
        f"{what} in the cohort breaks the limit {limit.label}: the protocol refuses it, so the "
        "cohort cannot be simulated",
        "narrow the weights of the cohort, or give the limit the action cap",
        fields=("limits",),
    )


def cells_out_of_range() -> OptionError:
    return OptionError(
        "the cells of the cohort add up to more than a number can hold",
        "check the dose and its unit, the viability and the number of patients",
    )


def course_days(
    planned: IntArray,
    given: BoolArray | None,
    delays: IntArray | None,
    n: int,
    pattern: npt.NDArray[np.uint16] | None = None,
) -> IntArray:
    """Days from the first to the last dose given (0 with one dose or none); ``pattern`` is
    ``given`` packed per patient (see ``_patterns.py``), when the caller has it."""
    doses = planned.shape[0]
    if given is None and delays is None:  # every patient's course is the planned one
        return np.broadcast_to(np.int32(planned[-1] - planned[0]), (n,))  # read only
    if pattern is not None:  # tables indexed by each patient's pattern; see below for delays
        course = np.take(course_spans(tuple(planned.tolist())), pattern)
        if delays is not None and doses > 1:
            # the delays after each patient's first dose given: dose 1's never counts (given,
            # it is the first; missed, it has none), so add the later doses' delays and take
            # back the first one's from the patients who missed dose 1
            course += delays[1:].sum(axis=0, dtype=np.int32)
            later = np.flatnonzero((pattern & 1) == 0)
            first = np.take(tables(doses)[0], pattern[later])
            course[later] -= delays[first, later]
            course[later[first == 0]] = 0  # no dose given (a first "dose 1" that was missed)
        return course
    if given is None:
        first = np.zeros(n, dtype=np.intp)
        last = np.full(n, doses - 1, dtype=np.intp)
    else:
        first = np.argmax(given, axis=0)
        last = doses - 1 - np.argmax(given[::-1], axis=0)
    course = (planned[last] - planned[first]).astype(np.int32)
    if delays is not None:
        # A dose's day is its planned day plus every delay up to it (shift policy). Missed doses
        # carry no delay, so between the first and the last dose given the delays add up to
        # all delays minus the first dose's own.
        course += delays.sum(axis=0, dtype=np.int32)
        course -= delays.ravel()[first * n + np.arange(n)]  # each patient's first dose's delay
    if given is not None:
        course[~given.any(axis=0)] = 0
    return course


__all__ = [
    "BLOCK",
    "BlockOut",
    "Draws",
    "Engine",
    "cells_out_of_range",
    "course_days",
    "draw_block",
    "evaluate_block",
    "make_engine",
]
