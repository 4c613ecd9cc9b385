"""A decision on a lane: the assessment window (a dotted grey band across the lane's rows) and
each branch's conditional doses on a row of their own, lighter than the certain doses, with a
dashed course line and edge, labelled with the branch's condition."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from celldose.simulator.figures._lane_style import (
    FONT_SMALL,
    GREY,
    LINE,
    MARKER_PT,
    LaneStyle,
    char_em,
)

if TYPE_CHECKING:
    from celldose.simulator.figures._layout import LaneBox
    from celldose.simulator.figures._painters import Canvas

FONT_BRANCH = FONT_SMALL
CONDITIONAL_ALPHA = 0.3  # the fill of a conditional dose: a lighter lane
DASHED = (0, (2.5, 1.5))


def draw_decision(c: Canvas, box: LaneBox, style: LaneStyle) -> None:
    """The assessment window, then each branch's row of conditional doses."""
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    lane = box.lane
    rows = (*box.rows, *box.branch_rows)
    if lane.assessment is not None:
        first, last = lane.assessment
        top = rows[0] - MARKER_PT / 2 - 1.5
        height = rows[-1] + MARKER_PT / 2 + 1.5 - top
        band = Rectangle(
            (c.X(first), top),
            c.X(max(last, first + 0.4)) - c.X(first),  # a day without tolerance stays visible
            height,
            facecolor="0.6",
            alpha=0.25,
            hatch="....",
            edgecolor="0.35",
            linewidth=0.6,
            linestyle=(0, (1, 1)),
            zorder=1.3,
        )
        band.set_gid(f"assessment-{lane.key}")
        c.ax.add_patch(band)
        c.timeline.windows[f"assessment-{lane.key}"] = band
    face = to_rgba(style.colour, CONDITIONAL_ALPHA)
    for branch, row in zip(lane.branches, box.branch_rows, strict=True):
        days = [d.day for d in branch.doses]
        course = Line2D(
            [c.X(days[0]), c.X(days[-1])],
            [row, row],
            color=style.colour,
            linewidth=0.9,
            linestyle=DASHED,
            zorder=2,
        )
        c.ax.add_line(course)
        sizes = []
        for d in branch.doses:
            amount = d.cells if c.by_cells else d.cells_per_kg
            diameter = 0.8 * c.full
            if d.dose is not None and amount is not None and c.biggest:
                diameter = max(2.0, c.full * math.sqrt(amount / c.biggest))
            sizes.append(diameter**2)
        markers = c.ax.scatter(
            [c.X(day) for day in days],
            [row] * len(days),
            s=sizes,
            marker="o",
            facecolors=[face if d.dose is not None else "white" for d in branch.doses],
            edgecolors=style.colour,
            linewidths=0.8,
            linestyles="--",
            zorder=3,
            clip_on=False,
        )
        gid = f"branch-{lane.key}-{branch.name}"
        markers.set_gid(gid)
        c.timeline.doses[gid] = markers
        lines = box.branch_labels[lane.branches.index(branch)]
        # above the row, from the branch's first dose, or from the left when it would run off
        needed = max(len(line) for line in lines) * FONT_BRANCH * char_em()
        fits = needed <= c.pts(days[0], c.hi_day)
        label = c.ax.text(
            c.X(days[0]) if fits else 0,
            row - MARKER_PT / 2 - 1,
            "\n".join(lines),
            fontsize=FONT_BRANCH,
            color=GREY,
            va="bottom",
            ha="left",
            linespacing=LINE,
            transform=c.ax.transData if fits else c.left,
        )
        label.set_gid(f"{gid}-label")


__all__ = ["draw_decision"]
