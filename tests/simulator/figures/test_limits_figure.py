"""Figures under dose limits (issue 10, rule 3): stopped doses are not drawn, the notes say so."""

from __future__ import annotations

from pathlib import Path

from celldose.protocols import parse_protocol
from celldose.simulator.figures import timeline_figure

FIXTURE = Path(__file__).parents[2] / "fixtures" / "ryoncil-label.yaml"


def test_branch_doses_past_a_course_maximum_are_left_out_and_noted() -> None:
    # 20 kg: 4×10⁷ a dose; 8 base doses = 3.2×10⁸; max 4×10⁸ leaves two branch doses (9, 10)
    limit = "limits: [{max_per_course: 4×10⁸ cells, action: cap}]\n"
    text = FIXTURE.read_text(encoding="utf-8").replace("route: IV\n", "route: IV\n" + limit, 1)
    _, timeline = timeline_figure(parse_protocol(text), weight="20 kg")
    (lane,) = timeline.lanes
    assert [[d.number for d in b.doses] for b in lane.branches] == [[9, 10], [9, 10]]
    assert [d.cells for b in lane.branches for d in b.doses] == [4e7] * 4
    assert (
        "ryoncil-label: doses 11–12 of branch partial-or-mixed-response not given: stopped, max "
        "per course 4×10⁸ cells reached; doses 11–16 of branch "
        "recurrence-after-complete-response not given: stopped, max per course 4×10⁸ cells "
        "reached"
    ) in timeline.notes
