"""Benchmark of the cohort engine of `celldose simulate` (not collected by pytest).

Run from the repository root:

    python tests/benchmarks/bench_simulate.py            # 10⁴, 10⁵, 10⁶, 10⁷ patients
    python tests/benchmarks/bench_simulate.py --max 1e6  # stop earlier

The workload: jang2025-canine-itp (q4w ×8: 8 doses) at 1×10⁶ cells/kg, vials of 3.8 mL at
6.68×10⁶ cells/mL, each dose missed with probability 0.1 and delayed with probability 0.2 by
1-7 days, weights from the dog distribution of species.toml. Every figure is the median of
several runs (the count is printed). Peak memory is measured by tracemalloc in a separate run
(numpy reports its buffers to tracemalloc), against the raw size of the arrays the result must
hold: the per-dose cells (patients × doses × 8 bytes) plus the per-patient weight and total
(8 bytes each) and vials, course length and doses given (4 bytes each).

The reference is a plain per-patient Python loop over the same random draws (the same weights,
missed doses and delays as the engine's first block), computing the same totals, vials, course
lengths and percentiles. It is measured at 10⁴ patients only and its per-patient time is
extrapolated linearly to the larger sizes; the script says so in its output.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from celldose.protocols import load_protocol, parse_dose
from celldose.simulator.dosing import DoseOptions, Product, get_species, make_patient, plan_doses
from celldose.simulator.scenarios import Cohort, simulate_cohort
from celldose.simulator.scenarios._cohort_weights import weight_model
from celldose.simulator.scenarios._engine import (
    draw_block,
    evaluate_block,
    make_engine,
)

PROTOCOL = load_protocol("jang2025-canine-itp")
OPTIONS = DoseOptions(
    dose=parse_dose("1e6 cells/kg"), product=Product(concentration=6.68e6, vial_volume_ml=3.8)
)
DOSES = 8
LOOP_PATIENTS = 10_000


def cohort(patients: int) -> Cohort:
    return Cohort(patients=patients, missed=0.1, delayed=0.2, delay_days=(1, 7), seed=1)


def median_time(func: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_bytes(func: Callable[[], object]) -> int:
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def raw_bytes(patients: int) -> int:
    return patients * (DOSES * 8 + 8 + 8 + 4 + 4 + 4)


def python_loop(
    weights: list[float],
    given: list[list[bool]],
    delays: list[list[int]],
    per_kg: list[float],
    days: list[int],
    per_vial: float,
) -> tuple[list[float], ...]:
    """The same computation, one patient and one dose at a time, in plain Python."""
    totals, vials, courses, counts = [], [], [], []
    per_dose: list[list[float]] = [[] for _ in per_kg]
    for i, weight in enumerate(weights):
        total, opened, shift, count = 0.0, 0, 0, 0
        first = last = None
        for j, amount in enumerate(per_kg):
            if not given[j][i]:
                continue
            cells = amount * weight
            total += cells
            ratio = cells / per_vial
            opened += max(1, math.ceil(ratio - 1e-9 * max(ratio, 1.0)))
            per_dose[j].append(cells)
            shift += delays[j][i]
            day = days[j] + shift
            first = day if first is None else first
            last = day
            count += 1
        totals.append(total)
        vials.append(float(opened))
        courses.append(float(last - first) if first is not None and last is not None else 0.0)
        counts.append(float(count))
    for values in [totals, vials, courses, counts, *per_dose]:
        ordered = sorted(values)
        n = len(ordered)
        _ = [ordered[(p * n + 99) // 100 - 1] for p in (5, 50, 95)] if n else None
        _ = sum(values) / n if n else None
    return totals, vials, courses, counts


def loop_seconds_per_patient(runs: int) -> float:
    """Per-patient time of the plain loop, on the engine's own draws (checked to agree)."""
    species = get_species("dog")
    spec = cohort(LOOP_PATIENTS)
    model = weight_model(spec, species)
    plan = plan_doses(PROTOCOL, make_patient(species, "15kg"), options=OPTIONS)
    engine = make_engine(plan, 0, species)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(spec.seed).spawn(3)]
    draws = draw_block(model, streams, 0, LOOP_PATIENTS, DOSES, spec)
    assert draws.given is not None and draws.delays is not None
    assert engine.planned_days is not None and engine.cells_per_vial is not None
    args = (
        draws.weights.tolist(),
        draws.given.tolist(),
        draws.delays.tolist(),
        [d.amount * engine.scale_factor for d in engine.doses],  # per-kg doses only
        engine.planned_days.tolist(),
        engine.cells_per_vial,
    )
    totals, vials, courses, _ = python_loop(*args)
    out = evaluate_block(engine, draws, np.empty((DOSES, LOOP_PATIENTS)))
    assert np.allclose(out.total_cells, totals, rtol=1e-12, atol=0)
    assert out.vials is not None and out.course_days is not None
    assert out.vials.tolist() == [int(v) for v in vials]
    assert out.course_days.tolist() == [int(c) for c in courses]
    return median_time(lambda: python_loop(*args), runs) / LOOP_PATIENTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=float, default=1e7, help="largest cohort (default 1e7)")
    args = parser.parse_args(argv)
    sizes = [n for n in (10**4, 10**5, 10**6, 10**7) if n <= args.max]
    print(f"celldose simulate benchmark: {PROTOCOL.id}, {DOSES} doses, missed 0.1, delayed 0.2")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    loop_runs = 3
    loop = loop_seconds_per_patient(loop_runs)
    print(
        f"plain per-patient Python loop: {loop * 1e6:.2f} µs/patient (median of {loop_runs} runs "
        f"at {LOOP_PATIENTS:,} patients on the engine's own draws, results checked equal; "
        "extrapolated linearly to the larger sizes)"
    )
    print(
        "engine seconds include drawing the random numbers and the responders' distribution; "
        "the loop's do not (it reuses the draws): the speed-up is conservative"
    )
    print()
    header = (
        f"{'patients':>11}  {'runs':>4}  {'seconds':>8}  {'patients/s':>11}  "
        f"{'peak MB':>8}  {'raw MB':>8}  {'peak/raw':>8}  {'loop s (est.)':>13}  {'speed-up':>8}"
    )
    print(header)
    print("-" * len(header))
    for n in sizes:
        runs = 5 if n <= 10**5 else 3
        spec = cohort(n)
        simulate_cohort(PROTOCOL, spec, options=OPTIONS)  # warm-up
        seconds = median_time(
            lambda spec=spec: simulate_cohort(PROTOCOL, spec, options=OPTIONS), runs
        )
        peak = peak_bytes(lambda spec=spec: simulate_cohort(PROTOCOL, spec, options=OPTIONS))
        raw = raw_bytes(n)
        estimated = loop * n
        speedup = estimated / seconds
        print(
            f"{n:>11,}  {runs:>4}  {seconds:>8.3f}  {n / seconds:>11,.0f}  {peak / 1e6:>8.1f}  "
            f"{raw / 1e6:>8.1f}  {peak / raw:>8.2f}  {estimated:>13.1f}  {speedup:>7.0f}×"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
