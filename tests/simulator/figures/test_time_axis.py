"""The time axis: linear, broken (dosing at full resolution, follow-up compressed, the break
marked) and log scales, with every unit; auto breaks it when the doses fill little of the span."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from celldose.protocols import OptionError
from celldose.simulator.figures import Timeline, XAxis, timeline_figure

matplotlib = pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def five(five_studies: Callable[[str], tuple[Any, Timeline]]) -> Timeline:
    """Jang, Qi, Chen, UC-MSC (8 doses given) and Izadi (every 4 weeks given) with the
    cumulative panel at the default size (double): the conftest's ``five_studies``, drawn once
    for the tests that read it (none changes it)."""
    _, timeline = five_studies("double")
    return timeline


def test_broken_warp_by_hand() -> None:
    axis = XAxis("weeks", scale="broken", break_day=28, squeeze=0.25)
    assert axis.to_x(14) == 2  # before the break: 14 days = 2 weeks
    assert axis.to_x(28) == 4
    assert axis.to_x(56) == 5  # 28 + (56 - 28) × 0.25 = 35 days drawn = 5 weeks
    assert axis.unwarp(axis.warp(100)) == pytest.approx(100)
    # ticks: 0-4 weeks at 1 week (4 weeks / 5 ticks at most); 4-28 weeks (24 weeks, at most 4
    # ticks: step 8) at 8, 16, 24
    assert [label for _, label in axis.ticks(196)] == ["0", "1", "2", "3", "4", "8", "16", "24"]
    assert [x for x, _ in axis.ticks(196)][5] == 5  # week 8 = day 56 is drawn at x 5
    assert axis.label() == (
        "weeks from first dose; axis broken at week 4: later time compressed 4×"
    )


def test_log_warp_by_hand() -> None:
    axis = XAxis("days", scale="log", log_k=10)
    assert axis.to_x(0) == 0
    assert axis.to_x(9) == pytest.approx(10)  # 10 × log10(1 + 9)
    assert axis.to_x(99) == pytest.approx(20)
    assert axis.unwarp(axis.warp(30)) == pytest.approx(30)
    assert axis.label() == "days from first dose; log scale of (1 + days)"


def test_auto_breaks_the_five_studies(five: Timeline) -> None:
    # Izadi's follow-up is 24 months (day 730): the doses (Jang's last on day 196) fill under
    # 30% of the span (730 × 1.05 = 766.5), so the axis is broken. After all the dosing (day
    # 196 + 196/6 -> 40 weeks) UC-MSC's twice-weekly doses (3 days apart) would be 3.3 pt
    # apart: too close. After Qi's last dose (day 90 + 15 = 105 days = 15 weeks, rounded up to
    # a tick, step 4 weeks: 16 weeks = day 112) they are 8 pt apart, and Jang's q4w doses run
    # on into the compressed part, each 28 × 0.092 days apart drawn, 7 pt.
    timeline = five
    axis = timeline.axis
    assert (axis.scale, axis.break_day) == ("broken", 112)
    # squeeze: 112 × 0.35 / 0.65 / (766.5 - 112) = 0.0921
    assert axis.squeeze == pytest.approx(0.0921, abs=1e-4)
    marks = [line for line in timeline.cumulative_ax.lines if line.get_gid() == "axis-break"]
    assert len(marks) == 2  # the double slash, on the axes that shows the time axis
    assert not [line for line in timeline.ax.lines if line.get_gid() == "axis-break"]
    labels = [t.get_text() for t in timeline.cumulative_ax.get_xticklabels()]
    # 0-16 weeks every 4 weeks; then from week 16 to the edge (5% of the drawn width after
    # day 730, compressed: 117 weeks) in at most 4 ticks: every 26 weeks
    assert labels == ["0", "4", "8", "12", "16", "26", "52", "78", "104"]


def test_the_break_is_marked_through_the_lanes(five: Timeline) -> None:
    # the break (day 112, as above) is marked on the lanes' axes too, not only under the
    # cumulative panel: a white gap across the axes at the break's x, over the lines and the
    # shading (zorder 2.5 > 2) and under the markers (3)
    timeline = five
    brk = timeline.axis.to_x(112)
    for ax in (timeline.ax, timeline.cumulative_ax):
        (gap,) = [p for p in ax.patches if p.get_gid() == "axis-break-gap"]
        assert gap.get_x() < brk < gap.get_x() + gap.get_width()
        assert 2 < gap.get_zorder() < 3
    # and a double slash on each row whose line runs through the break: Chen's four arms
    # (follow-up to week 28 = day 196 > 112), Qi's (follow-up 1 year), Izadi's (24 months);
    # not on Jang's row, where a dose sits on the break (q4w: day 4 × 28 = 112), nor on
    # UC-MSC's (its last dose before day 112, no follow-up reported)
    slashes: dict[str, list[float]] = {}
    for line in timeline.ax.lines:
        gid = str(line.get_gid() or "")
        if gid.startswith("lane-break-"):
            slashes.setdefault(gid.removeprefix("lane-break-"), []).extend(line.get_xdata())
    assert sorted(slashes) == sorted(
        [f"chen2024-itp-ucmsc.{arm}" for arm in ("escalation-0.5", "escalation-1.0")]
        + [f"chen2024-itp-ucmsc.{arm}" for arm in ("escalation-2.0", "expansion-2.0")]
        + ["qi2017-sjogren-thrombocytopenia.msc", "izadi2022-t1d-bmmsc.msc"]
    )
    for xs in slashes.values():  # two slashes, 4 pt wide in all, around the break
        assert len(xs) == 4 and min(xs) < brk < max(xs)


def test_the_break_line_runs_under_the_lane_text_not_through_it(five: Timeline) -> None:
    # a note that crosses the break ("... time not reported (not drawn)") is drawn over the
    # dashed line on a white backing: the line stops at its letters
    timeline = five
    (line,) = [x for x in timeline.ax.lines if x.get_gid() == "axis-break-line"]
    texts = [t for t in timeline.ax.texts if t.get_text().strip()]
    assert texts
    for text in texts:
        backing = text.get_bbox_patch()
        assert backing is not None, text.get_text()
        assert backing.get_facecolor()[:3] == (1.0, 1.0, 1.0)
        assert text.get_zorder() > line.get_zorder()


def test_auto_keeps_linear_when_the_doses_fill_the_span() -> None:
    _, timeline = timeline_figure("aa-ucmsc-18", count=8)  # the last dose ends the span
    assert timeline.axis.scale == "linear"
    _, timeline = timeline_figure("aa-ucmsc-18", count=8, time_axis="broken")
    assert timeline.axis.scale == "linear"  # nothing after the doses to compress


@pytest.mark.parametrize("x", ["days", "weeks", "months", "dates"])
@pytest.mark.parametrize("scale", ["linear", "broken", "log"])
def test_every_unit_on_every_scale(x: str, scale: str) -> None:
    _, timeline = timeline_figure(
        ["qi2017-sjogren-thrombocytopenia", "chen2024-itp-ucmsc"],
        x=x,
        time_axis=scale,
        start=dt.date(2026, 1, 5),
    )
    assert timeline.axis.scale == scale and timeline.axis.unit == x
    xs = [x for x, _ in timeline.doses["doses-chen2024-itp-ucmsc.escalation-0.5"].get_offsets()]
    assert xs == sorted(xs) and len(set(xs)) == 4  # weekly doses stay apart and in order
    ticks = timeline.ax.get_xticks()
    assert len(ticks) >= 3


def test_broken_dates_label_the_year_once() -> None:
    axis = XAxis("dates", start=dt.date(2026, 1, 5), scale="broken", break_day=28, squeeze=0.2)
    labels = [label for _, label in axis.ticks(400)]
    assert labels[0] == "5 Jan\n2026"
    assert labels[1] == "12 Jan"  # weekly in the first 4 weeks
    assert sum("\n2027" in label for label in labels) == 1


def test_an_unknown_time_axis_is_refused() -> None:
    with pytest.raises(OptionError) as caught:
        timeline_figure("chen2024-itp-ucmsc", time_axis="logarithmic")
    assert str(caught.value) == (
        "time_axis 'logarithmic' is not known (use auto, linear, broken or log)"
    )
    assert caught.value.fields == ("time_axis",)


def test_doses_days_apart_stay_apart_at_single_column() -> None:
    """Twice weekly (3-4 days apart; Ryoncil), days 0 and 3 (Lanzoni) and weekly (Chen) beside
    a year of follow-up (Qi) at 85 mm: the markers of a row do not overlap."""
    import math

    fig, timeline = timeline_figure(
        [
            "chen2024-itp-ucmsc",
            "ryoncil2024-pediatric-sr-agvhd-remestemcel",
            "lanzoni2021-covid-ards-ucmsc",
            "qi2017-sjogren-thrombocytopenia",
        ],
        size="single",
    )
    assert timeline.axis.scale == "broken"
    fig.draw_without_rendering()  # every artist placed, no pixel painted
    to_pt = 72 / fig.dpi
    checked = 0
    for gid, markers in timeline.doses.items():
        points = timeline.ax.transData.transform(markers.get_offsets())
        diameters = [math.sqrt(s) for s in markers.get_sizes()]
        for i in range(len(points) - 1):
            gap = (points[i + 1][0] - points[i][0]) * to_pt
            d = diameters[min(i, len(diameters) - 1)]
            d_next = diameters[min(i + 1, len(diameters) - 1)]
            assert gap >= (d + d_next) / 2 + 0.5, (gid, i, gap)  # half a point of white between
            checked += 1
    assert checked > 20
