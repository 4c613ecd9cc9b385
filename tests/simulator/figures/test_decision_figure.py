"""A protocol with a decision on the timeline: the conditional (branch) doses on rows of their
own, lighter than the certain doses and in the key; the assessment window marked.

The Ryoncil label fixture: course days 0, 3, ..., 24; assessment day 28 ± 2 (days 26 to 30);
the branches start on day 28 (not reported: planned from the assessment day)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from celldose.protocols import protocol_from_regimen
from celldose.simulator.figures import Timeline, timeline_figure

matplotlib = pytest.importorskip("matplotlib")

RYONCIL = str(Path(__file__).resolve().parents[2] / "fixtures" / "ryoncil-label.yaml")
KEY = "ryoncil-label.label"


@pytest.fixture(scope="module")
def drawn() -> Timeline:
    _, timeline = timeline_figure(RYONCIL, cumulative=True)
    return timeline


def test_branch_doses_are_drawn_apart_and_lighter(drawn: Timeline) -> None:
    to_x = drawn.axis.to_x
    partial = drawn.doses[f"branch-{KEY}-partial-or-mixed-response"]
    recurrence = drawn.doses[f"branch-{KEY}-recurrence-after-complete-response"]
    assert [float(x) for x, _ in partial.get_offsets()] == [to_x(d) for d in (28, 35, 42, 49)]
    assert [float(x) for x, _ in recurrence.get_offsets()] == [
        to_x(d) for d in (28, 31, 35, 38, 42, 45, 49, 52)
    ]
    course = drawn.doses[f"doses-{KEY}"]
    course_row = course.get_offsets()[0][1]
    rows = {float(partial.get_offsets()[0][1]), float(recurrence.get_offsets()[0][1])}
    assert len(rows) == 2 and course_row not in rows  # a row each, not the course's
    assert all(c[3] == pytest.approx(0.3) for c in partial.get_facecolors())  # lighter
    assert all(c[3] == 1.0 for c in course.get_facecolors())
    labels = [t.get_text() for t in drawn.ax.get_legend().get_texts()]
    assert "conditional dose (branch)" in labels
    assert "assessment (decision)" in labels
    texts = [t.get_text() for t in drawn.ax.texts]
    assert "if partial or mixed response (start assumed)" in [t.strip() for t in texts]


def test_the_assessment_window_is_marked(drawn: Timeline) -> None:
    band = drawn.windows[f"assessment-{KEY}"]
    to_x = drawn.axis.to_x
    assert band.get_x() == pytest.approx(to_x(26))
    assert band.get_x() + band.get_width() == pytest.approx(to_x(30))


@pytest.mark.parametrize("size", ["single", "double"])
def test_branch_conditions_stay_off_the_assessment_band(
    size: str, text_over_bands: Callable[[Any, Any], list[tuple[str, str]]]
) -> None:
    # "if partial or mixed response (start assumed)" (44 characters, 7 pt: about 173 pt) and
    # the recurrence branch's condition sat across the band of days 26 to 30. At double column
    # (about 480 pt for about 7.7 weeks: the band starts some 230 pt in) they end 2 pt before
    # it, right-aligned; at single column (about 230 pt wide) they fit neither before nor after
    # it, and the band stops around their lines
    fig, timeline = timeline_figure(
        "ryoncil2024-pediatric-sr-agvhd-remestemcel", weight="20kg", size=size
    )
    assert text_over_bands(fig, timeline.ax) == []
    key = "ryoncil2024-pediatric-sr-agvhd-remestemcel.label"
    labels = [t for t in timeline.ax.texts if str(t.get_gid()).endswith("-label")]
    branch = [t for t in labels if t.get_text().startswith("if ")]
    assert len(branch) == 2
    start = timeline.axis.to_x(26)
    if size == "double":
        assert all(t.get_ha() == "right" and t.get_position()[0] < start for t in branch)
        assert [k for k in timeline.windows if k.startswith(f"assessment-{key}")] == [
            f"assessment-{key}"
        ]
    else:  # one piece above each label, one under the last: three
        pieces = [k for k in timeline.windows if k.startswith(f"assessment-{key}")]
        assert len(pieces) == 3


def test_the_cumulative_panel_adds_each_branch(drawn: Timeline) -> None:
    line = drawn.cumulative[f"cumulative-{KEY}-partial-or-mixed-response"]
    # 8 × 2×10⁶ = 1.6×10⁷ cells/kg at the course's end, then + 4 × 2×10⁶ = 2.4×10⁷ (scale 10⁷)
    ys = list(line.get_ydata())
    assert ys[0] == pytest.approx(1.6) and ys[-1] == pytest.approx(2.4)


def test_the_notes_describe_what_is_drawn(drawn: Timeline) -> None:
    # a figure has no table and no totals: its notes say how the branches are drawn, and with a
    # cumulative panel how they continue the course's cumulative dose there
    assert (
        "the course stops at a decision; its branches (given only if their condition is met) are "
        "drawn dashed on rows of their own, and dotted where they continue the course's "
        "cumulative dose: ryoncil-label"  # as the figure names the lane (no short_label: the id)
    ) in drawn.notes
    _, alone = timeline_figure(RYONCIL)
    assert (
        "the course stops at a decision; its branches (given only if their condition is met) are "
        "drawn dashed on rows of their own: ryoncil-label"
    ) in alone.notes
    assert not any("table" in n or "totals" in n or "cumulative" in n for n in alone.notes)


def test_a_dose_range_note_names_only_what_is_drawn() -> None:
    ranged = protocol_from_regimen("1–2×10⁶ cells/kg weekly ×4", "dog")
    _, alone = timeline_figure(ranged)
    note = next(n for n in alone.notes if n.startswith("a dose range"))
    assert note.startswith(
        "a dose range is drawn as a light circle at its upper bound around a full one at its "
        "lower bound: "
    )
    _, with_panel = timeline_figure(ranged, cumulative=True)
    note = next(n for n in with_panel.notes if n.startswith("a dose range"))
    assert note.startswith(
        "a dose range is drawn as a light circle at its upper bound around a full one at its "
        "lower bound; the cumulative panel shades the band between its bounds: "
    )
