"""The cohort histogram: total cells per patient over the course, with the median and 5-95%.

Follows the figure conventions of :mod:`celldose.simulator.figures._style` (Okabe-Ito
colours, journal sizes, deterministic files). matplotlib is imported inside the function.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from celldose.protocols import REGIMEN_ID, OptionError, format_sig, plural, superscript
from celldose.simulator.figures._style import OKABE_ITO, figure_size, paper_rc
from celldose.simulator.figures._ticks import format_numbers

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from celldose.simulator.scenarios import CohortResult

BINS = 40


def draw_cohort_histogram(
    result: CohortResult, *, ax: Axes | None = None, size: str | None = None
) -> Any:
    """The histogram of total cells per patient, on ``ax`` or on a figure of its own.

    With ``ax`` (a matplotlib ``Axes`` you own) the histogram, its median, mean and 5-95% band
    and the title are drawn there, in your figure's style, with the legend to the right of the
    axes, and ``ax`` is returned.
    Without it, a new matplotlib ``Figure`` at a journal ``size`` (``single``, the default,
    ``1.5``, ``double`` or ``WxH`` like ``85x60mm``), with the legend under the axes, is
    returned; save it with :func:`~celldose.simulator.figures.save_figure` (the same bytes from
    run to run).

    >>> import celldose
    >>> result = celldose.simulate_cohort(
    ...     "chen2024-itp-ucmsc", celldose.Cohort(patients=100), arm="expansion-2.0"
    ... )
    >>> fig = draw_cohort_histogram(result)
    >>> fig.axes[0].get_ylabel()
    'patients'
    """
    if ax is not None:
        if size is not None:
            raise OptionError(
                "size is the size of a figure drawn here: with ax= the figure is yours",
                "drop size=, or drop ax=",
                fields=("size", "ax"),
            )
        handles, labels, title = _paint(ax, result)
        ax.legend(  # outside, to the right, as draw_timeline's cumulative legend: never on a bar
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            title=title,
            alignment="left",
        )
        return ax
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with mpl.rc_context(paper_rc()):
        fig = Figure(figsize=figure_size(size or "single", height_ratio=0.72), layout="constrained")
        handles, labels, title = _paint(fig.add_subplot(), result)
        fig.legend(  # below the axes: it never hides the bars, whatever their shape
            handles,
            labels,
            loc="outside lower left",
            ncols=2,
            frameon=False,
            handlelength=1.6,
            columnspacing=1.5,
            title=title,
            title_fontsize=7,
            alignment="left",
        )
    return fig


def scale_power(median: float, high: float) -> int:
    """The power of ten of the histogram's axis and of its key alike: the median's (the
    typical patient's total), else the largest total's when the median is 0."""
    typical = median if median > 0 else high
    return int(math.floor(math.log10(typical))) if typical > 0 else 0


def in_power(value: float, power: int) -> str:
    """``value`` written in units of 10^``power``, as the axis reads (``5.59×10⁸``, and
    ``12×10⁸`` for 1.2×10⁹ on a ×10⁸ axis; plain with power 0)."""
    mantissa = format_sig(value / 10.0**power, 3, sci_from=1e15)
    return f"{mantissa}×10{superscript(power)}" if power else mantissa


def _paint(ax: Any, result: CohortResult) -> tuple[list[Any], list[str], str]:
    """Bars, the 5-95% band, median and mean lines, axis labels and the title on ``ax``;
    returns the legend's handles and labels (median, mean, then the band) and its title."""
    import matplotlib.ticker
    import numpy as np

    totals = result.patient_total_cells
    stats = result.total_cells
    high = float(totals.max())
    power = scale_power(stats.median, high)
    unit = 10.0**power
    scaled = totals / unit
    low_edge, high_edge = float(scaled.min()), float(scaled.max())
    point = high_edge - low_edge < 1e-9 * max(abs(high_edge), 1.0)
    if point:  # every patient the same: one narrow bar, centred on the value
        width = max(abs(high_edge) * 0.004, 0.004)
        low_edge, high_edge = low_edge - 20.5 * width, high_edge + 19.5 * width
    counts, edges = np.histogram(scaled, bins=BINS, range=(low_edge, high_edge))
    ax.axvspan(
        stats.p5 / unit,
        stats.p95 / unit,
        color=OKABE_ITO[0],
        alpha=0.18,
        linewidth=0,
        zorder=0,
        label=f"5–95%: {in_power(stats.p5, power)}–{in_power(stats.p95, power)}",
    )
    ax.stairs(counts, edges, fill=True, color=OKABE_ITO[1], alpha=0.85, zorder=1)
    ax.stairs(counts, edges, color=OKABE_ITO[3], linewidth=0.6, zorder=2)
    ax.axvline(
        stats.median / unit,
        color=OKABE_ITO[4],
        linewidth=1.0,
        zorder=3,
        label=f"median {in_power(stats.median, power)}",
    )
    ax.axvline(
        stats.mean / unit,
        color=OKABE_ITO[7],
        linewidth=0.8,
        linestyle=(0, (3, 2)),
        zorder=3,
        label=f"mean {in_power(stats.mean, power)}",
    )
    scale = f" (×10{superscript(power)})" if power else ""
    ax.set_xlabel(f"total cells per patient over the course{scale}")
    ax.set_ylabel("patients")
    ax.set_ylim(0, max(int(counts.max()), 1) * 1.12)
    ax.margins(x=0.02)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5, integer=True))  # whole
    format_numbers(ax, x=True, y=True)  # 0.4, 1 (not 1.0), 1,000
    plan = result.plan
    # named as the timelines name it: the short label (Chen 2024), else the id; a regimen
    # given as text (--regimen) by its text
    if plan.protocol_id == REGIMEN_ID:
        ax.set_title(plan.regimen, loc="left")
    else:
        ax.set_title(f"{plan.protocol_label or plan.protocol_id}, arm {plan.arm}", loc="left")
    handles, labels = ax.get_legend_handles_labels()
    order = [1, 2, 0]  # median, mean (left column), then the 5-95% band
    species = result.species
    kind = "" if result.cohort.roster is not None else "virtual "  # a roster's are listed
    who = plural(result.patients, f"{kind}{species.label}", f"{kind}{species.plural}")
    title = f"{who}, seed {result.seed}"
    return [handles[i] for i in order], [labels[i] for i in order], title


__all__ = ["draw_cohort_histogram"]
