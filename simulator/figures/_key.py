"""The key above the timeline: the size scale (a row of reference doses, drawn at the size
they have on the lanes), and above it only the symbols the figure uses, in as many columns as
fit the width."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from celldose.protocols import format_sig
from celldose.simulator.figures._lane_style import (
    FLAT_MARKER,
    FONT_LABEL,
    GREY,
    RANGE_FACE,
    char_em,
)
from celldose.simulator.figures._painters import Canvas, marker_basis, reduced
from celldose.simulator.scenarios import Lane

ROW_EM = 1.55  # a key row's height, in font sizes


def size_refs(lanes: Sequence[Lane], by_cells: bool) -> list[float]:
    """Two or three round reference doses (1, 2 or 5 ×10ⁿ) for the size key, from the
    smallest to the largest dose drawn to scale; with one dose size, it and a quarter of it."""
    amounts = [
        a
        for lane in lanes
        for d in (*lane.doses, *(d for b in lane.branches for d in b.doses))
        if d.dose is not None
        for a in [d.cells if by_cells else d.cells_per_kg]
        if a is not None and a > 0
    ]
    if not amounts:
        return []
    lo, hi = min(amounts), max(amounts)
    nice = [
        m * 10.0**k
        for k in range(math.floor(math.log10(lo)) - 1, math.floor(math.log10(hi)) + 2)
        for m in (1, 2, 5)
        if lo * 0.999 <= m * 10.0**k <= hi * 1.001
    ]
    if not nice:
        nice = [_nice_floor(hi)]
    if len(nice) == 1:
        nice = [_nice_floor(nice[0] / 4), nice[0]]
    if len(nice) > 3:
        nice = [nice[0], nice[len(nice) // 2], nice[-1]]
    return nice


def _nice_floor(value: float) -> float:
    """The largest 1, 2 or 5 ×10ⁿ at most ``value``."""
    power = 10.0 ** math.floor(math.log10(value))
    return max(m * power for m in (1, 2, 5) if m * power <= value * 1.001)


def has_flat(lanes: Sequence[Lane], by_cells: bool) -> bool:
    """Whether a dose in cells (flat, not per kg) is drawn on a per-kg size scale."""
    return not by_cells and any(
        d.dose is not None and d.cells_per_kg is None for lane in lanes for d in lane.doses
    )


def draw_key(ax: Any, c: Canvas, width_pt: float) -> None:
    """The key above the timeline: a row of reference doses (the size scale), and above it
    the symbols the figure uses, in as many columns as fit the width."""
    from matplotlib.transforms import ScaledTranslation

    lanes = c.timeline.lanes
    size_handles, size_labels = _size_key(lanes, c.by_cells, c)
    handles, labels = _key(lanes, c.by_cells, reduced(c.full))
    common = {
        "frameon": False,
        "fontsize": FONT_LABEL,
        "handlelength": 1.6,
        "handletextpad": 0.5,
        "columnspacing": 1.2,
        "borderaxespad": 0.3,
        "borderpad": 0.1,
    }
    size_columns = _columns(size_labels, width_pt, 2.8)
    size_key = ax.legend(
        size_handles,
        size_labels,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncol=size_columns,
        **common | {"columnspacing": 0.8},
    )
    size_key.set_gid("size-key")
    if not handles:
        return
    ax.add_artist(size_key)  # a second legend replaces the first unless added
    figure = ax.get_figure(root=True)
    size_rows = math.ceil(len(size_labels) / size_columns)
    lift = ScaledTranslation(0, size_rows * ROW_EM * FONT_LABEL / 72, figure.dpi_scale_trans)
    key = ax.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        bbox_transform=ax.transAxes + lift,
        ncol=_columns(labels, width_pt),
        **common,
    )
    key.set_gid("symbol-key")


def key_rows(lanes: Sequence[Lane], width_pt: float, small: bool = False) -> int:
    """How many rows the key takes at this width: the size row and the symbols' rows
    (``small``: the marker scale is reduced, said in the size row)."""
    by_cells, _ = marker_basis(lanes)
    _, labels = _key(lanes, by_cells, small)
    sizes = _size_labels(lanes, by_cells)
    rows = math.ceil(len(sizes) / _columns(sizes, width_pt, 2.8))
    return rows + (math.ceil(len(labels) / _columns(labels, width_pt)) if labels else 0)


def _size_labels(lanes: Sequence[Lane], by_cells: bool) -> list[str]:
    unit = "cells" if by_cells else "cells/kg"
    return [f"area ∝ {unit}:"] + [format_sig(ref) for ref in size_refs(lanes, by_cells)]


def _size_key(lanes: Sequence[Lane], by_cells: bool, c: Canvas) -> tuple[list[Any], list[str]]:
    """The size scale: ``area ∝ cells/kg:`` and two or three reference doses,
    each drawn at the size it has on the lanes."""
    from matplotlib.lines import Line2D

    handles: list[Any] = [Line2D([], [], linestyle="none")]
    for ref in size_refs(lanes, by_cells):
        size = max(c.floor, c.full * math.sqrt(ref / c.biggest)) if c.biggest else 4.5
        handles.append(_dose_marker("0.45", "0.15", 0.4, size=size))
    return handles, _size_labels(lanes, by_cells)


def _key(lanes: Sequence[Lane], by_cells: bool, small: bool) -> tuple[list[Any], list[str]]:
    """The symbol key: only the symbols the figure uses; ``small``: the marker scale is
    reduced so that successive doses do not touch, which the key says (beside the size row's
    reference doses, drawn at that reduced scale)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    labels: list[str] = []
    if has_flat(lanes, by_cells):
        handles.append(_dose_marker("0.45", "0.15", 0.4, marker=FLAT_MARKER))
        labels.append("flat dose (cells): not to scale")
    if any(d.dose is not None and d.low_fraction < 1 for lane in lanes for d in lane.doses):
        handles.append(_range_marker())
        labels.append("range: outer upper, inner lower")
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
        labels.append("conditional dose (branch)")
    if any(lane.assessment is not None for lane in lanes):
        handles.append(
            Patch(facecolor="0.6", alpha=0.25, hatch="....", edgecolor="0.35", linewidth=0.6)
        )
        labels.append("assessment (decision)")
    if any(lane.is_range for lane in lanes):
        handles.append(Patch(facecolor="0.5", alpha=0.18, linewidth=0))
        interval = any(
            "every" in (schedule.label or "") for lane in lanes for schedule in lane.schedules
        )  # an interval range (every 3 to 6 months): its max row is the earliest schedule
        labels.append("interval range (max–min)" if interval else "frequency range (max–min)")
    if small:
        handles.append(_dose_marker("0.45", "0.15", 0.4, size=2.5))
        labels.append("markers reduced to fit")  # so that successive doses never touch
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


def _dose_marker(
    face: str, edge: str, edge_width: float, *, size: float = 4.5, marker: str = "o"
) -> Any:
    """The key's symbol of a dose: a circle (a square: a flat dose), filled or hollow, of
    ``size`` points across (as on the lanes)."""
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        marker=marker,
        linestyle="none",
        markerfacecolor=face,
        markeredgecolor=edge,
        markersize=size,
        markeredgewidth=edge_width,
    )


def _range_marker() -> Any:
    """The key's symbol of a dose range: a light circle (upper bound) around a dark one."""
    outer = _dose_marker(RANGE_FACE, "0.3", 0.6, size=6.0)
    inner = _dose_marker("0.3", "0.3", 0.0, size=3.5)
    return (outer, inner)  # a legend draws a tuple's handles on top of each other


def _columns(labels: Sequence[str], width_pt: float, handle_em: float = 3.4) -> int:
    """As many legend columns as fit the width."""
    widths = [(len(label) * char_em() + handle_em) * FONT_LABEL for label in labels]
    for ncol in range(len(labels), 0, -1):
        rows = [widths[i::ncol] for i in range(ncol)]
        if sum(max(col) for col in rows if col) <= width_pt:
            return ncol
    return 1
