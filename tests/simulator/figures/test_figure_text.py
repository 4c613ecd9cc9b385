"""Text of the figures: nothing under 7 pt at the printed size, one font family, editable text."""

from __future__ import annotations

from typing import Any

import pytest

from celldose.simulator.figures import timeline_figure

matplotlib = pytest.importorskip("matplotlib")

AA = "aa-ucmsc-18"
RYONCIL = "ryoncil2024-pediatric-sr-agvhd-remestemcel"


def drawn_texts(fig: Any) -> list[Any]:
    """Every visible, non-empty text of the figure (ticks, labels, legends, annotations)."""
    from matplotlib.text import Text

    fig.draw_without_rendering()  # tick labels exist once drawn (laid out; no pixel painted)
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_no_text_under_7_pt_and_one_family() -> None:
    # the gallery checks this for 1, 3, 5 and 13 studies at both widths; here one quick case
    # with every kind of text: key, titles, windows, range rows, branches, panel, notes
    fig, _ = timeline_figure(
        [AA, RYONCIL], count={AA: 8}, cumulative=True, notes=True, size="single"
    )
    texts = drawn_texts(fig)
    assert len(texts) > 20
    small = [(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 7]
    assert small == []
    assert {tuple(t.get_fontfamily()) for t in texts} == {("DejaVu Sans",)}
