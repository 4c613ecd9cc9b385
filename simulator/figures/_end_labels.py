"""The cumulative panel's lines as geometry, and their labels at the right end: which lines
share a label, what a label must keep clear of (:class:`Obstacle`: every step, marker and
band drawn), and where each goes (:mod:`._label_place`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from celldose.simulator.figures._label_place import (
    STEP_PT,
    EndLabel,
    Obstacle,
    Placement,
    needed_height,
    place,
)
from celldose.simulator.figures._lane_style import FONT_LABEL, LINE, LaneStyle, lane_styles
from celldose.simulator.scenarios import Lane, LaneDose

if TYPE_CHECKING:
    from celldose.simulator.figures._axis import XAxis
    from celldose.simulator.figures._draw import Timeline

LINE_PAD = 0.6  # half the width of a cumulative line (1 pt), and a little
MARKER_PAD = 2.0  # the radius of a cumulative marker (3.2 pt across, with its edge)
MIN_PANEL_PT = 1.05 * 72  # the cumulative panel's height when its labels need no more
MAX_MARKERS = 12  # at most about this many markers a line


def branch_ends(lane: Lane) -> list[LaneDose]:
    """The last dose of each branch of a decision (the cumulative total if it is taken)."""
    return [b.doses[-1] for b in lane.branches]


def range_lows(doses: Sequence[LaneDose]) -> list[float] | None:
    """Cumulative cells/kg at the lower bounds of the dose ranges (cells scale with the dose
    amount); None when no dose is a range."""
    if not any(d.dose is not None and d.dose.is_range for d in doses):
        return None
    out, total = [], 0.0
    for d in doses:
        total += (d.cells_per_kg or 0.0) * d.low_fraction
        out.append(total)
    return out


def step_value(step: tuple[list[float], list[float]], day: float) -> float:
    days, values = step
    value = 0.0
    for d, v in zip(days, values, strict=True):
        if d <= day:
            value = v
    return value


def cumulative_labels(lanes: Sequence[Lane]) -> dict[str, str]:
    """Legend labels of the cumulative panel, by lane key. Lanes with identical steps hide each
    other, so the later one says which it repeats."""
    labels: dict[str, str] = {}
    seen: dict[tuple[Any, ...], Lane] = {}
    for lane in lanes:
        if not lane.per_kg_known:
            continue
        label = short_name(lane, lanes)
        if lane.dose_source == "given":
            label += " (dose given)"
        if lane.is_range:
            label += " (max dashed)"
        if any(range_lows(sc.doses) is not None for sc in lane.schedules):
            label += " (dose range shaded, upper bound on top)"
        steps = tuple((d.day, d.cumulative_cells_per_kg) for s in lane.schedules for d in s.doses)
        same = seen.setdefault(steps, lane)
        if same is not lane:
            other = same.arm if same.protocol_id == lane.protocol_id else short_name(same, lanes)
            label += f" (same as {other})"
        labels[lane.key] = label
    return labels


def short_name(lane: Lane, lanes: Sequence[Lane]) -> str:
    arms = sum(1 for other in lanes if other.protocol_id == lane.protocol_id)
    name = lane.protocol_label
    return f"{name} {lane.arm}" if arms > 1 else name


def panel_scale(lanes: Sequence[Lane]) -> tuple[float, int]:
    """The highest cumulative cells/kg drawn (a branch's included) and the panel's power of
    ten (its unit: ×10ⁿ cells/kg)."""
    drawable = [lane for lane in lanes if lane.per_kg_known]
    totals = [s.total_cells_per_kg or 0.0 for lane in drawable for s in lane.schedules]
    totals += [d.cumulative_cells_per_kg or 0.0 for lane in drawable for d in branch_ends(lane)]
    top = max(totals, default=0.0)
    return top, math.floor(math.log10(top)) if top > 0 else 0


def end_labels(lanes: Sequence[Lane], styles: Sequence[LaneStyle], scale: float) -> list[EndLabel]:
    """The label of each line at its right end. Arms of one protocol whose steps are the same
    share one label (``Chen 2024 escalation-2.0, expansion-2.0``); a frequency range is
    labelled at its max schedule."""
    labels = cumulative_labels(lanes)
    groups: dict[tuple[Any, ...], list[Lane]] = {}
    for lane in lanes:
        if not lane.per_kg_known:
            continue
        steps = tuple((d.day, d.cumulative_cells_per_kg) for s in lane.schedules for d in s.doses)
        groups.setdefault((lane.protocol_id, steps), []).append(lane)
    out = []
    for group in groups.values():
        first = group[0]
        if len(group) > 1:
            text = f"{first.protocol_label} " + ", ".join(lane.arm for lane in group)
        else:
            text = labels[first.key].split(" (same as ")[0]
        value = max((s.total_cells_per_kg or 0.0) for s in first.schedules) / scale
        colour = styles[lanes.index(first)].colour
        out.append(EndLabel(text, value, colour, f"cumulative-label-{first.key}"))
    return out


def steps_of(
    days: Sequence[float], values: Sequence[float], X: Callable[[float], float], pad: float
) -> list[Obstacle]:
    """The segments of a step line drawn ``where="post"`` through (days, values)."""
    out = []
    for i in range(len(days) - 1):
        x0, x1 = X(days[i]), X(days[i + 1])
        out.append(Obstacle(x0, x1, values[i], values[i], pad))  # flat, then up
        out.append(Obstacle(x1, x1, min(values[i], values[i + 1]), max(values[i : i + 2]), pad))
    return out


def obstacles(
    lanes: Sequence[Lane], X: Callable[[float], float], xlim_days: tuple[float, float], scale: float
) -> list[Obstacle]:
    """Everything :func:`~._cumulative.draw_cumulative` draws that a label must keep clear
    of: each line's steps (a schedule's, a dose range's lower bound, a branch's), its markers,
    and the bands (a dose range's, a frequency range's)."""
    lo, hi = xlim_days
    out: list[Obstacle] = []
    for lane in lanes:
        if not lane.per_kg_known:
            continue
        series = []
        for schedule in lane.schedules:
            days = [lo] + [float(d.day) for d in schedule.doses] + [hi]
            values = [0.0] + [(d.cumulative_cells_per_kg or 0.0) / scale for d in schedule.doses]
            values.append(values[-1])
            series.append((days, values))
            out += steps_of(days, values, X, LINE_PAD)
            every = math.ceil(len(schedule.doses) / MAX_MARKERS)
            for d in schedule.doses[::every]:
                y = (d.cumulative_cells_per_kg or 0.0) / scale
                out.append(Obstacle(X(d.day), X(d.day), y, y, MARKER_PAD))
            lows = range_lows(schedule.doses)
            if lows is not None:  # the band down to the lower bound's line
                low_values = [0.0, *(v / scale for v in lows)]
                low_values.append(low_values[-1])
                out += steps_of(days, low_values, X, LINE_PAD)
                out += _bands(days, low_values, values, X)
        if lane.is_range:  # the band between the min and max schedules
            grid = sorted({d for days, _ in series for d in days})
            low = [step_value(series[0], d) for d in grid]
            high = [step_value(series[1], d) for d in grid]
            out += _bands(grid, low, high, X)
        last = lane.schedules[0].doses[-1]
        for branch in lane.branches:
            points = [last, *branch.doses]
            if any(d.cumulative_cells_per_kg is None for d in points):
                continue
            days = [float(d.day) for d in points] + [hi]
            values = [(d.cumulative_cells_per_kg or 0.0) / scale for d in points]
            out += steps_of(days, [*values, values[-1]], X, LINE_PAD)
    return out


def _bands(
    days: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    X: Callable[[float], float],
) -> list[Obstacle]:
    """A shaded band between two step lines, as one box per step."""
    return [
        Obstacle(X(days[i]), X(days[i + 1]), min(lows[i], highs[i]), max(lows[i], highs[i]), 0)
        for i in range(len(days) - 1)
    ]


def label_plan(
    lanes: Sequence[Lane], axis: XAxis, xlim_days: tuple[float, float]
) -> tuple[list[EndLabel], list[Obstacle], float, float]:
    """The labels, the obstacles, the highest value drawn (panel units) and the power's scale."""
    top, power = panel_scale(lanes)
    scale = 10.0**power
    return (
        end_labels(lanes, lane_styles(lanes), scale),
        obstacles(lanes, axis.to_x, xlim_days, scale),
        top / scale,
        scale,
    )


def end_labels_height(
    lanes: Sequence[Lane], axis: XAxis, xlim_days: tuple[float, float], width_pt: float
) -> float:
    """The height (pt) the cumulative panel needs for every label to sit beside its line's
    end (at least :data:`MIN_PANEL_PT`)."""
    labels, rects, top, _ = label_plan(lanes, axis, xlim_days)
    X = axis.to_x
    need = needed_height(
        labels,
        rects,
        width_pt=width_pt,
        xlim=(X(xlim_days[0]), X(xlim_days[1])),
        top=top,
        start=MIN_PANEL_PT,
    )
    if need is None:  # stacked above the lines (see stacked): the lines keep half the panel
        return max(MIN_PANEL_PT, 2 * (len(labels) * STEP_PT + 3.5))
    return need


def stacked(labels: Sequence[EndLabel], height_pt: float, top: float) -> Placement:
    """When the labels cannot sit beside their lines: all of them stacked above the highest
    line, in the order of their lines' ends, clear of every line."""
    room = len(labels) * STEP_PT + 3.5
    limit = (top if top > 0 else 1.0) * height_pt / max(height_pt - room, 0.1 * height_pt)
    order = sorted(range(len(labels)), key=lambda i: labels[i].value)
    bottoms = [0.0] * len(labels)
    for k, i in enumerate(order):
        bottoms[i] = height_pt - room + 3.5 - 1.0 + k * STEP_PT
    return Placement(limit, tuple(bottoms), tuple(label.text for label in labels))


def draw_end_labels(ax: Any, timeline: Timeline, top: float, scale: float) -> tuple[str, ...]:
    """Each line's label beside its right end (see :mod:`._label_place`), and the panel's y
    limit; returns a warning when the panel is too short for them to sit beside their lines."""
    figure = ax.get_figure(root=True)
    width_pt = ax.get_position().width * figure.get_figwidth() * 72
    height_pt = ax.get_position().height * figure.get_figheight() * 72
    lanes = timeline.lanes
    X = timeline.axis.to_x
    labels = end_labels(lanes, lane_styles(lanes), scale)
    rects = obstacles(lanes, X, timeline.xlim_days, scale)
    xlim = (X(timeline.xlim_days[0]), X(timeline.xlim_days[1]))
    found = place(labels, rects, width_pt=width_pt, height_pt=height_pt, xlim=xlim, top=top)
    warnings: tuple[str, ...] = ()
    if found is None:
        need = needed_height(labels, rects, width_pt=width_pt, xlim=xlim, top=top, start=height_pt)
        why = (
            f"the cumulative panel is short for its line labels (about {math.ceil(need)} pt tall "
            "would put each beside its line)"
            if need is not None
            else "the cumulative panel has no room beside each line's end for its label (lines "
            "end close together, or still rise where the labels go)"
        )
        warnings = (f"{why}: the labels are stacked above the lines, in the order of their ends",)
        found = stacked(labels, height_pt, top)
    ax.set_ylim(0, found.limit)
    for label, bottom, words in zip(labels, found.bottoms, found.texts, strict=True):
        text = ax.text(
            1.0,
            bottom / height_pt,
            words,
            transform=ax.transAxes,
            fontsize=FONT_LABEL,
            color=label.colour,
            ha="right",
            va="bottom",
            linespacing=LINE,
            # a backing that hides the grid and the axis break under the text, no more: a
            # label never sits on a line (it would hide it)
            bbox={"facecolor": "white", "edgecolor": "none", "boxstyle": "square,pad=0.05"},
            zorder=4,
        )
        text.set_gid(label.gid)
        timeline.cumulative_labels[label.gid] = text
    return warnings
