"""How a lane looks: its colour, marker and line style, and the type sizes and lane geometry
of the timeline, in points (the timeline's y axis is in points of the intended layout)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celldose.simulator.figures._style import MARKERS, OKABE_ITO

# Type sizes in points at the printed size (the figure is made at its journal width): nothing
# under 7 pt, the floor most journals set for figure text.
FONT_MIN = 7.0
FONT_HEADER = 8.0
FONT_TITLE = 7.5
FONT_LABEL = 7.0
FONT_NOTE = 7.0
FONT_TICK = 7.0
FONT_AXIS = 7.5
LINE = 1.25  # line height, in font sizes
CHAR_EM = 0.56  # mean glyph width of DejaVu Sans in em, used to wrap text to the axes width
MARKER_PT = 7.0  # diameter of the largest dose marker
ROW_GAP_PT = 11.0  # between the max and min rows of a frequency range
FONT_RANGE = 7.0
FONT_SMALL = 7.0  # phase labels, branch conditions
BOLD = 1.12  # bold glyphs are about this much wider
HANDLE_EM = 4.4  # legend handle, its padding and the column spacing, in em
GREY = "0.35"


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
