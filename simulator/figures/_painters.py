"""The painters of a lane: titles, the band of a frequency range, response windows, the
follow-up, and the doses (a marker per dose, its area proportional to the dose)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celldose.simulator.figures._break import draw_lane_break
from celldose.simulator.figures._decision import draw_decision
from celldose.simulator.figures._lane_style import (
    FLAT_MARKER,
    FONT_HEADER,
    FONT_LABEL,
    FONT_RANGE,
    FONT_SMALL,
    FONT_TITLE,
    GREY,
    LINE,
    MARKER_PT,
    RANGE_ALPHA,
    ROW_GAP_PT,
    LaneStyle,
    char_em,
    lane_styles,
)
from celldose.simulator.figures._layout import LaneBox, range_label
from celldose.simulator.scenarios import Lane, LaneDose, LaneWindow

if TYPE_CHECKING:
    from celldose.simulator.figures._axis import XAxis
    from celldose.simulator.figures._draw import Timeline


MARKER_GAP_PT = 2.0  # between two markers of a row: their edges (up to 1 pt) and 1 pt of white
MIN_DOSE_PT = 2.0  # the smallest marker drawn, where the doses are far enough apart


@dataclass(frozen=True)
class Canvas:
    """What every part of a lane is drawn with."""

    ax: Any
    timeline: Timeline
    X: Callable[[float], float]  # days from the first dose -> x
    left: Any  # transform: x in axes fraction, y in data
    pt_per_day: float  # points per warped day (see XAxis.warp): the same over the whole axis
    hi_day: float
    by_cells: bool  # marker areas follow cells for the patient (else cells/kg)
    biggest: float | None  # the largest dose, in those units
    full: float  # diameter (pt) of the largest dose's marker
    floor: float  # diameter (pt) of the smallest marker drawn
    styles: tuple[LaneStyle, ...]  # of each lane

    def pts(self, from_day: float, to_day: float) -> float:
        """The drawn distance in points from one day to another (any scale)."""
        axis = self.timeline.axis
        return (axis.warp(to_day) - axis.warp(from_day)) * self.pt_per_day

    def shifted(self, day: float, pt: float) -> float:
        """The x coordinate ``pt`` points right of ``day`` (left when negative)."""
        axis = self.timeline.axis
        return axis.from_warped(axis.warp(day) + pt / self.pt_per_day)


def canvas(timeline: Timeline, width_pt: float) -> Canvas:
    """The canvas of ``timeline`` on axes ``width_pt`` points wide: one marker scale for every
    lane, so that marker areas compare across lanes."""
    from matplotlib.transforms import blended_transform_factory

    ax, lanes = timeline.ax, timeline.lanes
    lo_day, hi_day = timeline.xlim_days
    warp = timeline.axis.warp
    pt_per_day = width_pt / (warp(hi_day) - warp(lo_day))
    by_cells, biggest = marker_basis(lanes)
    full, floor = marker_sizes(lanes, timeline.axis, timeline.xlim_days, width_pt)
    return Canvas(
        ax=ax,
        timeline=timeline,
        X=timeline.axis.to_x,
        left=blended_transform_factory(ax.transAxes, ax.transData),
        pt_per_day=pt_per_day,
        hi_day=hi_day,
        by_cells=by_cells,
        biggest=biggest,
        full=full,
        floor=floor,
        styles=lane_styles(lanes),
    )


def paint_lane(c: Canvas, box: LaneBox) -> None:
    """Every part of one lane, back to front: titles, range band, windows, follow-up, doses."""
    style = c.styles[box.index]
    _draw_titles(c, box)
    _draw_range_band(c, box, style)
    _draw_windows(c, box, style)
    _draw_follow_up(c, box)
    _draw_doses(c, box, style)
    draw_decision(c, box, style)
    draw_lane_break(c, box)


# behind a lane's titles and notes: the axis break's dashed line and the grid run under the
# text, not through its letters
_BACKING = {"facecolor": "white", "edgecolor": "none", "boxstyle": "square,pad=0.05"}


def _text(c: Canvas, x: float, y: float, text: str, size: float, **style: Any) -> Any:
    """A text whose top is at data ``y`` (the y axis runs downwards), on a white backing."""
    style = {"va": "top", "ha": "left", "linespacing": LINE, "bbox": _BACKING} | style
    return c.ax.text(x, y, text, fontsize=size, **style)


def _draw_titles(c: Canvas, box: LaneBox) -> None:
    if box.header:
        header = "\n".join(box.header)
        _text(c, 0, box.header_top + 2, header, FONT_HEADER, transform=c.left)
    title = _text(c, 0, box.title_top, "\n".join(box.title), FONT_TITLE, transform=c.left)
    title.set_gid(f"title-{box.lane.key}")
    c.timeline.titles[box.lane.key] = title


def _draw_range_band(c: Canvas, box: LaneBox, style: LaneStyle) -> None:
    """A frequency range: a band from day 0 between the max row's and the min row's ends."""
    if not box.lane.is_range:
        return
    from matplotlib.patches import Polygon

    top, bottom = box.rows
    low, high = (c.X(s.last_day) for s in box.lane.schedules)  # min, max schedule
    band = Polygon(
        [(c.X(0), top), (high, top), (low, bottom), (c.X(0), bottom)],
        closed=True,
        facecolor=style.colour,
        alpha=0.18,
        linewidth=0,
        zorder=1.5,
    )
    band.set_gid(f"range-{box.lane.key}")
    c.ax.add_patch(band)


def _draw_windows(c: Canvas, box: LaneBox, style: LaneStyle) -> None:
    """Shaded windows (hatched, dashed edge where an end is not reported) and their labels;
    a window with neither end reported is only a note."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    lane = box.lane
    top = box.rows[0] - MARKER_PT / 2 - 1.5
    height = box.rows[-1] + MARKER_PT / 2 + 1.5 - top
    label_y = box.labels_top
    for k, (w, lines) in enumerate(zip(lane.windows, box.labels, strict=True), 1):
        gid = f"window-{lane.key}-{k}"
        text = "\n".join(lines)
        if w.known == "neither":
            note = _text(c, 0, label_y, text, FONT_LABEL, transform=c.left, color=GREY)
            note.set_gid(f"{gid}-note")
            c.timeline.window_notes[gid] = note
            label_y += len(lines) * FONT_LABEL * LINE
            continue
        x0_day, x1_day = _window_days(w, lane, c.hi_day)
        x0, x1 = c.X(x0_day), c.X(x1_day)
        alpha = 0.16 if w.known == "both" else 0.08
        rect = Rectangle(
            (x0, top), x1 - x0, height, facecolor=style.colour, alpha=alpha, lw=0, zorder=1
        )
        rect.set_gid(gid)
        c.ax.add_patch(rect)
        c.timeline.windows[gid] = rect
        if w.known != "both":
            hatch = Rectangle(
                (x0, top),
                x1 - x0,
                height,
                fill=False,
                hatch="//////",
                edgecolor=style.colour,
                alpha=0.45,
                linewidth=0,
                zorder=1.1,
            )
            hatch.set_gid(f"{gid}-hatch")
            c.ax.add_patch(hatch)
        for x_edge, known in ((x0, w.known != "end"), (x1, w.known != "start")):
            edge = Line2D(
                [x_edge, x_edge],
                [top, top + height],
                color=style.colour,
                linewidth=0.8,
                linestyle="-" if known else (0, (2, 1.5)),
                zorder=1.2,
            )
            c.ax.add_line(edge)
        # the label starts at the window; when it would run off the plot, it ends at the edge
        needed = max(len(line) for line in lines) * FONT_LABEL * char_em()
        fits = needed <= c.pts(x0_day, c.hi_day)
        label = _text(
            c,
            x0 if fits else c.X(c.hi_day),
            label_y,
            text,
            FONT_LABEL,
            color="0.1",
            ha="left" if fits else "right",
        )
        label.set_gid(f"{gid}-label")
        c.timeline.window_labels[gid] = label
        label_y += len(lines) * FONT_LABEL * LINE


def _draw_follow_up(c: Canvas, box: LaneBox) -> None:
    """A dotted line from the last dose to the reported end of the follow-up."""
    from matplotlib.lines import Line2D

    lane = box.lane
    if lane.follow_up_day is None or lane.follow_up_day <= lane.last_day:
        return
    row = box.rows[-1]
    follow = Line2D(
        [c.X(lane.last_day), c.X(lane.follow_up_day)],
        [row, row],
        color=GREY,
        linewidth=0.7,
        linestyle=(0, (1, 1.5)),
        marker="|",
        markevery=[1],
        markersize=6,
        markeredgewidth=0.8,
        zorder=2,
    )
    follow.set_gid(f"follow-up-{lane.key}")
    c.ax.add_line(follow)
    c.timeline.follow_ups[lane.key] = follow


def _draw_doses(c: Canvas, box: LaneBox, style: LaneStyle) -> None:
    """Each phase's course as a line, and a marker per dose (hollow: dose not reported)."""
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D

    lane = box.lane
    for schedule, row in zip(_schedules_top_down(lane), box.rows, strict=True):
        for phase in sorted({d.phase for d in schedule.doses}):
            days = [d.day for d in schedule.doses if d.phase == phase]
            course = Line2D(
                [c.X(days[0]), c.X(days[-1])],
                [row, row],
                color=style.colour,
                linewidth=1.0,
                solid_capstyle="butt",
                zorder=2,
            )
            c.ax.add_line(course)
            if box.phase_labels:
                _text(c, c.X(days[0]), row + MARKER_PT / 2 + 1, f"P{phase}", FONT_SMALL, color=GREY)
        flat = not c.by_cells and any(
            d.dose is not None and d.cells_per_kg is None for d in schedule.doses
        )  # a dose in cells on a per-kg scale: squares, not to the scale (the key says so)
        sizes, faces, edges, widths, lows = [], [], [], [], []
        for d in schedule.doses:
            amount = d.cells if c.by_cells else d.cells_per_kg
            diameter = 0.8 * c.full  # a dose not reported, or not comparable
            if d.dose is not None and amount is not None and c.biggest:
                diameter = max(c.floor, c.full * math.sqrt(amount / c.biggest))
            unknown = d.dose is None
            ranged = not unknown and d.low_fraction < 1
            faces.append(
                "white"
                if unknown
                else to_rgba(style.colour, RANGE_ALPHA)
                if ranged
                else style.colour
            )
            edges.append(style.colour if unknown or ranged else "0.15")
            widths.append(1.0 if unknown else 0.8 if ranged else 0.4)
            sizes.append(diameter**2)
            lows.append(max(1.5, diameter * math.sqrt(d.low_fraction)) ** 2 if ranged else 0.0)
        xs = [c.X(d.day) for d in schedule.doses]
        markers = c.ax.scatter(
            xs,
            [row] * len(xs),
            s=sizes,
            # circles in every lane, so that marker area is comparable across lanes (a star
            # of the same size looks smaller); lanes differ by row, title and colour, and the
            # cumulative panel keeps a shape per lane for greyscale reading
            marker=FLAT_MARKER if flat else "o",
            facecolors=faces,
            edgecolors=edges,
            linewidths=widths,
            zorder=3,
            clip_on=False,
        )
        gid = f"doses-{lane.key}" + (f"-{schedule.which}" if schedule.which is not None else "")
        markers.set_gid(gid)
        c.timeline.doses[gid] = markers
        if any(lows):  # a dose range: its lower bound, a full circle inside the upper bound's
            ranged = [i for i, low in enumerate(lows) if low]
            inner = c.ax.scatter(
                [xs[i] for i in ranged],
                [row] * len(ranged),
                s=[lows[i] for i in ranged],
                marker=FLAT_MARKER if flat else "o",
                facecolors=style.colour,
                edgecolors="none",
                linewidths=0,
                zorder=3.1,
                clip_on=False,
            )
            inner.set_gid(f"{gid}-low")
            c.timeline.doses[f"{gid}-low"] = inner
        if schedule.label is not None:
            _text(
                c,
                _range_label_x(c, lane, schedule),
                row,
                range_label(schedule),
                FONT_RANGE,
                color=GREY,
                va="center",
            )


def _range_label_x(c: Canvas, lane: Lane, schedule: Any) -> float:
    """Where a frequency range's row label starts: just after the row's last dose, or, when the
    other row runs on longer, after the band's slanted edge at the label's near side (its text
    reaches about 5 pt towards the other row, 11 pt away), so that the text stays off it."""
    start = 0.9 * MARKER_PT
    others = [s.last_day for s in lane.schedules if s is not schedule]
    if lane.is_range and others and max(others) > schedule.last_day:
        edge = 5 / ROW_GAP_PT * c.pts(schedule.last_day, max(others))
        start = max(start, edge + 2)
    return c.shifted(schedule.last_day, start)


def _schedules_top_down(lane: Lane) -> list[Any]:
    """The max schedule on the upper row, then the min schedule."""
    return list(reversed(lane.schedules)) if lane.is_range else list(lane.schedules)


def _window_days(w: LaneWindow, lane: Lane, hi_day: float) -> tuple[float, float]:
    """The x extent of a window in days; an unreported end runs to the follow-up (or edge)."""
    if w.known == "both":
        assert w.start_day is not None and w.end_day is not None
        return float(w.start_day), float(w.end_day)
    if w.known == "start":
        assert w.start_day is not None
        follow = lane.follow_up_day
        end = follow if follow is not None and follow > w.start_day else hi_day
        return float(w.start_day), float(end)
    assert w.end_day is not None
    begin = w.anchor_day if w.anchor_day is not None else 0
    return float(min(begin, w.end_day)), float(w.end_day)


def marker_sizes(
    lanes: Sequence[Lane], axis: XAxis, xlim_days: tuple[float, float], width_pt: float
) -> tuple[float, float]:
    """The diameters (pt) of the biggest dose's marker and of the smallest marker drawn, on
    axes ``width_pt`` wide over ``xlim_days`` (see :func:`_marker_scale`)."""
    warp = axis.warp
    pt_per_day = width_pt / (warp(xlim_days[1]) - warp(xlim_days[0]))
    by_cells, biggest = marker_basis(lanes)
    return _marker_scale(lanes, by_cells, biggest, lambda a, b: (warp(b) - warp(a)) * pt_per_day)


def reduced(full: float) -> bool:
    """Whether the marker scale is smaller than usual, to keep successive doses apart."""
    return full < MARKER_PT - 0.05


def _marker_scale(
    lanes: Sequence[Lane],
    by_cells: bool,
    biggest: float | None,
    pts: Callable[[float, float], float],
) -> tuple[float, float]:
    """The diameter (pt) of the biggest dose's marker and of the smallest marker drawn: one
    scale for every lane, so that areas compare across lanes, and small enough that no two
    successive markers of a row touch (at least :data:`MARKER_GAP_PT` of white between them)."""
    pairs = []  # (gap in pt, relative diameters of the two doses)
    for lane in lanes:
        rows = [s.doses for s in lane.schedules] + [b.doses for b in lane.branches]
        for doses in rows:
            for a, b in zip(doses, doses[1:], strict=False):
                shares = (_share(a, by_cells, biggest), _share(b, by_cells, biggest))
                pairs.append((pts(a.day, b.day), *shares))
    smallest = min((gap for gap, _, _ in pairs), default=math.inf)
    floor = min(MIN_DOSE_PT, max(smallest - MARKER_GAP_PT, 0.5))

    def largest(floor: float) -> float:
        full = MARKER_PT
        for gap, sa, sb in pairs:
            full = min(full, _largest(gap - MARKER_GAP_PT, min(sa, sb), max(sa, sb), floor))
        return max(full, floor)

    full = largest(floor)
    if full < 2 * floor:  # so small that the floor would erase the sizes: a lower floor
        floor = max(full / 2, 0.5)
        full = largest(floor)
    return full, floor


def _share(dose: LaneDose, by_cells: bool, biggest: float | None) -> float:
    """A dose's marker diameter as a share of the biggest dose's (0.8: not known)."""
    amount = dose.cells if by_cells else dose.cells_per_kg
    if dose.dose is None or amount is None or not biggest:
        return 0.8
    return math.sqrt(amount / biggest)


def _largest(room: float, small: float, big: float, floor: float) -> float:
    """The largest full diameter F with max(floor, F·small)/2 + max(floor, F·big)/2 ≤ room."""
    both = 2 * room / (small + big)  # neither marker at the floor
    if both * small >= floor:
        return both
    return (2 * room - floor) / big  # the small one at the floor


def marker_basis(lanes: Sequence[Lane]) -> tuple[bool, float | None]:
    """Marker areas follow cells for the patient when every lane has them, else cells/kg;
    returns that choice and the largest dose in those units."""
    by_cells = all(lane.patient is not None for lane in lanes) and all(
        d.cells is not None for lane in lanes for d in lane.doses if d.dose is not None
    )
    amounts = [d.cells if by_cells else d.cells_per_kg for lane in lanes for d in lane.doses]
    return by_cells, max((a for a in amounts if a is not None), default=None)
