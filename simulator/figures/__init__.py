"""celldose.simulator.figures: timelines of protocols and cohort histograms (matplotlib).

Figures draw what :mod:`celldose.simulator.scenarios` computes; files are written atomically
and byte for byte the same from run to run.
"""

from celldose.simulator.figures._cohort_plot import draw_cohort_histogram
from celldose.simulator.figures._timeline import draw_timeline, plot_timeline, timeline_figure

__all__ = ["draw_cohort_histogram", "draw_timeline", "plot_timeline", "timeline_figure"]
