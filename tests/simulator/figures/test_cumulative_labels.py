"""The cumulative panel labels each line at its right end (no legend), without overlaps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from celldose.simulator.figures import timeline_figure

matplotlib = pytest.importorskip("matplotlib")


@pytest.mark.parametrize("size", ["single", "double"])
def test_each_line_is_labelled_at_its_end(
    size: str, five_studies: Callable[[str], tuple[Any, Any]]
) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    # Jang, Qi, Chen, UC-MSC (8 doses given) and Izadi (every 4 weeks given), cumulative panel
    fig, timeline = five_studies(size)
    assert timeline.cumulative_ax.get_legend() is None
    labels = timeline.cumulative_labels
    # Jang's dose per kg is not reported: no line, no label; Chen's 2.0 arms share their steps
    assert sorted(t.get_text() for t in labels.values()) == [
        "Chen 2024 escalation-0.5",
        "Chen 2024 escalation-1.0",
        "Chen 2024 escalation-2.0, expansion-2.0",
        "Izadi 2022",
        "Qi 2017",
        "UC-MSC in aplastic anemia (max dashed)",
    ]
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels.values()]
    panel = timeline.cumulative_ax.get_window_extent(renderer)
    for i, box in enumerate(boxes):
        assert panel.y0 - 0.5 <= box.y0 and box.y1 <= panel.y1 + 0.5  # inside the panel
        for other in boxes[i + 1 :]:
            assert not box.overlaps(other)
    # the text of a label is its line's colour
    chen = labels["cumulative-label-chen2024-itp-ucmsc.escalation-0.5"]
    line = timeline.cumulative["cumulative-chen2024-itp-ucmsc.escalation-0.5"]
    assert chen.get_color() == line.get_color()


# The defects a README-only reviewer found: labels drawn over lines and markers (figfix).
def _stepped(line: object) -> object:
    """The path a ``steps-post`` Line2D draws, in display coordinates."""
    from matplotlib import cbook
    from matplotlib.path import Path as MPath

    xy = line.get_xydata()  # type: ignore[attr-defined]
    if line.get_drawstyle() == "steps-post":  # type: ignore[attr-defined]
        xs, ys = cbook.pts_to_poststep(xy[:, 0], xy[:, 1])
        xy = list(zip(xs, ys, strict=True))
    return line.get_transform().transform_path(MPath(xy))  # type: ignore[attr-defined]


def own_line(timeline: object, gid: str) -> object:
    """The line a label names (a frequency range: its max schedule, which it labels)."""
    key = f"cumulative-{gid.removeprefix('cumulative-label-')}"
    lines = timeline.cumulative  # type: ignore[attr-defined]
    return lines[key] if key in lines else lines[f"{key}-max"]


def label_problems(fig: object, timeline: object, *, beside: bool = True) -> list[str]:
    """Each end label that covers a line, a marker, a shaded band or another label, or sits
    away from its own line's end (more than the labels stacked between them), or is not in
    its line's colour: measured on the rendered artists."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection

    canvas = FigureCanvasAgg(fig)  # type: ignore[arg-type]
    fig.draw_without_rendering()  # type: ignore[attr-defined]  # placed and sized, not painted
    renderer = canvas.get_renderer()
    ax = timeline.cumulative_ax  # type: ignore[attr-defined]
    labels = timeline.cumulative_labels  # type: ignore[attr-defined]
    pt = fig.dpi / 72  # type: ignore[attr-defined]
    boxes = {gid: t.get_window_extent(renderer) for gid, t in labels.items()}
    problems = []
    for gid, box in boxes.items():
        inner = box.padded(-0.3 * pt)
        for line in ax.lines:
            xs = line.get_xydata()[:, 0]
            if str(line.get_gid()).startswith("axis-break") or min(xs) == max(xs):
                continue  # the axis break and day 0, under the labels' white backing
            drawn = line.get_linestyle() not in ("None", "none", "")
            if drawn and _stepped(line).intersects_bbox(inner, filled=False):
                problems.append(f"{labels[gid].get_text()!r} covers line {line.get_gid()}")
            if line.get_marker() not in ("None", "none", "", None):
                radius = line.get_markersize() / 2 * pt
                for x, y in line.get_transform().transform(line.get_xydata()):
                    if (
                        box.x0 - radius < x < box.x1 + radius
                        and box.y0 - radius < y < box.y1 + radius
                    ):
                        problems.append(f"{labels[gid].get_text()!r} covers a marker")
        for band in ax.collections:
            if isinstance(band, PolyCollection):
                for path in band.get_paths():
                    if band.get_transform().transform_path(path).intersects_bbox(inner):
                        problems.append(f"{labels[gid].get_text()!r} covers a band")
        for other, other_box in boxes.items():
            if other < gid and box.overlaps(other_box):
                problems.append(f"{labels[gid].get_text()!r} overlaps {labels[other].get_text()!r}")
        # attached: at the right end of its own line, in its colour, just above or below its
        # end (at most the labels of lines ending at the same height between them)
        own = own_line(timeline, gid)
        if labels[gid].get_color() != own.get_color():
            problems.append(f"{labels[gid].get_text()!r} is not in its line's colour")
        end_x, end_y = own.get_transform().transform(own.get_xydata()[-1])
        same = 0  # lines of the labels whose lines end at this one's height
        for o, text in labels.items():
            line = own_line(timeline, o)
            y = line.get_transform().transform(line.get_xydata()[-1])[1]
            if abs(y - end_y) < 1.0 * pt:
                same += text.get_text().count("\n") + 1
        reach = (same * 9.25 + 3.5) * pt
        if beside and not (
            abs(box.x1 - end_x) < 2 * pt and min(abs(box.y0 - end_y), abs(box.y1 - end_y)) < reach
        ):
            problems.append(f"{labels[gid].get_text()!r} is not beside its line's end")
    return problems


VET = ["jang2025-canine-itp", "qi2017-sjogren-thrombocytopenia", "chen2024-itp-ucmsc"]
ICU = [
    "mcintyre2018-ciss-septic-shock-bmmsc",
    "lanzoni2021-covid-ards-ucmsc",
    "alofisel-crohn-perianal-fistula-darvadstrocel",
    "izadi2022-t1d-bmmsc",
]


@pytest.mark.parametrize("size", ["single", "double"])
@pytest.mark.parametrize(
    ("sources", "options"),
    [
        (
            VET,
            {
                "weight": {"jang2025-canine-itp": "12kg"}
                | {"qi2017-sjogren-thrombocytopenia": "60kg", "chen2024-itp-ucmsc": "60kg"},
                "dose": {"jang2025-canine-itp": "1e6 cells/kg"},
            },
        ),
        (ICU, {"weight": "70kg", "interval": {"izadi2022-t1d-bmmsc": "4 weeks"}}),
        (VET, {"dose": {"jang2025-canine-itp": "1e6 cells/kg"}, "time_axis": "linear"}),
    ],
    ids=["vet", "icu", "vet-linear"],
)
def test_labels_sit_beside_their_own_line_and_on_nothing(
    sources: list[str], options: dict[str, object], size: str
) -> None:
    fig, timeline = timeline_figure(sources, cumulative=True, size=size, **options)  # type: ignore[arg-type]
    assert label_problems(fig, timeline) == []
    assert not [w for w in timeline.warnings if "cumulative panel" in w]


def test_the_readme_example_on_your_own_axes() -> None:
    """The README's draw_timeline example (Chen and Qi, 174 mm × 5.2 in, height ratios 3.2:1):
    the Qi line ran into Chen's label and Qi's label floated with no line."""
    from matplotlib.figure import Figure

    from celldose.simulator.figures import draw_timeline

    fig = Figure(figsize=(174 / 25.4, 5.2), layout="constrained")
    ax, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=[3.2, 1])
    timeline = draw_timeline(
        ax, ["chen2024-itp-ucmsc", "qi2017-sjogren-thrombocytopenia"], cumulative_ax=ax2
    )
    assert label_problems(fig, timeline) == []


def test_lines_ending_too_close_together_are_labelled_in_their_order(
    library_figure: tuple[Any, Any],
) -> None:
    """All 13 library studies (the conftest's ``library_figure``: double width, each patient's
    weight given): 17 lines end between 0.025 and 1.6 ×10⁷ cells/kg, most within a label's
    height of another. No panel of reasonable height puts each label beside its line: the
    labels are stacked above the lines, in the order of the lines' ends (the highest line's
    label on top), on no line, and a warning says so."""
    from pathlib import Path

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    library = Path(__file__).parents[3] / "protocols" / "library"
    ids = sorted(p.stem for p in library.glob("*.yaml"))
    assert len(ids) == 13
    fig, timeline = library_figure
    assert sorted({lane.protocol_id for lane in timeline.lanes}) == ids  # the figure drawn
    assert label_problems(fig, timeline, beside=False) == []
    assert [w for w in timeline.warnings if "cumulative" in w] == [
        "the cumulative panel has no room beside each line's end for its label (lines end close "
        "together, or still rise where the labels go): the labels are stacked above the lines, "
        "in the order of their ends"
    ]
    renderer = FigureCanvasAgg(fig).get_renderer()
    ends = {}
    for gid, text in timeline.cumulative_labels.items():
        line = own_line(timeline, gid)
        ends[gid] = (line.get_xydata()[-1][1], text.get_window_extent(renderer).y0)
    by_line = sorted(ends, key=lambda g: ends[g][0])
    by_label = sorted(ends, key=lambda g: ends[g][1])
    assert by_label == by_line


def test_lines_still_rising_where_the_labels_go() -> None:
    """On a log axis at single width Jang's q4w steps (2 to 8 ×10⁶ cells/kg) rise up to week
    28, in the last eighth of the panel: only a label under about 28 pt (Qi 2017) fits right
    of them, so Chen's labels at 2 and 4 cannot sit beside their lines: they are stacked in
    the order of the lines' ends, on no line, and the warning says so."""
    fig, timeline = timeline_figure(
        ["chen2024-itp-ucmsc", "qi2017-sjogren-thrombocytopenia", "jang2025-canine-itp"],
        dose={"jang2025-canine-itp": "1e6 cells/kg"},
        time_axis="log",
        size="single",
        cumulative=True,
    )
    assert label_problems(fig, timeline, beside=False) == []
    assert any("no room beside each line's end" in w for w in timeline.warnings)
