"""Where the cumulative panel's end labels go: each beside its own line's end, at the right
edge of the panel, in the line's colour, never on a line, a marker, a shaded band or another
label.

Lines that end at the same height form a group; the group's labels are one block, stacked,
just above that height or, where a line or a marker is in the way, just below it. The panel's
y limit leaves room above the highest line for as many labels as need it, and
:func:`needed_height` says how tall the panel must be for every label to fit. Pure geometry in
points (no matplotlib): tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from celldose.simulator.figures._lane_style import FONT_LABEL, LINE, char_em

STEP_PT = FONT_LABEL * LINE + 0.5  # one label line's height in a block, 0.5 pt apart
CLEAR_PT = 1.0  # between a label and the padded edge of a line, marker or band
OFFSET_PT = 2.0  # from a line's centre to its label's box (half a line, and the clearance)
MARKER_OFFSET_PT = 3.2  # the same, clear of a marker on the line (its radius, the clearance)
SAME_PT = 1.0  # lines whose ends are closer than this are drawn on top of each other
MAX_TRIES = 20_000  # of the search over above/below for each group


@dataclass(frozen=True)
class Obstacle:
    """Something drawn on the panel a label must keep clear of: a line segment (zero width or
    height), a marker (a point) or a band, in data units (x of the time axis, y of the panel),
    with ``pad`` points around it (half a line's width, a marker's radius)."""

    x0: float
    x1: float
    y0: float
    y1: float
    pad: float


@dataclass(frozen=True)
class EndLabel:
    """The label of one line (or of lines with the same steps) at its right end."""

    text: str
    value: float  # the line's value at its end, in the panel's units
    colour: str
    gid: str


@dataclass(frozen=True)
class Placement:
    """The y limit of the panel and each label's bottom (pt above the panel's bottom), in the
    order the labels were given; every label's right edge is the panel's right edge."""

    limit: float
    bottoms: tuple[float, ...]
    texts: tuple[str, ...]  # each label's text, a long one on two lines where that fits better


def text_width_pt(text: str) -> float:
    """The width of a label (pt) from the mean glyph width (DejaVu Sans: 10-20% over the
    rendered width of the labels drawn, so that an estimate never undershoots)."""
    return len(text) * FONT_LABEL * char_em() + 2.0


def place(
    labels: Sequence[EndLabel],
    obstacles: Sequence[Obstacle],
    *,
    width_pt: float,
    height_pt: float,
    xlim: tuple[float, float],
    top: float,
    together: bool = True,
) -> Placement | None:
    """Where each label goes on a panel ``width_pt`` × ``height_pt`` points whose x runs over
    ``xlim`` and whose highest drawn value is ``top``; None when they cannot all fit.
    ``together``: lines too close for a label between them may be labelled as one block."""
    base = top if top > 0 else 1.0
    wide = [replace(label, text=_two_lines(label.text)) for label in labels]
    for texts in (labels, wide):  # one line each, else the long ones on two lines
        if texts is wide and all(a.text == b.text for a, b in zip(labels, wide, strict=True)):
            break
        reach = _in_reach(texts, obstacles, width_pt, xlim)
        # each label by its own line, else lines too close for a label between them (closer
        # than a label's height and its offsets) labelled together, in the lines' order
        for near in (SAME_PT, STEP_PT + 2 * OFFSET_PT) if together else (SAME_PT,):
            for above in range(len(labels) + 1):  # room over the highest line for this many
                room = above * STEP_PT + CLEAR_PT + 2.5  # 2.5: a marker's radius at the top
                if room >= 0.9 * height_pt:
                    break
                limit = base * height_pt / (height_pt - room)
                bottoms = _search(texts, reach, width_pt, height_pt, limit, near)
                if bottoms is not None:
                    return Placement(limit, bottoms, tuple(label.text for label in texts))
    return None


def _two_lines(text: str) -> str:
    """A label of more than 20 characters on two lines, broken at the space nearest its
    middle (``McIntyre 2018 (CISS)`` / ``escalation-3.0``)."""
    spaces = [i for i, char in enumerate(text) if char == " "]
    if len(text) <= 20 or not spaces:
        return text
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return f"{text[:cut]}\n{text[cut + 1 :]}"


def _lines(text: str) -> int:
    return text.count("\n") + 1


def _width(text: str) -> float:
    return max(text_width_pt(line) for line in text.split("\n"))


def needed_height(
    labels: Sequence[EndLabel],
    obstacles: Sequence[Obstacle],
    *,
    width_pt: float,
    xlim: tuple[float, float],
    top: float,
    start: float,
) -> float | None:
    """The smallest panel height (pt, from ``start`` up in steps of 6%, at least 4 pt) at which
    every label fits (:func:`place`); None when none up to about twice a stack of all of them
    does (many lines ending close together)."""
    # each label by its own line where a panel up to a stack of all of them and 8 more allows
    # it, else lines too close together labelled as one block, up to twice that
    for together, most in (
        (False, start + (len(labels) + 8) * STEP_PT),
        (True, start + (2 * len(labels) + 8) * STEP_PT),
    ):
        height = start
        while height < most:
            found = place(
                labels,
                obstacles,
                width_pt=width_pt,
                height_pt=height,
                xlim=xlim,
                top=top,
                together=together,
            )
            if found is not None:
                return height
            height += max(4.0, 0.06 * height)
    return None


def _in_reach(
    labels: Sequence[EndLabel],
    obstacles: Sequence[Obstacle],
    width_pt: float,
    xlim: tuple[float, float],
) -> list[tuple[float, float, float, float, float]]:
    """The obstacles that reach as far right as the widest label's left edge (only these can
    be in a label's way), with x in points from the panel's left and padded: (x0, x1, y0, y1,
    pad), y still in data units (it depends on the panel's height and y limit)."""
    lo, hi = xlim
    span = hi - lo if hi > lo else 1.0
    widest = max((_width(label.text) for label in labels), default=0.0)
    reach = []
    for o in obstacles:
        x1 = (o.x1 - lo) / span * width_pt + o.pad
        if x1 + CLEAR_PT > width_pt - widest:
            reach.append(((o.x0 - lo) / span * width_pt - o.pad, x1, o.y0, o.y1, o.pad))
    return reach


def _search(
    labels: Sequence[EndLabel],
    reach: Sequence[tuple[float, float, float, float, float]],
    width_pt: float,
    height_pt: float,
    limit: float,
    near: float = SAME_PT,
) -> tuple[float, ...] | None:
    """Each label's bottom with the panel's y limit at ``limit``: each group's block (lines
    whose ends are less than ``near`` pt below the group's highest end) above its highest line's
    end, else below its lowest, with no block on an obstacle (``reach``: see
    :func:`_in_reach`) or on another block; in a block the labels are in the order of their
    lines."""

    def py(y: float) -> float:
        return y / limit * height_pt

    boxes = [(x0, x1, py(y0) - pad, py(y1) + pad) for x0, x1, y0, y1, pad in reach]
    order = sorted(range(len(labels)), key=lambda i: -labels[i].value)
    groups: list[list[int]] = []
    for i in order:
        # within ``near`` of the group's highest line (not chained from line to line: a
        # label stays within about a label's height of its own line)
        if groups and py(labels[groups[-1][0]].value) - py(labels[i].value) < near:
            groups[-1].append(i)
        else:
            groups.append([i])
    options: list[list[tuple[float, float, float]]] = []  # (left, bottom, top) per group
    for group in groups:
        high, low = py(labels[group[0]].value), py(labels[group[-1]].value)
        block = sum(_lines(labels[i].text) for i in group) * STEP_PT
        left = width_pt - max(_width(labels[i].text) for i in group)
        fits = []
        for bottom in (
            high + OFFSET_PT,
            high + MARKER_OFFSET_PT,
            low - OFFSET_PT - block,
            low - MARKER_OFFSET_PT - block,
        ):
            top = bottom + block
            if bottom < 0 or top > height_pt:
                continue
            if any(
                x1 + CLEAR_PT > left
                and x0 - CLEAR_PT < width_pt
                and y1 + CLEAR_PT > bottom
                and y0 - CLEAR_PT < top
                for x0, x1, y0, y1 in boxes
            ):
                continue
            fits.append((left, bottom, top))
        if not fits:
            return None
        options.append(fits)
    chosen = _choose(options)
    if chosen is None:
        return None
    bottoms = [0.0] * len(labels)
    for group, (_, bottom, _) in zip(groups, chosen, strict=True):
        for i in reversed(group):  # from the block's bottom: the lowest line's label first
            bottoms[i] = bottom
            bottom += _lines(labels[i].text) * STEP_PT
    return tuple(bottoms)


def _choose(
    options: Sequence[Sequence[tuple[float, float, float]]],
) -> list[tuple[float, float, float]] | None:
    """One block per group (the first that fits: above before below), no two blocks
    overlapping; a depth-first search, groups from the highest line down."""
    chosen: list[tuple[float, float, float]] = []
    tries = 0

    def clear(block: tuple[float, float, float]) -> bool:
        _, bottom, top = block
        return all(top + 0.5 <= b or bottom >= t + 0.5 for _, b, t in chosen)

    def visit(k: int) -> bool:
        nonlocal tries
        if k == len(options):
            return True
        for block in options[k]:
            tries += 1
            if tries > MAX_TRIES:
                return False
            if clear(block):
                chosen.append(block)
                if visit(k + 1):
                    return True
                chosen.pop()
        return False

    return chosen if visit(0) else None
