"""The cumulative panel: cumulative cells/kg over time as steps, one line per lane (two for
a frequency range, with a band between them), on the timeline's time axis."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from celldose.protocols import superscript
from celldose.simulator.figures._axis import axis_label, set_ticks
from celldose.simulator.figures._end_labels import (
    MAX_MARKERS,
    cumulative_labels,
    draw_end_labels,
    panel_scale,
    range_lows,
    step_value,
)
from celldose.simulator.figures._lane_style import (
    FONT_AXIS,
    FONT_LABEL,
    FONT_TICK,
    GREY,
    lane_styles,
)
from celldose.simulator.figures._layout import wrap
from celldose.simulator.figures._ticks import format_numbers
from celldose.simulator.scenarios import Lane

if TYPE_CHECKING:
    from celldose.simulator.figures._draw import Timeline


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


def draw_cumulative(ax: Any, timeline: Timeline) -> tuple[str, ...]:
    """Cumulative cells/kg over time as steps (lanes whose dose per kg is unknown are left
    out; the notes name them), each line labelled beside its right end; returns the warnings
    (a panel too short for its labels)."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    lanes = timeline.lanes
    X = timeline.axis.to_x
    lo_day, hi_day = timeline.xlim_days
    drawable = [lane for lane in lanes if lane.per_kg_known]
    top, power = panel_scale(lanes)
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
            every = math.ceil(len(schedule.doses) / MAX_MARKERS)
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
            low = [step_value(steps[0], d) for d in grid]
            high = [step_value(steps[1], d) for d in grid]
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
    warnings = draw_end_labels(ax, timeline, top / scale, scale)
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
    return warnings


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
