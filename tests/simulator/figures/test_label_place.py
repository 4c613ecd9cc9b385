"""Where the cumulative panel's end labels go (pure geometry, worked by hand)."""

from __future__ import annotations

import pytest

from celldose.simulator.figures._label_place import EndLabel, Obstacle, needed_height, place


def flat(value: float) -> Obstacle:
    """A line at ``value`` across the whole panel (x 0 to 10), 1 pt wide (pad 0.6 pt)."""
    return Obstacle(0.0, 10.0, value, value, 0.6)


def test_two_lines_too_close_for_a_label_between_them() -> None:
    """Lines at 3.0 and 2.86 on a 100 pt panel; a label is 7 × 1.25 + 0.5 = 9.25 pt tall, 2 pt
    off its line. With no room over the top line (the limit 3.0 × 100 / (100 − 3.5) = 3.109)
    the top label fits neither above (96.5 + 2 + 9.25 > 100) nor below (it would cover the
    2.86 line at 92 pt). With one label's room (9.25 + 1 + 2.5 = 12.75 pt) the limit is
    3 × 100 / 87.25 = 3.4384: the 3.0 line is at 87.25 pt, its label above it from 89.25 pt;
    the 2.86 line is at 2.86 / 3.4384 × 100 = 83.18 pt, 4.1 pt under the other: its label
    goes below, its top at 81.18, its bottom at 71.93 pt."""
    labels = [EndLabel("A", 3.0, "#000000", "a"), EndLabel("B", 2.86, "#000000", "b")]
    found = place(
        labels, [flat(3.0), flat(2.86)], width_pt=200, height_pt=100, xlim=(0, 10), top=3.0
    )
    assert found is not None
    assert found.limit == pytest.approx(3.0 / 0.8725)
    assert found.bottoms == pytest.approx((89.25, 2.86 / (3.0 / 0.8725) * 100 - 2 - 9.25))


def test_lines_ending_together_share_a_block() -> None:
    """Three lines end at 8, one at 4 (limit 8 × 100 / 96.5 = 8.29): the three labels stack
    under the 8 line (at 96.5 pt), in the lines' order from the top (a, b, c): bottoms
    96.5 − 2 − 9.25 = 85.25, 76, 66.75; the 4 line is at 48.25 pt, its label above it from
    50.25 pt (clear of the block from 66.75)."""
    labels = [EndLabel(t, v, "#000000", t) for t, v in (("a", 8), ("b", 8), ("c", 8), ("d", 4))]
    found = place(labels, [flat(8), flat(4)], width_pt=200, height_pt=100, xlim=(0, 10), top=8)
    assert found is not None
    assert found.limit == pytest.approx(8 / 0.965)
    assert found.bottoms == pytest.approx((85.25, 76.0, 66.75, 50.25))


def test_a_label_is_kept_off_a_rising_line() -> None:
    """Line A at 1 across the panel (x 0-10 on 200 pt); line B at 0 to x 2, at 1.2 to x 5
    (100 pt), then 3. A's label, 30 characters (30 × 7 × 0.56 + 2 = 119.6 pt, from 80.4 pt
    to the right edge), would cover B's rise at 100 pt above A; below A nothing is drawn
    right of 40 pt: it goes below. B's label goes over B's end at 3."""
    b_line = [
        Obstacle(0, 2, 0, 0, 0.6),
        Obstacle(2, 2, 0, 1.2, 0.6),
        Obstacle(2, 5, 1.2, 1.2, 0.6),
        Obstacle(5, 5, 1.2, 3, 0.6),
        Obstacle(5, 10, 3, 3, 0.6),
    ]
    labels = [EndLabel("x" * 30, 1.0, "#000000", "a"), EndLabel("B", 3.0, "#000000", "b")]
    found = place(labels, [flat(1.0), *b_line], width_pt=200, height_pt=100, xlim=(0, 10), top=3)
    assert found is not None
    per_value = 100 / found.limit
    assert found.bottoms[0] == pytest.approx(1.0 * per_value - 2 - 9.25)  # under A
    assert found.bottoms[1] in (
        pytest.approx(3.0 * per_value + 2),
        pytest.approx(3.0 * per_value - 2 - 9.25),
    )


def test_a_short_panel_is_refused_and_the_height_needed_is_given() -> None:
    """Five lines 0.5 apart (0.5 ... 2.5) on a 30 pt panel: one label needs 9.25 pt, the
    lines are 5 pt apart: nothing fits; needed_height finds the height where it does."""
    values = [0.5, 1.0, 1.5, 2.0, 2.5]
    labels = [EndLabel(str(v), v, "#000000", str(v)) for v in values]
    lines = [flat(v) for v in values]
    assert place(labels, lines, width_pt=200, height_pt=30, xlim=(0, 10), top=2.5) is None
    need = needed_height(labels, lines, width_pt=200, xlim=(0, 10), top=2.5, start=30)
    assert need > 30
    assert place(labels, lines, width_pt=200, height_pt=need, xlim=(0, 10), top=2.5)
