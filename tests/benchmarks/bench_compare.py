"""Speed of `celldose compare` to PDF against a bare matplotlib script drawing comparable lanes.

Prints the median wall time of

  A: celldose compare jang2025-canine-itp qi2017-sjogren-thrombocytopenia chen2024-itp-ucmsc
         aa-ucmsc-18 izadi2022-t1d-bmmsc --count aa-ucmsc-18=8
         --interval izadi2022-t1d-bmmsc="4 weeks" -o A.pdf         (the five original studies)
  B: python bare.py spec.json B.pdf

measured interleaved (A, B, A, B, ...) so that machine noise hits both alike, and their ratio
beside the target (<= 1.3). B is a plain matplotlib script that draws what A's figure has, read
from A's own figure before timing: the same figure size, the same number of lanes (a row of
markers each, with its sizes and colours, and its course line), the same response windows as
spans, a title per lane, a legend of the same number of entries, the cumulative step panel with
the same lines and a text label at each end, the same tick labels; saved with the same settings
(PDF, TrueType fonts (fonttype 42), a tight bounding box, no dates). B imports only matplotlib;
A also loads celldose (pint, pydantic, the protocols), plans the doses and prints the table.

Run: python tests/benchmarks/bench_compare.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIVE = [
    "jang2025-canine-itp",
    "qi2017-sjogren-thrombocytopenia",
    "chen2024-itp-ucmsc",
    "aa-ucmsc-18",
    "izadi2022-t1d-bmmsc",
]
GIVEN = ["--count", "aa-ucmsc-18=8", "--interval", "izadi2022-t1d-bmmsc=4 weeks"]

BARE = r"""
import json, sys
import matplotlib
matplotlib.use("Agg")
from matplotlib.figure import Figure

spec = json.load(open(sys.argv[1], encoding="utf-8"))
rc = {"pdf.fonttype": 42, "font.size": 7, "font.family": ["DejaVu Sans"]}
with matplotlib.rc_context(rc):
    fig = Figure(figsize=spec["size"])
    ax = fig.add_axes(spec["timeline_box"])
    cum = fig.add_axes(spec["cumulative_box"], sharex=ax)
    for lane in spec["lanes"]:
        y = lane["y"]
        ax.plot([min(lane["x"]), max(lane["x"])], [y, y], color=lane["colour"], linewidth=1)
        ax.scatter(lane["x"], [y] * len(lane["x"]), s=lane["sizes"], color=lane["colour"],
                   edgecolors="0.15", linewidths=0.4, zorder=3)
        for x0, x1 in lane["spans"]:
            ax.fill_between([x0, x1], y - 4, y + 4, color=lane["colour"], alpha=0.16, linewidth=0)
        ax.text(spec["xlim"][0], y - 9, lane["title"], fontsize=7.5, va="bottom")
        for text in lane["labels"]:
            ax.text(lane["x"][0], y + 6, text, fontsize=7, va="top")
    ax.set_xlim(spec["xlim"])
    ax.set_ylim(spec["ylim"])
    ax.set_yticks([])
    handles = [ax.scatter([], [], s=20, color="0.45") for _ in spec["legend"]]
    ax.legend(handles, spec["legend"], loc="lower left", bbox_to_anchor=(0, 1),
              ncol=spec["legend_columns"], frameon=False, fontsize=7)
    for step in spec["steps"]:
        cum.step(step["x"], step["y"], where="post", color=step["colour"], linewidth=1)
        cum.text(spec["xlim"][1], step["y"][-1], step["label"], fontsize=7, ha="right",
                 va="bottom", color=step["colour"])
    cum.set_xticks(spec["ticks"], spec["tick_labels"])
    cum.set_xlabel(spec["xlabel"], fontsize=7.5)
    cum.set_title(spec["cumulative_title"], fontsize=7.5, loc="left")
    fig.savefig(sys.argv[2], format="pdf", bbox_inches="tight", pad_inches=0.02,
                metadata={"CreationDate": None, "ModDate": None})
"""


def spec_of_the_figure() -> dict[str, object]:
    """What celldose's figure of the five studies draws, for the bare script to draw alike."""
    from celldose.simulator.figures import timeline_figure

    fig, timeline = timeline_figure(
        FIVE,
        cumulative=True,
        count={"aa-ucmsc-18": 8},
        interval={"izadi2022-t1d-bmmsc": "4 weeks"},
    )
    ax, cum = timeline.ax, timeline.cumulative_ax
    X = timeline.axis.to_x
    lanes = []
    for gid, markers in timeline.doses.items():
        offsets = markers.get_offsets()
        key = gid.removeprefix("doses-").removesuffix("-max").removesuffix("-min")
        lane = next(lane for lane in timeline.lanes if lane.key == key)
        spans = [
            (X(w.start_day), X(w.end_day))
            for w in lane.windows
            if w.start_day is not None and w.end_day is not None
        ]
        lanes.append(
            {
                "x": [float(x) for x, _ in offsets],
                "y": float(offsets[0][1]),
                "sizes": [float(s) for s in markers.get_sizes()],
                "colour": markers.get_edgecolors()[0].tolist(),
                "spans": spans,
                "title": timeline.titles[lane.key].get_text(),
                "labels": [
                    timeline.window_labels[k].get_text()
                    for k in timeline.window_labels
                    if k.startswith(f"window-{lane.key}-")
                ],
            }
        )
    legends = [a for a in ax.get_children() if a.__class__.__name__ == "Legend"]
    legend = [t.get_text() for leg in legends for t in leg.get_texts()]
    steps = []
    labels = {k.removeprefix("cumulative-label-"): t for k, t in timeline.cumulative_labels.items()}
    for gid, line in timeline.cumulative.items():
        key = gid.removeprefix("cumulative-").removesuffix("-max").removesuffix("-min")
        label = labels.get(key)
        steps.append(
            {
                "x": [float(v) for v in line.get_xdata()],
                "y": [float(v) for v in line.get_ydata()],
                "colour": line.get_color(),
                "label": "" if label is None else label.get_text(),
            }
        )
    width, height = fig.get_size_inches()
    return {
        "size": [float(width), float(height)],
        "timeline_box": list(ax.get_position().bounds),
        "cumulative_box": list(cum.get_position().bounds),
        "xlim": list(ax.get_xlim()),
        "ylim": list(ax.get_ylim()),
        "lanes": lanes,
        "legend": legend,
        "legend_columns": 4,
        "steps": steps,
        "ticks": [float(t) for t in cum.get_xticks()],
        "tick_labels": [t.get_text() for t in cum.get_xticklabels()],
        "xlabel": cum.get_xlabel(),
        "cumulative_title": "cumulative dose (×10⁶ cells/kg)",
    }


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = dict(os.environ, MPLBACKEND="Agg")
    script = shutil.which("celldose") or str(Path(sys.executable).with_name("celldose"))
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        spec = tmp / "spec.json"
        spec.write_text(json.dumps(spec_of_the_figure()), encoding="utf-8")
        bare = tmp / "bare.py"
        bare.write_text(BARE, encoding="utf-8")
        commands = {
            "celldose compare": [script, "compare", *FIVE, *GIVEN, "-o", str(tmp / "A.pdf")],
            "bare matplotlib": [sys.executable, str(bare), str(spec), str(tmp / "B.pdf")],
        }
        for cmd in commands.values():  # warm the file cache, byte-code and font cache
            _time(cmd, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(_time(cmd, env))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"runs: {args.runs} each, interleaved")
    for name, values in times.items():
        low, high = min(values) * 1000, max(values) * 1000
        print(f"{name:17} (median): {median[name] * 1000:.0f} ms  [min {low:.0f}, max {high:.0f}]")
    ratio = median["celldose compare"] / median["bare matplotlib"]
    print(f"ratio: {ratio:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
