"""Dose ranges for people: both bounds in full, per kg and per patient, with volumes.

A dose planned from a range (``1–2×10⁶ cells/kg``) shows ``1×10⁷–2×10⁷ cells`` and ``10–20 mL``;
a target chosen within it, or given outside it, shows its own cells and is labelled.
"""

from __future__ import annotations

from celldose.protocols import format_sig
from celldose.simulator.dosing import DoseRecord, Schedule


def _span(low: float, high: float) -> str:
    """``1×10⁷–2×10⁷``; one number when the bounds meet (a cap brought the upper bound down)."""
    low_text, high_text = format_sig(low), format_sig(high)
    return high_text if low_text == high_text else f"{low_text}–{high_text}"


def is_spanned(record: DoseRecord) -> bool:
    """True when the record is a range planned without a chosen target (both bounds shown);
    a dose rounded to whole containers is one number, the dose given."""
    return record.range is not None and record.range.use == "upper bound"


def cells_text(record: DoseRecord) -> str:
    """``1×10⁷–2×10⁷ cells`` for a range, ``1.5×10⁷ cells`` for a point dose."""
    if record.range is not None and is_spanned(record):
        return f"{_span(record.range.cells_low, record.range.cells_high)} cells"
    return f"{format_sig(record.cells)} cells"


def volume_text(record: DoseRecord) -> str:
    """``10–20 mL`` for a range, ``15 mL`` for a point dose, ``—`` without a concentration."""
    span = record.range
    low, high = (span.volume_ml_low, span.volume_ml_high) if span else (None, None)
    if is_spanned(record) and low is not None and high is not None:
        return f"{_span(low, high)} mL"
    return "—" if record.volume_ml is None else f"{format_sig(record.volume_ml)} mL"


def cumulative_text(record: DoseRecord) -> str:
    """The cumulative cells after the record, both bounds for a range."""
    span = record.range
    if span is not None and is_spanned(record):
        return f"{_span(span.cumulative_low, span.cumulative_high)} cells"
    return f"{format_sig(record.cumulative_cells)} cells"


def total_cells_text(schedule: Schedule) -> str:
    """The course's total cells: ``4×10⁷–8×10⁷ cells`` when its last dose is a range's."""
    return cumulative_text(schedule.doses[-1]) if schedule.doses else "0 cells"


def total_volume_text(schedule: Schedule) -> str | None:
    """The course's total volume, both bounds when some dose is a range's."""
    total = schedule.total_volume_ml
    if total is None:
        return None
    if not any(is_spanned(d) for d in schedule.doses):
        return f"{format_sig(total)} mL"
    low = high = 0.0
    for d in schedule.doses:
        span = d.range if is_spanned(d) else None
        low += (span.volume_ml_low if span else d.volume_ml) or 0.0
        high += (span.volume_ml_high if span else d.volume_ml) or 0.0
    return f"{_span(low, high)} mL"


def source_text(record: DoseRecord, default: str) -> str:
    """How the basis line names a dose's source: chosen within a range, outside it, or as
    ``default`` (published, from --dose, from --regimen)."""
    span = record.range
    if (
        span is None
        or span.use == "upper bound"
        or (span.use == "rounded" and record.dose.is_range)
    ):
        return default
    if span.use == "rounded":  # a target chosen within the range, then rounded to whole vials
        word = record.rounded.container if record.rounded is not None else "vial"
        return f"chosen within {span.range.display()}, rounded to whole {word}s"
    if span.use == "chosen":
        return f"chosen within {span.range.display()}"
    if (record.dose.unit, record.dose.basis) != (span.range.unit, span.range.basis):
        return f"not in the basis of the range {span.range.display()}, given with --override-range"
    return f"outside the range {span.range.display()}, given with --override-range"


def range_line(record: DoseRecord, weight_text: str) -> str | None:
    """``range: 1×10⁷–2×10⁷ cells per dose for 10 kg; ordered at the upper bound …``."""
    span = record.range
    if span is None:
        return None
    cells = f"{_span(span.cells_low, span.cells_high)} cells per dose for {weight_text}"
    if span.use == "upper bound":
        if record.capped_by is not None:  # a limit lowered the upper bound
            high = f"{format_sig(span.cells_high)} cells"
            return f"range: {cells}; vials are ordered at the upper bound as limited, {high}"
        upper = span.range.upper().display()
        return f"range: {cells}; vials are ordered at the upper bound {upper}"
    return f"range: {cells}"


def branch_cells_text(schedule: Schedule) -> str:
    """The cells of a branch's own doses: ``8×10⁷ cells``, or both bounds of its ranges."""
    high = sum(d.cells for d in schedule.doses)
    if not any(is_spanned(d) for d in schedule.doses):
        return f"{format_sig(high)} cells"
    low = sum(
        d.range.cells_low if d.range is not None and is_spanned(d) else d.cells
        for d in schedule.doses
    )
    return f"{_span(low, high)} cells"
