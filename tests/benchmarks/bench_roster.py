"""Clinic-list benchmark: the compute time of `celldose dose --roster` for 1,000 patients.

Plans jang2025-canine-itp (q4w ×8) at 1×10⁶ cells/kg with a product (6.68×10⁶ cells/mL, 3.8 mL
vials) and a start date for a roster of 1,000 dogs (weights 5-45 kg, every third weighed, ids
and names), that is 8,000 doses, and prints the median time of ``plan_roster`` (reading the
roster text included; writing an output excluded) beside the target of 1 s. It also prints the
time of rendering the CSV and the JSON of the plans, for scale.

Run: python tests/benchmarks/bench_roster.py [--patients 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from celldose.cli._clinic_list import roster_text
from celldose.protocols import load_protocol
from celldose.simulator.dosing import DoseOptions, get_species, product_with
from celldose.simulator.scenarios import ROSTER_COLUMNS, parse_roster, plan_roster

TARGET_S = 1.0


def roster_csv(patients: int) -> str:
    lines = ["id,weight,name,weighed"]
    for i in range(patients):
        weighed = "2026-11-28" if i % 3 == 0 else ""
        lines.append(f"p{i:05d},{5 + (i * 0.04) % 40:.2f}kg,Dog {i},{weighed}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    protocol = load_protocol("jang2025-canine-itp")
    product, notes = product_with(protocol.product, concentration="6.68e6 cells/mL", vial="3.8 mL")
    options = DoseOptions(
        dose="1e6 cells/kg", start=dt.date(2026, 12, 1), product=product, notes=notes
    )
    text = roster_csv(args.patients)
    dog = get_species("dog")
    plan_roster(protocol, parse_roster(text, dog, columns=ROSTER_COLUMNS), options=options)
    times, render = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        roster = parse_roster(text, dog, "bench.csv", columns=ROSTER_COLUMNS)
        plans = plan_roster(protocol, roster, options=options)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for fmt in ("csv", "json"):
            roster_text(fmt, plans, protocol, "bench.csv", (), paper="a4", lot=None, clinic=None)
        render.append(time.perf_counter() - start)
    doses = sum(len(p.doses) for p in plans)
    median = statistics.median(times)
    print(f"{args.patients} patients, {doses} doses, median of {args.runs} runs")
    print(
        f"compute (read roster + plan_roster): {median:.3f} s (target {TARGET_S:g} s: "
        f"{'met' if median <= TARGET_S else 'NOT met'}), {median / doses * 1e6:.0f} µs per dose"
    )
    print(f"render CSV + JSON: {statistics.median(render):.3f} s")


if __name__ == "__main__":
    main()
