"""Benchmark of one patient's dose plan, in process (not collected by pytest).

Prints, each beside its target (issue 15, "Speed"):

  A: 10,000 doses for one patient: ``plan_doses`` of the one-line regimen
     "1×10⁶ cells/kg daily ×10000" for a 12 kg dog with a start date. Target: <= 50 ms.
  B: one patient of a clinic list: ``plan_doses`` of jang2025-canine-itp (q4w ×8) at
     1×10⁶ cells/kg with a product (3.8 mL vials at 6.68×10⁶ cells/mL) and a start date, × 1,000
     patients (each a different weight). Target: the list of 1,000 patients × 8 doses <= 1 s
     (the whole `dose --roster` command is the clinic benchmark's; this is its compute).

Each figure is the median of several runs after a warm-up (the protocol is loaded once). With
``--before PYTHON`` (the python of another install, e.g. the start commit in its own virtual
environment) the same measurements run in that interpreter too, interleaved with this one's
(after, before, after, before, ...), so machine noise hits both alike.

Run: python tests/benchmarks/bench_plan.py [--rounds 5] [--before OTHER/.venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

LONG = "1×10⁶ cells/kg daily ×10000"
PATIENTS = 1_000
LONG_TARGET = 0.050  # s: figure A
CLINIC_TARGET = 1.0  # s: figure B


def measure(runs: int) -> dict[str, float]:
    """Median seconds of A (10,000 doses) and of B (1,000 clinic patients), in this process."""
    from celldose.protocols import load_protocol, protocol_from_regimen
    from celldose.simulator import plan_doses

    long = protocol_from_regimen(LONG, "dog")
    jang = load_protocol("jang2025-canine-itp")
    weights = [f"{5 + (i % 400) / 10:g}kg" for i in range(PATIENTS)]  # 5 to 44.9 kg

    def one_long() -> None:
        plan = plan_doses(long, weight="12kg", start="2026-01-05")
        assert len(plan.schedules[0].doses) == 10_000

    def clinic() -> None:
        for weight in weights:
            plan_doses(
                jang,
                weight=weight,
                dose="1e6 cells/kg",
                concentration="6.68e6 cells/mL",
                vial="3.8 mL",
                start="2026-12-01",
            )

    out = {}
    for name, func in (("long", one_long), ("clinic", clinic)):
        func()  # warm-up: caches, byte-code
        times, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            func()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        out[name] = statistics.median(times)
        out[f"{name} cpu"] = statistics.median(cpu)
    return out


def _child(python: str, runs: int) -> dict[str, float]:
    done = subprocess.run(
        [python, __file__, "--child", str(runs)], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--runs", type=int, default=3, help="runs per round (median)")
    parser.add_argument("--before", help="the python of another install, measured alike")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child)))
        return
    pythons = {"after": sys.executable}
    if args.before:
        pythons["before"] = args.before
    seen: dict[str, dict[str, list[float]]] = {k: {} for k in pythons}
    for _ in range(args.rounds):
        for label, python in pythons.items():
            for name, value in _child(python, args.runs).items():
                seen[label].setdefault(name, []).append(value)
    median = {k: {n: statistics.median(v) for n, v in d.items()} for k, d in seen.items()}
    print(
        f"rounds: {args.rounds} × {args.runs} runs each, interleaved; medians, in process "
        "(wall time, and the process's CPU time, which load on a shared machine bends less)"
    )
    for label in pythons:
        got = median[label]
        long, clinic = got["long"], got["clinic"]
        print(
            f"{label:6}  A: 10,000 doses, one patient: {long * 1000:8.1f} ms "
            f"(cpu {got['long cpu'] * 1000:.1f} ms)   (target <= {LONG_TARGET * 1000:g} ms: "
            f"{_verdict(long, got['long cpu'], LONG_TARGET)})"
        )
        print(
            f"{label:6}  B: clinic list, {PATIENTS:,} patients × 8 doses: {clinic:6.3f} s "
            f"(cpu {got['clinic cpu']:.3f} s; {clinic / PATIENTS * 1e6:.0f} µs a patient)   "
            f"(target <= {CLINIC_TARGET:g} s: "
            f"{_verdict(clinic, got['clinic cpu'], CLINIC_TARGET)})"
        )
    if "before" in median:
        after, before = median["after"], median["before"]
        print(
            f"after / before: A {after['long'] / before['long']:.3f} "
            f"(cpu {after['long cpu'] / before['long cpu']:.3f}), "
            f"B {after['clinic'] / before['clinic']:.3f} "
            f"(cpu {after['clinic cpu'] / before['clinic cpu']:.3f})"
        )


def _verdict(wall: float, cpu: float, target: float) -> str:
    """Whether a figure meets its target: by wall time, or by CPU time only (the process's own
    compute, which is what the target counts when other work shares the machine)."""
    if wall <= target:
        return "met"
    return "met by cpu time" if cpu <= target else "NOT met"


if __name__ == "__main__":
    main()
