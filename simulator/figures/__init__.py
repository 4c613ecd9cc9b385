"""celldose.simulator.figures: timelines of protocols and cohort histograms (matplotlib).

Figures draw what :mod:`celldose.simulator.scenarios` computes; files are written atomically
and byte for byte the same from run to run. matplotlib is imported only when something is
drawn: importing this package costs nothing.

- :func:`draw_timeline` draws on an ``Axes`` you own; :func:`timeline_figure` makes the whole
  figure at a journal size; :func:`plot_timeline` makes it and saves it.
- :func:`draw_cohort_histogram` draws a cohort's total cells per patient, on your ``Axes`` or
  on a figure of its own.
- :func:`save_figure` writes a figure by extension (.png, .svg, .pdf) with no dates or random
  ids; :func:`check_output` and :func:`figure_size` check a path and a size before any work.
"""

from celldose.simulator.figures._axis import XAxis
from celldose.simulator.figures._cohort_plot import draw_cohort_histogram
from celldose.simulator.figures._draw import Timeline, draw_timeline
from celldose.simulator.figures._style import check_output, figure_size, save_figure
from celldose.simulator.figures._timeline import plot_timeline, timeline_figure

__all__ = [
    "Timeline",
    "XAxis",
    "check_output",
    "draw_cohort_histogram",
    "draw_timeline",
    "figure_size",
    "plot_timeline",
    "save_figure",
    "timeline_figure",
]
