"""The cumulative panel: cumulative cells/kg over time as steps, one line per lane (two for
a frequency range, with a band between them), on the timeline's time axis."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from celldose.protocols import superscript
from celldose.simulator.figures._axis import axis_label, set_ticks
from celldose.simulator.figures._lane_style import (
    FONT_AXIS,
    FONT_LABEL,
    FONT_TICK,
    GREY,
    LINE,
    lane_styles,
)
from celldose.simulator.figures._layout import wrap
from celldose.simulator.figures._ticks import format_numbers
from celldose.simulator.scenarios import Lane, LaneDose

if TYPE_CHECKING:
    from celldose.simulator.figures._draw import Timeline


def branch_ends(lane: Lane) -> list[LaneDose]:
    """The last dose of each branch of a decision (the cumulative total if it is taken)."""
    return [b.doses[-1] for b in lane.branches]


def draw_branch_steps(ax: Any, timeline: Timeline, lane: Lane, colour: Any, scale: float) -> None:
    """Each branch's cumulative dose from the course's last dose on, dotted and lighter: it is
    given only when the branch's condition is met."""
    X = timeline.axis.to_x
    last = lane.schedules[0].doses[-1]
    for branch in lane.branches:
        points = [last, *branch.doses]
        if any(d.cumulative_cells_per_kg is None for d in points):
            continue
        days = [float(d.day) for d in points] + [timeline.xlim_days[1]]
        values = [(d.cumulative_cells_per_kg or 0.0) / scale for d in points]
        (drawn,) = ax.step(
            [X(d) for d in days],
            [*values, values[-1]],
            where="post",
            color=colour,
            alpha=0.55,
            linewidth=0.9,
            linestyle=(0, (1, 1.2)),
            zorder=1.8,
        )
        drawn.set_gid(f"cumulative-{lane.key}-{branch.name}")
        timeline.cumulative[f"cumulative-{lane.key}-{branch.name}"] = drawn


def draw_cumulative(ax: Any, timeline: Timeline) -> None:
    """Cumulative cells/kg over time as steps (lanes whose dose per kg is unknown are left
    out; the notes name them)."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    lanes = timeline.lanes
    X = timeline.axis.to_x
    lo_day, hi_day = timeline.xlim_days
    drawable = [lane for lane in lanes if lane.per_kg_known]
    totals = [s.total_cells_per_kg or 0.0 for lane in drawable for s in lane.schedules]
    totals += [d.cumulative_cells_per_kg or 0.0 for lane in drawable for d in branch_ends(lane)]
    top = max(totals, default=0.0)
    power = math.floor(math.log10(top)) if top > 0 else 0
    scale = 10.0**power
    labels = cumulative_labels(lanes)
    styles = lane_styles(lanes)
    for index, lane in enumerate(lanes):
        if not lane.per_kg_known:
            continue
        style = styles[index]
        steps = []
        for schedule in lane.schedules:
            days = [lo_day] + [float(d.day) for d in schedule.doses] + [hi_day]
            totals_kg = [0.0] + [(d.cumulative_cells_per_kg or 0.0) / scale for d in schedule.doses]
            totals_kg.append(totals_kg[-1])
            steps.append((days, totals_kg))
            dashed = schedule.which == "max"
            (drawn,) = ax.step(
                [X(d) for d in days],
                totals_kg,
                where="post",
                color=style.colour,
                linewidth=1.0,
                linestyle=(0, (3, 1.5)) if dashed else style.linestyle,
                zorder=2,
            )
            suffix = f"-{schedule.which}" if schedule.which is not None else ""
            _draw_dose_range(ax, timeline, schedule, days, totals_kg, scale, style.colour)
            drawn.set_gid(f"cumulative-{lane.key}{suffix}")
            timeline.cumulative[f"cumulative-{lane.key}{suffix}"] = drawn
            every = math.ceil(len(schedule.doses) / 12)  # at most about 12 markers a line
            shown = schedule.doses[::every]
            ax.plot(
                [X(d.day) for d in shown],
                [(d.cumulative_cells_per_kg or 0.0) / scale for d in shown],
                linestyle="none",
                marker=style.marker,
                markersize=3.2,
                markerfacecolor=style.colour,
                markeredgecolor="0.15",
                markeredgewidth=0.3,
                zorder=3,
                clip_on=False,
            )
        draw_branch_steps(ax, timeline, lane, style.colour, scale)
        if lane.is_range:
            grid = sorted({d for days, _ in steps for d in days})
            low = [_step_value(steps[0], d) for d in grid]
            high = [_step_value(steps[1], d) for d in grid]
            ax.fill_between(
                [X(d) for d in grid],
                low,
                high,
                step="post",
                color=style.colour,
                alpha=0.18,
                linewidth=0,
                zorder=1,
            )
        label = labels[lane.key]
        timeline.cumulative_handles.append(
            Line2D(
                [],
                [],
                color=style.colour,
                linestyle=style.linestyle,
                linewidth=1.0,
                marker=style.marker,
                markersize=3.2,
                markerfacecolor=style.colour,
                markeredgecolor="0.15",
                markeredgewidth=0.3,
                label=label,
            )
        )
    ax.set_xlim(X(lo_day), X(hi_day))
    ends = _end_labels(timeline, drawable, styles, scale)
    height_pt = _height_pt(ax)
    # room above the highest lines for their labels, stacked one above the other
    at_top = sum(1 for _, value, _, _ in ends if top > 0 and value >= 0.9 * top / scale)
    need = max(at_top, 1) * FONT_LABEL * LINE + 3
    room = 1 - need / height_pt if height_pt > 0 else 0.9
    ax.set_ylim(0, top / scale / max(room, 0.4) if top > 0 else 1)
    _draw_end_labels(ax, timeline, ends, height_pt)
    unit = "cells/kg" if power == 0 else f"×10{superscript(power)} cells/kg"
    # the panel's title above it, at the left: no y label to widen the left margin
    title = ax.text(
        0,
        1,
        f"cumulative dose ({unit})",
        transform=ax.transAxes,
        fontsize=FONT_AXIS,
        ha="left",
        va="bottom",
    )
    title.set_gid("cumulative-title")
    ax.tick_params(labelsize=FONT_TICK)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    format_numbers(ax, y=True)  # 0, 2.5, 5, 7.5: no trailing zero
    if not drawable:
        ax.set_yticks([])
        title.set_visible(False)
        width_pt = ax.get_position().width * ax.get_figure(root=True).get_figwidth() * 72
        message = (
            "no cumulative dose: the dose per kg is not known (give the dose, and the weight "
            "for a dose in cells or cells/m²)"
        )
        ax.text(
            0.5,
            0.5,
            "\n".join(wrap(message, 0.9 * width_pt, FONT_LABEL)),
            transform=ax.transAxes,
            fontsize=FONT_LABEL,
            color=GREY,
            ha="center",
            va="center",
        )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.axvline(X(0), color="0.55", linewidth=0.4, zorder=0)
    ax.grid(axis="x", color="0.92", linewidth=0.5, zorder=0)
    ax.set_axisbelow(True)
    set_ticks(ax, timeline.axis, hi_day)
    width_pt = ax.get_position().width * ax.get_figure(root=True).get_figwidth() * 72
    ax.set_xlabel(axis_label(timeline.axis, width_pt), fontsize=FONT_AXIS)


def _height_pt(ax: Any) -> float:
    figure = ax.get_figure(root=True)
    return float(ax.get_position().height * figure.get_figheight() * 72)


def _end_labels(
    timeline: Timeline, drawable: Sequence[Lane], styles: Sequence[Any], scale: float
) -> list[tuple[str, float, str, str]]:
    """(text, value at the end, colour, gid) of each line's label at its right end. Arms of one
    protocol whose steps are the same share one label (``Chen 2024 escalation-2.0,
    expansion-2.0``); a frequency range is labelled at its max schedule."""
    lanes = timeline.lanes
    labels = cumulative_labels(lanes)
    groups: dict[tuple[Any, ...], list[Lane]] = {}
    for lane in drawable:
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
        out.append((text, value, colour, f"cumulative-label-{first.key}"))
    return out


def _draw_end_labels(
    ax: Any, timeline: Timeline, ends: Sequence[tuple[str, float, str, str]], height_pt: float
) -> None:
    """Each label just above its line at the right edge, in the line's colour. Labels that
    would overlap form a stack centred where they want to be (the mean of their places), so
    each stays as near its line as the others allow; never off the panel."""
    if not ends or height_pt <= 0:
        return
    top = ax.get_ylim()[1]
    step = FONT_LABEL * LINE
    order = sorted(ends, key=lambda e: e[1])
    wants = [value / top * height_pt + 1.0 for _, value, _, _ in order]  # bottoms
    stacks: list[list[int]] = []  # runs of labels, each placed around the mean of its wants

    def first_bottom(stack: list[int]) -> float:
        mean = sum(wants[i] for i in stack) / len(stack)
        lowest = mean - (len(stack) - 1) * step / 2
        return float(min(max(lowest, 0.0), height_pt - len(stack) * step))

    for i in range(len(order)):
        stacks.append([i])
        while len(stacks) > 1:
            below, above = stacks[-2], stacks[-1]
            if first_bottom(below) + len(below) * step <= first_bottom(above):
                break
            stacks[-2:] = [below + above]
    bottoms = [first_bottom(stack) + k * step for stack in stacks for k in range(len(stack))]
    for (text, _, colour, gid), bottom in zip(order, bottoms, strict=True):
        label = ax.text(
            1.0,
            max(bottom, 0.0) / height_pt,
            text,
            transform=ax.transAxes,
            fontsize=FONT_LABEL,
            color=colour,
            ha="right",
            va="bottom",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 0.3},
            zorder=4,
        )
        label.set_gid(gid)
        timeline.cumulative_labels[gid] = label


def end_labels_height(lanes: Sequence[Lane]) -> float:
    """The height (pt) the cumulative panel needs for its end labels, one line each."""
    drawable = [lane for lane in lanes if lane.per_kg_known]
    keys = {
        (lane.protocol_id, tuple((d.day, d.cumulative_cells_per_kg) for d in lane.doses))
        for lane in drawable
    }
    return (len(keys) + 1) * FONT_LABEL * LINE + 4


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


def _draw_dose_range(
    ax: Any,
    timeline: Timeline,
    schedule: Any,
    days: list[float],
    highs: list[float],
    scale: float,
    colour: Any,
) -> None:
    """A dose range: the band between the cumulative dose at the lower and at the upper bound
    (the line drawn is the upper bound)."""
    lows = range_lows(schedule.doses)
    if lows is None:
        return
    X = timeline.axis.to_x
    values = [0.0] + [v / scale for v in lows]
    values.append(values[-1])
    ax.fill_between(
        [X(d) for d in days],
        values,
        highs,
        step="post",
        color=colour,
        alpha=0.25,
        linewidth=0,
        zorder=1,
    )
    ax.step([X(d) for d in days], values, where="post", color=colour, linewidth=0.6, zorder=2)


def _step_value(step: tuple[list[float], list[float]], day: float) -> float:
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
