"""How a lane looks: its colour, marker and line style, and the type sizes and lane geometry
of the timeline, in points (the timeline's y axis is in points of the intended layout)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from celldose.simulator.figures._style import MARKERS, PALETTE
from celldose.simulator.scenarios import Lane

# Type sizes in points at the printed size (the figure is made at its journal width): nothing
# under 7 pt, the floor most journals set for figure text. One face (no bold, no italic): a
# group header is larger, a note grey; a PDF embeds one font.
FONT_MIN = 7.0
FONT_HEADER = 8.5
FONT_TITLE = 7.5
FONT_LABEL = 7.0
FONT_NOTE = 7.0
FONT_TICK = 7.0
FONT_AXIS = 7.5
LINE = 1.25  # line height, in font sizes
CHAR_EM = 0.56  # mean glyph width of DejaVu Sans in em, used to wrap text to the axes width
_CHAR_EM: ContextVar[float] = ContextVar("celldose_char_em", default=CHAR_EM)


def char_em() -> float:
    """The mean glyph width (em) of the font being drawn with (:func:`font_metrics`)."""
    return _CHAR_EM.get()


@contextmanager
def font_metrics(em: float) -> Iterator[None]:
    """Wrap and fit text for a font whose mean glyph width is ``em`` while drawing."""
    token = _CHAR_EM.set(em)
    try:
        yield
    finally:
        _CHAR_EM.reset(token)


MARKER_PT = 7.0  # diameter of the largest dose marker
ROW_GAP_PT = 11.0  # between the max and min rows of a frequency range
FONT_RANGE = 7.0
FONT_SMALL = 7.0  # phase labels, branch conditions
HANDLE_EM = 4.4  # legend handle, its padding and the column spacing, in em
GREY = "0.35"
FLAT_MARKER = "s"  # a flat dose (cells, not per kg) on a per-kg size scale: a square
RANGE_FACE = "0.85"  # the key's outer circle of a dose range (lanes: the lane's colour, light)
RANGE_ALPHA = 0.3  # the fill of a dose range's outer circle (its upper bound)


@dataclass(frozen=True)
class LaneStyle:
    colour: str
    marker: str
    linestyle: Any


_LINESTYLES: tuple[Any, ...] = ("-", (0, (4, 1.5)), (0, (1, 1.2)), (0, (5, 1.5, 1, 1.5)))
DARKEST = 0.5  # the darkest arm of a protocol: its hue mixed this far towards black


def shade(colour: str, towards_black: float) -> str:
    """``colour`` mixed ``towards_black`` (0-1) towards black, as ``#rrggbb``."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    keep = 1 - towards_black
    return "#" + "".join(f"{round(c * keep):02X}" for c in (r, g, b))


def lane_styles(lanes: Sequence[Lane]) -> tuple[LaneStyle, ...]:
    """The style of each lane: one hue family per protocol (in order of appearance, from
    :data:`PALETTE`), its arms darker shades of that hue, so that a protocol's arms read as
    one family; marker shape and line style change from lane to lane, for greyscale."""
    families: dict[str, int] = {}
    arms: dict[str, list[int]] = {}
    for index, lane in enumerate(lanes):
        families.setdefault(lane.protocol_id, len(families))
        arms.setdefault(lane.protocol_id, []).append(index)
    styles = []
    for index, lane in enumerate(lanes):
        hue = PALETTE[families[lane.protocol_id] % len(PALETTE)]
        siblings = arms[lane.protocol_id]
        k = siblings.index(index)
        depth = DARKEST * k / (len(siblings) - 1) if len(siblings) > 1 else 0.0
        styles.append(
            LaneStyle(
                shade(hue, depth),
                MARKERS[index % len(MARKERS)],
                _LINESTYLES[index % len(_LINESTYLES)],
            )
        )
    return tuple(styles)
