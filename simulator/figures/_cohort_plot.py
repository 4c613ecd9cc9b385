"""The cohort histogram: total cells per patient over the course, with the median and 5-95%.

Follows the figure conventions of :mod:`celldose.simulator.figures._style` (Okabe-Ito
colours, journal sizes, deterministic files). matplotlib is imported inside the function.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from celldose.protocols._display import format_sig, plural, superscript
from celldose.simulator.figures._style import OKABE_ITO, figure_size, paper_rc

if TYPE_CHECKING:
    from celldose.simulator.scenarios._cohort import CohortResult

BINS = 40


def draw_cohort_histogram(result: CohortResult, *, size: str | None = "single") -> Any:
    """A matplotlib Figure: the histogram of total cells per patient.

    Save it with :func:`celldose.simulator.figures._style.save_figure` (deterministic bytes).
    """
    import matplotlib as mpl
    import matplotlib.ticker  # noqa: F401  (mpl.ticker)
    import numpy as np
    from matplotlib.figure import Figure

    totals = result.patient_total_cells
    stats = result.total_cells
    high = float(totals.max())
    power = int(math.floor(math.log10(high))) if high > 0 else 0
    unit = 10.0**power
    scaled = totals / unit
    low_edge, high_edge = float(scaled.min()), float(scaled.max())
    point = high_edge - low_edge < 1e-9 * max(abs(high_edge), 1.0)
    if point:  # every patient the same: one narrow bar, centred on the value
        width = max(abs(high_edge) * 0.004, 0.004)
        low_edge, high_edge = low_edge - 20.5 * width, high_edge + 19.5 * width
    counts, edges = np.histogram(scaled, bins=BINS, range=(low_edge, high_edge))
    with mpl.rc_context(paper_rc()):
        fig = Figure(figsize=figure_size(size, height_ratio=0.72), layout="constrained")
        ax = fig.add_subplot()
        ax.axvspan(
            stats.p5 / unit,
            stats.p95 / unit,
            color=OKABE_ITO[0],
            alpha=0.18,
            linewidth=0,
            zorder=0,
            label=f"5–95%: {format_sig(stats.p5)}–{format_sig(stats.p95)}",
        )
        ax.stairs(counts, edges, fill=True, color=OKABE_ITO[1], alpha=0.85, zorder=1)
        ax.stairs(counts, edges, color=OKABE_ITO[3], linewidth=0.6, zorder=2)
        ax.axvline(
            stats.median / unit,
            color=OKABE_ITO[4],
            linewidth=1.0,
            zorder=3,
            label=f"median {format_sig(stats.median)}",
        )
        ax.axvline(
            stats.mean / unit,
            color=OKABE_ITO[7],
            linewidth=0.8,
            linestyle=(0, (3, 2)),
            zorder=3,
            label=f"mean {format_sig(stats.mean)}",
        )
        scale = f" (×10{superscript(power)})" if power else ""
        ax.set_xlabel(f"total cells per patient over the course{scale}")
        ax.set_ylabel("patients")
        ax.set_ylim(0, max(int(counts.max()), 1) * 1.12)
        ax.margins(x=0.02)
        ax.yaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
        plan = result.plan
        handles, labels = ax.get_legend_handles_labels()
        order = [1, 2, 0]  # median, mean (left column), then the 5-95% band
        handles, labels = [handles[i] for i in order], [labels[i] for i in order]
        fig.legend(  # below the axes: it never hides the bars, whatever their shape
            handles,
            labels,
            loc="outside lower left",
            ncols=2,
            frameon=False,
            handlelength=1.6,
            columnspacing=1.5,
            title=f"{plural(result.patients, 'virtual ' + result.species.label)}, "
            f"seed {result.seed}",
            title_fontsize=6.5,
            alignment="left",
        )
        ax.set_title(f"{plan.protocol_id}, arm {plan.arm}", loc="left")
    return fig


__all__ = ["draw_cohort_histogram"]
