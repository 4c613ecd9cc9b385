"""Whole containers: a computed dose rounded to whole vials (or bags), within a tolerance.

``rounding="down"`` gives the whole containers that fit in the prescribed dose, ``"nearest"``
the nearest whole number of containers (a half rounds up). The dose given is then the whole
content of those containers: containers × cells per container (× the viability when the dose
counts viable cells). Refused, never clamped: a product without a container size, zero
containers, a change from the prescribed dose beyond the tolerance (default 10%), and a
rounded dose outside the dose's range (``bounds``).

Rounding comes after a per-dose cap: the capped dose is what is prescribed, and a rounding that
would go above the cap is refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from celldose.protocols import OptionError, format_sig, plural, read_fraction
from celldose.simulator.dosing._logistics import Product

Rounding = Literal["none", "down", "nearest"]
ROUNDINGS: tuple[Rounding, ...] = ("none", "down", "nearest")
DEFAULT_TOLERANCE = 0.10  # 10%
_SLACK = 1e-9  # relative: 2.0000000001 vials is 2 whole vials, not 3 (floating point)


@dataclass(frozen=True)
class Rounded:
    """A dose rounded to whole containers.

    >>> r = Rounded("down", 1, 3e7, 2.5384e7, "vial", 0.1)
    >>> round(100 * r.change, 1), r.text(12.0)
    (-15.4, 'rounded down to 1 vial: 2.54×10⁷ cells (2.12×10⁶ cells/kg), −15.4% from prescribed')
    """

    mode: Literal["down", "nearest"]
    containers: int
    prescribed_cells: float  # the dose as prescribed (after any cap)
    cells: float  # the dose given: the whole content of the containers
    container: str  # vial, bag
    tolerance: float

    @property
    def change(self) -> float:
        """The dose given relative to the prescribed dose: −0.154 is 15.4% less."""
        return self.cells / self.prescribed_cells - 1.0

    def text(self, weight_kg: float) -> str:
        """``rounded down to 1 vial: 2.54×10⁷ cells (2.12×10⁶ cells/kg), −15.4% from
        prescribed``."""
        return (
            f"{phrase(self.mode, self.containers, self.container)}: "
            f"{format_sig(self.cells)} cells ({format_sig(self.cells / weight_kg)} cells/kg), "
            f"{within_text(self.change, self.tolerance)} from prescribed"
        )


def phrase(mode: str, containers: int, word: str) -> str:
    """``rounded down to 1 vial``, ``rounded to 2 vials (nearest)``."""
    if mode == "down":
        return f"rounded down to {plural(containers, word)}"
    return f"rounded to {plural(containers, word)} (nearest)"


def percent(change: float) -> str:
    """A signed percentage to 3 significant figures, with a true minus: ``−15.4%``, ``+5.77%``."""
    value = 100 * change
    if value == 0 or abs(value) < 0.0005:
        return "0%"
    sign = "+" if value > 0 else "−"
    return f"{sign}{format_sig(abs(value))}%"


def tolerance_text(tolerance: float) -> str:
    """A tolerance as it was typed (no rounding to 3 figures): ``15.38%``, ``10%``.

    >>> tolerance_text(0.1538), tolerance_text(0.1)
    ('15.38%', '10%')
    """
    text = f"{100 * tolerance:.6g}"
    return (format_sig(100 * tolerance) if "e" in text else text) + "%"


def _fixed(value: float, decimals: int) -> str:
    """``value`` with at most ``decimals`` decimals, without trailing zeros."""
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def within_text(change: float, tolerance: float) -> str:
    """A change within the tolerance, to 3 figures, or to as many decimals as the tolerance was
    typed with where 3 figures would read as more than the tolerance (−15.39% within 15.39%,
    never −15.4%).

    >>> within_text(-0.153867, 0.1539), within_text(-0.153867, 0.2)
    ('−15.39%', '−15.4%')
    """
    shown = percent(change)
    allowed = 100 * tolerance * (1 + 1e-12)
    if float(shown.lstrip("+−").rstrip("%")) <= allowed or 100 * abs(change) > allowed:
        return shown
    decimals = len(tolerance_text(tolerance)[:-1].partition(".")[2])
    sign = "+" if change > 0 else "−"
    return f"{sign}{_fixed(100 * abs(change), decimals)}%"


def beyond_text(change: float, tolerance: float) -> tuple[str, str]:
    """A change beyond the tolerance, and by how much, written so that they agree with each
    other and with the tolerance as typed: the gap to 3 figures, the change with as many
    decimals as the gap and the tolerance have (−15.39% is 5.39 points beyond 10%; −15.3867% is
    0.00667 points beyond 15.38%).

    >>> beyond_text(-0.15386667, 0.1538)
    ('−15.38667%', '0.00667 percentage points')
    >>> beyond_text(1.0, 0.99)
    ('+100%', '1 percentage point')
    """
    changed, allowed = 100 * abs(change), 100 * tolerance
    gap = changed - allowed
    gap_decimals = max(0, 2 - math.floor(math.log10(gap))) if gap > 0 else 0
    typed = tolerance_text(tolerance)[:-1]
    decimals = max(gap_decimals, len(typed.partition(".")[2]))
    gap_shown = _fixed(gap, gap_decimals)
    points = "percentage point" if gap_shown == "1" else "percentage points"
    sign = "+" if change > 0 else "−"
    return f"{sign}{_fixed(changed, decimals)}%", f"{gap_shown} {points}"


def needed_tolerance(change: float) -> str | None:
    """The smallest tolerance (in whole percent where that is under 100%, else with decimals)
    that allows ``change``; None when no tolerance under 100% does (a dose doubled or more).

    >>> needed_tolerance(-0.1539), needed_tolerance(0.995), needed_tolerance(1.0)
    ('16%', '99.5%', None)
    """
    changed = 100 * abs(change)
    for decimals in range(4):
        scale = 10**decimals
        value = math.ceil(changed * scale - 1e-9) / scale  # 37.000000001% asks for 37%
        if value < 100:
            return f"{_fixed(value, decimals)}%"
    return None


def as_tolerance(value: float | str | None) -> float:
    """A tolerance: a fraction (0.1) or text with a percent sign ("10%"), from 0 to under 100%.

    >>> as_tolerance("15%"), as_tolerance(0.05), as_tolerance(None)
    (0.15, 0.05, 0.1)
    """
    if value is None:
        return DEFAULT_TOLERANCE
    if isinstance(value, str):
        text = value.strip()
        fraction = read_fraction(text) if text.endswith("%") else None
        if fraction is None:
            raise OptionError(
                f"round_tolerance {value!r} is not a percentage",
                'write a plain number and a percent sign: round_tolerance="15%"',
                fields=("round_tolerance",),
            )
        value = fraction
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OptionError(
            f"round_tolerance must be a fraction (0.1) or a percentage ('10%'), not {value!r}",
            fields=("round_tolerance",),
        )
    if not 0 <= value < 1:
        raise OptionError(
            f"round_tolerance must be from 0% to under 100%, not {format_sig(100 * value)}%",
            'write it as a percentage: round_tolerance="10%"',
            fields=("round_tolerance",),
        )
    return float(value)


def as_rounding(value: object) -> Rounding:
    if value is None:
        return "none"
    if not isinstance(value, str) or value not in ROUNDINGS:
        raise OptionError(
            f"rounding must be one of 'down', 'nearest' (or 'none'), not {value!r}",
            fields=("rounding",),
        )
    return value


def whole_count(cells: float, product: Product, mode: Literal["down", "nearest"]) -> int | None:
    """The whole containers a dose of ``cells`` rounds to (None: the product gives no
    container size).

    >>> whole_count(1.74e7, Product(vial_cells=2.54e7), "down")
    0
    """
    per = product.cells_per_vial
    if per is None:
        return None
    fraction = product.viability if product.dose_counts_viable and product.viability else 1.0
    ratio = cells / (per * fraction)
    return math.floor(ratio + (0.5 if mode == "nearest" else 0.0) + _SLACK * max(ratio, 1.0))


def round_to_containers(
    cells: float,
    product: Product,
    mode: Literal["down", "nearest"],
    tolerance: float,
    *,
    cap: float | None = None,
    bounds: tuple[float, float] | None = None,
    cap_text: str | None = None,
) -> Rounded:
    """Round a dose of ``cells`` to whole containers of ``product``; refuse what cannot be.

    ``cap`` is the most cells a dose may have (``cap_text`` says where it comes from: ``the
    9.36×10⁷ cells left for dose 3 by the max per course of 5×10⁸ cells``), ``bounds`` the dose
    range in cells (a rounded dose outside it is refused).

    >>> product = Product(concentration=6.68e6, vial_volume_ml=3.8)
    >>> round_to_containers(2.4e7, product, "nearest", 0.1).containers
    1
    """
    word = product.container
    per = product.cells_per_vial
    if per is None:
        raise OptionError(
            f"whole {word}s (rounding=) need the cells in one {word}: the product gives neither "
            "cells_per_vial nor vial_volume",
            "add cells_per_vial (or vial_volume and concentration) to the protocol's product, or "
            'pass vial="3.8 mL"',
            fields=("rounding",),
        )
    fraction = product.viability if product.dose_counts_viable and product.viability else 1.0
    content = per * fraction  # the dose one container gives
    ratio = cells / content
    count = {
        "down": math.floor(ratio + _SLACK * max(ratio, 1.0)),
        "nearest": math.floor(ratio + 0.5 + _SLACK * max(ratio, 1.0)),
    }
    containers = count[mode]

    def out_of_bounds(n: int) -> str | None:
        """Why ``n`` containers cannot be given whatever the tolerance (None: they can)."""
        given = n * content
        if n < 1:
            return "none"
        if cap is not None and given > cap * (1 + 1e-12):
            return f"above {cap_text or f'the cap of {format_sig(cap)} cells'}"
        if bounds is not None and not (bounds[0] * (1 - 1e-12) <= given <= bounds[1] * (1 + 1e-12)):
            low, high = bounds
            side, bound, by, of = (
                ("below", "lower", low - given, low)
                if given < low
                else ("above", "upper", given - high, high)
            )
            part = f"{format_sig(by)} cells ({format_sig(100 * by / of)}%)"
            return (
                f"outside the dose range {format_sig(low)}–{format_sig(high)} cells: "
                f"{part} {side} its {bound} bound"
            )
        return None

    def beyond(n: int) -> bool:
        """Whether ``n`` containers change the dose by more than the tolerance."""
        return abs(n * content / cells - 1.0) > tolerance + 1e-12

    def wider(n: int) -> str | None:
        """``round_tolerance="37%"``, the tolerance ``n`` containers need (None: none does)."""
        needed = needed_tolerance(n * content / cells - 1.0)
        return None if needed is None else f'round_tolerance="{needed}"'

    # a hint only suggests what works: the other rounding (with the tolerance it needs) where it
    # gives containers that can be given, a larger tolerance where only the tolerance is broken
    # and a tolerance under 100% allows it, a smaller container where none does
    other_mode: Literal["down", "nearest"] = "nearest" if mode == "down" else "down"
    other = count[other_mode]
    fixes = []
    if other != containers and out_of_bounds(other) is None:
        if not beyond(other):
            fixes.append(f"use rounding={other_mode}")
        elif (needed := wider(other)) is not None:
            fixes.append(f"use rounding={other_mode} with {needed}")
    problem = out_of_bounds(containers)
    too_far = containers >= 1 and beyond(containers)
    if problem is None and too_far:
        if (needed := wider(containers)) is not None:
            fixes.append(f"allow it with {needed}")
        else:
            fixes.append(f"use a smaller {word}")
    if containers < 1:
        fixes.append(f"use a smaller {word}")
    hint = (
        ", ".join([*fixes, "or leave the dose unrounded"])
        if fixes
        else ("leave the dose unrounded")
    )
    if containers < 1:
        raise OptionError(
            f"the dose of {format_sig(cells)} cells rounded "
            f"{'down to whole ' + word + 's' if mode == 'down' else 'to the nearest whole ' + word}"
            f" of {format_sig(content)} cells is 0 {word}s: no dose (the dose is "
            f"{format_sig(100 * ratio)}% of one {word})",
            hint,
            fields=("rounding",),
        )
    rounded = Rounded(mode, containers, cells, containers * content, word, tolerance)
    given = f"the dose {phrase(mode, containers, word)} is {format_sig(rounded.cells)} cells"
    if problem is not None:  # the cap and the range first: no tolerance allows these
        raise OptionError(
            f"{given}, {problem}",
            hint,
            fields=("rounding", "cap") if problem.startswith("above the cap") else ("rounding",),
        )
    if too_far:
        change, gap = beyond_text(rounded.change, tolerance)
        impossible = "" if wider(containers) else ", and no tolerance under 100% allows it"
        raise OptionError(
            f"{given}, {change} from the prescribed {format_sig(cells)} cells: {gap} beyond "
            f"the tolerance of {tolerance_text(tolerance)}{impossible}",
            hint,
            fields=("rounding", "round_tolerance"),
        )
    return rounded


def rounding_notes(
    doses: Sequence[tuple[int, Rounded | None]], weight_kg: float, tolerance: float
) -> list[str]:
    """One label per distinct rounding, naming its doses (``doses`` is (number, rounded) pairs):
    ``doses 1–8 rounded down to 1 vial: … from prescribed 3×10⁷ cells (tolerance 10%)``."""
    numbers: dict[str, list[int]] = {}
    texts: dict[int, str] = {}  # id of a Rounded -> its text (the doses of a phase share one)
    for number, rounded in doses:
        if rounded is not None:
            text = texts.get(id(rounded))
            if text is None:
                text = texts[id(rounded)] = (
                    f"{rounded.text(weight_kg)} {format_sig(rounded.prescribed_cells)} cells "
                    f"(round tolerance {tolerance_text(tolerance)})"
                )
            numbers.setdefault(text, []).append(number)
    return [f"{_dose_numbers(sorted(set(n)))} {text}" for text, n in numbers.items()]


def _dose_numbers(numbers: list[int]) -> str:
    """``dose 3``, ``doses 1–8``, ``doses 1–4, 9``."""
    runs: list[str] = []
    start = previous = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == previous + 1:
            previous = n
            continue
        runs.append(str(start) if start == previous else f"{start}–{previous}")
        if n is not None:
            start = previous = n
    return ("dose " if len(numbers) == 1 else "doses ") + ", ".join(runs)


__all__ = [
    "DEFAULT_TOLERANCE",
    "ROUNDINGS",
    "Rounded",
    "Rounding",
    "as_rounding",
    "as_tolerance",
    "percent",
    "phrase",
    "round_to_containers",
    "tolerance_text",
    "whole_count",
    "rounding_notes",
]
