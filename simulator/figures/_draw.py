"""Timelines of published protocols on your own Axes, and the record of what was drawn.

:func:`draw_timeline` draws one lane per protocol arm on a matplotlib ``Axes`` you own (and,
optionally, the cumulative dose per kg on a second one); ``_timeline`` builds whole figures at
a journal size from it.

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
1 January 2001 (:data:`~celldose.simulator.scenarios.REFERENCE_START`): the axis label and
the figure notes say so.

The parts live beside this module: the time axis (``_axis``), how a lane looks
(``_lane_style``), where its parts go (``_layout``), the painters (``_painters``), the legends
(``_key``), the cumulative panel (``_cumulative``) and the whole figure (``_timeline``).
matplotlib is imported inside the functions that draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Unpack

from celldose.protocols import Duration, OptionError, Protocol
from celldose.simulator.figures._axis import (
    XAxis,
    axis_label,
    day_text,
    set_ticks,
    x_axis,
    x_range,
)
from celldose.simulator.figures._cumulative import draw_cumulative
from celldose.simulator.figures._end_labels import short_name
from celldose.simulator.figures._key import draw_key
from celldose.simulator.figures._lane_style import FONT_AXIS, FONT_TICK
from celldose.simulator.figures._layout import layout
from celldose.simulator.figures._painters import canvas, paint_lane
from celldose.simulator.scenarios import (
    REFERENCE_START,
    Lane,
    LaneOptions,
    build_lanes,
    comparison_notes,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Source = Lane | Protocol | str


@dataclass(frozen=True)
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
    cumulative_ax: Any
    xlim_days: tuple[float, float]
    height_pt: float  # the timeline's natural height: give the axes about this much
    notes: tuple[str, ...]  # what a caption should carry
    warnings: tuple[str, ...]
    doses: dict[str, Any] = field(default_factory=dict)
    windows: dict[str, Any] = field(default_factory=dict)
    window_labels: dict[str, Any] = field(default_factory=dict)
    window_notes: dict[str, Any] = field(default_factory=dict)
    follow_ups: dict[str, Any] = field(default_factory=dict)
    titles: dict[str, Any] = field(default_factory=dict)
    cumulative: dict[str, Any] = field(default_factory=dict)
    cumulative_handles: list[Any] = field(default_factory=list)
    cumulative_labels: dict[str, Any] = field(default_factory=dict)  # at the lines' ends

    @property
    def caption(self) -> str:
        """The notes as one paragraph of caption text (``Notes: ...; ....``), empty if none."""
        return caption_text(self.notes)

    def texts(self) -> list[str]:
        """Every text drawn on the timeline axes (titles, labels, notes)."""
        return [t.get_text() for t in self.ax.texts]


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


def relabel(lanes: Sequence[Lane], labels: Mapping[str, str] | None) -> tuple[Lane, ...]:
    """The lanes with the short labels of ``labels`` (protocol id -> text) in place of the
    protocols' own; an id that names no drawn protocol is refused with the choices."""
    if not labels:
        return tuple(lanes)
    ids = list(dict.fromkeys(lane.protocol_id for lane in lanes))
    for key, text in labels.items():
        if key not in ids:
            raise OptionError(
                f"labels names {key!r}, which is not a protocol of the figure",
                "use one of: " + ", ".join(ids),
                fields=("labels",),
            )
        if not text.strip():
            raise OptionError(
                f"labels gives {key!r} an empty label", "write the text to show", fields=("labels",)
            )
    return tuple(
        replace(lane, short_label=labels.get(lane.protocol_id, lane.short_label)) for lane in lanes
    )


def draw_timeline(
    ax: Axes,
    source: Source | Sequence[Source],
    *,
    x: str | None = None,
    cumulative_ax: Axes | None = None,
    legend: bool = True,
    labels: Mapping[str, str] | None = None,
    time_axis: str = "auto",
    **options: Unpack[LaneOptions],
) -> Timeline:
    """Draw the timeline of ``source`` on ``ax`` (and the cumulative dose on ``cumulative_ax``).

    ``source`` is a library id, a protocol file, a :class:`Protocol`, or a sequence of them
    (or lanes from ``build_lanes``). ``x`` is ``days``, ``weeks``, ``months`` or ``dates``
    (default: dates with a start date, else weeks). ``time_axis`` is ``auto`` (broken when the
    doses fill a small part of the span, else linear), ``linear``, ``broken`` (the dosing at
    full resolution, the follow-up compressed, the break marked) or ``log``. ``labels`` maps a
    protocol id to the text its lanes are labelled with (default: the protocol's
    ``short_label``, else its id).

    The other keywords build the lanes, as in
    :func:`~celldose.simulator.scenarios.build_lanes`: ``arms`` (``"expansion-2.0"`` or
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
    lanes = relabel(resolve_lanes(source, **options), labels)
    figure = ax.get_figure(root=True)
    assert figure is not None
    width_pt = ax.get_position().width * figure.get_figwidth() * 72
    axis = x_axis(lanes, x, time_axis, width_pt)
    boxes, total = layout(lanes, width_pt)
    lo_day, hi_day = x_range(lanes, width_pt, axis)
    timeline = Timeline(
        lanes,
        axis,
        ax,
        cumulative_ax,
        (lo_day, hi_day),
        total,
        notes=figure_notes(lanes, axis, cumulative=cumulative_ax is not None),
        warnings=tuple(w for lane in lanes for w in lane.warnings),
    )
    painter = canvas(timeline, width_pt)
    for box in boxes:
        paint_lane(painter, box)

    X = axis.to_x
    ax.set_ylim(total, 0)
    ax.set_xlim(X(lo_day), X(hi_day))
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.axvline(X(0), color="0.55", linewidth=0.4, zorder=0)
    set_ticks(ax, axis, hi_day, mark=cumulative_ax is None)
    ax.grid(axis="x", color="0.92", linewidth=0.5, zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlabel(axis_label(axis, width_pt), fontsize=FONT_AXIS)
    ax.tick_params(labelsize=FONT_TICK)  # the axes' text matches the lanes' on any figure
    if legend:
        draw_key(ax, painter, width_pt)
    if cumulative_ax is not None:
        short = draw_cumulative(cumulative_ax, timeline)
        timeline = replace(timeline, warnings=timeline.warnings + short)
        # one time axis for both: its ticks and label go under the cumulative panel
        ax.tick_params(axis="x", labelbottom=False, length=0)
        ax.spines["bottom"].set_visible(False)
        ax.set_xlabel("")
    return timeline


def caption_text(notes: Sequence[str]) -> str:
    """``Notes: a; b.``: the figure's notes as the text of its caption (a note that ends with a
    full stop, as a citation does, loses it before the ``;``: never ``.;``)."""
    return "Notes: " + "; ".join(_unstopped(n) for n in notes) + "." if notes else ""


def _unstopped(text: str) -> str:
    """``text`` without its closing full stop (``...:1208.`` -> ``...:1208``)."""
    text = text.rstrip()
    return text[:-1] if text.endswith(".") else text


def _as_drawn(note: str, lanes: Sequence[Lane]) -> str:
    """``note`` with each lane key (``chen2024-itp-ucmsc.escalation-0.5``) and protocol id
    written as the figure's label."""
    for lane in sorted(lanes, key=lambda lane: -len(lane.key)):
        note = note.replace(lane.key, short_name(lane, lanes))
    for lane in sorted(lanes, key=lambda lane: -len(lane.protocol_id)):
        note = note.replace(lane.protocol_id, lane.protocol_label)
    return note


def placed_by_months(lanes: Sequence[Lane]) -> list[str]:
    """What of ``lanes`` is counted in calendar months without a start date, so that its place
    depends on the reference date: ``doses``, ``response windows``, ``follow-up``."""
    undated = [lane for lane in lanes if lane.start is None]
    doses = [
        d for lane in undated for d in (*lane.doses, *(d for b in lane.branches for d in b.doses))
    ]
    ends = [
        value
        for lane in undated
        for w in lane.windows
        for value in (w.window.start, w.window.end)
        if isinstance(value, Duration)
    ]
    follow = [lane.follow_up for lane in undated if lane.follow_up is not None]
    found = (
        ("doses", any(d.calendar for d in doses)),
        ("response windows", any(v.is_calendar for v in ends)),
        ("follow-up", any(f.is_calendar for f in follow)),
    )
    return [name for name, present in found if present]


def _and(words: Sequence[str]) -> str:
    """``doses``, ``doses and response windows``, ``a, b and c``, with its verb (are, is)."""
    text = words[-1] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    return text + (" is" if words == ["follow-up"] else " are")


LIMIT_MARKS = ("capped at", "not given: stopped", "(weight cap)", "refused if chosen")


def figure_notes(lanes: Sequence[Lane], axis: XAxis, *, cumulative: bool) -> tuple[str, ...]:
    """The notes a caption should carry: the comparison's, and the axis' conventions. Lanes
    are named as the figure names them (``Chen 2024 escalation-0.5``), not by their ids."""
    notes = [
        _as_drawn(note, lanes)
        for note in comparison_notes(lanes, figure=True, cumulative=cumulative)
    ]
    placed = placed_by_months(lanes)
    if axis.reference and placed:
        notes.append(
            f"no start date given: calendar-month {_and(placed)} placed as if the first dose "
            f"were on {day_text(REFERENCE_START)} (a month is 28 to 31 days)"
        )
    if axis.unit == "months":
        notes.append(
            "months axis: 1 unit = 30.4375 days"
            + ("; ticks at calendar months" if axis.calendar_ticks else "")
        )
    if any(lane.follow_up_day is not None for lane in lanes):
        notes.append("follow-up counted from the first dose")
    for lane in lanes:  # the dose limits that changed what is drawn (capped, stopped doses)
        limited = [w for w in lane.warnings if any(m in w for m in LIMIT_MARKS)]
        if limited:
            notes.append(f"{short_name(lane, lanes)}: " + "; ".join(limited))
    missing = [short_name(lane, lanes) for lane in lanes if not lane.per_kg_known]
    if cumulative and missing:
        notes.append("not in the cumulative panel (dose per kg unknown): " + ", ".join(missing))
    cited: dict[str, Lane] = {}  # the references of the protocols drawn, last, once each
    for lane in lanes:
        if lane.reference is not None:
            cited.setdefault(lane.protocol_id, lane)
    if cited:
        notes.append(
            "references: "
            + "; ".join(
                f"{lane.protocol_label}: {_unstopped(lane.reference or '')}"
                for lane in cited.values()
            )
        )
    return tuple(notes)
