"""Benchmark of the default test run (not collected by pytest).

Runs the README's test command (`pytest`, with pyproject's addopts: every core through
pytest-xdist, the browser, gallery and interop tests deselected) a few times from the repository
root and prints the median wall time beside the target of the speed issue (under 30 s), and the
median CPU time (user + system of pytest, its workers and every process they start), which a
shared machine disturbs less than the wall time.

The runs are `python -m pytest -q -p no:cacheprovider` (the same tests; no `.pytest_cache`
written) plus any arguments after `--`, e.g. to compare pytest-xdist's settings:

    python tests/benchmarks/bench_tests.py
    python tests/benchmarks/bench_tests.py --runs 5 -- --dist=load
    python tests/benchmarks/bench_tests.py -- -n 3

The load average before and after each run is printed: on a busy machine the wall time measures
the machine, and the CPU time the tests. With PYTHONDONTWRITEBYTECODE set, no process keeps a
bytecode cache: every test process compiles its test modules (and pytest rewrites their asserts)
and every celldose process started by a test compiles celldose, on every run. The script says so.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 30.0  # seconds of wall time for the default run (issue 15)
ROOT = Path(__file__).resolve().parents[2]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def as_from_a_terminal() -> None:
    # SIGINT at its default action, as in a terminal: this script may itself run with SIGINT
    # ignored (started in the background by a script), which the Ctrl-C tests would inherit
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def one_run(extra: list[str]) -> tuple[float, float, str, list[str]]:
    """(wall seconds, CPU seconds, pytest's summary line, failed tests) of one run."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra]
    cpu = children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, preexec_fn=as_from_a_terminal
    )
    wall = time.perf_counter() - start
    cpu = children_cpu() - cpu
    lines = done.stdout.strip().splitlines()
    summary = lines[-1] if lines else done.stderr.strip()
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    if done.returncode != 0 and not failed:
        failed = [f"exit {done.returncode}"]
    return wall, cpu, summary.strip("= "), failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs to take the median of")
    parser.add_argument("extra", nargs="*", help="pytest arguments, after --")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; command: pytest -q -p no:cacheprovider {' '.join(args.extra)}")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print(
            "note: PYTHONDONTWRITEBYTECODE is set: no bytecode cache, every process compiles "
            "its modules on every run"
        )
    walls, cpus, failures = [], [], []
    for i in range(1, args.runs + 1):
        before = load()
        wall, cpu, summary, failed = one_run(args.extra)
        walls.append(wall)
        cpus.append(cpu)
        failures += failed
        print(
            f"run {i}: wall {wall:5.1f} s, CPU {cpu:5.1f} s (load {before} -> {load()}): {summary}"
        )
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    verdict = "within" if wall < TARGET else "over"
    print(f"median of {args.runs}: wall {wall:.1f} s ({verdict} the {TARGET:.0f} s target), "
          f"CPU {cpu:.1f} s (on {os.cpu_count()} cores: at least {cpu / (os.cpu_count() or 1):.1f}"
          " s of wall)")  # fmt: skip
    if failures:
        sys.exit("\n".join(["the test run failed:", *failures]))


if __name__ == "__main__":
    main()
