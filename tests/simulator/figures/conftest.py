"""Artist-level checks shared by the figure tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

BAND_GIDS = ("window-", "assessment-", "range-")  # shaded spans and bands of a lane
FIVE = [
    "jang2025-canine-itp",
    "qi2017-sjogren-thrombocytopenia",
    "chen2024-itp-ucmsc",
    "aa-ucmsc-18",
    "izadi2022-t1d-bmmsc",
]
DOGS = [
    "jang2025-canine-itp",
    "villatoro2018-canine-ad-admsc",
    "enciso2019-canine-ad-admsc",
    "perez-merino2015-canine-ibd-admsc",
]


def _text_over_bands(fig: Any, ax: Any) -> list[tuple[str, str]]:
    """(text, band gid) for each visible text on ``ax`` whose rendered box crosses the shape
    (not only the bounding box) of a shaded window, assessment band or frequency-range band;
    a box that only touches a shape's edge (within half a point) does not count."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import Patch

    canvas = FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # every artist placed and sized, no pixel painted
    renderer = canvas.get_renderer()
    pad = 0.5 * fig.dpi / 72
    bands = [
        p
        for p in ax.findobj(Patch)
        if str(p.get_gid() or "").startswith(BAND_GIDS) and p.get_visible()
    ]
    clashes = []
    for t in ax.texts:
        if not (t.get_visible() and t.get_text().strip()):
            continue
        box = t.get_window_extent(renderer).padded(-pad)
        for band in bands:
            path = band.get_transform().transform_path(band.get_path())
            if path.intersects_bbox(box, filled=True):
                clashes.append((t.get_text(), str(band.get_gid())))
    return clashes


@pytest.fixture
def text_over_bands() -> Callable[[Any, Any], list[tuple[str, str]]]:
    """The check that no text crosses a shaded span or band (see ``_text_over_bands``)."""
    return _text_over_bands


@pytest.fixture(scope="session")
def library_figure() -> tuple[Any, Any]:
    """(figure, timeline) of all 13 library studies at double width with the cumulative panel:
    a weight for each patient (70 kg, the cat 4 kg, Ryoncil's child 30 kg, the dogs 20 kg, so
    that the studies dosed in cells get a cumulative line too) and what the sources do not
    report (Jang's dose, UC-MSC's count, Izadi's interval). Drawn once for the tests that read
    it (about 1 s): none changes it (laying it out again, as they do, moves nothing)."""
    from celldose.protocols import library_ids
    from celldose.simulator.figures import timeline_figure

    ids = library_ids()
    weight = {i: "70kg" for i in ids} | {
        "quimby2016-feline-ckd-admsc": "4kg",
        "ryoncil2024-pediatric-sr-agvhd-remestemcel": "30kg",
    }
    return timeline_figure(
        ids,
        cumulative=True,
        size="double",
        weight=weight | dict.fromkeys(DOGS, "20kg"),
        dose={"jang2025-canine-itp": "1e6 cells/kg"},
        count={"aa-ucmsc-18": 8},
        interval={"izadi2022-t1d-bmmsc": "4 weeks"},
    )


@pytest.fixture(scope="session")
def five_studies() -> Callable[[str], tuple[Any, Any]]:
    """``five_studies(size)``: (figure, timeline) of Jang, Qi, Chen, UC-MSC (8 doses given) and
    Izadi (every 4 weeks given) with the cumulative panel at ``size``, each size drawn once
    for the tests that read it: none changes it."""
    from celldose.simulator.figures import timeline_figure

    drawn: dict[str, tuple[Any, Any]] = {}

    def figure(size: str) -> tuple[Any, Any]:
        if size not in drawn:
            drawn[size] = timeline_figure(
                FIVE,
                cumulative=True,
                size=size,
                count={"aa-ucmsc-18": 8},
                interval={"izadi2022-t1d-bmmsc": "4 weeks"},
            )
        return drawn[size]

    return figure
