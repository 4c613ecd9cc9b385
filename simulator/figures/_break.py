"""The break of a broken time axis, marked where a reader looks: a gap across the axes with a
dashed line down it, a double slash across the bottom spine, and a double slash on each lane
line that runs through the break."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celldose.simulator.figures._axis import XAxis
    from celldose.simulator.figures._layout import LaneBox
    from celldose.simulator.figures._painters import Canvas

BREAK_GAP_PT = 4.0  # the width of the break's gap across the axes


def mark_break(ax: Any, axis: XAxis, *, slashes: bool = True) -> None:
    """The break of a broken axis: a gap across the axes (a white band that interrupts every
    line and shading under the markers) with a thin dashed line down its middle, and a double
    slash across the bottom spine."""
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import blended_transform_factory

    x = axis.to_x(axis.break_day)
    transform = blended_transform_factory(ax.transData, ax.transAxes)
    figure = ax.get_figure(root=True)
    height_pt = ax.get_position().height * figure.get_figheight() * 72
    width_pt = ax.get_position().width * figure.get_figwidth() * 72
    lo, hi = ax.get_xlim()
    dx = 2.0 * (hi - lo) / width_pt  # 2 pt
    gap = Rectangle(
        (x - BREAK_GAP_PT / 4 * dx, 0),
        BREAK_GAP_PT / 2 * dx,
        1,
        transform=transform,
        facecolor="white",
        linewidth=0,
        zorder=2.5,  # over lines and shading (at most 2), under markers (3) and text
    )
    gap.set_gid("axis-break-gap")
    ax.add_patch(gap)
    ax.axvline(x, color="0.45", linewidth=0.5, linestyle=(0, (2, 2)), zorder=2.6).set_gid(
        "axis-break-line"
    )
    if not slashes:
        return
    dy = 4.0 / height_pt if height_pt else 0.02
    for shift in (-1.5 * dx, 1.5 * dx):
        (slash,) = ax.plot(
            [x + shift - dx, x + shift + dx],
            [-dy, dy],
            transform=transform,
            color="0.15",
            linewidth=0.8,
            clip_on=False,
            zorder=5,
        )
        slash.set_gid("axis-break")


def draw_lane_break(c: Canvas, box: LaneBox) -> None:
    """A broken axis' break on the lane: a double slash on each row whose line (the course or
    the follow-up) runs through the break, unless a dose's marker sits there."""
    axis = c.timeline.axis
    if axis.scale != "broken":
        return
    from matplotlib.lines import Line2D

    brk, lane = axis.break_day, box.lane
    spans = [
        (row, s.doses[0].day, s.last_day, [d.day for d in s.doses])
        for s, row in zip(
            (reversed(lane.schedules) if lane.is_range else lane.schedules), box.rows, strict=True
        )
    ] + [
        (row, b.doses[0].day, b.doses[-1].day, [d.day for d in b.doses])
        for b, row in zip(lane.branches, box.branch_rows, strict=True)
    ]
    if lane.follow_up_day is not None:  # the follow-up runs on the last row
        row, first, last, days = spans[len(box.rows) - 1]
        spans[len(box.rows) - 1] = (row, first, max(last, lane.follow_up_day), days)
    for row, first, last, days in spans:
        if not first < brk < last or any(abs(c.pts(d, brk)) < c.full / 2 + 4 for d in days):
            continue
        for shift in (-1.5, 1.5):  # points either side of the break; a slash 4 pt wide, 6 high
            slash = Line2D(
                [c.shifted(brk, shift - 1), c.shifted(brk, shift + 1)],
                [row + 3, row - 3],  # the y axis runs downwards, in points
                color="0.15",
                linewidth=0.8,
                zorder=3.2,
            )
            slash.set_gid(f"lane-break-{lane.key}")
            c.ax.add_line(slash)


__all__ = ["mark_break", "draw_lane_break"]
