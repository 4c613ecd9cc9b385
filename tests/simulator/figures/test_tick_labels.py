"""One way to write every tick number, by safe display: a leading zero, no trailing zero
(0, 2.5, 5, 7.5; never 0.0 or 5.0), thousands grouped; on every axis of every figure."""

from __future__ import annotations

from typing import Any

import pytest

from celldose.simulator.figures import timeline_figure
from celldose.simulator.figures._ticks import tick_text

matplotlib = pytest.importorskip("matplotlib")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),  # never "-0"
        (2.5, "2.5"),
        (5.0, "5"),  # not "5.0"
        (7.5, "7.5"),
        (0.30000000000000004, "0.3"),  # 0.1 + 0.2: float noise of a tick locator dropped
        (0.25, "0.25"),  # leading zero kept
        (1000.0, "1,000"),
        (12.0, "12"),
        (-2.5, "-2.5"),
    ],
)
def test_tick_text(value: float, text: str) -> None:
    assert tick_text(value) == text


def tick_labels(fig: Any) -> list[str]:
    fig.draw_without_rendering()  # the ticks and their labels made, no pixel painted
    return [
        t.get_text()
        for ax in fig.axes
        for axis in (ax.xaxis, ax.yaxis)
        for t in axis.get_ticklabels()
        if t.get_visible() and t.get_text()
    ]


@pytest.mark.parametrize("x", ["weeks", "months", "days"])
def test_no_figure_tick_ends_in_a_zero_decimal(x: str) -> None:
    # Chen (up to 8×10⁶ cells/kg) beside Lanzoni (2×10⁸ cells, 70 kg: 2.86×10⁶ cells/kg):
    # matplotlib's own formatter wrote the cumulative axis 0.0, 2.5, 5.0, 7.5
    fig, _ = timeline_figure(
        ["chen2024-itp-ucmsc", "lanzoni2021-covid-ards-ucmsc"],
        weight="70kg",
        cumulative=True,
        x=x,
        size="single",
    )
    labels = tick_labels(fig)
    assert labels
    assert not [label for label in labels if "." in label and label.rstrip("0") != label]
    assert "0" in labels and "0.0" not in labels
