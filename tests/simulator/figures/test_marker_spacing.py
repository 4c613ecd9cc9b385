"""Dose markers never touch their neighbours on a row, at any width and on any time scale:
the marker scale shrinks for the figure when it must, and the key says so."""

from __future__ import annotations

import math
from typing import Any

import pytest

from celldose.simulator.figures import timeline_figure
from celldose.simulator.figures._painters import _largest

matplotlib = pytest.importorskip("matplotlib")

COMPARED = ["chen2024-itp-ucmsc", "qi2017-sjogren-thrombocytopenia", "jang2025-canine-itp"]


def test_largest_scale_for_two_doses() -> None:
    # room 5 pt, diameters 0.5 and 1 of the full one, floor 2 pt: neither at the floor,
    # F × (0.5 + 1) / 2 = 5 -> F = 6.667 (0.5 × 6.667 = 3.33 pt, over the floor)
    assert _largest(5.0, 0.5, 1.0, 2.0) == pytest.approx(20 / 3)
    # room 2.2 pt: F = 2.93 would make the small one 1.47 pt, under the 2 pt floor; with the
    # small one at 2 pt: 2 / 2 + F / 2 = 2.2 -> F = 2.4
    assert _largest(2.2, 0.5, 1.0, 2.0) == pytest.approx(2.4)


def gaps_pt(fig: Any, timeline: Any) -> list[tuple[str, float]]:
    """(row, white between two successive markers in pt, their edges counted) on every row."""
    fig.draw_without_rendering()  # every artist placed, no pixel painted
    per_pt = fig.dpi / 72
    out = []
    for gid, markers in timeline.doses.items():
        if gid.endswith("-low"):
            continue  # a range's lower bound, inside its upper bound's circle
        centres = markers.get_offset_transform().transform(markers.get_offsets())
        sizes = list(markers.get_sizes())
        widths = list(markers.get_linewidths())
        if len(sizes) == 1:
            sizes = sizes * len(centres)
        if len(widths) == 1:
            widths = widths * len(centres)
        for i in range(len(centres) - 1):
            apart = float(centres[i + 1][0] - centres[i][0]) / per_pt
            reach = (math.sqrt(sizes[i]) + widths[i] + math.sqrt(sizes[i + 1]) + widths[i + 1]) / 2
            out.append((gid, apart - reach))
    return out


@pytest.mark.parametrize("size", ["single", "1.5", "double"])
@pytest.mark.parametrize("time_axis", ["linear", "auto", "log"])
def test_markers_never_touch(size: str, time_axis: str) -> None:
    fig, timeline = timeline_figure(COMPARED, size=size, time_axis=time_axis, cumulative=True)
    touching = [(gid, round(gap, 2)) for gid, gap in gaps_pt(fig, timeline) if gap < 0.9]
    assert touching == []


def test_a_reduced_scale_is_said_in_the_key() -> None:
    # single column, linear, 56 weeks over about 212 pt: a week is 3.7 pt, less than a 7 pt
    # marker: the scale is reduced, and the key says so; the broken axis (auto) keeps the
    # dosing weeks wide enough at double width: no note
    fig, timeline = timeline_figure(COMPARED, size="single", time_axis="linear")
    keys = [t.get_text() for legend in _legends(timeline) for t in legend.get_texts()]
    assert "markers reduced to fit" in keys
    fig, timeline = timeline_figure(["chen2024-itp-ucmsc"], size="double")
    keys = [t.get_text() for legend in _legends(timeline) for t in legend.get_texts()]
    assert "markers reduced to fit" not in keys


def _legends(timeline: Any) -> list[Any]:
    from matplotlib.legend import Legend

    return [a for a in timeline.ax.get_children() if isinstance(a, Legend)]
