"""Benchmark of `celldose check` on a protocol file of many arms (not collected by pytest).

`check` must take time linear in the file: a protocol of 1,000 arms, whole process, within 1.5×
a protocol of 10 arms (target of the speed issue), with a warm cache (the validated protocol is
served from the cache) and with a cold one (every run validates: a fresh cache folder each run).

The file is modelled on the Qi 2017 case report (2×10⁶ cells/kg monthly ×4, follow_up: 1 year,
one response window anchored on dose 2), with arms of distinct names and regimens (1-9×10⁶
cells/kg, monthly ×2 to ×6), so that no arm's work can be reused for another: the window and the
follow-up are checked against every arm, the work the issue found to grow faster than the file.

Every figure is the median of interleaved runs (10-arm, 1,000-arm, 10-arm, ...); with
``--before`` (the celldose script of another install) that install's runs are interleaved with
these, so that both are measured under the same load, and its ratios printed below.

Run: python tests/benchmarks/bench_check.py [--runs 11] [--arms 1000] [--before PATH]
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

TARGET = 1.5
HEADER = """\
id: many-arms
title: Qi 2017 repeated
species: human
indication: benchmark
product: {name: MSC, tissue_source: not reported, donor: allogeneic, origin_species: human}
route: IV
arms:
"""
ARM = """\
  - name: arm-{i}
    role: treatment
    regimen: {dose}×10⁶ cells/kg monthly ×{count}
"""
FOOTER = """\
response_windows:
  - label: PLT >100×10⁹/L
    anchor: dose 2
    start: 0 days
    end: not reported
follow_up: 1 year
reference: {citation: Qi J et al. Ann Rheum Dis 2017;76(Suppl 2):1208.}
"""


def protocol_text(arms: int) -> str:
    return (
        HEADER
        + "".join(ARM.format(i=i, dose=1 + i % 9, count=2 + i % 5) for i in range(1, arms + 1))
        + FOOTER
    )


def run(script: str, path: Path, cache: Path) -> float:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("CELLDOSE_NO_CACHE", None)
    start = time.perf_counter()
    done = subprocess.run([script, "check", str(path)], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"celldose check {path} failed: {done.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--arms", type=int, default=1000)
    parser.add_argument("--before", help="the celldose script of another install, timed alike")
    args = parser.parse_args()
    script = shutil.which("celldose") or str(Path(sys.executable).with_name("celldose"))
    scripts = {"": script, **({"before: ": args.before} if args.before else {})}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {}
        for arms in (10, args.arms):
            files[arms] = folder / f"arms-{arms}.yaml"
            files[arms].write_text(protocol_text(arms), encoding="utf-8")
        times: dict[tuple[str, str, int], list[float]] = {}
        for name, celldose in scripts.items():
            for path in files.values():  # fills the warm cache, and the OS file cache
                run(celldose, path, folder / f"{name}warm-cache")
        for index in range(args.runs):
            for name, celldose in scripts.items():
                for arms, path in files.items():
                    warm = folder / f"{name}warm-cache"
                    times.setdefault((name, "warm", arms), []).append(run(celldose, path, warm))
                    cold = folder / f"{name}cold-{arms}-{index}"
                    times.setdefault((name, "cold", arms), []).append(run(celldose, path, cold))
    print(f"runs: {args.runs} each, interleaved; whole process `celldose check FILE`")
    for name in scripts:
        for cache in ("warm", "cold"):
            small = statistics.median(times[(name, cache, 10)])
            large = statistics.median(times[(name, cache, args.arms)])
            print(
                f"{name}{cache} cache: 10 arms {small * 1000:.0f} ms, {args.arms} arms "
                f"{large * 1000:.0f} ms, ratio {large / small:.2f} (target <= {TARGET})"
            )


if __name__ == "__main__":
    main()
