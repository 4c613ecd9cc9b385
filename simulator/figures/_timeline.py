"""Timelines of published protocols, for papers: on your own Axes, or as a whole figure.

:func:`draw_timeline` draws one lane per protocol arm on a matplotlib ``Axes`` you own (and,
optionally, the cumulative dose per kg on a second one); :func:`plot_timeline` builds a figure
at a journal size and saves it as PNG, SVG or PDF, chosen by the file extension.

What a lane shows:

- a marker per dose; its area is proportional to the dose (cells/kg, or cells for the patient
  when every lane has a weight); a **hollow** marker is a dose the source does not report;
- the course as a line from first to last dose of each phase (phases ``P1``, ``P2`` labelled);
- the reported response windows, shaded, with their label and responders k/n (95% Wilson CI).
  A window with one reported end is hatched, with a dashed edge where the end is not
  reported; it runs to the reported follow-up (or to the edge of the plot). A window with
  neither end reported is not drawn: a note under the lane says so;
- the follow-up, from the last dose to its reported end (dotted, ending in a tick), or
  "follow-up not reported" in the lane's title;
- a frequency range (once or twice weekly) as two rows, max and min schedule, with a band
  between them.

x axis: days, weeks or months from the first dose (every lane aligned at its first dose), or
calendar dates with a start date. On a months axis one unit is 30.4375 days; the ticks fall on
calendar months when months are involved (from the start date, or from the reference date
below). Without a start date, calendar-month doses are placed as if the first dose were on
1 January 2001 (:data:`~celldose.simulator.scenarios._comparison.REFERENCE_START`): the axis
label and the figure notes say so.

matplotlib is imported here only; nothing else in celldose needs it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Unpack

from celldose.protocols._calendar import add_months
from celldose.protocols._display import format_sig, superscript
from celldose.protocols._errors import OptionError
from celldose.protocols._protocol import Protocol
from celldose.simulator.figures._style import (
    MARKERS,
    OKABE_ITO,
    SIZES_MM,
    figure_size,
    paper_rc,
    save_figure,
)
from celldose.simulator.scenarios._comparison import (
    DAYS_PER_MONTH,
    REFERENCE_START,
    Lane,
    LaneOptions,
    LaneSchedule,
    LaneWindow,
    build_lanes,
    comparison_notes,
    responders_text,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

XUnit = Literal["days", "weeks", "months", "dates"]
X_UNITS: tuple[XUnit, ...] = ("days", "weeks", "months", "dates")
Source = Lane | Protocol | str

# Type sizes (pt) and the vertical layout of a lane (pt); data units on the y axis are points.
FONT_HEADER = 7.0
FONT_TITLE = 6.5
FONT_LABEL = 6.0
FONT_NOTE = 5.8
LINE = 1.25  # line height, in font sizes
CHAR_EM = 0.56  # mean glyph width of DejaVu Sans in em, used to wrap text to the axes width
MARKER_PT = 7.0  # diameter of the largest dose marker
ROW_GAP_PT = 11.0  # between the max and min rows of a frequency range
FONT_RANGE = 5.5
BOLD = 1.12  # bold glyphs are about this much wider
HANDLE_EM = 4.4  # legend handle, its padding and the column spacing, in em
GREY = "0.35"


@dataclass(frozen=True)
class XAxis:
    """Maps days from the first dose to x coordinates, and labels the axis."""

    unit: XUnit
    start: dt.date | None = None
    reference: bool = False  # calendar months placed from REFERENCE_START

    @property
    def origin(self) -> dt.date:
        return self.start if self.start is not None else REFERENCE_START

    @property
    def calendar_ticks(self) -> bool:
        return self.unit == "months" and (self.start is not None or self.reference)

    def to_x(self, day: float) -> float:
        if self.unit == "weeks":
            return day / 7
        if self.unit == "months":
            return day / DAYS_PER_MONTH
        if self.unit == "dates":
            from matplotlib import dates as mdates

            origin = mdates.date2num(self.origin)  # type: ignore[no-untyped-call]
            return float(origin) + day
        return float(day)

    def label(self) -> str:
        if self.unit == "dates":
            return f"date (first dose {self.origin.isoformat()})"
        text = f"{self.unit} from first dose"
        if self.reference:
            text += f" (months placed from {_day_text(REFERENCE_START)})"
        elif self.unit == "months" and self.start is None:
            text += " (1 month = 30.4375 days)"
        return text

    def ticks(self, hi_day: float) -> list[tuple[float, str]]:
        """Tick positions and labels from day 0 to ``hi_day`` (not used for dates)."""
        if self.unit == "months" and self.calendar_ticks:
            months = hi_day / DAYS_PER_MONTH
            step = _step(months, (1, 2, 3, 6, 12, 24, 60))
            out: list[tuple[float, str]] = []
            k = 0
            while True:
                day = (add_months(self.origin, k) - self.origin).days
                if day > hi_day:
                    return out
                out.append((day / DAYS_PER_MONTH, str(k)))
                k += step
        scale = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH}[self.unit]
        steps = {
            "days": (1, 2, 7, 14, 28, 56, 91, 182, 364, 728),
            "weeks": (1, 2, 4, 8, 13, 26, 52, 104, 260),
            "months": (1, 2, 3, 6, 12, 24, 60),
        }[self.unit]
        span = hi_day / scale
        step = _step(span, steps)
        count = int(span // step)
        return [(float(k * step), str(k * step)) for k in range(count + 1)]


def _step(span: float, steps: Sequence[int], most: int = 8) -> int:
    for step in steps:
        if span / step <= most:
            return step
    return steps[-1] * math.ceil(span / (steps[-1] * most))


def _day_text(date: dt.date) -> str:
    return f"{date.day} {date.strftime('%b')} {date.year}"


@dataclass(frozen=True)
class LaneStyle:
    colour: str
    marker: str
    linestyle: Any


_LINESTYLES: tuple[Any, ...] = ("-", (0, (4, 1.5)), (0, (1, 1.2)), (0, (5, 1.5, 1, 1.5)))


# Okabe–Ito with its yellow last: yellow is weak on white, so only an eighth lane gets it.
_COLOURS = tuple(c for c in OKABE_ITO if c != "#F0E442") + ("#F0E442",)


def lane_style(index: int) -> LaneStyle:
    """Colour (Okabe–Ito), marker shape and line style of the lane at ``index``."""
    return LaneStyle(
        _COLOURS[index % len(_COLOURS)],
        MARKERS[index % len(MARKERS)],
        _LINESTYLES[index % len(_LINESTYLES)],
    )


@dataclass
class Timeline:
    """What :func:`draw_timeline` drew, for tests and for further styling.

    Artists are keyed by their gid, which is also the element id in an SVG file:
    ``doses-<protocol>.<arm>`` (``-min``/``-max`` for a frequency range),
    ``window-<protocol>.<arm>-<k>``, ``follow-up-<protocol>.<arm>``,
    ``cumulative-<protocol>.<arm>``.
    """

    lanes: tuple[Lane, ...]
    axis: XAxis
    ax: Any
    cumulative_ax: Any = None
    xlim_days: tuple[float, float] = (0.0, 0.0)
    height_pt: float = 0.0  # the timeline's natural height: give the axes about this much
    doses: dict[str, Any] = field(default_factory=dict)
    windows: dict[str, Any] = field(default_factory=dict)
    window_labels: dict[str, Any] = field(default_factory=dict)
    window_notes: dict[str, Any] = field(default_factory=dict)
    follow_ups: dict[str, Any] = field(default_factory=dict)
    titles: dict[str, Any] = field(default_factory=dict)
    cumulative: dict[str, Any] = field(default_factory=dict)
    cumulative_handles: list[Any] = field(default_factory=list)
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def texts(self) -> list[str]:
        """Every text drawn on the timeline axes (titles, labels, notes)."""
        return [t.get_text() for t in self.ax.texts]


# -- lanes from the caller's source ------------------------------------------------------------
def resolve_lanes(
    source: Source | Sequence[Source], **options: Unpack[LaneOptions]
) -> tuple[Lane, ...]:
    """Lanes from library ids, files, Protocols, or ready-made Lanes (passed through)."""
    items: list[Source] = [source] if isinstance(source, Lane | Protocol | str) else list(source)
    ready = [i for i in items if isinstance(i, Lane)]
    if ready:
        if len(ready) != len(items):
            raise OptionError(
                "give protocols or lanes, not a mix", "build every lane with build_lanes"
            )
        if any(v is not None for v in options.values()):
            raise OptionError(
                "lanes are already built: arms, weight, dose, count, interval and start apply "
                "to protocols",
                "pass the protocols instead, or build the lanes with those options",
            )
        starts = {lane.start for lane in ready}
        if len(starts) > 1:
            raise OptionError("the lanes have different start dates", "build them with one")
        return tuple(ready)
    protocols: list[Protocol | str] = [i for i in items if not isinstance(i, Lane)]
    return build_lanes(protocols, **options)


def _x_axis(lanes: Sequence[Lane], x: str | None) -> XAxis:
    start = lanes[0].start
    unit: XUnit = "dates" if start is not None else "weeks"
    if x is not None:
        if x not in X_UNITS:
            raise OptionError(f"x axis {x!r} is not known", "use days, weeks, months or dates")
        unit = X_UNITS[X_UNITS.index(x)]
    if unit == "dates" and start is None:
        raise OptionError("a date axis needs the date of the first dose", "give --start")
    reference = start is None and any(lane.uses_reference for lane in lanes)
    return XAxis(unit, start, reference)


# -- layout ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _LaneBox:
    lane: Lane
    index: int
    header: tuple[str, ...]  # a group header above the lane (first arm of a multi-arm protocol)
    header_top: float
    title: tuple[str, ...]
    title_top: float
    rows: tuple[float, ...]  # y of each marker row (max schedule first for a range)
    phase_labels: bool
    labels_top: float
    labels: tuple[tuple[str, ...], ...]  # wrapped text of each window label or note
    bottom: float


_NBSP = "\u00a0"
_KEEP_TOGETHER = re.compile(
    r" (?=(?:cells|×\d|\d+%\)|days?\b|weeks?\b|months?\b|years?\b|kg\b|reported\b))"
)


def _wrap(text: str, width_pt: float, size: float) -> tuple[str, ...]:
    """Wrap to the width (estimated from the mean glyph width), never between a number and its
    unit (``2×10⁶ cells/kg``, ``q4w ×8``, ``28 weeks``) nor inside ``not reported``."""
    chars = max(16, int(width_pt / (size * CHAR_EM)))
    protected = _KEEP_TOGETHER.sub(_NBSP, text)
    lines = textwrap.wrap(protected, chars, break_on_hyphens=False) or [""]
    return tuple(line.replace(_NBSP, " ") for line in lines)


def _extras(lane: Lane, mixed: bool) -> str:
    """`` (dog, n=1)``: the species when the lanes mix species, and the arm's size."""
    words = ([lane.species] if mixed else []) + ([f"n={lane.n}"] if lane.n is not None else [])
    return f" ({', '.join(words)})" if words else ""


def _dose_text(lane: Lane) -> str:
    text = lane.regimen
    patient = lane.patient
    cells = list(dict.fromkeys(d.cells for d in lane.doses))
    if patient is not None and None not in cells:
        each = " then ".join(format_sig(c) for c in cells if c is not None)
        text += f" = {each} cells/dose for {patient.weight.text}"
    if lane.dose_replaced:
        text += " (dose given, replacing the published one)"
    if lane.given:
        text += f" ({' and '.join(lane.given)} not reported by the source: given here)"
    return text


def _window_text(w: LaneWindow) -> str:
    """``Response: 3/6 (50%; 95% CI 19–81%)``, with what is not reported said in words."""
    r = w.responders
    if r is not None:
        ci = responders_text(r, fraction=False)
        who = f" ({ci})" if f"{r.k}/{r.n}" in w.label else f": {r.k}/{r.n} ({ci})"
    elif w.window.responders is not None:
        who = ": responders not reported"
    else:
        who = ""
    if w.known == "neither":
        why = f"; {w.note}" if w.note else ""
        return f"{w.label}{who} — time not reported{why} (not drawn)"
    if w.known == "start":
        return f"{w.label}{who}; end not reported"
    if w.known == "end":
        return f"{w.label}{who}; start not reported"
    return f"{w.label}{who}"


def _layout(lanes: Sequence[Lane], width_pt: float) -> tuple[list[_LaneBox], float]:
    mixed = len({lane.species for lane in lanes}) > 1
    boxes: list[_LaneBox] = []
    y = 0.0
    index = 0
    while index < len(lanes):
        group = [lanes[index]]
        while (
            index + len(group) < len(lanes)
            and lanes[index + len(group)].protocol_id == lanes[index].protocol_id
        ):
            group.append(lanes[index + len(group)])
        for k, lane in enumerate(group):
            header: tuple[str, ...] = ()
            header_top = y
            if len(group) > 1:
                if k == 0:
                    words = lane.protocol_id + (f" ({lane.species})" if mixed else "")
                    follow = lane.follow_up_text()
                    text = f"{words}: {follow}" if follow else words
                    header = _wrap(text, width_pt, FONT_HEADER * BOLD)
                    y += 2 + len(header) * FONT_HEADER * LINE
                title_text = f"{lane.arm}{_extras(lane, False)}: {_dose_text(lane)}"
            else:
                title_text = f"{lane.protocol_id}{_extras(lane, mixed)}: {_dose_text(lane)}"
                if lane.follow_up_text():
                    title_text += f"; {lane.follow_up_text()}"
            title = _wrap(title_text, width_pt, FONT_TITLE)
            title_top = y + 2
            y = title_top + len(title) * FONT_TITLE * LINE + 1.5
            first_row = y + MARKER_PT / 2 + 1.5
            rows = (first_row, first_row + ROW_GAP_PT) if lane.is_range else (first_row,)
            phases = len({d.phase for d in lane.doses}) > 1
            labels_top = rows[-1] + MARKER_PT / 2 + 3 + (FONT_LABEL * LINE if phases else 0)
            labels = tuple(_wrap(_window_text(w), width_pt, FONT_LABEL) for w in lane.windows)
            lines = sum(len(label) for label in labels)
            bottom = labels_top + lines * FONT_LABEL * LINE + 4
            boxes.append(
                _LaneBox(
                    lane,
                    index + k,
                    header,
                    header_top,
                    title,
                    title_top,
                    rows,
                    phases,
                    labels_top,
                    labels,
                    bottom,
                )
            )
            y = bottom
        index += len(group)
        y += 3  # between protocols
    return boxes, y


# -- drawing -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Canvas:
    """What every part of a lane is drawn with."""

    ax: Any
    timeline: Timeline
    X: Callable[[float], float]  # days from the first dose -> x
    left: Any  # transform: x in axes fraction, y in data
    pt_per_day: float
    hi_day: float
    by_cells: bool  # marker areas follow cells for the patient (else cells/kg)
    biggest: float | None  # the largest dose, in those units
    full: float  # diameter (pt) of the largest dose's marker


def draw_timeline(
    ax: Axes,
    source: Source | Sequence[Source],
    *,
    x: str | None = None,
    cumulative_ax: Axes | None = None,
    legend: bool = True,
    **options: Unpack[LaneOptions],
) -> Timeline:
    """Draw the timeline of ``source`` on ``ax`` (and the cumulative dose on ``cumulative_ax``).

    ``source`` is a library id, a protocol file, a :class:`Protocol`, or a sequence of them
    (or lanes from ``build_lanes``). ``x`` is ``days``, ``weeks``, ``months`` or ``dates``
    (default: dates with a start date, else weeks).

    The other keywords build the lanes, as in
    :func:`~celldose.simulator.scenarios._comparison.build_lanes`: ``arms`` (``"expansion-2.0"`` or
    ``"chen2024-itp-ucmsc:expansion-2.0"``), ``weight`` (``"70kg"``: doses in cells for that
    patient), ``height``, ``dose``, ``count`` and ``interval`` (values the source does not
    report; one value for every protocol that needs it, or a mapping from protocol id to
    value), and ``start`` (the date of the first dose).

    The y axis of ``ax`` is in points of the intended layout: give the axes about
    ``Timeline.height_pt`` points of height for the labels to sit as designed. Returns a
    :class:`Timeline` with the drawn artists and the notes a caption should carry.

    >>> import matplotlib.figure
    >>> fig = matplotlib.figure.Figure(figsize=(7, 3))
    >>> timeline = draw_timeline(fig.add_subplot(), "qi2017-sjogren-thrombocytopenia")
    >>> len(timeline.doses["doses-qi2017-sjogren-thrombocytopenia.msc"].get_offsets())
    4
    """
    from matplotlib import dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    lanes = resolve_lanes(source, **options)
    axis = _x_axis(lanes, x)
    figure = ax.get_figure(root=True)
    assert figure is not None
    width_pt = ax.get_position().width * figure.get_figwidth() * 72
    boxes, total = _layout(lanes, width_pt)
    lo_day, hi_day = _x_range(lanes, width_pt)
    timeline = Timeline(lanes, axis, ax, cumulative_ax, (lo_day, hi_day), total)
    pt_per_day = width_pt / (hi_day - lo_day)
    by_cells, biggest = _marker_basis(lanes)
    canvas = _Canvas(
        ax=ax,
        timeline=timeline,
        X=axis.to_x,
        left=blended_transform_factory(ax.transAxes, ax.transData),
        pt_per_day=pt_per_day,
        hi_day=hi_day,
        by_cells=by_cells,
        biggest=biggest,
        full=_marker_scale(lanes, by_cells, biggest, pt_per_day),
    )
    for box in boxes:
        style = lane_style(box.index)
        _draw_titles(canvas, box)
        _draw_range_band(canvas, box, style)
        _draw_windows(canvas, box, style)
        _draw_follow_up(canvas, box)
        _draw_doses(canvas, box, style)

    X = axis.to_x
    ax.set_ylim(total, 0)
    ax.set_xlim(X(lo_day), X(hi_day))
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.axvline(X(0), color="0.75", linewidth=0.5, zorder=0)
    _set_ticks(ax, axis, hi_day, mdates)
    ax.grid(axis="x", color="0.92", linewidth=0.5, zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlabel(axis.label())
    if legend:
        handles, labels = _key(lanes, by_cells, Line2D, Patch)
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
    if cumulative_ax is not None:
        _draw_cumulative(cumulative_ax, timeline, Line2D, mdates)
        # one time axis for both: its ticks and label go under the cumulative panel
        ax.tick_params(axis="x", labelbottom=False, length=0)
        ax.spines["bottom"].set_visible(False)
        ax.set_xlabel("")
        if legend and timeline.cumulative_handles:
            cumulative_ax.legend(
                handles=timeline.cumulative_handles,
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
                frameon=False,
                fontsize=FONT_LABEL,
            )
    timeline.notes = _notes(lanes, axis, cumulative=cumulative_ax is not None)
    timeline.warnings = tuple(w for lane in lanes for w in lane.warnings)
    return timeline


def _x_range(lanes: Sequence[Lane], width_pt: float) -> tuple[float, float]:
    """The x extent in days: a margin before day 0, and room after the last thing reported
    (more when a window with an open end starts near it, or for a range's row labels)."""
    hi = max(max(lane.end_day for lane in lanes), 7)
    lo_day, hi_day = -0.035 * hi, hi * 1.05
    open_starts = [w.start_day for lane in lanes for w in lane.windows if w.known == "start"]
    if any(s is not None and s >= hi * 0.9 for s in open_starts):
        hi_day = hi * 1.12
    needs = [
        (s.last_day, len(_range_label(s)) * FONT_RANGE * CHAR_EM + MARKER_PT)
        for lane in lanes
        if lane.is_range
        for s in lane.schedules
    ]
    for _ in range(3):  # the scale depends on the extent: a few rounds settle it
        per_day = width_pt / (hi_day - lo_day)
        hi_day = max([hi_day] + [last + need / per_day for last, need in needs])
    return lo_day, hi_day


def _range_label(schedule: LaneSchedule) -> str:
    return f"{schedule.which}: {schedule.label}"


def _text(c: _Canvas, x: float, y: float, text: str, size: float, **style: Any) -> Any:
    """A text whose top is at data ``y`` (the y axis runs downwards)."""
    style = {"va": "top", "ha": "left", "linespacing": LINE} | style
    return c.ax.text(x, y, text, fontsize=size, **style)


def _draw_titles(c: _Canvas, box: _LaneBox) -> None:
    if box.header:
        header = "\n".join(box.header)
        _text(c, 0, box.header_top + 2, header, FONT_HEADER, transform=c.left, fontweight="bold")
    title = _text(c, 0, box.title_top, "\n".join(box.title), FONT_TITLE, transform=c.left)
    title.set_gid(f"title-{box.lane.key}")
    c.timeline.titles[box.lane.key] = title


def _draw_range_band(c: _Canvas, box: _LaneBox, style: LaneStyle) -> None:
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


def _draw_windows(c: _Canvas, box: _LaneBox, style: LaneStyle) -> None:
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
            note = _text(
                c, 0, label_y, text, FONT_LABEL, transform=c.left, fontstyle="italic", color=GREY
            )
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
        needed = max(len(line) for line in lines) * FONT_LABEL * CHAR_EM
        fits = needed <= (c.hi_day - x0_day) * c.pt_per_day
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


def _draw_follow_up(c: _Canvas, box: _LaneBox) -> None:
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


def _draw_doses(c: _Canvas, box: _LaneBox, style: LaneStyle) -> None:
    """Each phase's course as a line, and a marker per dose (hollow: dose not reported)."""
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
                _text(c, c.X(days[0]), row + MARKER_PT / 2 + 1, f"P{phase}", 5.2, color=GREY)
        sizes, faces, edges, widths = [], [], [], []
        for d in schedule.doses:
            amount = d.cells if c.by_cells else d.cells_per_kg
            diameter = 0.8 * c.full  # a dose not reported, or not comparable
            if d.dose is not None and amount is not None and c.biggest:
                diameter = max(2.0, c.full * math.sqrt(amount / c.biggest))
            unknown = d.dose is None
            faces.append("white" if unknown else style.colour)
            edges.append(style.colour if unknown else "0.15")
            widths.append(1.0 if unknown else 0.4)
            sizes.append(diameter**2)
        xs = [c.X(d.day) for d in schedule.doses]
        markers = c.ax.scatter(
            xs,
            [row] * len(xs),
            s=sizes,
            # circles in every lane, so that marker area is comparable across lanes (a star
            # of the same size looks smaller); lanes differ by row, title and colour, and the
            # cumulative panel keeps a shape per lane for greyscale reading
            marker="o",
            facecolors=faces,
            edgecolors=edges,
            linewidths=widths,
            zorder=3,
            clip_on=False,
        )
        gid = f"doses-{lane.key}" + (f"-{schedule.which}" if schedule.which is not None else "")
        markers.set_gid(gid)
        c.timeline.doses[gid] = markers
        if schedule.label is not None:
            offset = 0.9 * MARKER_PT / c.pt_per_day  # in days
            _text(
                c,
                c.X(schedule.last_day + offset),
                row,
                _range_label(schedule),
                FONT_RANGE,
                color=GREY,
                va="center",
            )


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


def _marker_scale(
    lanes: Sequence[Lane], by_cells: bool, biggest: float | None, pt_per_day: float
) -> float:
    """The diameter (pt) of the marker of the biggest dose: one scale for every lane, so that
    areas compare across lanes, and small enough that a lane's markers do not overlap much."""
    full = MARKER_PT
    for lane in lanes:
        for schedule in lane.schedules:
            days = [d.day for d in schedule.doses]
            gaps = [b - a for a, b in zip(days, days[1:], strict=False)]
            if not gaps:
                continue
            known = [
                a
                for a in ((d.cells if by_cells else d.cells_per_kg) for d in schedule.doses)
                if a is not None
            ]
            share = max(known) / biggest if known and biggest else 0.64
            full = min(full, 1.1 * min(gaps) * pt_per_day / math.sqrt(share))
    return max(full, 4.0)


def _marker_basis(lanes: Sequence[Lane]) -> tuple[bool, float | None]:
    """Marker areas follow cells for the patient when every lane has them, else cells/kg;
    returns that choice and the largest dose in those units."""
    by_cells = all(lane.patient is not None for lane in lanes) and all(
        d.cells is not None for lane in lanes for d in lane.doses if d.dose is not None
    )
    amounts = [d.cells if by_cells else d.cells_per_kg for lane in lanes for d in lane.doses]
    return by_cells, max((a for a in amounts if a is not None), default=None)


def _set_ticks(ax: Any, axis: XAxis, hi_day: float, mdates: Any) -> None:
    if axis.unit == "dates":
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        return
    ticks = axis.ticks(hi_day)
    ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks])


def _key(
    lanes: Sequence[Lane], by_cells: bool, line: Callable[..., Any], patch: Callable[..., Any]
) -> tuple[list[Any], list[str]]:
    """The symbol key: only the symbols the figure uses."""
    handles: list[Any] = [
        line(
            [],
            [],
            marker="o",
            linestyle="none",
            markerfacecolor="0.3",
            markeredgecolor="0.15",
            markersize=4.5,
            markeredgewidth=0.4,
        )
    ]
    labels = [f"dose (area ∝ {'cells' if by_cells else 'cells/kg'})"]
    if any(d.dose is None for lane in lanes for d in lane.doses):
        handles.append(
            line(
                [],
                [],
                marker="o",
                linestyle="none",
                markerfacecolor="white",
                markeredgecolor="0.3",
                markersize=4.5,
                markeredgewidth=1.0,
            )
        )
        labels.append("dose not reported")
    windows = [w for lane in lanes for w in lane.windows]
    if any(w.known == "both" for w in windows):
        handles.append(patch(facecolor="0.5", alpha=0.3, linewidth=0))
        labels.append("response window")
    if any(w.known in ("start", "end") for w in windows):
        handles.append(patch(facecolor="0.85", hatch="//////", edgecolor="0.45", linewidth=0))
        labels.append("one end not reported")
    if any(lane.follow_up_day is not None for lane in lanes):
        handles.append(line([], [], color=GREY, linewidth=0.7, linestyle=(0, (1, 1.5))))
        labels.append("follow-up")
    if any(lane.is_range for lane in lanes):
        handles.append(patch(facecolor="0.5", alpha=0.18, linewidth=0))
        labels.append("frequency range (max–min)")
    return handles, labels


def _columns(labels: Sequence[str], width_pt: float, handle_em: float = 3.4) -> int:
    """As many legend columns as fit the width."""
    widths = [(len(label) * CHAR_EM + handle_em) * FONT_LABEL for label in labels]
    for ncol in range(len(labels), 0, -1):
        rows = [widths[i::ncol] for i in range(ncol)]
        if sum(max(col) for col in rows if col) <= width_pt:
            return ncol
    return 1


def _notes(lanes: Sequence[Lane], axis: XAxis, *, cumulative: bool) -> tuple[str, ...]:
    notes = list(comparison_notes(lanes))
    if axis.reference:
        notes.append(
            "no start date given: calendar-month doses are placed as if the first dose were on "
            f"{_day_text(REFERENCE_START)} (a month is 28 to 31 days)"
        )
    if axis.unit == "months":
        notes.append(
            "months axis: 1 unit = 30.4375 days"
            + ("; ticks at calendar months" if axis.calendar_ticks else "")
        )
    if any(lane.follow_up_day is not None for lane in lanes):
        notes.append("follow-up counted from the first dose")
    missing = [_short_name(lane, lanes) for lane in lanes if not lane.per_kg_known]
    if cumulative and missing:
        notes.append("not in the cumulative panel (dose per kg unknown): " + ", ".join(missing))
    return tuple(notes)


def _draw_cumulative(ax: Any, timeline: Timeline, line: Callable[..., Any], mdates: Any) -> None:
    """Cumulative cells/kg over time as steps (lanes whose dose per kg is unknown are left
    out; the notes name them)."""
    lanes = timeline.lanes
    X = timeline.axis.to_x
    lo_day, hi_day = timeline.xlim_days
    drawable = [lane for lane in lanes if lane.per_kg_known]
    totals = [s.total_cells_per_kg or 0.0 for lane in drawable for s in lane.schedules]
    top = max(totals, default=0.0)
    power = math.floor(math.log10(top)) if top > 0 else 0
    scale = 10.0**power
    labels = _cumulative_labels(lanes)
    for index, lane in enumerate(lanes):
        if not lane.per_kg_known:
            continue
        style = lane_style(index)
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
            line(
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
    ax.set_ylim(0, top / scale * 1.1 if top > 0 else 1)
    unit = "cells/kg" if power == 0 else f"×10{superscript(power)} cells/kg"
    ax.set_ylabel(f"cumulative dose\n({unit})")
    if not drawable:
        ax.set_yticks([])
        ax.set_ylabel("")
        width_pt = ax.get_position().width * ax.get_figure(root=True).get_figwidth() * 72
        message = "no cumulative dose: the dose per kg is not known (give it with --dose)"
        ax.text(
            0.5,
            0.5,
            "\n".join(_wrap(message, 0.9 * width_pt, FONT_LABEL)),
            transform=ax.transAxes,
            fontsize=FONT_LABEL,
            fontstyle="italic",
            color=GREY,
            ha="center",
            va="center",
        )
    ax.axvline(X(0), color="0.75", linewidth=0.5, zorder=0)
    ax.grid(axis="x", color="0.92", linewidth=0.5, zorder=0)
    ax.set_axisbelow(True)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    _set_ticks(ax, timeline.axis, hi_day, mdates)
    ax.set_xlabel(timeline.axis.label())


def _step_value(step: tuple[list[float], list[float]], day: float) -> float:
    days, values = step
    value = 0.0
    for d, v in zip(days, values, strict=True):
        if d <= day:
            value = v
    return value


def _cumulative_labels(lanes: Sequence[Lane]) -> dict[str, str]:
    """Legend labels of the cumulative panel, by lane key. Lanes with identical steps hide each
    other, so the later one says which it repeats."""
    labels: dict[str, str] = {}
    seen: dict[tuple[Any, ...], Lane] = {}
    for lane in lanes:
        if not lane.per_kg_known:
            continue
        label = _short_name(lane, lanes)
        if lane.dose_source == "given":
            label += " (dose given)"
        if lane.is_range:
            label += " (max dashed)"
        steps = tuple((d.day, d.cumulative_cells_per_kg) for s in lane.schedules for d in s.doses)
        same = seen.setdefault(steps, lane)
        if same is not lane:
            label += f" (same as {same.arm if same.protocol_id == lane.protocol_id else same.key})"
        labels[lane.key] = label
    return labels


def _short_name(lane: Lane, lanes: Sequence[Lane]) -> str:
    arms = sum(1 for other in lanes if other.protocol_id == lane.protocol_id)
    return f"{lane.protocol_id} {lane.arm}" if arms > 1 else lane.protocol_id


# -- whole figures -----------------------------------------------------------------------------
def timeline_figure(
    source: Source | Sequence[Source],
    *,
    x: str | None = None,
    size: str | None = None,
    cumulative: bool = False,
    notes: bool = True,
    **options: Unpack[LaneOptions],
) -> tuple[Figure, Timeline]:
    """The figure of :func:`plot_timeline`, and what was drawn on it."""
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    lanes = resolve_lanes(source, **options)
    width, given_height = figure_size(size)
    preset = (size or "double").strip().lower() in SIZES_MM
    left = 0.58 if cumulative else 0.06
    right = 0.1
    axes_w = width - left - right
    if axes_w < 1.0:
        raise OptionError(f"--size {size}: too narrow for a timeline", "use at least 40 mm")
    _, total_pt = _layout(lanes, axes_w * 72)
    timeline_h = total_pt / 72
    axis = _x_axis(lanes, x)
    key_rows = _key_rows(lanes, axes_w * 72)
    key_h = (key_rows * 1.55 + 0.8) * FONT_LABEL / 72 + 0.02
    xaxis_h = 0.36
    cum_h = 1.05 if cumulative else 0.0
    gap_h = 0.1 if cumulative else 0.0
    cum_legend_h = 0.0
    if cumulative:
        ncol, _, lines = _legend_layout(list(_cumulative_labels(lanes).values()), axes_w * 72)
        cum_legend_h = lines * FONT_LABEL * 1.45 / 72 + 0.08 if lines else 0.0
    # the notes: drawn text, wrapped to the figure width
    note_lines: tuple[str, ...] = ()
    if notes:
        note_lines = _note_lines(_notes(lanes, axis, cumulative=cumulative), width)
    notes_h = len(note_lines) * FONT_NOTE * LINE / 72 + 0.05 if notes else 0.0
    fixed = key_h + xaxis_h + cum_h + gap_h + cum_legend_h + notes_h + 0.04
    warnings: list[str] = []
    if preset:
        fig_h = fixed + timeline_h
    else:
        fig_h = given_height
        room = fig_h - fixed
        if room < 0.3:
            raise OptionError(
                f"--size {size}: too short for {len(lanes)} lanes",
                f"make it at least {math.ceil((fixed + timeline_h) * 25.4)} mm tall, "
                "or give only the width preset (single, 1.5, double)",
            )
        if room < 0.8 * timeline_h:
            warnings.append(
                f"the figure is short for {len(lanes)} lanes: labels may overlap "
                f"(about {math.ceil((fixed + timeline_h) * 25.4)} mm tall would fit)"
            )
        timeline_h = room
    with mpl.rc_context(paper_rc()):
        fig = Figure(figsize=(width, fig_h))
        y = fig_h - key_h - timeline_h
        ax = fig.add_axes((left / width, y / fig_h, axes_w / width, timeline_h / fig_h))
        cum_ax = None
        if cumulative:
            y_cum = y - gap_h - cum_h
            cum_ax = fig.add_axes(
                (left / width, y_cum / fig_h, axes_w / width, cum_h / fig_h), sharex=ax
            )
        timeline = draw_timeline(ax, lanes, x=axis.unit, cumulative_ax=cum_ax, legend=True)
        if cum_ax is not None:
            legend = cum_ax.get_legend()
            if legend is not None:
                legend.remove()
            if timeline.cumulative_handles:
                names = [h.get_label() for h in timeline.cumulative_handles]
                ncol, wrapped, _ = _legend_layout(names, axes_w * 72)
                for handle, label in zip(timeline.cumulative_handles, wrapped, strict=True):
                    handle.set_label(label)
                cum_ax.legend(
                    handles=timeline.cumulative_handles,
                    loc="upper left",
                    bbox_to_anchor=(0, -xaxis_h / cum_h),
                    ncol=ncol,
                    frameon=False,
                    fontsize=FONT_LABEL,
                    handlelength=2.4,
                    columnspacing=1.2,
                    borderaxespad=0,
                    borderpad=0,
                )
        if notes and timeline.notes:
            text = _note_lines(timeline.notes, width)
            fig.text(
                0.05 / width,
                (notes_h - 0.02) / fig_h,
                "\n".join(text),
                fontsize=FONT_NOTE,
                color="0.25",
                va="top",
                ha="left",
                linespacing=LINE,
            )
        # An invisible frame inset by save_figure's padding, so that the tight bounding box
        # is the whole figure: the saved file has exactly the journal width.
        pad = 0.02
        guard = Rectangle(
            (pad / width, pad / fig_h),
            1 - 2 * pad / width,
            1 - 2 * pad / fig_h,
            transform=fig.transFigure,
            fill=False,
            linewidth=0,
        )
        guard.set_gid("figure-frame")
        fig.add_artist(guard)
    timeline.warnings = tuple(warnings) + timeline.warnings
    return fig, timeline


def _legend_layout(names: Sequence[str], width_pt: float) -> tuple[int, list[str], int]:
    """Columns, labels (wrapped when wider than a column) and lines of text of the legend
    under the cumulative panel."""
    if not names:
        return 1, [], 0
    ncol = _columns(names, width_pt, HANDLE_EM)
    room = width_pt / ncol - HANDLE_EM * FONT_LABEL
    wrapped = [_wrap(name, room, FONT_LABEL) for name in names]
    rows = math.ceil(len(names) / ncol)  # matplotlib fills the columns one after the other
    columns = [wrapped[c * rows : (c + 1) * rows] for c in range(ncol)]
    lines = sum(max(len(column[r]) for column in columns if r < len(column)) for r in range(rows))
    return ncol, ["\n".join(w) for w in wrapped], lines


def _note_lines(notes: Sequence[str], width_in: float) -> tuple[str, ...]:
    if not notes:
        return ()
    return _wrap("Notes: " + "; ".join(notes) + ".", (width_in - 0.1) * 72, FONT_NOTE)


def _key_rows(lanes: Sequence[Lane], width_pt: float) -> int:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    by_cells, _ = _marker_basis(lanes)
    _, labels = _key(lanes, by_cells, Line2D, Patch)
    return math.ceil(len(labels) / _columns(labels, width_pt))


def plot_timeline(
    source: Source | Sequence[Source],
    output: str | Path | None = None,
    *,
    x: str | None = None,
    size: str | None = None,
    dpi: int = 300,
    cumulative: bool = False,
    notes: bool = True,
    **options: Unpack[LaneOptions],
) -> Figure:
    """A whole timeline figure at a journal size; saved to ``output`` when given.

    ``size`` is ``single`` (85 mm), ``1.5`` (114 mm), ``double`` (174 mm, the default) or
    ``WxH`` in mm, cm or inches (``174x120mm``); with a preset the height follows the number
    of lanes. The format follows the extension of ``output`` (.png at ``dpi``, .svg, .pdf);
    the same call always writes the same bytes. ``cumulative`` adds the panel of cumulative
    cells/kg. The other options are those of :func:`draw_timeline`.

    >>> from celldose.simulator import plot_timeline
    >>> fig = plot_timeline(["chen2024-itp-ucmsc", "qi2017-sjogren-thrombocytopenia"],
    ...                     cumulative=True, size="double")
    >>> len(fig.axes)
    2
    """
    fig, _ = timeline_figure(
        source,
        x=x,
        size=size,
        cumulative=cumulative,
        notes=notes,
        **options,
    )
    if output is not None:
        save_figure(fig, output, dpi=dpi)
    return fig


__all__ = [
    "X_UNITS",
    "Timeline",
    "XAxis",
    "draw_timeline",
    "lane_style",
    "plot_timeline",
    "resolve_lanes",
    "timeline_figure",
]
