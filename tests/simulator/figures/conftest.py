"""Artist-level checks shared by the figure tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

BAND_GIDS = ("window-", "assessment-", "range-")  # shaded spans and bands of a lane


def _text_over_bands(fig: Any, ax: Any) -> list[tuple[str, str]]:
    """(text, band gid) for each visible text on ``ax`` whose rendered box crosses the shape
    (not only the bounding box) of a shaded window, assessment band or frequency-range band;
    a box that only touches a shape's edge (within half a point) does not count."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import Patch

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
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
