"""Colour: every line and marker colour of a figure has a contrast of at least 3:1 against white
(WCAG 2 relative luminance), and the arms of one protocol share a hue family."""

from __future__ import annotations

import colorsys
from typing import Any

import pytest

from celldose.protocols import library_ids
from celldose.simulator.figures._lane_style import lane_styles
from celldose.simulator.figures._style import PALETTE

matplotlib = pytest.importorskip("matplotlib")


def contrast_on_white(rgb: Any) -> float:
    """WCAG 2: (L_white + 0.05) / (L + 0.05), L the relative luminance of the sRGB colour."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(float(c)) for c in rgb[:3])
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_the_contrast_formula() -> None:
    # worked by hand: white 1.05/1.05 = 1; black 1.05/0.05 = 21; mid grey #777777: 0x77/255 =
    # 0.4667 -> ((0.4667 + 0.055) / 1.055)^2.4 = 0.1845 -> 1.05 / 0.2345 = 4.48
    assert contrast_on_white((1, 1, 1)) == pytest.approx(1)
    assert contrast_on_white((0, 0, 0)) == pytest.approx(21)
    assert contrast_on_white((0x77 / 255,) * 3) == pytest.approx(4.48, abs=0.01)
    # Okabe–Ito's yellow, the old eighth lane, fails: that is why the palette darkens it
    assert contrast_on_white(matplotlib.colors.to_rgb("#F0E442")) < 1.4


def test_every_palette_colour_and_its_darkest_shade_pass() -> None:
    for colour in PALETTE:
        assert contrast_on_white(matplotlib.colors.to_rgb(colour)) >= 3, colour


def drawn_colours(fig: Any) -> list[tuple[str, Any]]:
    """(what, rgba) of every opaque line and marker colour on the figure's axes."""
    from matplotlib.collections import Collection
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D

    out = []
    for ax in fig.axes:
        grid = set(ax.get_xgridlines()) | set(ax.get_ygridlines())
        for line in ax.findobj(Line2D):
            if line in grid or not line.get_visible() or line.get_linewidth() == 0:
                continue
            if line.get_gid() and str(line.get_gid()).startswith("axis-break"):
                continue  # the break mark is drawn in the axis' colour
            out.append((f"line {line.get_gid()}", to_rgba(line.get_color())))
        for coll in ax.findobj(Collection):
            if coll.get_gid() is None or not str(coll.get_gid()).startswith(("doses-", "branch-")):
                continue
            for rgba in coll.get_edgecolors():
                out.append((f"edge {coll.get_gid()}", tuple(rgba)))
            for rgba in coll.get_facecolors():
                out.append((f"face {coll.get_gid()}", tuple(rgba)))
    return out


def test_every_line_and_marker_colour_of_the_13_studies_has_3_to_1(
    library_figure: tuple[Any, Any],
) -> None:
    # the 13 studies as the conftest draws them (a weight for each patient: every lane's
    # markers, and a cumulative line for the studies dosed in cells too)
    ids = library_ids()
    assert len(ids) == 13
    fig, timeline = library_figure
    assert sorted({lane.protocol_id for lane in timeline.lanes}) == sorted(ids)
    colours = drawn_colours(fig)
    assert len(colours) > 100
    weak = [
        (what, rgba)
        for what, rgba in colours
        if rgba[3] > 0.99 and rgba[:3] != (1, 1, 1) and contrast_on_white(rgba) < 3
    ]
    assert weak == []


def test_the_arms_of_one_protocol_share_a_hue() -> None:
    from celldose.simulator.scenarios import build_lanes

    lanes = build_lanes(
        [
            "chen2024-itp-ucmsc",
            "qi2017-sjogren-thrombocytopenia",
            "mcintyre2018-ciss-septic-shock-bmmsc",
        ]
    )
    styles = lane_styles(lanes)
    hues = [colorsys.rgb_to_hls(*matplotlib.colors.to_rgb(s.colour))[0] for s in styles]
    chen, qi, ciss = hues[:4], hues[4], hues[5:]
    assert max(chen) - min(chen) < 0.02 and max(ciss) - min(ciss) < 0.02
    assert abs(chen[0] - qi) > 0.1 and abs(qi - ciss[0]) > 0.1 and abs(chen[0] - ciss[0]) > 0.1
    # the shades differ (darker arm by arm), and no two lanes share colour and marker
    assert len({s.colour for s in styles[:4]}) == 4
    assert len({(s.colour, s.marker) for s in styles}) == len(styles)
