"""The symbol key above the timeline: only the symbols the figure uses, in as many columns as
fit the width."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from celldose.simulator.figures._lane_style import CHAR_EM, FONT_LABEL, GREY
from celldose.simulator.figures._painters import marker_basis
from celldose.simulator.scenarios import Lane


def draw_key(ax: Any, lanes: Sequence[Lane], by_cells: bool, width_pt: float) -> None:
    """The symbol key above the timeline, in as many columns as fit the width."""
    handles, labels = _key(lanes, by_cells)
    ax.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncol=_columns(labels, width_pt),
        frameon=False,
        fontsize=FONT_LABEL,
        handlelength=1.6,
        handletextpad=0.5,
        columnspacing=1.2,
        borderaxespad=0.3,
        borderpad=0.1,
    )


def key_rows(lanes: Sequence[Lane], width_pt: float) -> int:
    """How many rows the symbol key takes at this width."""
    by_cells, _ = marker_basis(lanes)
    _, labels = _key(lanes, by_cells)
    return math.ceil(len(labels) / _columns(labels, width_pt))


def _key(lanes: Sequence[Lane], by_cells: bool) -> tuple[list[Any], list[str]]:
    """The symbol key: only the symbols the figure uses."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [_dose_marker("0.3", "0.15", 0.4)]
    labels = [f"dose (area ∝ {'cells' if by_cells else 'cells/kg'})"]
    if any(d.dose is None for lane in lanes for d in lane.doses):
        handles.append(_dose_marker("white", "0.3", 1.0))  # hollow, as on the lanes
        labels.append("dose not reported")
    windows = [w for lane in lanes for w in lane.windows]
    if any(w.known == "both" for w in windows):
        handles.append(Patch(facecolor="0.5", alpha=0.3, linewidth=0))
        labels.append("response window")
    if any(w.known in ("start", "end") for w in windows):
        handles.append(Patch(facecolor="0.85", hatch="//////", edgecolor="0.45", linewidth=0))
        labels.append("one end not reported")
    if any(lane.follow_up_day is not None for lane in lanes):
        handles.append(Line2D([], [], color=GREY, linewidth=0.7, linestyle=(0, (1, 1.5))))
        labels.append("follow-up")
    if any(lane.branches for lane in lanes):
        handles.append(_conditional_marker())
        labels.append("conditional dose (a branch after the decision)")
    if any(lane.assessment is not None for lane in lanes):
        handles.append(
            Patch(facecolor="0.6", alpha=0.25, hatch="....", edgecolor="0.35", linewidth=0.6)
        )
        labels.append("assessment window (decision)")
    if any(lane.is_range for lane in lanes):
        handles.append(Patch(facecolor="0.5", alpha=0.18, linewidth=0))
        interval = any(
            "every" in (schedule.label or "") for lane in lanes for schedule in lane.schedules
        )  # an interval range (every 3 to 6 months): its max row is the earliest schedule
        labels.append("interval range (max–min)" if interval else "frequency range (max–min)")
    return handles, labels


def _conditional_marker() -> Any:
    """The key's symbol of a conditional dose: a light circle with a dashed edge."""
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        marker="o",
        linestyle=(0, (2.5, 1.5)),
        color="0.3",
        linewidth=0.8,
        markerfacecolor=(0.3, 0.3, 0.3, 0.3),
        markeredgecolor="0.3",
        markersize=4.5,
        markeredgewidth=0.8,
    )


def _dose_marker(face: str, edge: str, edge_width: float) -> Any:
    """The key's symbol of a dose: a circle, filled or hollow."""
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        marker="o",
        linestyle="none",
        markerfacecolor=face,
        markeredgecolor=edge,
        markersize=4.5,
        markeredgewidth=edge_width,
    )


def _columns(labels: Sequence[str], width_pt: float, handle_em: float = 3.4) -> int:
    """As many legend columns as fit the width."""
    widths = [(len(label) * CHAR_EM + handle_em) * FONT_LABEL for label in labels]
    for ncol in range(len(labels), 0, -1):
        rows = [widths[i::ncol] for i in range(ncol)]
        if sum(max(col) for col in rows if col) <= width_pt:
            return ncol
    return 1
