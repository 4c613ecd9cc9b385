"""Start-up benchmark of `celldose dose` against importing its dependencies.

Prints the median wall time of

  A: celldose dose jang2025-canine-itp --weight 12kg --dose "1e6 cells/kg", warm cache (the
     validated protocol is in the cache)
  C: the same, cold cache (a new, empty cache folder each run: the protocol is validated and
     the entry written, as on the first run after an install or upgrade)
  B: python -c "import numpy, pint, pydantic, click, yaml" (the import floor)
  D: python -c "import pydantic.main, click" (for scale: what a cached dose still imports; it
     reads its units without pint, hence without numpy, and a cached protocol without yaml)

measured in the same run, interleaved (A, C, B, A, C, B, ...) so that machine noise hits all
alike, and their ratios to B. Targets (the speed issue): warm <= 1.15, cold <= 1.3. The Jang
protocol is used because it is the canine library protocol a vet would dose at 12 kg; it does
not report the dose, hence --dose.

With ``--before PATH`` (the ``celldose`` script of another install, e.g. the previous commit in
its own virtual environment) that command is timed in the same interleaved loop, so a change is
measured before and after in one run: both ratios are printed.

Run: python tests/benchmarks/bench_dose_startup.py [--runs 21] [--before OTHER/bin/celldose]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WARM_TARGET = 1.15
COLD_TARGET = 1.3


def _time(cmd: list[str], cache: Path) -> float:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("CELLDOSE_NO_CACHE", None)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--before", help="the celldose script of another install, timed alike")
    args = parser.parse_args()
    script = shutil.which("celldose") or str(Path(sys.executable).with_name("celldose"))
    dose = [script, "dose", "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/kg"]
    deps = [sys.executable, "-c", "import numpy, pint, pydantic, click, yaml"]
    needed = [sys.executable, "-c", "import pydantic.main, click"]
    commands = {
        "dose (warm)": dose,
        "dose (cold)": dose,
        "import deps": deps,
        "its imports": needed,
    }
    if args.before:
        before = [args.before, *dose[1:]]
        commands |= {"before: warm": before, "before: cold": before}
    times: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm"
        for name, cmd in commands.items():  # warm the file cache, byte-code and warm caches
            _time(cmd, warm if "cold" not in name else Path(tmp) / f"first-{name}")
        for run in range(args.runs):
            for name, cmd in commands.items():
                cache = Path(tmp) / f"cold-{run}-{name}" if "cold" in name else warm
                times[name].append(_time(cmd, cache))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"runs: {args.runs} each, interleaved")
    for name, values in times.items():
        low, high = min(values) * 1000, max(values) * 1000
        print(f"{name:14} (median): {median[name] * 1000:.0f} ms  [min {low:.0f}, max {high:.0f}]")
    floor = median["import deps"]
    print(f"ratio warm: {median['dose (warm)'] / floor:.2f} (target <= {WARM_TARGET})")
    print(f"ratio cold: {median['dose (cold)'] / floor:.2f} (target <= {COLD_TARGET})")
    own = median["its imports"]
    print(
        "for scale, warm / its own imports (pydantic.main, click): "
        f"{median['dose (warm)'] / own:.2f}"
    )
    if args.before:
        print(f"ratio warm before: {median['before: warm'] / floor:.2f}")
        print(f"ratio cold before: {median['before: cold'] / floor:.2f}")


if __name__ == "__main__":
    main()
