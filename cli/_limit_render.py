"""Limits in `celldose dose`'s table: the planned doses a course maximum stopped."""

from __future__ import annotations

from celldose.cli._flags import to_flags
from celldose.simulator.dosing import Schedule


def stopped_lines(schedule: Schedule) -> list[str]:
    """One line per planned dose that a course maximum stopped (listed, never dropped)."""
    out = []
    for gone in schedule.stopped:
        when = f"day {gone.day}" if gone.day is not None else "its day"
        if gone.date is not None:
            when += f", {gone.date}"
        out.append(f"dose {gone.number} ({when}): not given, stopped ({to_flags(gone.reason)})")
    return out


__all__ = ["stopped_lines"]
