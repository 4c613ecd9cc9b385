"""Dose ranges in a plan: a range kept as a range, a target chosen within it, or given outside it.

A published range (``1–2×10⁶ cells/kg``) is planned with both bounds: each dose's cells,
volume and cumulative cells at the lower and at the upper bound (:class:`RangeCells`). Where one
number is needed and none was chosen (vials, the course total in cells, cohort demand) the upper
bound is used, and the plan says so. ``dose=`` picks a target within the range (labelled
"chosen within …"); a target outside it is refused unless ``override_range=True`` (labelled).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from celldose.protocols import Branch, Dose, OptionError

# How the dose given relates to the published range: the range itself (ordered at its upper
# bound), a target chosen within it, a target outside it (override_range=True), or the range
# rounded to whole containers within it (rounding=).
RangeUse = Literal["upper bound", "chosen", "override", "rounded"]

_NO_RANGE: dict[str, Any] = {
    "dose_range": None,
    "dose_use": None,
    "cells_low": None,
    "cells_high": None,
    "volume_ml_low": None,
    "volume_ml_high": None,
    "cumulative_cells_low": None,
    "cumulative_cells_high": None,
}


@dataclass(frozen=True)
class RangeCells:
    """One dose of a published range: both bounds in cells, volume and cumulative cells."""

    range: Dose  # the published range
    use: RangeUse
    cells_low: float
    cells_high: float
    volume_ml_low: float | None
    volume_ml_high: float | None
    cumulative_low: float
    cumulative_high: float

    def record(self) -> dict[str, Any]:
        """The range fields of a dose's JSON/CSV record (all null for a point dose)."""
        return {
            "dose_range": str(self.range),
            "dose_use": self.use,
            "cells_low": self.cells_low,
            "cells_high": self.cells_high,
            "volume_ml_low": self.volume_ml_low,
            "volume_ml_high": self.volume_ml_high,
            "cumulative_cells_low": self.cumulative_low,
            "cumulative_cells_high": self.cumulative_high,
        }


def no_range_record() -> dict[str, Any]:
    """The range fields of a point dose's record: all null."""
    return dict(_NO_RANGE)


def replace_dose(reported: Dose, given: Dose, override_range: bool, where: str) -> str | None:
    """The label for ``given`` (``dose=``) replacing the reported range of ``where``; None when
    ``reported`` is not a range (or ``given`` is one: then it simply replaces it).

    A point within a reported range is a target chosen within it; outside it, it is refused
    unless ``override_range``.

    >>> from celldose.protocols import parse_dose
    >>> replace_dose(parse_dose("1–2×10⁶ cells/kg"), parse_dose("1.5e6 cells/kg"), False, "(p)")
    'dose 1.5×10⁶ cells/kg chosen within 1×10⁶–2×10⁶ cells/kg (p)'
    """
    if not reported.is_range or given.is_range:
        return None
    if reported.contains(given):
        return f"dose {given} chosen within {reported} {where}"
    if (given.unit, given.basis) != (reported.unit, reported.basis):
        # never "outside": a dose in another basis may well lie inside the range
        other = (
            f"the dose {given} is {_basis_word(given)}, the dose range {reported} {where} is "
            f"{_basis_word(reported)}"
        )
        if not override_range:
            raise OptionError(
                f"{other}: a dose chosen within a range is given in the range's basis",
                f"give dose= as {reported.suffix} within the range, or pass override_range=True "
                "to give it anyway, labelled on every output",
                fields=("dose", "override_range"),
            )
        return f"{other}; dose {given} from dose= given with override_range=True"
    if not override_range:
        raise OptionError(
            f"the dose {given} is outside the dose range {reported} {where}",
            "choose a dose within the range, or pass override_range=True to give it anyway, "
            "labelled on every output",
            fields=("dose", "override_range"),
        )
    return (
        f"dose {given} from dose= is outside the dose range {reported} {where} "
        "(given with override_range=True)"
    )


def _basis_word(dose: Dose) -> str:
    """``per kg``, ``per m²``, ``flat`` (``flat, in mg`` for another unit than cells)."""
    return dose.basis if dose.is_cells else f"{dose.basis}, in {dose.unit}"


def range_use(dose: Dose, published: Dose | None) -> tuple[Dose, RangeUse] | None:
    """The published range behind ``dose`` and how it is used; None without a range."""
    if dose.is_range:
        return dose, "upper bound"
    if published is None or not published.is_range:
        return None
    return published, "chosen" if published.contains(dose) else "override"


def branch_published(branch: Branch, course_last: Dose | None) -> list[Dose | None]:
    """The published dose of each phase of ``branch`` (a phase without one takes the dose in
    effect; not reported: None)."""
    out: list[Dose | None] = []
    current = course_last
    for phase in branch.phases:
        if isinstance(phase.dose, Dose):
            current = phase.dose
        elif phase.dose is not None:  # not reported
            current = None
        out.append(current)
    return out


def upper_bound_note(
    ranges: Sequence[Dose], *, limited: bool = False, rounded: str | None = None
) -> str | None:
    """The label every output carries when a range is planned without a chosen target
    (``limited``: the plan's limits may lower the upper bound, and the note says so;
    ``rounded``: the container word when each dose is rounded to whole containers, then one
    dose is given within the range)."""
    if not ranges:
        return None
    shown = ", ".join(f"{r.display()}" for r in dict.fromkeys(ranges))
    uppers = ", ".join(r.upper().display() for r in dict.fromkeys(ranges))
    below = ", or at the limit where one caps the dose" if limited else ""
    if rounded is not None:
        return (
            f"dose range {shown}: each dose is its upper bound {uppers}{below}, rounded to "
            f"whole {rounded}s within the range (one dose given, see the rounding note); "
            "dose= chooses a target within the range"
        )
    return (
        f"dose range {shown} kept as a range; where one number is needed (vials, totals, "
        f"cohort demand) it is ordered at the upper bound {uppers}{below}; dose= chooses a "
        "target within the range"
    )


__all__ = [
    "RangeCells",
    "RangeUse",
    "branch_published",
    "no_range_record",
    "range_use",
    "replace_dose",
    "upper_bound_note",
]
