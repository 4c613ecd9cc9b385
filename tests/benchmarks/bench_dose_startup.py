"""Start-up benchmark of `celldose dose` against importing its dependencies.

Prints the median wall time of

  A: celldose dose jang2025-canine-itp --weight 12kg --dose "1e6 cells/kg"
  B: python -c "import numpy, pint, pydantic, click, yaml"

measured in the same run, interleaved (A, B, A, B, ...) so that machine noise hits both alike,
and their ratio. Target: ratio <= 1.5. The Jang protocol is used because it is the canine
library protocol a vet would dose at 12 kg; it does not report the dose, hence --dose.

With ``--before PATH`` (the ``celldose`` script of another install, e.g. the previous commit in
its own virtual environment) that command is timed in the same interleaved loop, so a change is
measured before and after in one run: both ratios are printed.

Run: python tests/benchmarks/bench_dose_startup.py [--runs 21] [--before OTHER/bin/celldose]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--before", help="the celldose script of another install, timed alike")
    args = parser.parse_args()
    script = shutil.which("celldose") or str(Path(sys.executable).with_name("celldose"))
    dose = [script, "dose", "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/kg"]
    deps = [sys.executable, "-c", "import numpy, pint, pydantic, click, yaml"]
    commands = {"celldose dose": dose, "import deps": deps}
    if args.before:
        commands["before: dose"] = [args.before, *dose[1:]]
    for cmd in commands.values():  # warm the file cache and byte-code
        _time(cmd)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            times[name].append(_time(cmd))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"runs: {args.runs} each, interleaved")
    for name, values in times.items():
        low, high = min(values) * 1000, max(values) * 1000
        print(f"{name:14} (median): {median[name] * 1000:.0f} ms  [min {low:.0f}, max {high:.0f}]")
    floor = median["import deps"]
    print(f"ratio: {median['celldose dose'] / floor:.2f} (target <= 1.5)")
    if args.before:
        print(f"ratio before: {median['before: dose'] / floor:.2f}")


if __name__ == "__main__":
    main()
