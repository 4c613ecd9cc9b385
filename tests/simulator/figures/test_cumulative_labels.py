"""The cumulative panel labels each line at its right end (no legend), without overlaps."""

from __future__ import annotations

import pytest

from celldose.simulator.figures import timeline_figure

matplotlib = pytest.importorskip("matplotlib")

FIVE = [
    "jang2025-canine-itp",
    "qi2017-sjogren-thrombocytopenia",
    "chen2024-itp-ucmsc",
    "aa-ucmsc-18",
    "izadi2022-t1d-bmmsc",
]


@pytest.mark.parametrize("size", ["single", "double"])
def test_each_line_is_labelled_at_its_end(size: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig, timeline = timeline_figure(
        FIVE,
        cumulative=True,
        size=size,
        count={"aa-ucmsc-18": 8},
        interval={"izadi2022-t1d-bmmsc": "4 weeks"},
    )
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
