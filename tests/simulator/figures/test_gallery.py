"""The gallery: 1, 3, 5 and all 13 library studies at single and double column, to PNG, SVG and
PDF, byte-identical on a second run, with artist-level checks (labels, the size key, the broken
axis' ticks, the 7 pt floor, no two texts overlapping).

Marked ``gallery``: the default run skips it; ``.ci/run`` runs it (``pytest -m gallery``). Set
``CELLDOSE_GALLERY_DIR`` to keep the files for looking at them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from celldose.protocols import library_ids
from celldose.simulator.figures import Timeline, save_figure, timeline_figure

pytestmark = pytest.mark.gallery
matplotlib = pytest.importorskip("matplotlib")

FIVE = [
    "jang2025-canine-itp",
    "qi2017-sjogren-thrombocytopenia",
    "chen2024-itp-ucmsc",
    "aa-ucmsc-18",
    "izadi2022-t1d-bmmsc",
]
SETS = {
    "one": FIVE[2:3],
    "three": FIVE[:3],
    "five": FIVE,
    "all": list(library_ids()),
}
GIVEN: dict[str, Any] = {
    "dose": {"jang2025-canine-itp": "1×10⁶ cells/kg"},
    "count": {"aa-ucmsc-18": 8},
    "interval": {"izadi2022-t1d-bmmsc": "4 weeks"},
}


def given_for(ids: list[str]) -> dict[str, Any]:
    return {k: {i: v for i, v in m.items() if i in ids} or None for k, m in GIVEN.items()}


def draw(name: str, size: str) -> tuple[Any, Timeline]:
    ids = SETS[name]
    return timeline_figure(ids, size=size, cumulative=True, **given_for(ids))


def texts(fig: Any) -> list[Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    FigureCanvasAgg(fig).draw()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


CASES = list(itertools.product(SETS, ["single", "double"]))


@pytest.mark.parametrize(("name", "size"), CASES)
def test_files_are_byte_identical_on_a_second_run(name: str, size: str, tmp_path: Path) -> None:
    keep = os.environ.get("CELLDOSE_GALLERY_DIR")
    for suffix in (".png", ".svg", ".pdf"):
        first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        save_figure(draw(name, size)[0], first, dpi=200)
        save_figure(draw(name, size)[0], second, dpi=200)
        assert first.read_bytes() == second.read_bytes(), suffix
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            (Path(keep) / f"{name}-{size}{suffix}").write_bytes(first.read_bytes())


@pytest.mark.parametrize(("name", "size"), CASES)
def test_artists(
    name: str, size: str, text_over_bands: Callable[[Any, Any], list[tuple[str, str]]]
) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig, timeline = draw(name, size)
    drawn = texts(fig)
    # every lane is labelled with its short label (the header of a multi-arm protocol) and arm
    shown = " ".join(t.get_text().replace("\n", " ") for t in timeline.ax.texts)
    for lane in timeline.lanes:
        assert lane.protocol_label in shown and lane.short_label is not None
    # the size key: a header and two or three reference doses
    (key,) = [
        a
        for a in timeline.ax.get_children()
        if getattr(a, "get_gid", None) and a.get_gid() == "size-key"
    ]
    labels = [t.get_text() for t in key.get_texts()]
    assert labels[0] in ("area ∝ cells/kg:", "area ∝ cells:") and 3 <= len(labels) <= 4
    # the 7 pt floor, one family
    assert min(t.get_fontsize() for t in drawn) >= 7
    assert {tuple(t.get_fontfamily()) for t in drawn} == {("DejaVu Sans",)}
    # a broken axis: ticks increase in x and in value, both sides of the break have ticks, and
    # the break is marked on the axes that shows the time
    axis = timeline.axis
    bottom = timeline.cumulative_ax
    if axis.scale == "broken":
        ticks = bottom.get_xticks()
        values = [float(t.get_text()) for t in bottom.get_xticklabels()]
        assert list(ticks) == sorted(ticks) and values == sorted(values)
        brk = axis.to_x(axis.break_day)
        assert any(t < brk for t in ticks) and any(t > brk for t in ticks)
        assert len([line for line in bottom.lines if line.get_gid() == "axis-break"]) == 2
    # no two texts overlap (rendered extents, within half a point)
    renderer = FigureCanvasAgg(fig).get_renderer()
    pad = 0.5 * fig.dpi / 72
    boxes = [(t.get_text(), t.get_window_extent(renderer).expanded(1, 1)) for t in drawn]
    clashes = []
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        if (
            box_a.x0 + pad < box_b.x1
            and box_b.x0 + pad < box_a.x1
            and box_a.y0 + pad < box_b.y1
            and box_b.y0 + pad < box_a.y1
        ):
            clashes.append((a, b))
    assert clashes == []
    # no text crosses a shaded window, assessment band or frequency-range band
    assert text_over_bands(fig, timeline.ax) == []
    # nothing runs off the figure
    box = fig.get_tightbbox(renderer)
    width, height = fig.get_size_inches()
    assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width + 1e-9 and box.y1 <= height + 1e-9


def test_ryoncil_at_single_column_keeps_text_off_the_assessment_band(
    text_over_bands: Callable[[Any, Any], list[tuple[str, str]]],
) -> None:
    # the branch conditions are too long to end before the band (weeks 3.7 to 4.3) or to
    # start after it at 85 mm: the band stops around their lines
    fig, timeline = timeline_figure(
        "ryoncil2024-pediatric-sr-agvhd-remestemcel", weight="20kg", size="single"
    )
    assert text_over_bands(fig, timeline.ax) == []
