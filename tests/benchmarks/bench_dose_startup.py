"""Start-up benchmark of `celldose dose` against importing its dependencies.

Prints the median wall time of

  A: celldose dose jang2025-canine-itp --weight 12kg --dose "1e6 cells/kg"
  B: python -c "import numpy, pint, pydantic, click, yaml"

measured in the same run, interleaved (A, B, A, B, ...) so that machine noise hits both alike,
and their ratio. Target: ratio <= 1.5. The Jang protocol is used because it is the canine
library protocol a vet would dose at 12 kg; it does not report the dose, hence --dose.

Run: python tests/benchmarks/bench_dose_startup.py [--runs 21]
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
    args = parser.parse_args()
    script = shutil.which("celldose") or str(Path(sys.executable).with_name("celldose"))
    dose = [script, "dose", "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/kg"]
    deps = [sys.executable, "-c", "import numpy, pint, pydantic, click, yaml"]
    for cmd in (dose, deps):  # warm the file cache and byte-code
        _time(cmd)
    a: list[float] = []
    b: list[float] = []
    for _ in range(args.runs):
        a.append(_time(dose))
        b.append(_time(deps))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"runs: {args.runs} each, interleaved")
    for name, times, median in (("celldose dose", a, ma), ("import deps  ", b, mb)):
        low, high = min(times) * 1000, max(times) * 1000
        print(f"{name} (median): {median * 1000:.0f} ms  [min {low:.0f}, max {high:.0f}]")
    print(f"ratio: {ma / mb:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
