"""The layout of a timeline: each lane's box (header, title, marker rows, window labels), in
points from the top, and its texts, wrapped to the width of the axes."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from celldose.protocols import format_sig
from celldose.simulator.figures._lane_style import (
    FONT_HEADER,
    FONT_LABEL,
    FONT_SMALL,
    FONT_TITLE,
    LINE,
    MARKER_PT,
    ROW_GAP_PT,
    char_em,
)
from celldose.simulator.scenarios import (
    Lane,
    LaneBranch,
    LaneDose,
    LaneSchedule,
    LaneWindow,
    responders_text,
)


@dataclass(frozen=True)
class LaneBox:
    """Where the parts of one lane go: tops and rows in points from the top of the timeline."""

    lane: Lane
    index: int
    header: tuple[str, ...]  # a group header above the lane (first arm of a multi-arm protocol)
    header_top: float
    title: tuple[str, ...]
    title_top: float
    rows: tuple[float, ...]  # y of each marker row (max schedule first for a range)
    phase_labels: bool
    labels_top: float
    labels: tuple[tuple[str, ...], ...]  # wrapped text of each window label or note
    bottom: float
    branch_rows: tuple[float, ...] = ()  # y of each branch's row (conditional doses), below
    branch_labels: tuple[tuple[str, ...], ...] = ()  # each branch's condition, wrapped, above it


_NBSP = "\u00a0"
_KEEP_TOGETHER = re.compile(
    r" (?=(?:cells|×\d|\d+%\)|days?\b|weeks?\b|months?\b|years?\b|kg\b|reported\b))"
)


def wrap(text: str, width_pt: float, size: float) -> tuple[str, ...]:
    """Wrap to the width (estimated from the mean glyph width), never between a number and its
    unit (``2×10⁶ cells/kg``, ``q4w ×8``, ``28 weeks``) nor inside ``not reported``."""
    chars = max(16, int(width_pt / (size * char_em())))
    protected = _KEEP_TOGETHER.sub(_NBSP, text)
    lines = textwrap.wrap(protected, chars, break_on_hyphens=False) or [""]
    return tuple(line.replace(_NBSP, " ") for line in lines)


def _extras(lane: Lane, mixed: bool) -> str:
    """`` (dog, n=1)``: the species when the lanes mix species, and the arm's size."""
    words = ([lane.species] if mixed else []) + ([f"n={lane.n}"] if lane.n is not None else [])
    return f" ({', '.join(words)})" if words else ""


def _dose_text(lane: Lane) -> str:
    text = lane.regimen
    patient = lane.patient
    cells = list(dict.fromkeys(_cells_text(d) for d in lane.doses))
    if patient is not None and None not in cells:
        each = " then ".join(c for c in cells if c is not None)
        text += f" = {each} cells/dose for {patient.weight.text}"
        if lane.band is not None:
            text += f" (weight band {lane.band})"
    if lane.dose_replaced:
        text += " (dose given, replacing the published one)"
    if lane.given:
        text += f" ({' and '.join(lane.given)} not reported by the source: given here)"
    return text


def _cells_text(dose: LaneDose) -> str | None:
    """``2×10⁷``, or both bounds of a dose range (``1×10⁷–2×10⁷``: the dose plan's bounds); one
    number where the bounds meet (a limit brought the upper bound down to the lower)."""
    if dose.cells is None:
        return None
    low, high = format_sig(dose.cells * dose.low_fraction), format_sig(dose.cells)
    return high if low == high else f"{low}–{high}"


def _window_text(w: LaneWindow) -> str:
    """``Response: 3/6 (50%; 95% CI 19–81%)``, with what is not reported said in words."""
    r = w.responders
    if r is not None:
        ci = responders_text(r, fraction=False)
        who = f" ({ci})" if f"{r.k}/{r.n}" in w.label else f": {r.k}/{r.n} ({ci})"
    elif w.window.responders is not None:
        who = ": responders not reported"
    else:
        who = ""
    if w.known == "neither":
        why = f"; {w.note}" if w.note else ""
        return f"{w.label}{who} — time not reported{why} (not drawn)"
    if w.known == "start":
        return f"{w.label}{who}; end not reported"
    if w.known == "end":
        return f"{w.label}{who}; start not reported"
    return f"{w.label}{who}"


def layout(lanes: Sequence[Lane], width_pt: float) -> tuple[list[LaneBox], float]:
    """The boxes of the lanes from the top, and the total height (pt): a bold header above
    the arms of a multi-arm protocol, then per lane its title, marker rows and window labels."""
    mixed = len({lane.species for lane in lanes}) > 1
    boxes: list[LaneBox] = []
    y = 0.0
    index = 0
    while index < len(lanes):
        group = [lanes[index]]
        while (
            index + len(group) < len(lanes)
            and lanes[index + len(group)].protocol_id == lanes[index].protocol_id
        ):
            group.append(lanes[index + len(group)])
        for k, lane in enumerate(group):
            header: tuple[str, ...] = ()
            header_top = y
            if len(group) > 1:
                if k == 0:
                    words = lane.protocol_label + (f" ({lane.species})" if mixed else "")
                    follow = lane.follow_up_text()
                    text = f"{words}: {follow}" if follow else words
                    header = wrap(text, width_pt, FONT_HEADER)
                    y += 2 + len(header) * FONT_HEADER * LINE
                title_text = f"{lane.arm}{_extras(lane, False)}: {_dose_text(lane)}"
            else:
                title_text = f"{lane.protocol_label}{_extras(lane, mixed)}: {_dose_text(lane)}"
                if lane.follow_up_text():
                    title_text += f"; {lane.follow_up_text()}"
            title = wrap(title_text, width_pt, FONT_TITLE)
            title_top = y + 2
            y = title_top + len(title) * FONT_TITLE * LINE + 1.5
            first_row = y + MARKER_PT / 2 + 1.5
            rows = (first_row, first_row + ROW_GAP_PT) if lane.is_range else (first_row,)
            phases = len({d.phase for d in lane.doses}) > 1
            branch_labels = tuple(wrap(branch_text(b), width_pt, FONT_SMALL) for b in lane.branches)
            branch_y, below = [], rows[-1] + MARKER_PT / 2
            for label in branch_labels:  # the condition on its own lines, then the row
                # 2 pt: clear of a window's shading, which reaches 1.5 pt under the markers
                below += 2 + len(label) * FONT_SMALL * LINE
                branch_y.append(below + MARKER_PT / 2 + 1)
                below = branch_y[-1] + MARKER_PT / 2
            branch_rows = tuple(branch_y)
            last_row = branch_rows[-1] if branch_rows else rows[-1]
            labels_top = last_row + MARKER_PT / 2 + 3 + (FONT_LABEL * LINE if phases else 0)
            labels = tuple(wrap(_window_text(w), width_pt, FONT_LABEL) for w in lane.windows)
            lines = sum(len(label) for label in labels)
            bottom = labels_top + lines * FONT_LABEL * LINE + 4
            boxes.append(
                LaneBox(
                    lane,
                    index + k,
                    header,
                    header_top,
                    title,
                    title_top,
                    rows,
                    phases,
                    labels_top,
                    labels,
                    bottom,
                    branch_rows,
                    branch_labels,
                )
            )
            y = bottom
        index += len(group)
        y += 3  # between protocols
    return boxes, y


def branch_text(branch: LaneBranch) -> str:
    """``if partial or mixed response (start assumed)``: the label of a branch's row."""
    return f"if {branch.condition}" + (" (start assumed)" if branch.start_assumed else "")


def range_label(schedule: LaneSchedule) -> str:
    """``max: twice weekly``: the label at the end of a frequency range's row."""
    return f"{schedule.which}: {schedule.label}"
