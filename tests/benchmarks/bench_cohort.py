"""Benchmark of a cohort of 10⁷ patients × 8 doses against the targets of issue 15 ("Speed").

Not collected by pytest. Prints, each beside its target:

  A: compute in process, doses only: ``simulate_cohort`` of "1×10⁶ cells/kg q4w ×8" for dogs,
     10⁷ patients, seed 1 (weights drawn, every dose given). Target: <= 0.5 s.
  B: the same with missed (0.1) and delayed (0.2, 1-7 days) doses, in process (no target of
     its own; it is the compute of C).
  C: end to end, ``celldose simulate --regimen "1×10⁶ cells/kg q4w ×8" --species dog --missed
     0.1 --delayed 0.2 --delay-days 1-7 --seed 1 --patients 10000000`` against the same
     command with ``--patients 1``. Target: ratio <= 4.
  D: peak memory of A and B (tracemalloc, which numpy reports its buffers to, in a run of its
     own) against the raw array of cells per patient per dose, 10⁷ × 8 float64 = 640 MB.
     Target: <= 1.5×.

Figures are medians of interleaved runs (A, B and C of this install, then of ``--before``'s,
and again), so that noise on a shared machine hits both alike. ``--before PYTHON`` is the python
of another install (the start commit in its own virtual environment); its ``celldose`` script
is taken from the same folder.

Run: python tests/benchmarks/bench_cohort.py [--rounds 3] [--before OTHER/.venv/bin/python]
     [--patients 10000000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REGIMEN = "1×10⁶ cells/kg q4w ×8"
RAW_BYTES_PER_PATIENT = 8 * 8  # 8 doses of float64


def measure(patients: int, memory: bool) -> dict[str, float]:
    """Seconds (or, with ``memory``, peak bytes) of A and B in this process."""
    import tracemalloc

    from celldose.protocols import protocol_from_regimen
    from celldose.simulator.scenarios import Cohort, simulate_cohort

    protocol = protocol_from_regimen(REGIMEN, "dog")
    cohorts = {
        "doses only": Cohort(patients=patients, seed=1),
        "missed and delayed": Cohort(
            patients=patients, missed=0.1, delayed=0.2, delay_days=(1, 7), seed=1
        ),
    }
    simulate_cohort(protocol, Cohort(patients=10, seed=1))  # warm-up: imports, caches
    out = {}
    for name, cohort in cohorts.items():
        if memory:
            tracemalloc.start()
            simulate_cohort(protocol, cohort)
            out[name] = float(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        else:
            start, start_cpu = time.perf_counter(), time.process_time()
            simulate_cohort(protocol, cohort)
            out[name] = time.perf_counter() - start
            out[f"{name} cpu"] = time.process_time() - start_cpu
    return out


def _child(python: str, patients: int, memory: bool) -> dict[str, float]:
    command = [python, __file__, "--child", str(patients)] + (["--memory"] if memory else [])
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def _command(script: str, patients: int) -> float:
    args = [script, "simulate", "--regimen", REGIMEN, "--species", "dog", "--missed", "0.1"]
    args += ["--delayed", "0.2", "--delay-days", "1-7", "--seed", "1", "--patients", str(patients)]
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--patients", type=int, default=10_000_000)
    parser.add_argument("--before", help="the python of another install, measured alike")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, args.memory)))
        return
    pythons = {"after": sys.executable}
    if args.before:
        pythons["before"] = args.before
    n = args.patients
    seconds: dict[str, dict[str, list[float]]] = {k: {} for k in pythons}
    for python in pythons.values():  # warm the file cache and byte-code
        _command(str(Path(python).with_name("celldose")), 1)
    for _ in range(args.rounds):
        for label, python in pythons.items():
            script = str(Path(python).with_name("celldose"))
            for name, value in _child(python, n, memory=False).items():
                seconds[label].setdefault(name, []).append(value)
            seconds[label].setdefault("command, 1 patient", []).append(_command(script, 1))
            seconds[label].setdefault(f"command, {n:,}", []).append(_command(script, n))
    peaks = {label: _child(python, n, memory=True) for label, python in pythons.items()}
    raw = n * RAW_BYTES_PER_PATIENT
    print(f"{n:,} patients × 8 doses; medians of {args.rounds} interleaved rounds")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {os.cpu_count()} cores, load average {load} at the end (wall times stretch "
        "with the load; the cpu times less so)"
    )
    for label in pythons:
        med = {name: statistics.median(v) for name, v in seconds[label].items()}
        ratio = med[f"command, {n:,}"] / med["command, 1 patient"]
        print(f"{label}:")
        print(
            f"  A compute, doses only:          {med['doses only']:7.3f} s "
            f"(cpu {med['doses only cpu']:.3f} s)   (target <= 0.5 s)"
        )
        print(
            f"  B compute, missed and delayed:  {med['missed and delayed']:7.3f} s "
            f"(cpu {med['missed and delayed cpu']:.3f} s)"
        )
        print(
            f"  C command {n:,} / 1 patient: {med[f'command, {n:,}']:.2f} s / "
            f"{med['command, 1 patient']:.2f} s = {ratio:.1f}×   (target <= 4×)"
        )
        for name, peak in peaks[label].items():
            print(
                f"  D peak memory, {name + ':':20} {peak / 1e6:6.0f} MB = {peak / raw:.2f}× the "
                f"raw {raw / 1e6:.0f} MB   (target <= 1.5×)"
            )


if __name__ == "__main__":
    main()
