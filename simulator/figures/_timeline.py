"""Whole timeline figures at a journal size: the timeline, its symbol key, the optional
cumulative panel with its legend, and the notes, stacked to the exact width; saved by
extension with the same bytes from run to run."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Unpack

from celldose.protocols import OptionError
from celldose.simulator.figures._axis import axis_label, x_axis, x_range
from celldose.simulator.figures._draw import (
    Source,
    Timeline,
    caption_text,
    draw_timeline,
    figure_notes,
    relabel,
    resolve_lanes,
)
from celldose.simulator.figures._end_labels import MIN_PANEL_PT, end_labels_height
from celldose.simulator.figures._key import ROW_EM, key_rows
from celldose.simulator.figures._lane_style import (
    CHAR_EM,
    FONT_AXIS,
    FONT_LABEL,
    FONT_NOTE,
    LINE,
    font_metrics,
)
from celldose.simulator.figures._layout import layout, wrap
from celldose.simulator.figures._painters import marker_sizes, reduced
from celldose.simulator.figures._style import (
    SIZES_MM,
    check_font,
    figure_size,
    font_em,
    paper_rc,
    save_figure,
)
from celldose.simulator.scenarios import LaneOptions

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def timeline_figure(
    source: Source | Sequence[Source],
    *,
    x: str | None = None,
    size: str | None = None,
    cumulative: bool = False,
    notes: bool = False,
    font: str | None = None,
    labels: Mapping[str, str] | None = None,
    time_axis: str = "auto",
    **options: Unpack[LaneOptions],
) -> tuple[Figure, Timeline]:
    """The whole figure of :func:`plot_timeline`, unsaved, and the :class:`Timeline` drawn on it.

    Use it to style the figure further, or to read the notes a caption should carry
    (``Timeline.notes``) and the warnings (``Timeline.warnings``, e.g. a figure too short for
    its lanes) before saving it with :func:`~celldose.simulator.figures.save_figure`. The
    options are those of :func:`plot_timeline`: ``x``, ``time_axis`` (auto, linear, broken,
    log: see :func:`draw_timeline`), ``size``, ``cumulative`` (a second
    panel of cumulative cells/kg), ``notes`` (drawn under the figure; by default they are not
    drawn: ``Timeline.caption`` is the caption text that carries them), ``font`` (an installed
    font family; default DejaVu Sans), ``labels`` (protocol id -> the text its lanes are
    labelled with, in place of the protocol's ``short_label``), and the keywords that build
    the lanes (``arms``, ``weight``, ``height``, ``dose``, ``count``, ``interval``, ``start``).

    >>> from celldose.simulator.figures import save_figure, timeline_figure
    >>> fig, timeline = timeline_figure(
    ...     ["chen2024-itp-ucmsc", "jang2025-canine-itp"],
    ...     dose={"jang2025-canine-itp": "1e6 cells/kg"},
    ...     cumulative=True,
    ...     size="single",
    ... )
    >>> len(fig.axes), len(timeline.lanes)
    (2, 5)
    >>> timeline.warnings
    ()
    """
    family = check_font(font)
    with font_metrics(font_em(family) if font is not None else CHAR_EM):
        return _timeline_figure(
            source, x, size, cumulative, notes, family, labels, time_axis, options
        )


def _timeline_figure(
    source: Source | Sequence[Source],
    x: str | None,
    size: str | None,
    cumulative: bool,
    notes: bool,
    family: str,
    labels: Mapping[str, str] | None,
    time_axis: str,
    options: LaneOptions,
) -> tuple[Figure, Timeline]:
    """:func:`timeline_figure`, in the font's metrics."""
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    lanes = relabel(resolve_lanes(source, **options), labels)
    width, given_height = figure_size(size)
    preset = (size or "double").strip().lower() in SIZES_MM
    left = 0.3 if cumulative else 0.06  # the cumulative panel's tick labels
    right = 0.1
    axes_w = width - left - right
    if axes_w < 1.0:
        raise OptionError(
            f"size {size}: too narrow for a timeline", "use at least 40 mm", fields=("size",)
        )
    _, total_pt = layout(lanes, axes_w * 72)
    timeline_h = total_pt / 72
    axis = x_axis(lanes, x, time_axis, axes_w * 72)
    xlim_days = x_range(lanes, axes_w * 72, axis)
    small = reduced(marker_sizes(lanes, axis, xlim_days, axes_w * 72)[0])
    key_h = (key_rows(lanes, axes_w * 72, small) * ROW_EM + 0.8) * FONT_LABEL / 72 + 0.02
    label_lines = len(axis_label(axis, axes_w * 72).split("\n"))
    tick_lines = 2 if axis.unit == "dates" and axis.scale != "linear" else 1  # the year below
    xaxis_h = 0.12 + tick_lines * 0.13 + label_lines * FONT_AXIS * 1.3 / 72
    cum_h = 0.0
    if cumulative:  # tall enough for each line's label to sit beside its end
        cum_h = max(MIN_PANEL_PT, end_labels_height(lanes, axis, xlim_days, axes_w * 72)) / 72
    gap_h = 0.1 + FONT_AXIS * 1.3 / 72 if cumulative else 0.0  # room for the panel's title
    # the notes: drawn text, wrapped to the figure width
    note_lines: tuple[str, ...] = ()
    if notes:
        note_lines = _note_lines(figure_notes(lanes, axis, cumulative=cumulative), width)
    notes_h = len(note_lines) * FONT_NOTE * LINE / 72 + 0.05 if notes else 0.0
    fixed = key_h + xaxis_h + cum_h + gap_h + notes_h + 0.04
    warnings: list[str] = []
    if preset:
        fig_h = fixed + timeline_h
    else:
        fig_h = given_height
        room = fig_h - fixed
        if room < 0.3:
            raise OptionError(
                f"size {size}: too short for {len(lanes)} lanes",
                f"make it at least {math.ceil((fixed + timeline_h) * 25.4)} mm tall, "
                "or give only the width preset (single, 1.5, double)",
                fields=("size",),
            )
        if room < 0.8 * timeline_h:
            warnings.append(
                f"the figure is short for {len(lanes)} lanes: labels may overlap "
                f"(about {math.ceil((fixed + timeline_h) * 25.4)} mm tall would fit)"
            )
        timeline_h = room
    with mpl.rc_context(paper_rc(family)):
        fig = Figure(figsize=(width, fig_h))
        y = fig_h - key_h - timeline_h
        ax = fig.add_axes((left / width, y / fig_h, axes_w / width, timeline_h / fig_h))
        cum_ax = None
        if cumulative:
            y_cum = y - gap_h - cum_h
            cum_ax = fig.add_axes(
                (left / width, y_cum / fig_h, axes_w / width, cum_h / fig_h), sharex=ax
            )
        timeline = draw_timeline(
            ax, lanes, x=axis.unit, cumulative_ax=cum_ax, legend=True, time_axis=time_axis
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
    return fig, replace(timeline, warnings=tuple(warnings) + timeline.warnings)


def _note_lines(notes: Sequence[str], width_in: float) -> tuple[str, ...]:
    if not notes:
        return ()
    return wrap(caption_text(notes), (width_in - 0.1) * 72, FONT_NOTE)


def plot_timeline(
    source: Source | Sequence[Source],
    output: str | Path | None = None,
    *,
    x: str | None = None,
    size: str | None = None,
    dpi: int = 300,
    cumulative: bool = False,
    notes: bool = False,
    font: str | None = None,
    labels: Mapping[str, str] | None = None,
    time_axis: str = "auto",
    **options: Unpack[LaneOptions],
) -> Figure:
    """A whole timeline figure at a journal size; saved to ``output`` when given.

    ``size`` is ``single`` (85 mm), ``1.5`` (114 mm), ``double`` (174 mm, the default) or
    ``WxH`` in mm, cm or inches (``174x120mm``); with a preset the height follows the number
    of lanes. The format follows the extension of ``output`` (.png at ``dpi``, .svg, .pdf);
    the same call always writes the same bytes. ``cumulative`` adds the panel of cumulative
    cells/kg; ``notes`` draws the notes under the figure (by default they are left to the
    caption: see :func:`timeline_figure`); ``font`` is an installed font family. The other
    options are those of :func:`draw_timeline`.

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
        font=font,
        labels=labels,
        time_axis=time_axis,
        **options,
    )
    if output is not None:
        save_figure(fig, output, dpi=dpi)
    return fig
