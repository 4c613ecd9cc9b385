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
    """The assessment window, then each branch's row of conditional doses; a branch's condition
    is placed clear of the assessment band (see :func:`_place_label`)."""
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D

    lane = box.lane
    span = None
    if lane.assessment is not None:
        first, last = lane.assessment
        span = (float(first), max(float(last), first + 0.4))  # a day without tolerance shows
    places = []
    for branch, row, lines in zip(lane.branches, box.branch_rows, box.branch_labels, strict=True):
        places.append((row, lines, _place_label(c, branch.doses[0].day, lines, span)))
    if span is not None:
        rows = (*box.rows, *box.branch_rows)
        top = rows[0] - MARKER_PT / 2 - 1.5
        bottom = rows[-1] + MARKER_PT / 2 + 1.5
        # the label lines that cross the band are kept clear of it: the band stops around them
        gaps = [
            (row - MARKER_PT / 2 - 1 - len(lines) * FONT_BRANCH * LINE, row - MARKER_PT / 2 - 1)
            for row, lines, (_, _, crosses) in places
            if crosses
        ]
        _draw_band(c, lane.key, span, top, bottom, gaps)
    face = to_rgba(style.colour, CONDITIONAL_ALPHA)
    for branch, (row, lines, (x, ha, _)) in zip(lane.branches, places, strict=True):
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
                diameter = max(c.floor, c.full * math.sqrt(amount / c.biggest))
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
        label = c.ax.text(
            x if x is not None else 0,
            row - MARKER_PT / 2 - 1,
            "\n".join(lines),
            fontsize=FONT_BRANCH,
            color=GREY,
            va="bottom",
            ha=ha,
            linespacing=LINE,
            transform=c.ax.transData if x is not None else c.left,
        )
        label.set_gid(f"{gid}-label")


def _place_label(
    c: Canvas, day: float, lines: tuple[str, ...], span: tuple[float, float] | None
) -> tuple[float | None, str, bool]:
    """Where a branch's condition goes, above its row: (x, or None for the axes' left edge;
    the alignment; whether it crosses the assessment band). Preferred: from the branch's first
    dose; else ending 2 pt before the band, or starting 2 pt after it; else from the first dose
    (or the left edge when it would run off the plot) across the band, which then stops around
    the label."""
    lo_day = c.timeline.xlim_days[0]
    needed = max(len(line) for line in lines) * FONT_BRANCH * char_em()
    room = c.pts(lo_day, c.hi_day)

    def at(pt: float) -> float:  # points from the left edge -> x
        return c.shifted(lo_day, pt)

    start = c.pts(lo_day, day)
    fits = start + needed <= room
    if span is None:
        return (c.X(day), "left", False) if fits else (None, "left", False)
    band = (c.pts(lo_day, span[0]) - 2, c.pts(lo_day, span[1]) + 2)
    if fits and (start >= band[1] or start + needed <= band[0]):
        return c.X(day), "left", False
    if needed <= band[0]:
        return at(band[0]), "right", False
    if band[1] + needed <= room:
        return at(band[1]), "left", False
    if fits:
        return c.X(day), "left", True
    return None, "left", needed > band[0]


def _draw_band(
    c: Canvas,
    key: str,
    span: tuple[float, float],
    top: float,
    bottom: float,
    gaps: list[tuple[float, float]],
) -> None:
    """The assessment band (a dotted grey rectangle) from ``top`` to ``bottom``, in pieces that
    leave out the ``gaps`` (y from, to) where a label runs across it."""
    from matplotlib.patches import Rectangle

    pieces, y = [], top
    for gap_top, gap_bottom in sorted(gaps):
        if gap_top - 0.5 > y:
            pieces.append((y, gap_top - 0.5))
        y = max(y, gap_bottom + 0.5)
    pieces.append((y, bottom))
    x0, x1 = c.X(span[0]), c.X(span[1])
    for k, (y0, y1) in enumerate(pieces):
        band = Rectangle(
            (x0, y0),
            x1 - x0,
            y1 - y0,
            facecolor="0.6",
            alpha=0.25,
            hatch="....",
            edgecolor="0.35",
            linewidth=0.6,
            linestyle=(0, (1, 1)),
            zorder=1.3,
        )
        gid = f"assessment-{key}" + (f"-{k + 1}" if k else "")
        band.set_gid(gid)
        c.ax.add_patch(band)
        c.timeline.windows[gid] = band


__all__ = ["draw_decision"]
